package baseline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/checks"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func finding(fp string, status checks.Status) checks.Finding {
	return checks.Finding{CheckID: "SPN-USER-HOST-ALIAS", Fingerprint: fp, Severity: checks.High, Status: status,
		Title: "t " + fp, Subject: "s " + fp, Domain: "corp.example"}
}

func entry(fp, expires string) Entry {
	return Entry{Fingerprint: fp, CheckID: "SPN-USER-HOST-ALIAS", Owner: "web team", Reason: "change CHG-1", Expires: expires}
}

func TestProcessMarksEachFinding(t *testing.T) {
	base := &File{SchemaVersion: SchemaVersion, Accepted: []Entry{
		entry("accepted-forever", ""),
		entry("accepted-until-next-year", "2027-11-25"),
		entry("expires-today", "2026-11-25"),
		entry("expired-yesterday", "2026-11-24"),
		entry("gap", ""),
	}}
	tests := []struct {
		name    string
		finding checks.Finding
		want    State
	}{
		{"not in the baseline is new", finding("fresh", checks.Fail), New},
		{"accepted without expiry", finding("accepted-forever", checks.Fail), Accepted},
		{"accepted with a future expiry", finding("accepted-until-next-year", checks.Fail), Accepted},
		{"acceptance holds through its expiry day", finding("expires-today", checks.Fail), Accepted},
		{"acceptance past its expiry day is expired", finding("expired-yesterday", checks.Fail), Expired},
		{"a not-evaluated finding is never accepted", finding("gap", checks.NotEvaluated), New},
	}
	p := Processor{Baseline: base, Now: now}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.Process([]checks.Finding{tt.finding})
			if len(d) != 1 || d[0].State != tt.want {
				t.Fatalf("state = %+v, want %s", d, tt.want)
			}
			if (d[0].Entry == nil) != (tt.want == New) {
				t.Errorf("entry = %+v for state %s", d[0].Entry, tt.want)
			}
		})
	}
}

func TestProcessKeepsOrderAndFindingsUntouched(t *testing.T) {
	fs := []checks.Finding{finding("b", checks.Fail), finding("a", checks.Fail)}
	before := fs[0]
	d := Processor{Baseline: &File{Accepted: []Entry{entry("a", "")}}, Now: now}.Process(fs)
	if d[0].Finding.Fingerprint != "b" || d[1].Finding.Fingerprint != "a" || d[1].State != Accepted {
		t.Errorf("decisions out of order: %+v", d)
	}
	if fs[0].Title != before.Title || len(fs) != 2 {
		t.Error("findings changed")
	}
	m := Marks("b.json", d)
	if len(m.Entries) != 1 || m.Entries["a"].Owner != "web team" || m.Entries["a"].Expired {
		t.Errorf("marks = %+v", m)
	}
}

func TestUnmatchedListsFixedFindings(t *testing.T) {
	p := Processor{Baseline: &File{Accepted: []Entry{entry("still-there", ""), entry("fixed", "")}}, Now: now}
	got := p.Unmatched([]checks.Finding{finding("still-there", checks.Fail)})
	if len(got) != 1 || got[0].Fingerprint != "fixed" {
		t.Errorf("unmatched = %+v, want only the fixed one", got)
	}
}

func TestCreateAcceptsFailedFindingsOnce(t *testing.T) {
	fs := []checks.Finding{finding("a", checks.Fail), finding("a", checks.Fail), finding("gap", checks.NotEvaluated), finding("b", checks.Fail)}
	f, err := Create(fs, Acceptance{Owner: "ops", Reason: "known", Expires: "2027-01-31"}, now, "spntrust test", "snap.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Accepted) != 2 || f.Accepted[0].Fingerprint != "a" || f.Accepted[1].Fingerprint != "b" {
		t.Fatalf("accepted = %+v, want a and b once each, no gap", f.Accepted)
	}
	e := f.Accepted[0]
	if e.Owner != "ops" || e.Reason != "known" || e.Expires != "2027-01-31" || !e.AcceptedAt.Equal(now) || e.CheckID == "" || e.Subject == "" {
		t.Errorf("entry = %+v", e)
	}
}

func TestCreateRefusesMissingOwnerOrReason(t *testing.T) {
	for _, acc := range []Acceptance{{Reason: "r"}, {Owner: "o"}, {Owner: " ", Reason: "r"}} {
		if _, err := Create(nil, acc, now, "", ""); err == nil || !strings.Contains(err.Error(), "owner and a reason") {
			t.Errorf("%+v: err = %v", acc, err)
		}
	}
}

func TestParseExpiry(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"", "", ""},
		{"2027-03-31", "2027-03-31", ""},
		{"2026-11-25", "2026-11-25", ""}, // today still counts
		{"2026-11-24", "", "in the past"},
		{"31/03/2027", "", "YYYY-MM-DD"},
	}
	for _, tt := range tests {
		got, err := ParseExpiry(tt.in, now)
		if tt.err == "" && (err != nil || got != tt.want) {
			t.Errorf("ParseExpiry(%q) = %q, %v", tt.in, got, err)
		}
		if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("ParseExpiry(%q) err = %v, want %q", tt.in, err, tt.err)
		}
	}
}

func TestSaveLoadRoundTripWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "baseline.json")
	f, _ := Create([]checks.Finding{finding("a", checks.Fail)}, Acceptance{Owner: "ops", Reason: "known"}, now, "spntrust test", "")
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, %v; want 0600", st.Mode(), err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Accepted) != 1 || got.Accepted[0].Fingerprint != "a" || got.Accepted[0].Owner != "ops" {
		t.Errorf("loaded %+v", got)
	}
}

func TestLoadNamesWhatIsWrong(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"not json", `nope`, "not a baseline file"},
		{"unknown field", `{"schemaVersion":1,"accepted":[],"extra":1}`, "unknown field"},
		{"wrong version", `{"schemaVersion":2,"accepted":[]}`, "schemaVersion 2"},
		{"no fingerprint", `{"schemaVersion":1,"accepted":[{"owner":"o","reason":"r"}]}`, "no fingerprint"},
		{"twice", `{"schemaVersion":1,"accepted":[{"fingerprint":"a","owner":"o","reason":"r"},{"fingerprint":"a","owner":"o","reason":"r"}]}`, "listed twice"},
		{"no owner", `{"schemaVersion":1,"accepted":[{"fingerprint":"a","reason":"r"}]}`, "no owner"},
		{"no reason", `{"schemaVersion":1,"accepted":[{"fingerprint":"a","owner":"o"}]}`, "no reason"},
		{"bad date", `{"schemaVersion":1,"accepted":[{"fingerprint":"a","owner":"o","reason":"r","expires":"soon"}]}`, "not a YYYY-MM-DD date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "b.json")
			os.WriteFile(path, []byte(tt.body), 0o600)
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %v, want it to name %s and say %q", err, path, tt.want)
			}
		})
	}
	if _, err := Load("/nonexistent/b.json"); err == nil || !strings.Contains(err.Error(), "/nonexistent/b.json") {
		t.Errorf("missing file: %v", err)
	}
}
