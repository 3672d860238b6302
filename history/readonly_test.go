package history

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/reports"
)

func TestReadOnlyStoreReadsButNeverWrites(t *testing.T) {
	forEngine(t, func(t *testing.T, loc string) {
		ctx := context.Background()
		w := openT(t, loc)
		id, err := w.Record(ctx, FromReport(seedReport(t, 3, nil)))
		if err != nil {
			t.Fatal(err)
		}
		r, err := OpenReadOnly(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		runs, err := r.Runs(ctx)
		if err != nil || len(runs) != 1 || runs[0].ID != id {
			t.Fatalf("Runs = %v, %v; want run %d", runs, err, id)
		}
		if _, err := r.Report(ctx, id); err != nil {
			t.Fatal(err)
		}
		_, err = r.Record(ctx, FromReport(seedReport(t, 4, nil)))
		if err == nil {
			t.Fatal("a read-only store recorded a run")
		}
		if !strings.Contains(strings.ToLower(err.Error()), "read") {
			t.Errorf("the refusal does not say the store is read-only: %v", err)
		}
		runs, _ = w.Runs(ctx)
		if len(runs) != 1 {
			t.Errorf("%d runs after the refused write, want 1", len(runs))
		}
	})
}

func TestReadOnlyOpenCreatesAndMigratesNothing(t *testing.T) {
	ctx := context.Background()
	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "none.db")
		_, err := OpenReadOnly(ctx, path)
		if err == nil || !strings.Contains(err.Error(), "audit --history") {
			t.Errorf("err = %v, want one saying how to record runs", err)
		}
		if _, serr := os.Stat(path); serr == nil {
			t.Errorf("OpenReadOnly created %s", path)
		}
	})
	forEngine(t, func(t *testing.T, loc string) {
		if !IsPostgres(loc) {
			if err := os.WriteFile(loc, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		_, err := OpenReadOnly(ctx, loc)
		if err == nil || !strings.Contains(err.Error(), "empty database") {
			t.Errorf("err = %v, want one naming an empty database", err)
		}
		// Still empty: a writer finds schema 0 and migrates from scratch.
		w := openT(t, loc)
		if runs, err := w.Runs(ctx); err != nil || len(runs) != 0 {
			t.Errorf("Runs = %v, %v", runs, err)
		}
	})
}

func TestRunInfoAndRecordedFindingReadOneRow(t *testing.T) {
	forEngine(t, func(t *testing.T, loc string) {
		ctx := context.Background()
		rep := seedReport(t, 3, nil)
		fp := rep.Findings[0].Fingerprint
		rep.Baseline = &reports.BaselineMarks{File: "b.json", Entries: map[string]reports.Acceptance{fp: {Owner: "web team", Reason: "CHG-1", Expires: "2027-01-31"}}}
		s := openT(t, loc)
		id, err := s.Record(ctx, FromReport(rep))
		if err != nil {
			t.Fatal(err)
		}
		full, err := s.Run(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.RunInfo(ctx, id)
		if err != nil || info.Findings != nil || info.Target != full.Target || info.Summary.Failed != full.Summary.Failed {
			t.Errorf("RunInfo = %+v, %v; want run %d without findings", info, err, id)
		}
		row, err := s.RecordedFinding(ctx, id, fp)
		if err != nil || row.Fingerprint != fp || row.Acceptance == nil || row.Acceptance.Owner != "web team" || row.Baseline != reports.BaselineAccepted {
			t.Errorf("RecordedFinding = %+v, %v", row, err)
		}
		if _, err := s.RecordedFinding(ctx, id, "nope"); !errors.Is(err, ErrNoFinding) {
			t.Errorf("absent finding: %v", err)
		}
		if _, err := s.RunInfo(ctx, id+5); !errors.Is(err, ErrNoRun) {
			t.Errorf("absent run: %v", err)
		}
		if _, err := s.RecordedFinding(ctx, id+5, fp); !errors.Is(err, ErrNoRun) {
			t.Errorf("finding of an absent run: %v", err)
		}
	})
}
