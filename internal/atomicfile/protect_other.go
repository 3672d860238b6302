//go:build !windows

package atomicfile

import "os"

// protect: on Unix the mode set by Chmod is the protection.
func protect(*os.File, os.FileMode) error { return nil }
