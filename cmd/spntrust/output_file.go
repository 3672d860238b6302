package main

import "github.com/spntrust/spntrust/internal/atomicfile"

// writeFile writes a report or baseline to path, atomically and mode 0600
// (a device or pipe such as /dev/stdout is written straight into).
func writeFile(path string, data []byte) error {
	return atomicfile.WriteFile(path, data, 0o600)
}
