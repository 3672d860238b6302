//go:build !unix

package atomicfile

import "errors"

// mkfifo: Windows has no named pipes in the file system (they live under
// \\.\pipe\), so the tests that need one skip.
func mkfifo(string) error { return errors.New("no FIFOs in the file system on this platform") }
