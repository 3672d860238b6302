package main

import (
	"os"
	"testing"

	"github.com/spntrust/spntrust/internal/pgtest"
)

// TestMain stops the private PostgreSQL cluster the history tests start
// (internal/pgtest), if one was started.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// forHistoryEngine runs test on SQLite and on PostgreSQL (internal/pgtest).
func forHistoryEngine(t *testing.T, test func(t *testing.T, location string)) {
	pgtest.ForEachEngine(t, test)
}
