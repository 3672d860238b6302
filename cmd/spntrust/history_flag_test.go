package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/history"
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
	}{
		{"audit, $SPNTRUST_HISTORY", map[string]string{historyEnv: url}, []string{"audit", "--from", seed}},
		{"audit --history", nil, []string{"audit", "--from", seed, "--history", url}},
		{"diff, $SPNTRUST_HISTORY", map[string]string{historyEnv: url}, []string{"diff"}},
		{"diff --history", nil, []string{"diff", "--history", url}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runEnv(t, nov, tc.env, tc.args...)
			if strings.Contains(stdout+stderr, secret) {
				t.Fatalf("the password was printed:\n%s%s", stdout, stderr)
			}
			if code != ExitUsage || !strings.Contains(stderr, masked) || strings.Contains(stderr, "does not exist") {
				t.Errorf("exit %d, want %d and an error naming %s (not a path check):\n%s", code, ExitUsage, masked, stderr)
			}
		})
	}
}
