//go:build unix

package main

import "syscall"

// mkfifo makes a named pipe for the tests that write reports into one.
func mkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }
