package history

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
