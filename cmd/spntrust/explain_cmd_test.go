package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/statuscode"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

func goldenFile(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./cmd/spntrust -run %s -update` to create it)", err, t.Name())
	}
	if !bytes.Equal([]byte(got), want) {
		t.Errorf("output differs from %s; review and run `go test ./cmd/spntrust -update` if intended.\n--- got ---\n%s", path, got)
	}
}

// The codes of the seed case and its neighbours, in every input form.
var explainInputs = []string{"2148074254", "-2146893042", "0x80090322", "5", "KRB_AP_ERR_MODIFIED",
	"KDC_ERR_S_PRINCIPAL_UNKNOWN", "STATUS_LOGON_FAILURE", "1789", "401.1"}

func TestExplainGolden(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			args := append([]string{"explain", "--format", format}, explainInputs...)
			code, out, stderr := run(t, args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			goldenFile(t, "explain."+format, out)
		})
	}
}

func TestExplainJSONIsOneEntryPerInput(t *testing.T) {
	code, out, _ := run(t, "explain", "--format=json", "5", "SEC_E_TIME_SKEW")
	var got []struct {
		Input           string
		Interpretations []struct{ Name string }
	}
	if code != ExitOK || json.Unmarshal([]byte(out), &got) != nil || len(got) != 2 {
		t.Fatalf("exit %d, output %s", code, out)
	}
	if len(got[0].Interpretations) != 2 || got[1].Interpretations[0].Name != "SEC_E_TIME_SKEW" {
		t.Errorf("interpretations %+v", got)
	}
}

func TestExplainErrors(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantErr    string
	}{
		{"unknown number exits 2 and names it", []string{"explain", "12345"}, ExitUsage, "", `unknown status code "12345"`},
		{"known codes are still printed before the unknown one fails",
			[]string{"explain", "41", "SEC_E_NOPE"}, ExitUsage, "KRB_AP_ERR_MODIFIED", "SEC_E_NOPE"},
		{"not a code", []string{"explain", "hello world"}, ExitUsage, "", "cannot read status code"},
		{"bad format", []string{"explain", "--format", "xml", "5"}, ExitUsage, "", "unknown --format"},
		{"no code", []string{"explain"}, ExitUsage, "", "at least one code"},
		{"negative numbers are codes, not flags", []string{"explain", "-1073741715"}, ExitOK, "STATUS_LOGON_FAILURE", ""},
		{"unknown flag", []string{"explain", "--bogus", "5"}, ExitUsage, "", "unknown flag"},
		{"help", []string{"explain", "--help"}, ExitOK, "Usage:", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := run(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.wantCode, stderr)
			}
			if !strings.Contains(out, tt.wantStdout) {
				t.Errorf("stdout %q does not contain %q", out, tt.wantStdout)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.wantErr)
			}
		})
	}
}

// TestExplainPointsOnlyAtRegisteredChecks keeps the status-code table and
// the check registry in step: a renamed or removed check fails here.
func TestExplainPointsOnlyAtRegisteredChecks(t *testing.T) {
	for _, id := range statuscode.CheckIDs() {
		if _, ok := checks.Lookup(id); !ok {
			t.Errorf("statuscode refers to check %s, which checks.All() does not register", id)
		}
	}
	for _, c := range statuscode.All() {
		for _, id := range c.Checks {
			if _, ok := checks.Lookup(id); !ok {
				t.Errorf("%s refers to unregistered check %s", c.Name, id)
			}
		}
	}
}
