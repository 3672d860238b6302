//go:build !windows

// Package onwine tells whether a Windows build runs under wine; other
// builds never do.
package onwine

// Detected is false outside Windows builds.
func Detected() bool { return false }
