package history

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/reports"
)

func f(fp, check, domain, status string) Finding {
	return Finding{Fingerprint: fp, CheckID: check, Severity: "high", Status: status, Title: "t " + fp, Domain: domain, Subject: fp}
}

const fail, notEval = "fail", "not-evaluated"

func fps(fs []Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Fingerprint)
	}
	return strings.Join(out, ",")
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name                                       string
		from, to                                   []Finding
		toChecks                                   []string
		wantNew, wantResolved, wantSame, wantBlind string
	}{
		{
			name:     "a finding only in the later run is new",
			from:     nil,
			to:       []Finding{f("a", "C1", "d", fail)},
			toChecks: []string{"C1"}, wantNew: "a",
		},
		{
			name:     "a finding gone from a run that checked it is resolved",
			from:     []Finding{f("a", "C1", "d", fail)},
			toChecks: []string{"C1"}, wantResolved: "a",
		},
		{
			name:     "a finding in both runs is unchanged",
			from:     []Finding{f("a", "C1", "d", fail)},
			to:       []Finding{f("a", "C1", "d", fail)},
			toChecks: []string{"C1"}, wantSame: "a",
		},
		{
			name:     "a finding whose check did not run later is not resolved",
			from:     []Finding{f("a", "C1", "d", fail)},
			toChecks: []string{"C2"}, wantBlind: "a",
		},
		{
			name:     "a finding whose domain could not be evaluated later is not resolved",
			from:     []Finding{f("a", "C1", "d", fail), f("b", "C1", "other", fail)},
			to:       []Finding{f("gap", "C1", "d", notEval)},
			toChecks: []string{"C1"}, wantBlind: "a", wantResolved: "b",
		},
		{
			name:     "a not-evaluated finding without a domain blinds the whole check",
			from:     []Finding{f("a", "C1", "d", fail)},
			to:       []Finding{f("gap", "C1", "", notEval)},
			toChecks: []string{"C1"}, wantBlind: "a",
		},
		{
			name:     "not-evaluated findings are neither new nor resolved",
			from:     []Finding{f("gap1", "C1", "d", notEval)},
			to:       []Finding{f("gap2", "C1", "d", notEval)},
			toChecks: []string{"C1"},
		},
		{
			name:     "healthy twin: identical runs change nothing",
			from:     []Finding{f("a", "C1", "d", fail), f("b", "C1", "d", fail)},
			to:       []Finding{f("b", "C1", "d", fail), f("a", "C1", "d", fail)},
			toChecks: []string{"C1"}, wantSame: "a,b",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Compare(Run{ID: 1, Findings: tt.from}, Run{ID: 2, Findings: tt.to, ChecksRun: tt.toChecks})
			if got := fps(d.New); got != tt.wantNew {
				t.Errorf("new = %q, want %q", got, tt.wantNew)
			}
			if got := fps(d.Resolved); got != tt.wantResolved {
				t.Errorf("resolved = %q, want %q", got, tt.wantResolved)
			}
			if got := fps(d.Unchanged); got != tt.wantSame {
				t.Errorf("unchanged = %q, want %q", got, tt.wantSame)
			}
			if got := fps(d.NotComparable); got != tt.wantBlind {
				t.Errorf("not comparable = %q, want %q", got, tt.wantBlind)
			}
		})
	}
}

