//go:build windows

// Package onwine tells whether a Windows build runs under wine, for the few
// places where wine's Windows differs from Windows in a way spntrust must
// work around (see the callers).
package onwine

import (
	"sync"

	"golang.org/x/sys/windows"
)

// Detected reports whether ntdll exports wine_get_version, which only
// wine's does.
var Detected = sync.OnceValue(func() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
})
