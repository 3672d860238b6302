// Command spntrust audits Active Directory for Kerberos readiness and writes
// the fixes. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spntrust/spntrust/internal/buildinfo"
)

func main() {
	build := buildinfo.Get()
	app := &App{
		Version: build.Version,
		Build:   build,
		Stdin:   os.Stdin,
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
		Now:     time.Now,
	}
	// Ctrl-C or SIGTERM cancels network work; files are written atomically,
	// so nothing is left half-written.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.MainContext(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
