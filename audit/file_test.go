package audit

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const seedSnapshot = "../testdata/snapshots/seed.json"

func TestSnapshotRoundTrip(t *testing.T) {
	s, err := Load(seedSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Accounts) == 0 || len(s.Domains) == 0 || len(s.Forests) == 0 {
		t.Fatalf("fixture lost data: %d accounts, %d domains, %d forests", len(s.Accounts), len(s.Domains), len(s.Forests))
	}
	path := filepath.Join(t.TempDir(), "again.json")
	if err := Save(path, s); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("snapshot written with mode %v, want 0600", info.Mode().Perm())
	}
	again, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Accounts {
		s.Accounts[i].UACFlags = DecodeUAC(s.Accounts[i].UserAccountControl)
	}
	if !reflect.DeepEqual(s, again) {
		t.Errorf("snapshot changed in a save/load round trip")
	}
	if again.Accounts[0].UACFlags == nil {
		t.Errorf("saved snapshot lacks decoded userAccountControl flags")
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	good, err := os.ReadFile(seedSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	replace := func(old, new string) string {
		if !strings.Contains(string(good), old) {
			t.Fatalf("fixture does not contain %q", old)
		}
		return strings.Replace(string(good), old, new, 1)
	}
	tests := []struct {
		name      string
		content   string
		wantField string
		wantText  string
	}{
		{"not JSON", "{not json", "", "invalid JSON at line 1"},
		{"empty file", "", "", "invalid JSON"},
		{"no schema version", `{"forests": []}`, "schemaVersion", "not a spntrust snapshot"},
		{"future schema version", replace(`"schemaVersion": 1`, `"schemaVersion": 99`), "schemaVersion", "version 99 is not supported"},
		{"unknown field", replace(`"rootDomain"`, `"bogus": 1, "rootDomain"`), "bogus", "unknown field"},
		{"wrong type", replace(`"functionalLevel": 7`, `"functionalLevel": "seven"`), "forests.functionalLevel", "a JSON string where a JSON number (an integer) belongs"},
		{"a JSON array instead of a snapshot", `[{"schemaVersion": 1}]`, "", "the file holds a JSON array, but a snapshot is a JSON object"},
		{"a JSON string instead of a snapshot", `"snapshot"`, "", "the file holds a JSON string, but a snapshot is a JSON object"},
		{"impossible functional level", replace(`"functionalLevel": 7`, `"functionalLevel": 42`), "forests[0].functionalLevel", "not a functional level"},
		{"unknown account kind", replace(`"kind": "user"`, `"kind": "printer"`), "accounts[4].kind", "not one of"},
		{"enabled contradicts UAC", replace(`"userAccountControl": 512,
      "enabled": true`, `"userAccountControl": 514,
      "enabled": true`), "accounts[4].enabled", "contradicts"},
		{"bad DNS status", replace(`"status": "ok"`, `"status": "fine"`), "dns.hosts[0].status", "not one of"},
		{"bad address", replace(`"10.0.0.21"`, `"10.0.0.300"`), "dns.hosts[1].addresses[0]", "not an IP address"},
		{"negative round trip", replace(`"roundTripMs": 3.2`, `"roundTripMs": -1`), "clocks[1].roundTripMs", "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("Load error = %v, want *LoadError", err)
			}
			if le.Path != path {
				t.Errorf("error names file %q, want %q", le.Path, path)
			}
			if le.Field != tt.wantField {
				t.Errorf("error names field %q, want %q (%v)", le.Field, tt.wantField, err)
			}
			if !strings.Contains(err.Error(), tt.wantText) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q should contain %q and the path", err, tt.wantText)
			}
		})
	}
}

func TestLoadMissingFileNamesIt(t *testing.T) {
	_, err := Load("/nonexistent/snap.json")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/snap.json") {
		t.Errorf("error %v does not name the file", err)
	}
}

// Load decodes from the file as it reads it; what it returns must be what
// Unmarshal returns for the same bytes, and a file the stream does not take
// must still load (through Unmarshal). The generated estate is compared in
// scale_bench_test.go (package audit_test: internal/synth imports audit).
func TestLoadStreamsToWhatUnmarshalGives(t *testing.T) {
	seed, err := os.ReadFile(seedSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		content  string
		streamed bool // taken by the stream, not read whole
	}{
		{"seed fixture", string(seed), true},
		{"a member in another case", strings.Replace(string(seed), `"accounts"`, `"Accounts"`, 1), false},
		{"accounts null", `{"schemaVersion": 1, "accounts": null, "dns": {"hosts": null}}`, true},
		{"accounts empty", `{"schemaVersion": 1, "accounts": [], "dns": {"hosts": []}}`, true},
		{"a member twice", `{"schemaVersion": 1, "accounts": [], "accounts": []}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "snap.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			want, err := Unmarshal([]byte(tt.content))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Load and Unmarshal disagree")
			}
			if _, streamed := loadStream(path); streamed != tt.streamed {
				t.Errorf("streamed = %v, want %v", streamed, tt.streamed)
			}
		})
	}
}
