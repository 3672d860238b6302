package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRemediateExitCodes(t *testing.T) {
	out := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"writes the plan and scripts", []string{"remediate", "--from", seed, "--out", out}, ExitOK, "1 account to change"},
		{"no --out", []string{"remediate", "--from", seed}, ExitUsage, "--out"},
		{"no --from", []string{"remediate", "--out", out}, ExitUsage, "--from"},
		{"bad format", []string{"remediate", "--from", seed, "--out", out, "--format", "cmd,pdf"}, ExitUsage, "unknown script format"},
		{"bad strategy", []string{"remediate", "--from", seed, "--out", out, "--strategy", "delete"}, ExitUsage, "move-port, remove or aes"},
		{"bad port", []string{"remediate", "--from", seed, "--out", out, "--port", "70000"}, ExitUsage, "--port"},
		{"unknown check", []string{"remediate", "--from", seed, "--out", out, "--checks", "SPN-NOPE"}, ExitUsage, "unknown check ID"},
		{"missing snapshot", []string{"remediate", "--from", "/nonexistent.json", "--out", out}, ExitUsage, "/nonexistent.json"},
		{"output directory cannot be created", []string{"remediate", "--from", seed, "--out", "/proc/spntrust-no"}, ExitUsage, "/proc/spntrust-no"},
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

func TestRemediateWritesRequestedFormats(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rem")
	code, stdout, stderr := run(t, "remediate", "--from", seed, "--out", out, "--format", "ldif", "--strategy", "remove")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("remediate printed to stdout: %q", stdout)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "PLAN.md fix.ldif rollback.ldif" {
		t.Errorf("wrote %v", names)
	}
	fix, _ := os.ReadFile(filepath.Join(out, "fix.ldif"))
	if strings.Contains(string(fix), "add: servicePrincipalName") {
		t.Errorf("--strategy remove added SPNs:\n%s", fix)
	}
	plan, _ := os.ReadFile(filepath.Join(out, "PLAN.md"))
	if !strings.Contains(string(plan), "Strategy: **remove**") {
		t.Errorf("PLAN.md does not name the strategy:\n%s", plan)
	}
}
