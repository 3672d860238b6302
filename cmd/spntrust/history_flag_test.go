package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/spntrust/spntrust/history"
	"github.com/spntrust/spntrust/internal/pgtest"
)

// runEnv executes the command line with the clock set to now and the
// environment given (nothing else of the process's environment is seen
// through App.Getenv).
func runEnv(t *testing.T, now time.Time, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{Version: "test", Stdout: &out, Stderr: &errOut, Now: func() time.Time { return now },
		Getenv: func(k string) string { return env[k] }}
	code = app.Main(args)
	return code, out.String(), errOut.String()
}

// runsIn counts the runs recorded in a history.
func runsIn(t *testing.T, location string) int {
	t.Helper()
	s, err := history.Open(context.Background(), location, false)
	if err != nil {
		t.Fatalf("open %s: %v", history.Redact(location), err)
	}
	defer s.Close()
	runs, err := s.Runs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(runs)
}

func TestSPNTRUSTHISTORYNamesTheHistoryWhenTheFlagIsNotGiven(t *testing.T) {
	dir := t.TempDir()
	fromEnv, fromFlag := filepath.Join(dir, "env.db"), filepath.Join(dir, "flag.db")
	env := map[string]string{historyEnv: fromEnv}

	// audit records into $SPNTRUST_HISTORY, twice (two clocks: two runs).
	for i, at := range []time.Time{nov, nov.Add(time.Hour)} {
		code, _, stderr := runEnv(t, at, env, "audit", "--from", seed)
		if want := fmt.Sprintf("run %d recorded in %s", i+1, fromEnv); code != ExitOK || !strings.Contains(stderr, want) {
			t.Fatalf("audit with $SPNTRUST_HISTORY: exit %d, want %q in: %s", code, want, stderr)
		}
	}
	// diff reads it without --history.
	code, stdout, stderr := runEnv(t, nov, env, "diff")
	if code != ExitOK || !strings.Contains(stdout, "from run 1") || !strings.Contains(stdout, "to run 2") {
		t.Errorf("diff with $SPNTRUST_HISTORY: exit %d, %s\n%s", code, stderr, stdout)
	}
	// The flag wins over the environment, for audit and for diff.
	if code, _, stderr := runEnv(t, nov, env, "audit", "--from", seed, "--history", fromFlag); code != ExitOK || !strings.Contains(stderr, "recorded in "+fromFlag) {
		t.Fatalf("audit --history with $SPNTRUST_HISTORY set: exit %d, %s", code, stderr)
	}
	if n := runsIn(t, fromEnv); n != 2 {
		t.Errorf("$SPNTRUST_HISTORY holds %d runs after audit --history elsewhere, want 2", n)
	}
	if code, _, stderr := runEnv(t, nov, env, "diff", "--history", fromFlag); code != ExitUsage || !strings.Contains(stderr, "1 run(s) recorded") {
		t.Errorf("diff --history (one run) with $SPNTRUST_HISTORY (two runs) set: exit %d, %s", code, stderr)
	}
	// --history= turns recording off whatever the environment says.
	if code, _, stderr := runEnv(t, nov.Add(2*time.Hour), env, "audit", "--from", seed, "--history="); code != ExitOK || strings.Contains(stderr, "recorded") {
		t.Errorf("audit --history= : exit %d, %s", code, stderr)
	}
	if n := runsIn(t, fromEnv); n != 2 {
		t.Errorf("audit --history= recorded into $SPNTRUST_HISTORY: %d runs, want 2", n)
	}
	// A path check names where the bad location came from.
	bad := filepath.Join(dir, "missing", "h.db")
	code, _, stderr = runEnv(t, nov, map[string]string{historyEnv: bad}, "audit", "--from", seed)
	if code != ExitUsage || !strings.Contains(stderr, "$SPNTRUST_HISTORY "+bad) || !strings.Contains(stderr, "does not exist") {
		t.Errorf("$SPNTRUST_HISTORY in a missing directory: exit %d, %s", code, stderr)
	}
	// baseline create does not record: $SPNTRUST_HISTORY does not change it.
	code, _, stderr = runEnv(t, nov, env, "baseline", "create", "--from", seed, "--out", filepath.Join(dir, "b.json"), "--owner", "o", "--reason", "r")
	if code != ExitOK || runsIn(t, fromEnv) != 2 {
		t.Errorf("baseline create with $SPNTRUST_HISTORY: exit %d, %s", code, stderr)
	}
}

