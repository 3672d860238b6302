package serve

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/audit/pipeline"
	"github.com/spntrust/spntrust/baseline"
	"github.com/spntrust/spntrust/history"
	"github.com/spntrust/spntrust/reports"
)

// Hostile values, as anyone who may write an attribute could put them in
// the directory (and so into a report): each must reach the page as text.
const (
	hostileSPN   = `HTTP/<script>alert("spn")</script>.corp.example`
	hostileHost  = `<img src=x onerror=alert(1)>`
	hostileOwner = `"><script>alert('owner')</script>`
)

// testNow is the dashboard's clock in the tests.
var testNow = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// auditAt runs the audit pipeline (every check) over the snapshot at path
// as changed by change, at day of November 2026, with an optional baseline.
func auditAt(t testing.TB, path string, day int, change func(s *audit.Snapshot), bl *baseline.File) *reports.Report {
	t.Helper()
	s, err := audit.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(s)
	}
	now := time.Date(2026, 11, day, 12, 0, 0, 0, time.UTC)
	s.Collection.StartedAt, s.Collection.FinishedAt = now.Add(-time.Minute), now
	p := pipeline.Pipeline{
		Source:   pipeline.Live{Collector: pipeline.CollectorFunc(func(context.Context) (*audit.Snapshot, error) { return s, nil })},
		Settings: pipeline.DefaultSettings(), Tool: "test", Now: func() time.Time { return now },
	}
	if bl != nil {
		p.Processors = []pipeline.Processor{pipeline.BaselineMarks{Path: "accepted.json", Baseline: bl}}
	}
	rep, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func account(t testing.TB, s *audit.Snapshot, sam string) *audit.Account {
	t.Helper()
	for i := range s.Accounts {
		if s.Accounts[i].SAMAccountName == sam {
			return &s.Accounts[i]
		}
	}
	t.Fatalf("no account %s in the snapshot", sam)
	return nil
}

// fixture is a history of two scopes: three runs of the seed forest
// (corp.example) with changes between them and a baseline, and one run of
// the lab's three forests.
type fixture struct {
	store            history.Store
	seed1, seed2     int64
	seed3, lab       int64
	accepted         string // fingerprint the baseline accepts (until 2026-12-31)
	expired          string // fingerprint whose acceptance ran out on 2026-11-10
	newFP, resolveFP string // new in run 3, resolved in run 3
}

const (
	seedSnap = "../testdata/snapshots/seed.json"
	labSnap  = "../testdata/snapshots/lab-rc4.json"
)

func newFixture(t testing.TB, location string) *fixture {
	t.Helper()
	ctx := context.Background()
	w, err := history.Open(ctx, location, true)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	fx := &fixture{}
	record := func(rep *reports.Report) int64 {
		t.Helper()
		id, err := w.Record(ctx, history.FromReport(rep))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	hostile := func(s *audit.Snapshot) {
		s.Collection.Host = hostileHost
		a := account(t, s, "svc-web02")
		a.SPNs = append(a.SPNs, hostileSPN)
		// and a duplicate: a second finding that stays
		w := account(t, s, "WEB01$")
		w.SPNs = append(w.SPNs, "HTTP/web02.corp.example:81")
	}
	// Run 3: the web team removes svc-appweb's HTTP SPNs (resolved), and
	// someone registers HTTP/web01 on svc-web02 (new).
	third := func(s *audit.Snapshot) {
		hostile(s)
		account(t, s, "svc-appweb").SPNs = []string{}
		a := account(t, s, "svc-web02")
		a.SPNs = append(a.SPNs, "HTTP/web01.corp.example")
	}
	fx.seed1 = record(auditAt(t, seedSnap, 1, nil, nil))
	// Runs 2 and 3 carry a baseline accepting two findings both have, one
	// until the end of the year, one until a day that has passed by run 3.
	before, after := auditAt(t, seedSnap, 2, hostile, nil), auditAt(t, seedSnap, 12, third, nil)
	inAfter := map[string]bool{}
	for _, f := range after.Findings {
		inAfter[f.Fingerprint] = f.Status == "fail"
	}
	var pick []string
	for _, f := range before.Findings {
		if f.Status == "fail" && inAfter[f.Fingerprint] && len(pick) < 2 {
			pick = append(pick, f.Fingerprint)
		}
	}
	if len(pick) < 2 {
		t.Fatalf("runs 2 and 3 share %d failed findings, want 2 or more", len(pick))
	}
	fx.accepted, fx.expired = pick[0], pick[1]
	bl, err := baseline.Create(before.Findings, baseline.Acceptance{Owner: hostileOwner, Reason: "CHG-1234 <b>until the migration</b>", Expires: "2026-12-31"}, before.GeneratedAt, "test", "seed.json")
	if err != nil {
		t.Fatal(err)
	}
	var kept []baseline.Entry
	for _, e := range bl.Accepted {
		switch e.Fingerprint {
		case fx.accepted:
			kept = append(kept, e)
		case fx.expired:
			e.Expires = "2026-11-10"
			kept = append(kept, e)
		}
	}
	bl.Accepted = kept
	fx.seed2 = record(auditAt(t, seedSnap, 2, hostile, bl))
	fx.seed3 = record(auditAt(t, seedSnap, 12, third, bl))
	fx.lab = record(auditAt(t, labSnap, 5, nil, nil))
	a, _ := w.Run(ctx, fx.seed2)
	b, _ := w.Run(ctx, fx.seed3)
	d := history.Compare(a, b)
	if len(d.New) == 0 || len(d.Resolved) == 0 {
		t.Fatalf("the fixture's runs 2 → 3 have %d new and %d resolved findings; want both", len(d.New), len(d.Resolved))
	}
	fx.newFP, fx.resolveFP = d.New[0].Fingerprint, d.Resolved[0].Fingerprint
	if fx.store, err = history.OpenReadOnly(ctx, location); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fx.store.Close() })
	return fx
}

func sqliteLocation(t testing.TB) string { return filepath.Join(t.TempDir(), "history.db") }
