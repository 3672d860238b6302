package pipeline

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spntrust/spntrust/baseline"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/history"
	"github.com/spntrust/spntrust/internal/exitcode"
	"github.com/spntrust/spntrust/reports"
)

// BaselineMarks is the processor of --baseline: it marks every finding of
// the report accepted, expired or new against the baseline (the report's
// generation time decides expiry) and says on Log what it found.
type BaselineMarks struct {
	Path     string // the file, as the report cites it
	Baseline *baseline.File
	Log      io.Writer
}

func (b BaselineMarks) Process(_ context.Context, rep *reports.Report) error {
	p := baseline.Processor{Baseline: b.Baseline, Now: rep.GeneratedAt}
	decisions := p.Process(rep.Findings)
	rep.Baseline = baseline.Marks(b.Path, decisions)
	counts := map[baseline.State]int{}
	for _, d := range decisions {
		if d.Finding.Status == checks.Fail {
			counts[d.State]++
		}
	}
	if b.Log == nil {
		return nil
	}
	fmt.Fprintf(b.Log, "baseline %s: %d accepted, %d expired, %d new", b.Path, counts[baseline.Accepted], counts[baseline.Expired], counts[baseline.New])
	if n := len(p.Unmatched(rep.Findings)); n > 0 {
		fmt.Fprintf(b.Log, "; %d accepted finding(s) no longer found (fixed? drop them from the baseline)", n)
	}
	fmt.Fprintln(b.Log)
	return nil
}

// HistoryFile is the recorder of --history: it records the report as a run
// in a SQLite history file (created with mode 0600) for spntrust diff.
type HistoryFile struct {
	Path string
	Log  io.Writer
}

func (h HistoryFile) Record(ctx context.Context, rep *reports.Report) error {
	db, err := history.Open(ctx, h.Path, true)
	if err != nil {
		return exitcode.Input(err)
	}
	id, created, err := db.Submit(ctx, history.FromReport(rep))
	where := db.Location() // a PostgreSQL password is masked
	if cerr := db.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return exitcode.Input(err)
	}
	if h.Log != nil {
		if !created {
			fmt.Fprintf(h.Log, "run %d already recorded in %s: the same report is recorded once\n", id, where)
			return nil
		}
		fmt.Fprintf(h.Log, "run %d recorded in %s (spntrust diff --history %s --since-last)\n", id, where, where)
	}
	return nil
}

// Select keeps the findings named (fingerprint or check ID, any case), in
// the order named, each once; no names keeps them all (fix --finding). A
// name that matches nothing is a usage error listing the failed findings
// there are, so a typo never silently fixes nothing.
func Select(all []checks.Finding, names []string) ([]checks.Finding, error) {
	if len(names) == 0 {
		return all, nil
	}
	var out []checks.Finding
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		matched := false
		for _, f := range all {
			if !strings.EqualFold(f.Fingerprint, n) && !strings.EqualFold(f.CheckID, n) {
				continue
			}
			matched = true
			if !seen[f.Fingerprint] {
				seen[f.Fingerprint] = true
				out = append(out, f)
			}
		}
		if !matched {
			var have []string
			for _, f := range all {
				if f.Status == checks.Fail {
					have = append(have, f.Fingerprint+" ("+f.CheckID+")")
				}
			}
			sort.Strings(have)
			return nil, exitcode.Usagef("--finding %s matches no finding; the findings are: %s", n, strings.Join(have, ", "))
		}
	}
	return out, nil
}