// A PostgreSQL URL is no file path, and its password is never printed:
// not by the path checks, not when the server cannot be reached.
func TestAPostgresHistoryThatCannotBeReachedIsNamedWithItsPasswordMasked(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now
	const secret = "Hist-Secret-91c2"
	url := fmt.Sprintf("postgres://spntrust:%s@127.0.0.1:%d/spntrust?sslmode=disable&connect_timeout=5", secret, port)
	masked := history.Redact(url)
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		warn bool // a password on the command line is warned about
	}{
		{"audit, $SPNTRUST_HISTORY", map[string]string{historyEnv: url}, []string{"audit", "--from", seed}, false},
		{"audit --history", nil, []string{"audit", "--from", seed, "--history", url}, true},
		{"diff, $SPNTRUST_HISTORY", map[string]string{historyEnv: url}, []string{"diff"}, false},
		{"diff --history", nil, []string{"diff", "--history", url}, true},
		{"history import, $SPNTRUST_HISTORY", map[string]string{historyEnv: url}, []string{"history", "import", seed}, false},
		{"history import --history", nil, []string{"history", "import", "--history", url, seed}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runEnv(t, nov, tc.env, tc.args...)
			if strings.Contains(stdout+stderr, secret) {
				t.Fatalf("the password was printed:\n%s%s", stdout, stderr)
			}
			if warned := strings.Contains(stderr, "WARNING: the --history URL carries a password"); warned != tc.warn {
				t.Errorf("warned about the password on the command line: %v, want %v:\n%s", warned, tc.warn, stderr)
			}
			if code != ExitUsage || !strings.Contains(stderr, masked) || strings.Contains(stderr, "does not exist") {
				t.Errorf("exit %d, want %d and an error naming %s (not a path check):\n%s", code, ExitUsage, masked, stderr)
			}
		})
	}
}

// The way the README and the packaging examples give PostgreSQL its
// password: a passfile named in the URL, nothing secret on the command line.
func TestAPostgresPassfileKeepsThePasswordOffTheCommandLine(t *testing.T) {
	loc := pgtest.Shared(t).NewDatabase(t)
	u, err := neturl.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	u.User = neturl.User(u.User.Username())
	passfile := filepath.Join(t.TempDir(), "pgpass")
	if err := os.WriteFile(passfile, []byte(fmt.Sprintf("%s:%s:%s:%s:%s\n", u.Hostname(), u.Port(), strings.TrimPrefix(u.Path, "/"), u.User.Username(), pw)), 0o600); err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("passfile", passfile)
	u.RawQuery = q.Encode()
	code, _, stderr := runEnv(t, nov, nil, "audit", "--from", seed, "--history", u.String())
	if code != ExitOK || !strings.Contains(stderr, "run 1 recorded in ") || strings.Contains(stderr, "WARNING") || strings.Contains(stderr, pw) {
		t.Errorf("audit --history URL with passfile: exit %d:\n%s", code, stderr)
	}
}

// Every command that binds to a directory takes its credentials from a
// keytab or a file (or $SPNTRUST_PASSWORD, a prompt, a credential cache);
// no command has a flag that takes a secret's value.
func TestNoCommandTakesASecretOnTheCommandLine(t *testing.T) {
	root := (&App{Stdout: io.Discard, Stderr: io.Discard}).rootCommand()
	binders := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		fl := c.Flags()
		if fl.Lookup("user") != nil {
			binders++
			for _, want := range []string{"password-file", "keytab"} {
				if fl.Lookup(want) == nil {
					t.Errorf("%s binds (--user) but has no --%s", c.CommandPath(), want)
				}
			}
		}
		fl.VisitAll(func(f *pflag.Flag) {
			if !strings.HasPrefix(f.Value.Type(), "string") { // --password-age-days is a number of days
				return
			}
			name := strings.ToLower(f.Name)
			for _, s := range []string{"password", "secret", "token", "passphrase", "credential"} {
				if strings.Contains(name, s) && !strings.HasSuffix(name, "-file") {
					t.Errorf("%s --%s takes a secret on the command line", c.CommandPath(), f.Name)
				}
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if binders < 4 { // audit, probe, remediate, fix
		t.Errorf("%d commands bind; audit, probe, remediate and fix do", binders)
	}
}
