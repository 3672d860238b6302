// Package atomicfile writes files so that a reader sees either the old
// content or the complete new content, never a half-written file.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile writes data to path as Write does.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write streams what fn writes into a temporary file in the same directory
// as path, syncs it, sets perm and renames it over path. If fn or any write
// fails, the temporary file is removed, path is left untouched, and fn's
// error is returned as it is (so that a caller can tell it apart).
//
// An existing device, pipe or socket (/dev/null, /dev/stdout, a FIFO) is
// written straight into: a rename would replace it with a regular file, so
// there a failing fn leaves what it wrote so far. A directory is an error.
func Write(path string, perm os.FileMode, fn func(io.Writer) error) (err error) {
	if fi, statErr := os.Stat(path); statErr == nil && !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return fmt.Errorf("write %s: it is a directory; give a file name", path)
		}
		return writeInPlace(path, fn)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: create temporary file in %s: %w", path, dir, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: set permissions: %w", path, err)
	}
	if err = protect(tmp, perm); err != nil { // Windows: an owner-only ACL for 0600
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = stream(tmp, path, fn); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: close: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: rename into place: %w", path, err)
	}
	return nil
}

// stream runs fn on a buffered writer into f and flushes it. A write error
// is reported as one, even when fn returns it.
func stream(f *os.File, path string, fn func(io.Writer) error) error {
	ew := &errWriter{w: f}
	bw := bufio.NewWriterSize(ew, 256<<10)
	ferr := fn(bw)
	if ferr == nil {
		ferr = bw.Flush()
	}
	if ew.err != nil {
		return fmt.Errorf("write %s: %w", path, ew.err)
	}
	return ferr
}

// errWriter remembers the first error of the file it writes to.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func writeInPlace(path string, fn func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := stream(f, path, fn); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
