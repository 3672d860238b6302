// Command setspn is the setspn.exe stand-in of package setspnsim, built for
// Windows (GOOS=windows) to run the generated .cmd scripts under wine.
package main

import (
	"os"
	"strings"

	"github.com/spntrust/spntrust/internal/setspnsim"
)

func main() {
	var deny []string
	if d := os.Getenv(setspnsim.DenyEnv); d != "" {
		deny = strings.Split(d, ",")
	}
	os.Exit(setspnsim.Run(os.Args[1:], os.Getenv(setspnsim.TableEnv), deny, os.Stdout, os.Stderr))
}
