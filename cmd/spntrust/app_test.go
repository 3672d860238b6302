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

const seed = "../../testdata/snapshots/seed.json"

// run executes the command line in-process with captured streams and a
// fixed clock (reports and golden files must not depend on the time).
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runWithClock(t, func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }, args...)
}

// runLive is run with the real clock, for tests that measure skew against
// the lab's KDCs.
func runLive(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runWithClock(t, time.Now, args...)
}

func runWithClock(t *testing.T, now func() time.Time, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{Version: "test", Stdout: &out, Stderr: &errOut, Now: now}
	code = app.Main(args)
	return code, out.String(), errOut.String()
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no fail-on: findings do not fail", []string{"audit", "--from", seed}, ExitOK, ""},
		{"fail-on high with a high finding", []string{"audit", "--from", seed, "--fail-on", "high"}, ExitFindings, ""},
		{"fail-on critical with only high", []string{"audit", "--from", seed, "--fail-on", "critical"}, ExitOK, ""},
		{"missing snapshot", []string{"audit", "--from", "/nonexistent.json"}, ExitUsage, "/nonexistent.json"},
		{"no source", []string{"audit"}, ExitUsage, "--from"},
		{"bad severity", []string{"audit", "--from", seed, "--fail-on", "severe"}, ExitUsage, "unknown severity"},
		{"bad format", []string{"audit", "--from", seed, "--format", "pdf"}, ExitUsage, "unknown report format"},
		{"unknown check", []string{"audit", "--from", seed, "--checks", "SPN-NOPE"}, ExitUsage, "unknown check ID"},
		{"bad port", []string{"audit", "--from", seed, "--move-port", "0"}, ExitUsage, "--move-port"},
		{"unknown flag", []string{"audit", "--bogus"}, ExitUsage, "unknown flag"},
		{"bad DNS source", []string{"audit", "--server", "dc1.corp.example", "--dns-source", "zones"}, ExitUsage, `--dns-source "zones": use auto`},
		{"bad paging policy", []string{"audit", "--server", "dc1.corp.example", "--paging", "never"}, ExitUsage, `--paging: unknown paging policy "never": want "auto"`},
		{"unknown command", []string{"frobnicate"}, ExitUsage, "unknown command"},
		{"explain unknown check", []string{"checks", "explain", "NOPE"}, ExitUsage, "unknown check ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (stderr: %s)", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr %q does not mention %q", stderr, tt.wantErr)
			}
		})
	}
}

func TestBadSnapshotNamesFileAndField(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(path, []byte(`{"schemaVersion": 7}`), 0o600)
	code, _, stderr := run(t, "audit", "--from", path)
	if code != ExitUsage || !strings.Contains(stderr, path) || !strings.Contains(stderr, "schemaVersion") {
		t.Errorf("code %d, stderr %q", code, stderr)
	}
}

func TestAuditWritesSeveralFormatsAtomically(t *testing.T) {
	dir := t.TempDir()
	txt, js := filepath.Join(dir, "r.txt"), filepath.Join(dir, "r.json")
	code, stdout, stderr := run(t, "audit", "--from", seed, "--output", "text="+txt, "--output", "json="+js)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("report went to stdout as well: %q", stdout)
	}
	text, _ := os.ReadFile(txt)
	if !strings.Contains(string(text), "SPN-USER-HOST-ALIAS") || !strings.Contains(string(text), "Summary: 1 finding") {
		t.Errorf("text report incomplete:\n%s", text)
	}
	var rep struct {
		Tool     struct{ Version string }
		Findings []struct{ CheckID string }
	}
	data, _ := os.ReadFile(js)
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("JSON report: %v", err)
	}
	if rep.Tool.Version != "test" || len(rep.Findings) != 1 {
		t.Errorf("JSON report = %+v", rep)
	}
	if !strings.Contains(stderr, "written to "+txt) {
		t.Errorf("stderr does not say where the report went: %q", stderr)
	}
}

func TestOutputIntoMissingDirectoryIsAClearError(t *testing.T) {
	code, _, stderr := run(t, "audit", "--from", seed, "--output", "/nonexistent/dir/r.txt")
	if code != ExitUsage || !strings.Contains(stderr, "/nonexistent/dir/r.txt") {
		t.Errorf("code %d, stderr %q", code, stderr)
	}
}

func TestChecksListAndExplain(t *testing.T) {
	code, out, _ := run(t, "checks", "list")
	if code != ExitOK || !strings.Contains(out, "SPN-USER-HOST-ALIAS") {
		t.Errorf("checks list: %d %q", code, out)
	}
	code, out, _ = run(t, "checks", "list", "--format", "json")
	var rows []map[string]any
	if code != ExitOK || json.Unmarshal([]byte(out), &rows) != nil || len(rows) == 0 {
		t.Errorf("checks list --format json: %d %q", code, out)
	}
	code, out, _ = run(t, "checks", "explain", "spn-user-host-alias")
	if code != ExitOK || !strings.Contains(out, "Why it breaks Kerberos") {
		t.Errorf("checks explain: %d %q", code, out)
	}
}

func TestVersionAndCompletion(t *testing.T) {
	if code, out, _ := run(t, "version"); code != ExitOK || !strings.HasPrefix(out, "spntrust test\n") ||
		!strings.Contains(out, "commit:") || !strings.Contains(out, "built:") || !strings.Contains(out, "go:       go1.") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, out, _ := run(t, "completion", "bash"); code != ExitOK || !strings.Contains(out, "spntrust") {
		t.Errorf("completion bash: %d, %d bytes", code, len(out))
	}
}
