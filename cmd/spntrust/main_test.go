package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spntrust/spntrust/internal/pgtest"
)

// TestMain stops the private PostgreSQL cluster the history tests start
// (internal/pgtest), if one was started.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// historyEngines are the two stores the history commands are tested on:
// each returns the location of a new, empty history. PostgreSQL is a
// private cluster (internal/pgtest), its URL carrying pgtest.Password.
var historyEngines = []struct {
	name string
	new  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "history.db") }},
	{"postgres", func(t *testing.T) string { return pgtest.Shared(t).NewDatabase(t) }},
}

// forHistoryEngine runs test once on each engine.
func forHistoryEngine(t *testing.T, test func(t *testing.T, location string)) {
	for _, e := range historyEngines {
		t.Run(e.name, func(t *testing.T) { test(t, e.new(t)) })
	}
}
