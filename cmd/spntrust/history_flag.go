package main

import (
	"fmt"
	"io"
	"net/url"

	"github.com/spf13/pflag"

	"github.com/spntrust/spntrust/history"
)

// historyEnv names the run history wherever --history is accepted (audit,
// diff, history import, serve) when the flag is not given: a scheduled
// run's unit or CronJob sets it once, from a secret when it is a
// postgres:// URL, instead of repeating the location on every command line.
const historyEnv = "SPNTRUST_HISTORY"

// historyHelp is the --history flag's text after what the command does with
// the history.
const historyHelp = ": an SQLite file or a postgres:// URL (password in a passfile, not the URL); default $" + historyEnv

// historyLocation is the history a command uses: --history when it was
// given (even empty, which turns audit's recording off), else
// $SPNTRUST_HISTORY when set, else def. from names where the location came
// from, for messages ("--history" or "$SPNTRUST_HISTORY").
func historyLocation(flag *pflag.Flag, getenv func(string) string, def string) (location, from string) {
	if flag != nil && flag.Changed {
		return flag.Value.String(), "--history"
	}
	if v := getenv(historyEnv); v != "" {
		return v, "$" + historyEnv
	}
	return def, "--history"
}

// historyPathCheck is the path check of a history location: an SQLite file
// is checked like every file a run writes; a PostgreSQL URL is no path (the
// store is reached when the run is recorded).
func historyPathCheck(location, from string) pathCheck {
	if history.IsPostgres(location) {
		return pathCheck{}
	}
	return pathCheck{flag: from, path: location}
}

// warnHistoryPassword warns, loudly, when a postgres:// URL given with
// --history carries a password: the command line is readable by every user
// of the machine (ps, /proc/PID/cmdline) and stays in shell history. The
// run goes on (a test database may be fine); the password is never printed.
func warnHistoryPassword(w io.Writer, location, from string) {
	if from != "--history" || !history.IsPostgres(location) {
		return
	}
	u, err := url.Parse(location)
	if err != nil {
		return
	}
	if _, ok := u.User.Password(); ok || u.Query().Has("password") {
		fmt.Fprintf(w, "spntrust: WARNING: the --history URL carries a password: every user of this machine can read it in the process list, and it stays in your shell history. "+
			"Put it in a passfile (passfile=FILE in the URL, or $PGPASSFILE), or give the URL in $%s.\n", historyEnv)
	}
}
