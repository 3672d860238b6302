package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/history"
	"github.com/spntrust/spntrust/internal/pgtest"
)

// movedSnapshot is the seed with svc-appweb's HTTP SPNs replaced by one
// svc-web02 holds: SPN-USER-HOST-ALIAS is resolved, an SPN-DUPLICATE new.
func movedSnapshot(t *testing.T) string {
	t.Helper()
	s, err := audit.Load(seed)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for i := range s.Accounts {
		if s.Accounts[i].SAMAccountName == "svc-appweb" {
			s.Accounts[i].SPNs = []string{"HTTP/web02.corp.example:81"}
			found = true
		}
	}
	if !found {
		t.Fatal("the seed snapshot has no svc-appweb")
	}
	path := filepath.Join(t.TempDir(), "moved.json")
	if err := audit.Save(path, s); err != nil {
		t.Fatal(err)
	}
	return path
}

// The same scheduled runs — a baseline accepting the seed's finding, a
// re-submitted run, a change that resolves it and brings a new one — give
// the same exit codes, messages and diffs over SQLite and PostgreSQL.
func TestDiffAndBaselineGiveTheSameAnswersOverEitherStore(t *testing.T) {
	moved := movedSnapshot(t)
	dir := t.TempDir()
	base := filepath.Join(dir, "baseline.json")
	if code, _, stderr := runAt(t, nov, "baseline", "create", "--from", seed, "--out", base, "--owner", "web team", "--reason", "CHG-1234"); code != ExitOK {
		t.Fatalf("baseline create: exit %d, %s", code, stderr)
	}
	diffs := map[string]string{}
	forHistoryEngine(t, func(t *testing.T, loc string) {
		masked := history.Redact(loc)
		step := func(name string, at time.Time, wantCode int, want string, args ...string) string {
			t.Helper()
			code, stdout, stderr := runAt(t, at, args...)
			if strings.Contains(stdout+stderr, pgtest.Password) {
				t.Fatalf("%s: the database password was printed:\n%s%s", name, stdout, stderr)
			}
			if code != wantCode || !strings.Contains(stdout+stderr, want) {
				t.Fatalf("%s: exit %d (want %d), want %q in:\n%s%s", name, code, wantCode, want, stdout, stderr)
			}
			return stdout
		}
		if history.IsPostgres(loc) {
			step("diff of an empty database", nov, ExitUsage, "0 run(s) recorded", "diff", "--history", loc)
		} else {
			step("diff of a missing file", nov, ExitUsage, "record runs with `spntrust audit --history", "diff", "--history", loc)
		}
		// The accepted finding does not fail the run.
		step("run 1, accepted by the baseline", nov, ExitOK, "run 1 recorded in "+masked,
			"audit", "--from", seed, "--baseline", base, "--history", loc, "--fail-on", "high", "--output", filepath.Join(t.TempDir(), "r1.txt"))
		step("diff with one run", nov, ExitUsage, "needs two", "diff", "--history", loc)
		step("run 1 re-submitted", nov, ExitOK, "run 1 already recorded in "+masked+": the same report is recorded once",
			"audit", "--from", seed, "--baseline", base, "--history", loc, "--fail-on", "high", "--output", filepath.Join(t.TempDir(), "r1.txt"))
		// The new duplicate is not in the baseline: it fails the run, which is still recorded.
		step("run 2, a new finding", nov.Add(time.Hour), ExitFindings, "run 2 recorded in "+masked,
			"audit", "--from", moved, "--baseline", base, "--history", loc, "--fail-on", "high", "--output", filepath.Join(t.TempDir(), "r2.txt"))
		text := step("text diff", nov, ExitOK, "1 new, 1 resolved, 0 unchanged", "diff", "--history", loc, "--since-last")
		for _, want := range []string{"from run 1", "to run 2", "NEW (1)", "+ [critical] SPN-DUPLICATE", "RESOLVED (1)", "- [high] SPN-USER-HOST-ALIAS", "[baseline: accepted]"} {
			if !strings.Contains(text, want) {
				t.Errorf("text diff lacks %q:\n%s", want, text)
			}
		}
		js := step("json diff", nov, ExitOK, `"resolved"`, "diff", "--history", loc, "--from", "1", "--to", "2", "--format", "json")
		var d history.Diff
		if err := json.Unmarshal([]byte(js), &d); err != nil {
			t.Fatal(err)
		}
		if len(d.Resolved) != 1 || d.Resolved[0].Baseline != "accepted" || d.Resolved[0].Acceptance == nil || d.Resolved[0].Acceptance.Owner != "web team" {
			t.Errorf("the resolved finding does not carry its acceptance: %+v", d.Resolved)
		}
		if len(d.New) != 1 || d.New[0].CheckID != "SPN-DUPLICATE" || d.New[0].Baseline != "new" {
			t.Errorf("new findings: %+v", d.New)
		}
		step("diff of a run the store lacks", nov, ExitUsage, "run 9: no such run (runs 1 to 2 recorded)", "diff", "--history", loc, "--from", "1", "--to", "9")
		diffs[filepath.Base(t.Name())] = js
	})
	if len(diffs) == 2 && diffs["sqlite"] != diffs["postgres"] {
		t.Errorf("the engines' diffs differ:\nsqlite:\n%s\npostgres:\n%s", diffs["sqlite"], diffs["postgres"])
	}
}
