package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runAt executes the command line with the clock set to now.
func runAt(t *testing.T, now time.Time, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{Version: "test", Stdout: &out, Stderr: &errOut, Now: func() time.Time { return now }}
	code = app.Main(args)
	return code, out.String(), errOut.String()
}

var (
	jan = time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	nov = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
)

func TestBaselineAcceptsUntilExpiry(t *testing.T) {
	dir := t.TempDir()
	forever, expiring := filepath.Join(dir, "forever.json"), filepath.Join(dir, "expiring.json")
	code, _, stderr := runAt(t, jan, "baseline", "create", "--from", seed, "--out", forever, "--owner", "web team", "--reason", "CHG-1234")
	if code != ExitOK || !strings.Contains(stderr, "accepted by web team, no expiry") {
		t.Fatalf("create: exit %d: %s", code, stderr)
	}
	code, _, stderr = runAt(t, jan, "baseline", "create", "--from", seed, "--out", expiring, "--owner", "web team", "--reason", "CHG-1234", "--expires", "2026-06-30")
	if code != ExitOK {
		t.Fatalf("create: exit %d: %s", code, stderr)
	}
	if st, err := os.Stat(forever); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("baseline file mode: %v %v", st, err)
	}

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"without a baseline the high finding fails", []string{"audit", "--from", seed, "--fail-on", "high"}, ExitFindings, "", ""},
		{"an accepted finding does not fail the run", []string{"audit", "--from", seed, "--fail-on", "high", "--baseline", forever},
			ExitOK, "Baseline: accepted (owner web team, until -): CHG-1234", "0 expired"},
		{"an expired acceptance fails the run again", []string{"audit", "--from", seed, "--fail-on", "high", "--baseline", expiring},
			ExitFindings, "Baseline: expired (owner web team, until 2026-06-30)", "1 expired"},
		{"a missing baseline file is bad input", []string{"audit", "--from", seed, "--baseline", filepath.Join(dir, "nope.json")},
			ExitUsage, "", "nope.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runAt(t, nov, append(tt.args, "--checks", "SPN-USER-HOST-ALIAS")...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stdout, tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, stdout)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr lacks %q: %s", tt.wantErr, stderr)
			}
		})
	}
}

func TestBaselineCreateUsage(t *testing.T) {
	out := filepath.Join(t.TempDir(), "b.json")
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no owner", []string{"--from", seed, "--out", out, "--reason", "r"}, "--owner and --reason"},
		{"no reason", []string{"--from", seed, "--out", out, "--owner", "o"}, "--owner and --reason"},
		{"no snapshot", []string{"--out", out, "--owner", "o", "--reason", "r"}, "--from"},
		{"no out", []string{"--from", seed, "--owner", "o", "--reason", "r"}, "--out"},
		{"expiry in the past", []string{"--from", seed, "--out", out, "--owner", "o", "--reason", "r", "--expires", "2026-01-01"}, "in the past"},
		{"bad expiry", []string{"--from", seed, "--out", out, "--owner", "o", "--reason", "r", "--expires", "next week"}, "YYYY-MM-DD"},
		{"audit flag", []string{"--from", seed, "--out", out, "--owner", "o", "--reason", "r", "--output", "x"}, "belongs to audit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runAt(t, nov, append([]string{"baseline", "create"}, tt.args...)...)
			if code != ExitUsage || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, ExitUsage, tt.wantErr)
			}
		})
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused create wrote the file")
	}
}

func TestAuditWritesEveryFormatWithBaselineMarks(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "b.json")
	if code, _, stderr := runAt(t, nov, "baseline", "create", "--from", seed, "--out", base, "--owner", "ops", "--reason", "known"); code != ExitOK {
		t.Fatalf("create: %s", stderr)
	}
	args := []string{"audit", "--from", seed, "--baseline", base}
	want := map[string]string{
		"html": "baseline-accepted", "csv": ",accepted,", "markdown": "Baseline: accepted", "junit": "accepted by baseline",
		"sarif": `"status": "accepted"`, "prometheus": "spntrust_findings_accepted", "json": `"baseline"`, "text": "Baseline: accepted",
	}
	for format := range want {
		args = append(args, "--output", format+"="+filepath.Join(dir, "r."+format))
	}
	code, stdout, stderr := runAt(t, nov, args...)
	if code != ExitOK || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	for format, mark := range want {
		data, err := os.ReadFile(filepath.Join(dir, "r."+format))
		if err != nil {
			t.Errorf("%s: %v", format, err)
			continue
		}
		if !strings.Contains(string(data), mark) {
			t.Errorf("%s report does not mark the accepted finding (%q)", format, mark)
		}
	}
}

func TestHistoryAndDiffFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	code, _, stderr := runAt(t, nov, "diff", "--history", db)
	if code != ExitUsage || !strings.Contains(stderr, "audit --history") {
		t.Errorf("diff without a history file: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runAt(t, nov, "audit", "--from", seed, "--history", db); code != ExitOK || !strings.Contains(stderr, "run 1 recorded") {
		t.Fatalf("first run: exit %d, %s", code, stderr)
	}
	if st, err := os.Stat(db); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("history file mode: %v %v", st, err)
	}
	if code, _, stderr := runAt(t, nov, "diff", "--history", db); code != ExitUsage || !strings.Contains(stderr, "needs two") {
		t.Errorf("diff with one run: exit %d, %s", code, stderr)
	}
	// The same report again (same snapshot, same clock): recorded once.
	if code, _, stderr := runAt(t, nov, "audit", "--from", seed, "--history", db); code != ExitOK || !strings.Contains(stderr, "run 1 already recorded") {
		t.Fatalf("the same run again: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runAt(t, nov.Add(time.Hour), "audit", "--from", seed, "--history", db); code != ExitOK || !strings.Contains(stderr, "run 2 recorded") {
		t.Fatalf("second run: exit %d, %s", code, stderr)
	}
	code, stdout, stderr := runAt(t, nov, "diff", "--history", db, "--since-last")
	if code != ExitOK || !strings.Contains(stdout, "from run 1") || !strings.Contains(stdout, "to run 2") || !strings.Contains(stdout, "0 new, 0 resolved") {
		t.Errorf("text diff: exit %d, %s\n%s", code, stderr, stdout)
	}
	code, stdout, stderr = runAt(t, nov, "diff", "--history", db, "--from", "1", "--to", "2", "--format", "json")
	var d struct {
		From, To                 struct{ ID int64 }
		New, Resolved, Unchanged []struct{ Fingerprint string }
	}
	if code != ExitOK || json.Unmarshal([]byte(stdout), &d) != nil || d.From.ID != 1 || d.To.ID != 2 || len(d.Unchanged) == 0 {
		t.Errorf("json diff: exit %d, %s\n%s", code, stderr, stdout)
	}
	for _, bad := range [][]string{{"--from", "1"}, {"--from", "1", "--to", "9"}, {"--format", "xml"}, {"--from", "1", "--to", "2", "--since-last"}} {
		if code, _, stderr := runAt(t, nov, append([]string{"diff", "--history", db}, bad...)...); code != ExitUsage {
			t.Errorf("diff %v: exit %d, want %d (%s)", bad, code, ExitUsage, stderr)
		}
	}
}

// A report sent to a device (here a FIFO standing in for /dev/null or
// /dev/stdout) must be written into it, not renamed over it.
func TestOutputToANonRegularFileKeepsTheFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := mkfifo(fifo); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	got := make(chan []byte)
	go func() {
		data, _ := os.ReadFile(fifo)
		got <- data
	}()
	code, _, stderr := runAt(t, nov, "audit", "--from", seed, "--output", "json="+fifo)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if data := <-got; !strings.Contains(string(data), `"findings"`) {
		t.Errorf("the pipe got %q", data)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", fi.Mode(), err)
	}
	if code, _, stderr := runAt(t, nov, "audit", "--from", seed, "--output", "json="+dir); code != ExitUsage || !strings.Contains(stderr, "directory") {
		t.Errorf("output to a directory: exit %d, %s", code, stderr)
	}
}
