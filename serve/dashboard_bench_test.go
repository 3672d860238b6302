package serve

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/audit/pipeline"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/history"
	"github.com/spntrust/spntrust/internal/pgtest"
	"github.com/spntrust/spntrust/internal/synth"
	"github.com/spntrust/spntrust/reports"
)

// benchAccounts is the size of the benchmark's forest estate (accounts
// holding SPNs; three SPNs each on average), as issue 22 asks.
const benchAccounts = 50_000

// benchSizes are the store sizes (runs recorded) each page is timed at.
var benchSizes = []int{10, 50, 100}

// benchReport audits the generated estate once through the pipeline.
func benchReport(b *testing.B) *reports.Report {
	b.Helper()
	snap, _ := synth.Generate(synth.Config{Accounts: benchAccounts, SPNs: 3 * benchAccounts})
	p := pipeline.Pipeline{
		Source:   pipeline.Live{Collector: pipeline.CollectorFunc(func(context.Context) (*audit.Snapshot, error) { return snap, nil })},
		Settings: pipeline.DefaultSettings(), Tool: "bench", Now: func() time.Time { return synth.Collected },
	}
	rep, err := p.Run(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return rep
}

// runOf is scheduled run i of the estate: a day after run i-1, with about
// 2% of the findings absent (a different 2% each run), so consecutive runs
// have new and resolved findings as a changing directory has.
func runOf(base *reports.Report, i int) *reports.Report {
	r := *base
	r.GeneratedAt = base.GeneratedAt.AddDate(0, 0, i)
	r.Collection.StartedAt = base.Collection.StartedAt.AddDate(0, 0, i)
	r.Collection.FinishedAt = base.Collection.FinishedAt.AddDate(0, 0, i)
	r.Findings = make([]checks.Finding, 0, len(base.Findings))
	for j, f := range base.Findings {
		if (j*7+i)%50 != 0 {
			r.Findings = append(r.Findings, f)
		}
	}
	return &r
}

// BenchmarkDashboard times each page of the dashboard, on each engine,
// over a store holding 10, 50 and 100 runs of a 50,000-account estate
// recorded through the store (history.Submit). "ref-report" is the floor
// a download cannot beat: reading one stored report back (gunzip, decode).
// bench/dashboard.sh runs it and prints each page's ratio to its time at
// 10 runs and to the reference.
//
//	go test ./serve -run '^$' -bench BenchmarkDashboard -benchtime 5x
func BenchmarkDashboard(b *testing.B) {
	base := benchReport(b)
	fails := 0
	for _, f := range base.Findings {
		if f.Status == checks.Fail {
			fails++
		}
	}
	b.Logf("estate: %d accounts, %d findings (%d failed) a run", base.Scope.Accounts, len(base.Findings), fails)
	engines := []struct {
		name string
		loc  func(b *testing.B) string
	}{
		{"sqlite", func(b *testing.B) string { return b.TempDir() + "/history.db" }},
		{"postgres", func(b *testing.B) string { return pgtest.Shared(b).NewDatabase(b) }},
	}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			ctx := context.Background()
			loc := e.loc(b)
			w, err := history.Open(ctx, loc, true)
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			recorded := 0
			for _, size := range benchSizes {
				start, from := time.Now(), recorded
				for ; recorded < size; recorded++ {
					if _, err := w.Record(ctx, history.FromReport(runOf(base, recorded))); err != nil {
						b.Fatal(err)
					}
				}
				b.Logf("%s: %d runs recorded (%v for the last %d)", e.name, size, time.Since(start).Round(time.Millisecond), size-from)
				store, err := history.OpenReadOnly(ctx, loc)
				if err != nil {
					b.Fatal(err)
				}
				h, err := Handler(Options{Store: store, Now: func() time.Time { return synth.Collected }, Version: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				runs, err := store.Runs(ctx)
				if err != nil {
					b.Fatal(err)
				}
				last := runs[len(runs)-1]
				full, err := store.Run(ctx, last.ID)
				if err != nil {
					b.Fatal(err)
				}
				fp := full.Findings[len(full.Findings)/2].Fingerprint
				pages := []struct{ name, path string }{
					{"overview", "/"},
					{"scope", "/scopes/" + url.PathEscape(last.Scope())},
					{"run", fmt.Sprintf("/runs/%d", last.ID)},
					{"run-page2", fmt.Sprintf("/runs/%d?page=2", last.ID)},
					{"finding", fmt.Sprintf("/runs/%d/findings/%s", last.ID, fp)},
					{"download-json", fmt.Sprintf("/runs/%d/report/json", last.ID)},
					{"download-html", fmt.Sprintf("/runs/%d/report/html", last.ID)},
				}
				b.Run(fmt.Sprintf("runs=%d/ref-report", size), func(b *testing.B) {
					for b.Loop() {
						if _, err := store.Report(ctx, last.ID); err != nil {
							b.Fatal(err)
						}
					}
				})
				for _, p := range pages {
					b.Run(fmt.Sprintf("runs=%d/%s", size, p.name), func(b *testing.B) {
						var bytes int
						for b.Loop() {
							rec := httptest.NewRecorder()
							h.ServeHTTP(rec, httptest.NewRequest("GET", p.path, nil))
							if rec.Code != http.StatusOK {
								b.Fatalf("%s: status %d: %.300s", p.path, rec.Code, rec.Body.String())
							}
							bytes = rec.Body.Len()
						}
						b.ReportMetric(float64(bytes), "page-bytes")
					})
				}
				store.Close()
			}
		})
	}
}
