package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/remediate"
)

// seedFingerprint is the fingerprint of the seed's finding.
func seedFingerprint(t *testing.T) string {
	t.Helper()
	code, stdout, stderr := run(t, "audit", "--from", seed, "--format", "json", "--checks", "SPN-USER-HOST-ALIAS")
	if code != ExitOK {
		t.Fatalf("audit: %d %s", code, stderr)
	}
	var rep struct {
		Findings []struct{ Fingerprint string } `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || len(rep.Findings) != 1 {
		t.Fatalf("audit report: %v %s", err, stdout)
	}
	return rep.Findings[0].Fingerprint
}

func TestFixDryRun(t *testing.T) {
	fp := seedFingerprint(t)
	tests := []struct {
		name       string
		args       []string
		wantOut    []string
		wantNotOut []string
	}{
		{"prints the move-port plan and changes nothing", []string{"fix", "--from", seed, "--checks", "SPN-USER-HOST-ALIAS"},
			[]string{"Plan: move-port (port 81)", "remove HTTP/mp01.corp.example from CORP\\svc-appweb", "add HTTP/mp01:81 to CORP\\svc-appweb", "after:  HTTP/mp01.corp.example:81, HTTP/mp01:81"}, nil},
		{"remove strategy only removes", []string{"fix", "--from", seed, "--strategy", "remove", "--checks", "SPN-USER-HOST-ALIAS"},
			[]string{"Plan: remove", "remove HTTP/mp01 from"}, []string{"add HTTP/"}},
		{"--finding by fingerprint", []string{"fix", "--from", seed, "--finding", fp},
			[]string{fp, "remove HTTP/mp01 from"}, nil},
		{"--finding by check ID, any case", []string{"fix", "--from", seed, "--finding", "spn-user-host-alias"},
			[]string{fp}, nil},
		{"--port moves to another port", []string{"fix", "--from", seed, "--finding", "SPN-USER-HOST-ALIAS", "--port", "8081"},
			[]string{"add HTTP/mp01:8081 to"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tt.args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range tt.wantNotOut {
				if strings.Contains(stdout, w) {
					t.Errorf("output has %q:\n%s", w, stdout)
				}
			}
			if !strings.Contains(stderr, "Dry run: nothing was changed") {
				t.Errorf("stderr does not say it was a dry run: %q", stderr)
			}
		})
	}
}

func TestFixExitCodes(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "backup.json")
	if err := remediate.WriteBackup(good, &remediate.Backup{Tool: "test", Accounts: []remediate.BackupAccount{
		{DN: "CN=svc-mpweb,CN=Users,DC=lab,DC=test", Account: `LAB\svc-mpweb`, SPNs: []string{"HTTP/mp01.lab.test", "HTTP/mp01"}}}}); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"version": 1, "accounts": [], "secret": 1}`), 0o600)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no source", []string{"fix"}, ExitUsage, "--from"},
		{"--apply without a directory to change", []string{"fix", "--from", seed, "--apply"}, ExitUsage, "--apply needs"},
		{"unknown finding lists the findings", []string{"fix", "--from", seed, "--finding", "deadbeef"}, ExitUsage, "SPN-USER-HOST-ALIAS"},
		{"bad strategy", []string{"fix", "--from", seed, "--strategy", "nuke"}, ExitUsage, "move-port, remove or aes"},
		{"bad port", []string{"fix", "--from", seed, "--port", "0"}, ExitUsage, "--port"},
		{"missing snapshot", []string{"fix", "--from", "/nonexistent.json"}, ExitUsage, "/nonexistent.json"},
		{"rollback with --from", []string{"fix", "--rollback", good, "--from", seed}, ExitUsage, "cannot be combined"},
		{"rollback of a bad backup", []string{"fix", "--rollback", bad}, ExitUsage, bad},
		{"rollback --apply without a directory", []string{"fix", "--rollback", good, "--apply"}, ExitUsage, "--apply needs"},
		{"rollback dry run", []string{"fix", "--rollback", good}, ExitOK, "Dry run"},
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