func TestOpenCreatesPrivateFileAndRoundTrips(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	h, err := Open(ctx, path, true)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	run := Run{RecordedAt: t0, StartedAt: t0, FinishedAt: t0.Add(8 * time.Second), Target: "corp.example", ToolVersion: "test",
		Domains: []string{"corp.example"}, ChecksRun: []string{"C1", "C2"}, Gaps: 1, Baseline: "b.json",
		Findings: []Finding{f("a", "C1", "d", fail), f("g", "C2", "", notEval)}}
	id, err := h.Record(ctx, run)
	if err != nil || id != 1 {
		t.Fatalf("Record = %d, %v", id, err)
	}
	h.Close()

	h, err = Open(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	got, err := h.Run(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !got.FinishedAt.Equal(run.FinishedAt) || got.Target != "corp.example" || strings.Join(got.ChecksRun, ",") != "C1,C2" ||
		got.Gaps != 1 || got.Baseline != "b.json" || fps(got.Findings) != "a,g" || got.Findings[1].Status != notEval {
		t.Errorf("read back %+v", got)
	}
	if _, err := h.Run(ctx, 9); err == nil || !strings.Contains(err.Error(), "runs 1 to 1 recorded") {
		t.Errorf("unknown run: %v", err)
	}
	if _, _, err := h.LastTwo(ctx); err == nil || !strings.Contains(err.Error(), "needs two") {
		t.Errorf("LastTwo with one run: %v", err)
	}
}

func TestOpenRefusesWhatIsNotAHistory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Open(ctx, filepath.Join(dir, "missing.db"), false); err == nil || !strings.Contains(err.Error(), "audit --history") {
		t.Errorf("missing file for reading: %v", err)
	}
	text := filepath.Join(dir, "text.db")
	os.WriteFile(text, []byte(strings.Repeat("not sqlite ", 200)), 0o600)
	if _, err := Open(ctx, text, true); err == nil || !strings.Contains(err.Error(), text) {
		t.Errorf("text file: %v", err)
	}
	foreign := filepath.Join(dir, "foreign.db")
	db, err := sql.Open("sqlite", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE other (x)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(ctx, foreign, true); err == nil || !strings.Contains(err.Error(), "did not create") {
		t.Errorf("foreign sqlite file: %v", err)
	}
}

// TestThreeRunsOfAChangingDirectory records three audits of the seed
// snapshot, changing SPNs between them as an administrator would, and
// checks that each diff names the right new, resolved and unchanged findings.
func TestThreeRunsOfAChangingDirectory(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	h, err := Open(ctx, path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()

	record := func(day int, change func(s *audit.Snapshot)) int64 {
		t.Helper()
		s, err := audit.Load("../testdata/snapshots/seed.json")
		if err != nil {
			t.Fatal(err)
		}
		change(s)
		// One check only, so checks added later do not change the counts.
		all, err := checks.Filter([]string{"SPN-USER-HOST-ALIAS"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, day, 12, 0, 0, 0, time.UTC)
		s.Collection.FinishedAt = now
		rep := reports.New("test", now, s, all, checks.Run(s, all, checks.DefaultOptions()))
		id, err := h.Record(ctx, FromReport(rep))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	account := func(s *audit.Snapshot, sam string) *audit.Account {
		for i := range s.Accounts {
			if s.Accounts[i].SAMAccountName == sam {
				return &s.Accounts[i]
			}
		}
		t.Fatalf("no account %s in the seed", sam)
		return nil
	}
	// Run 1: the seed as it is: svc-appweb shadows MP01's HOST SPN.
	r1 := record(1, func(*audit.Snapshot) {})
	// Run 2: someone registers HTTP/web01 on svc-web02 (the port-81 site's
	// account): a new shadowing of WEB01's HOST SPN.
	r2 := record(2, func(s *audit.Snapshot) {
		a := account(s, "svc-web02")
		a.SPNs = append(a.SPNs, "HTTP/web01.corp.example")
	})
	// Run 3: the web team removes svc-appweb's HTTP SPNs (setspn -D); the
	// web01 mistake is still there.
	r3 := record(3, func(s *audit.Snapshot) {
		a := account(s, "svc-web02")
		a.SPNs = append(a.SPNs, "HTTP/web01.corp.example")
		account(s, "svc-appweb").SPNs = []string{}
	})

	subjects := func(fs []Finding) string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Subject)
		}
		return strings.Join(out, " ")
	}
	diff := func(from, to int64) Diff {
		a, err := h.Run(ctx, from)
		if err != nil {
			t.Fatal(err)
		}
		b, err := h.Run(ctx, to)
		if err != nil {
			t.Fatal(err)
		}
		return Compare(a, b)
	}

	d12 := diff(r1, r2)
	if !strings.Contains(subjects(d12.New), "web01") || len(d12.New) != 1 || len(d12.Resolved) != 0 ||
		len(d12.Unchanged) != 1 || !strings.Contains(subjects(d12.Unchanged), "mp01") {
		t.Errorf("run 1 → 2: new %q, resolved %q, unchanged %q", subjects(d12.New), subjects(d12.Resolved), subjects(d12.Unchanged))
	}
	prev, last, err := h.LastTwo(ctx)
	if err != nil || prev != r2 || last != r3 {
		t.Fatalf("LastTwo = %d, %d, %v; want %d, %d", prev, last, err, r2, r3)
	}
	d23 := diff(prev, last)
	if len(d23.New) != 0 || len(d23.Resolved) != 1 || !strings.Contains(subjects(d23.Resolved), "mp01") ||
		len(d23.Unchanged) != 1 || !strings.Contains(subjects(d23.Unchanged), "web01") {
		t.Errorf("run 2 → 3: new %q, resolved %q, unchanged %q", subjects(d23.New), subjects(d23.Resolved), subjects(d23.Unchanged))
	}
	d13 := diff(r1, r3)
	if len(d13.New) != 1 || len(d13.Resolved) != 1 || len(d13.Unchanged) != 0 {
		t.Errorf("run 1 → 3: new %q, resolved %q, unchanged %q", subjects(d13.New), subjects(d13.Resolved), subjects(d13.Unchanged))
	}
	var text strings.Builder
	if err := d23.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"to run 3", "RESOLVED (1)", "UNCHANGED (1)", "Summary: 0 new, 1 resolved, 1 unchanged"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text diff lacks %q:\n%s", want, text.String())
		}
	}
}
