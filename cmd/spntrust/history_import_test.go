package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/history"
	"github.com/spntrust/spntrust/internal/pgtest"
)

// fingerprintsOf lists a JSON report's failed findings' fingerprints and
// the checks it ran.
func fingerprintsOf(t *testing.T, reportJSON string) (fps, ran []string) {
	t.Helper()
	var r struct {
		Scope    struct{ ChecksRun []string }
		Findings []struct{ Fingerprint, Status string }
	}
	if err := json.Unmarshal([]byte(reportJSON), &r); err != nil {
		t.Fatalf("%v in %s", err, reportJSON)
	}
	for _, f := range r.Findings {
		fps = append(fps, f.Fingerprint+" "+f.Status)
	}
	sort.Strings(fps)
	return fps, r.Scope.ChecksRun
}

// fingerprintsRecorded is fingerprintsOf for a recorded run.
func fingerprintsRecorded(t *testing.T, loc string, id int64) (fps, ran []string) {
	t.Helper()
	s, err := history.Open(context.Background(), loc, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	run, err := s.Run(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range run.Findings {
		fps = append(fps, f.Fingerprint+" "+f.Status)
	}
	sort.Strings(fps)
	return fps, run.ChecksRun
}

func TestHistoryImportRecordsReportsAndSnapshotsOnceOverEitherStore(t *testing.T) {
	moved := movedSnapshot(t)
	forHistoryEngine(t, func(t *testing.T, loc string) {
		masked := history.Redact(loc)
		dir := t.TempDir()
		imp := func(wantCode int, args ...string) string {
			t.Helper()
			code, stdout, stderr := runAt(t, nov.Add(48*time.Hour), append([]string{"history", "import", "--history", loc}, args...)...)
			if strings.Contains(stdout+stderr, pgtest.Password) {
				t.Fatalf("import %v printed the database password:\n%s%s", args, stdout, stderr)
			}
			if code != wantCode {
				t.Fatalf("import %v: exit %d, want %d:\n%s%s", args, code, wantCode, stdout, stderr)
			}
			return stderr
		}
		// A JSON report written by an audit that recorded itself is that run.
		report := filepath.Join(dir, "report.json")
		if code, _, stderr := runAt(t, nov, "audit", "--from", seed, "--output", "json="+report, "--history", loc); code != ExitOK {
			t.Fatalf("audit: exit %d, %s", code, stderr)
		}
		if out := imp(ExitOK, report); !strings.Contains(out, report+": already recorded as run 1 in "+masked) || !strings.Contains(out, "1 already recorded") {
			t.Errorf("import of the report audit --history recorded:\n%s", out)
		}
		// A snapshot is judged with audit's settings: the findings audit --from gives.
		out := imp(ExitOK, "--skip", "SPN-USER-HOST-ALIAS", moved)
		if !strings.Contains(out, moved+": run 2 recorded in "+masked+" (snapshot of corp.example") {
			t.Fatalf("import of a snapshot:\n%s", out)
		}
		_, audited, stderr := runAt(t, nov, "audit", "--from", moved, "--skip", "SPN-USER-HOST-ALIAS", "--format", "json")
		wantFPs, wantRan := fingerprintsOf(t, audited)
		gotFPs, gotRan := fingerprintsRecorded(t, loc, 2)
		if len(wantFPs) == 0 || !reflect.DeepEqual(gotFPs, wantFPs) || !reflect.DeepEqual(gotRan, wantRan) {
			t.Errorf("imported snapshot: findings %v, checks %v; audit --from gives %v, %v (%s)", gotFPs, gotRan, wantFPs, wantRan, stderr)
		}
		// Again (another day, same settings): the same run.
		if out := imp(ExitOK, "--skip", "SPN-USER-HOST-ALIAS", moved); !strings.Contains(out, "already recorded as run 2") {
			t.Errorf("second import of the snapshot:\n%s", out)
		}
		// Other settings judge it differently: another run.
		if out := imp(ExitOK, moved); !strings.Contains(out, "run 3 recorded") {
			t.Errorf("import of the snapshot with every check:\n%s", out)
		}
		// Files that cannot be imported are refused with the reason; the others are imported.
		good, _ := os.ReadFile(report)
		bad := map[string]string{
			"neither.json":          `{"version": "2.1.0", "runs": []}`,
			"empty.json":            "",
			"array.json":            "[1]",
			"truncated-report.json": string(good[:len(good)*2/3]),
			"truncated-snap.json":   string(mustRead(t, moved)[:2000]),
			"v7-report.json":        strings.Replace(string(good), `"schemaVersion": 1`, `"schemaVersion": 7`, 1),
		}
		var files []string
		for name, data := range bad {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			files = append(files, p)
		}
		sort.Strings(files)
		later := filepath.Join(dir, "later.json")
		if code, _, stderr := runAt(t, nov.Add(time.Hour), "audit", "--from", seed, "--output", "json="+later); code != ExitOK {
			t.Fatalf("audit: exit %d, %s", code, stderr)
		}
		out = imp(ExitUsage, append(files, later)...)
		for _, want := range []string{
			filepath.Join(dir, "neither.json") + ": a JSON object with none of a report's members",
			filepath.Join(dir, "empty.json") + ": empty file; history import takes JSON reports (spntrust audit --format json) and snapshots (spntrust audit --save-snapshot)",
			filepath.Join(dir, "array.json") + ": not a JSON object",
			filepath.Join(dir, "truncated-report.json") + ": truncated report: the file ends inside its JSON",
			filepath.Join(dir, "truncated-snap.json") + ": truncated snapshot: the file ends inside its JSON",
			"report " + filepath.Join(dir, "v7-report.json") + ": field schemaVersion: version 7 is not supported by this spntrust (it reads version 1)",
			later + ": run 4 recorded in " + masked + " (report of corp.example, 1 finding(s))",
			"7 file(s): 1 run(s) recorded, 0 already recorded, 6 refused",
			"6 of 7 file(s) not imported",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("import of bad files does not say %q:\n%s", want, out)
			}
		}
		// A report keeps its own baseline marks.
		base := filepath.Join(dir, "b.json")
		if code, _, stderr := runAt(t, nov, "baseline", "create", "--from", seed, "--out", base, "--owner", "o", "--reason", "r"); code != ExitOK {
			t.Fatal(stderr)
		}
		if out := imp(ExitUsage, "--baseline", base, later); !strings.Contains(out, later+" is a JSON report: its baseline marks were set when it was written") {
			t.Errorf("--baseline with a report:\n%s", out)
		}
		// ...and a snapshot takes them from --baseline.
		if out := imp(ExitOK, "--baseline", base, seed); !strings.Contains(out, "run 5 recorded") || !strings.Contains(out, "1 accepted") {
			t.Errorf("--baseline with a snapshot:\n%s", out)
		}
		// The imported runs are runs like any other.
		if code, stdout, stderr := runAt(t, nov, "diff", "--history", loc, "--from", "2", "--to", "4"); code != ExitOK || !strings.Contains(stdout, "to run 4") {
			t.Errorf("diff of imported runs: exit %d, %s%s", code, stdout, stderr)
		}
	})
}

func TestHistoryImportTakesSPNTRUSTHISTORY(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	code, _, stderr := runEnv(t, nov, map[string]string{historyEnv: db}, "history", "import", seed)
	if code != ExitOK || !strings.Contains(stderr, "run 1 recorded in "+db) {
		t.Fatalf("history import with $SPNTRUST_HISTORY: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runEnv(t, nov, nil, "history", "import"); code != ExitUsage || !strings.Contains(stderr, "requires at least 1 arg") {
		t.Errorf("history import without files: exit %d, %s", code, stderr)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
