package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/internal/pgtest"
	"github.com/spntrust/spntrust/reports"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// forEngine runs test on SQLite and on PostgreSQL (internal/pgtest).
func forEngine(t *testing.T, test func(t *testing.T, location string)) {
	pgtest.ForEachEngine(t, test)
}

func openT(t *testing.T, location string) Store {
	t.Helper()
	s, err := Open(context.Background(), location, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// seedReport is the seed snapshot's report at day, with a mutation.
func seedReport(t testing.TB, day int, change func(s *audit.Snapshot)) *reports.Report {
	t.Helper()
	s, err := audit.Load("../testdata/snapshots/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(s)
	}
	now := time.Date(2026, 11, day, 12, 0, 0, 0, time.UTC)
	s.Collection.FinishedAt = now
	all := checks.Applicable(checks.All(), s) // as the pipeline runs them
	return reports.New("test", now, s, all, checks.Run(s, all, checks.DefaultOptions()))
}

func TestStoreKeepsTheReportAndEveryFindingInFull(t *testing.T) {
	forEngine(t, func(t *testing.T, loc string) {
		ctx := context.Background()
		rep := seedReport(t, 3, nil)
		rep.Baseline = &reports.BaselineMarks{File: "b.json", Entries: map[string]reports.Acceptance{
			rep.Findings[0].Fingerprint: {Owner: "web team", Reason: "CHG-1", Expires: "2027-01-31"},
		}}
		s := openT(t, loc)
		id, created, err := s.Submit(ctx, FromReport(rep))
		if err != nil || !created {
			t.Fatalf("Submit = %d, %v, %v", id, created, err)
		}
		run, err := s.Run(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(run.Findings) != len(rep.Findings) || strings.Join(run.Forests, ",") != "corp.example" || run.Host != rep.Collection.Host || run.Key == "" {
			t.Errorf("run read back: %d findings (want %d), forests %v, host %q, key %q", len(run.Findings), len(rep.Findings), run.Forests, run.Host, run.Key)
		}
		if run.Summary.Failed != rep.Summary.Total || run.Summary.NotEvaluated != rep.Summary.NotEvaluated || run.Summary.BySeverity["high"] != rep.Summary.BySeverity["high"] {
			t.Errorf("summary %+v, report summary %+v", run.Summary, rep.Summary)
		}
		var accepted *Finding
		for i := range run.Findings {
			if run.Findings[i].Fingerprint == rep.Findings[0].Fingerprint {
				accepted = &run.Findings[i]
			}
		}
		if accepted == nil || accepted.Acceptance == nil || accepted.Acceptance.Expires != "2027-01-31" || accepted.Baseline != "accepted" {
			t.Errorf("the baseline entry was not kept: %+v", accepted)
		}
		want := rep.Findings[0]
		got, err := s.Finding(ctx, id, want.Fingerprint)
		if err != nil {
			t.Fatal(err)
		}
		if got.Explanation != want.Explanation || len(got.Evidence) != len(want.Evidence) || len(got.Remediation) != len(want.Remediation) {
			t.Errorf("finding in full: %+v\nwant %+v", got, want)
		}
		if _, err := s.Finding(ctx, id, "0000"); !errors.Is(err, ErrNoFinding) {
			t.Errorf("unknown fingerprint: %v", err)
		}
		back, err := s.Report(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(back.Findings) != len(rep.Findings) || !back.GeneratedAt.Equal(rep.GeneratedAt) || back.Baseline == nil {
			t.Errorf("report read back differs: %d findings, at %v", len(back.Findings), back.GeneratedAt)
		}
		if _, err := s.Report(ctx, id+5); !errors.Is(err, ErrNoRun) {
			t.Errorf("report of an unknown run: %v", err)
		}
	})
}

func TestSubmittingTheSameRunTwiceRecordsItOnce(t *testing.T) {
	forEngine(t, func(t *testing.T, loc string) {
		ctx := context.Background()
		s := openT(t, loc)
		run := FromReport(seedReport(t, 1, nil))
		id1, created1, err := s.Submit(ctx, run)
		if err != nil {
			t.Fatal(err)
		}
		// The same report, as decoded from a file elsewhere.
		again := FromReport(seedReport(t, 1, nil))
		id2, created2, err := s.Submit(ctx, again)
		if err != nil {
			t.Fatal(err)
		}
		other, created3, err := s.Submit(ctx, FromReport(seedReport(t, 2, nil)))
		if err != nil {
			t.Fatal(err)
		}
		runs, _ := s.Runs(ctx)
		if !created1 || created2 || id1 != id2 || !created3 || other == id1 || len(runs) != 2 {
			t.Errorf("ids %d %d %d, created %v %v %v, %d runs: want the second submission to return the first run", id1, id2, other, created1, created2, created3, len(runs))
		}
		// A re-submission takes no run ID: the next run is the next number
		// on both engines (PostgreSQL's identity would otherwise skip one).
		if other != id1+1 {
			t.Errorf("the run after a re-submission is %d, want %d", other, id1+1)
		}
	})
}

// TestSeveralWritersAtOnce is several machines recording at the same
// time, each with its own connection: every run is recorded whole, once,
// and a run two machines submit together is recorded once.
func TestSeveralWritersAtOnce(t *testing.T) {
	forEngine(t, func(t *testing.T, loc string) {
		ctx := context.Background()
		const writers, each = 6, 4
		openT(t, loc) // create the schema; the writers also migrate concurrently on PostgreSQL
		shared := FromReport(seedReport(t, 28, nil))
		var wg sync.WaitGroup
		errs := make(chan error, writers*(each+1))
		ids := make(chan int64, writers)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				s, err := Open(ctx, loc, true)
				if err != nil {
					errs <- err
					return
				}
				defer s.Close()
				for i := 0; i < each; i++ {
					rep := seedReport(t, 1+i, nil)
					rep.Collection.Host = fmt.Sprintf("machine-%d", w)
					if _, err := s.Record(ctx, FromReport(rep)); err != nil {
						errs <- err
					}
				}
				id, _, err := s.Submit(ctx, shared)
				if err != nil {
					errs <- err
				}
				ids <- id
			}(w)
		}
		wg.Wait()
		close(errs)
		close(ids)
		for err := range errs {
			t.Error(err)
		}
		var first int64
		for id := range ids {
			if first == 0 {
				first = id
			} else if id != first {
				t.Errorf("the shared run got ids %d and %d", first, id)
			}
		}
		s := openT(t, loc)
		runs, err := s.Runs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != writers*each+1 {
			t.Errorf("%d runs recorded, want %d", len(runs), writers*each+1)
		}
		want := len(shared.Findings)
		for _, r := range runs {
			full, err := s.Run(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(full.Findings) != want {
				t.Errorf("run %d has %d findings, want %d: a run was written in part", r.ID, len(full.Findings), want)
			}
		}
	})
}

func TestLastTwoComparesRunsOfTheSameForests(t *testing.T) {
	forEngine(t, func(t *testing.T, loc string) {
		ctx := context.Background()
		s := openT(t, loc)
		a1, _ := s.Record(ctx, FromReport(seedReport(t, 1, nil)))
		other := seedReport(t, 2, nil)
		other.Scope.Forests = []string{"partner.test"}
		if _, err := s.Record(ctx, FromReport(other)); err != nil {
			t.Fatal(err)
		}
		a2, _ := s.Record(ctx, FromReport(seedReport(t, 3, nil)))
		prev, last, err := s.LastTwo(ctx)
		if err != nil || prev != a1 || last != a2 {
			t.Errorf("LastTwo = %d, %d, %v; want %d, %d (the partner.test run between them is another forest)", prev, last, err, a1, a2)
		}
	})
}

func TestAnEmptyDatabaseIsMigratedToTheCurrentSchema(t *testing.T) {
	forEngine(t, func(t *testing.T, loc string) {
		ctx := context.Background()
		// Several machines opening an empty database at once: one migrates,
		// the others wait and find it done.
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := Open(ctx, loc, true)
				if err != nil {
					errs <- err
					return
				}
				s.Close()
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		s := openT(t, loc)
		if v, err := s.(*sqlStore).d.version(ctx, s.(*sqlStore).db); err != nil || v != SchemaVersion {
			t.Errorf("schema version %d, %v; want %d", v, err, SchemaVersion)
		}
		if _, err := s.Record(ctx, FromReport(seedReport(t, 1, nil))); err != nil {
			t.Fatal(err)
		}
	})
}

// TestAVersionOneFileIsUpgraded opens a history file written by the first
// spntrust with history (schema 1): its runs stay readable and gain a
// summary; their reports were never kept, and say so.
func TestAVersionOneFileIsUpgraded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{sqliteMigrations[0].stmts, "PRAGMA user_version = 1",
		`INSERT INTO runs (recorded_at, started_at, finished_at, target, tool_version, domains, checks_run, gaps, baseline)
			VALUES ('2026-11-25T10:00:00Z', '2026-11-25T10:00:00Z', '2026-11-25T10:00:08Z', 'corp.example', 'old', 'corp.example', 'C1', 0, '')`,
		`INSERT INTO findings VALUES (1, 'a', 'SPN-DUPLICATE', 'critical', 'fail', 't', 'corp.example', 'HTTP/x', '')`,
		`INSERT INTO findings VALUES (1, 'b', 'TRUST-RC4', 'medium', 'not-evaluated', 't', 'corp.example', 'y', '')`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s := openT(t, path)
	run, err := s.Run(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if run.Summary.Failed != 1 || run.Summary.BySeverity["critical"] != 1 || run.Summary.ByCategory["SPN"] != 1 || run.Summary.NotEvaluated != 1 || len(run.Findings) != 2 {
		t.Errorf("upgraded run: %+v", run)
	}
	if _, err := s.Report(ctx, 1); !errors.Is(err, ErrNoReport) {
		t.Errorf("report of a schema-1 run: %v", err)
	}
	if _, err := s.Finding(ctx, 1, "a"); !errors.Is(err, ErrNoReport) {
		t.Errorf("finding detail of a schema-1 run: %v", err)
	}
	id, err := s.Record(ctx, FromReport(seedReport(t, 2, nil)))
	if err != nil || id != 2 {
		t.Errorf("record after upgrade: %d, %v", id, err)
	}
}

func TestPostgresRefusesADatabaseItDidNotCreate(t *testing.T) {
	c := pgtest.Shared(t)
	loc := c.NewDatabase(t)
	db, err := sql.Open("pgx", loc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE runs (x int)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(context.Background(), loc, true); err == nil || !strings.Contains(err.Error(), "did not create") {
		t.Errorf("foreign database: %v", err)
	}
}

// TestPostgresPasswordsNeverAppear gives URLs with passwords, good and
// bad, and checks that no message names the password.
func TestPostgresPasswordsNeverAppear(t *testing.T) {
	c := pgtest.Shared(t)
	ctx := context.Background()
	good := c.NewDatabase(t)
	s, err := Open(ctx, good, true)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.Location(), pgtest.Password) || !strings.Contains(s.Location(), "127.0.0.1") {
		t.Errorf("Location() = %q", s.Location())
	}
	if _, err := s.Run(ctx, 42); err == nil || strings.Contains(err.Error(), pgtest.Password) || !strings.Contains(err.Error(), "xxxxx") {
		t.Errorf("error of an open store: %v", err)
	}
	s.Close()
	tests := []struct{ name, url, want string }{
		{"wrong password", strings.Replace(good, pgtest.Password, "wrong-"+pgtest.Password, 1), "password authentication failed"},
		{"no such database", strings.Replace(good, "/t", "/missing", 1), "does not exist"},
		{"nothing listening", strings.Replace(good, fmt.Sprint(c.Port), "1", 1), "connect"},
		{"password in the query", fmt.Sprintf("postgres://spntrust@127.0.0.1:%d/nodb?password=%s&sslmode=disable", c.Port, pgtest.Password), "nodb"},
		{"bad URL", "postgres://spntrust:" + pgtest.Password + "@127.0.0.1:%zz/x", "postgres://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(ctx, tt.url, true)
			if err == nil {
				t.Fatal("opened")
			}
			if strings.Contains(err.Error(), pgtest.Password) {
				t.Errorf("the error shows the password: %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}
