package pgtest

import (
	"path/filepath"
	"testing"
)

// ForEachEngine runs test once on each engine of the run history, as a
// subtest named after it, with the location of a new, empty history: an
// SQLite file in a temporary directory ("sqlite") and a database of the
// shared cluster ("postgres", whose URL carries Password; skipped where
// PostgreSQL is not installed, see Shared). The store's tests and the
// commands' tests run the same cases on both this way.
func ForEachEngine(t *testing.T, test func(t *testing.T, location string)) {
	engines := []struct {
		name string
		new  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "history.db") }},
		{"postgres", func(t *testing.T) string { return Shared(t).NewDatabase(t) }},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { test(t, e.new(t)) })
	}
}
