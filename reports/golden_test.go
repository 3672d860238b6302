package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/checks"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// fixedNow is the report time used by golden files.
var fixedNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func seedReport(t *testing.T) *Report {
	t.Helper()
	snap, err := audit.Load("../testdata/snapshots/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	all := checks.Applicable(checks.All(), snap) // as the pipeline runs them
	return New("test", fixedNow, snap, all, checks.Run(snap, all, checks.DefaultOptions()))
}

// golden compares got with testdata/NAME.golden (or rewrites it with -update).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s output differs from %s; review the diff and run `go test ./reports -update` if it is intended.\n--- got ---\n%s", name, path, got)
	}
}

// TestGoldenReports renders every format of the seed report (the seed's
// finding and healthy twins) and of the rich one (trusts, a gap, not
// evaluated findings, hostile values, baseline marks).
func TestGoldenReports(t *testing.T) {
	for name, build := range map[string]func(*testing.T) *Report{"seed": seedReport, "rich": richReport} {
		for _, format := range FormatNames() {
			t.Run(name+"/"+format, func(t *testing.T) {
				w, err := ForFormat(format)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := w.Write(&buf, build(t)); err != nil {
					t.Fatal(err)
				}
				golden(t, name+"."+format, buf.Bytes())
			})
		}
	}
}

func TestSeedReportFlagsOnlyTheMisconfiguredHost(t *testing.T) {
	r := seedReport(t)
	if r.Summary.Total != 1 {
		t.Fatalf("want exactly one finding (the seed's), got %d: %+v", r.Summary.Total, r.Findings)
	}
	f := r.Findings[0]
	if f.CheckID != "SPN-USER-HOST-ALIAS" || f.Affected[0].Name != "svc-appweb" || f.Affected[1].Name != "MP01$" {
		t.Errorf("unexpected finding %s on %+v", f.CheckID, f.Affected)
	}
	for _, a := range f.Affected {
		if a.Name == "WEB01$" || a.Name == "WEB02$" || a.Name == "svc-web02" {
			t.Errorf("healthy object %s flagged", a.Name)
		}
	}
}

func TestSummaryCountsAndFailOn(t *testing.T) {
	r := seedReport(t)
	if got := r.CountAtLeast(checks.High); got != 1 {
		t.Errorf("CountAtLeast(high) = %d, want 1", got)
	}
	if got := r.CountAtLeast(checks.Critical); got != 0 {
		t.Errorf("CountAtLeast(critical) = %d, want 0", got)
	}
	if r.Summary.BySeverity["high"] != 1 || r.Summary.BySeverity["critical"] != 0 {
		t.Errorf("bySeverity = %v", r.Summary.BySeverity)
	}
}

func TestUnknownFormatIsAnError(t *testing.T) {
	if _, err := ForFormat("pdf"); err == nil {
		t.Error("want an error for an unknown format")
	}
}
