package main

import (
	"io"

	"github.com/spntrust/spntrust/internal/atomicfile"
)

// writeFile writes a report or baseline to path, atomically and mode 0600
// (a device or pipe such as /dev/stdout is written straight into).
func writeFile(path string, data []byte) error {
	return atomicfile.WriteFile(path, data, 0o600)
}

// streamFile is writeFile for what fn writes, without holding it in memory;
// fn's error is returned as it is.
func streamFile(path string, fn func(io.Writer) error) error {
	return atomicfile.Write(path, 0o600, fn)
}
