// Command spntrust audits Active Directory for Kerberos readiness and writes
// the fixes. See README.md.
package main

import (
	"os"
	"time"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	app := &App{
		Version: version,
		Stdin:   os.Stdin,
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
		Now:     time.Now,
	}
	os.Exit(app.Main(os.Args[1:]))
}
