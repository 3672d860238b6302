package history

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spntrust/spntrust/checks"
)

// Diff is what changed between two runs.
type Diff struct {
	From      RunRef    `json:"from"`
	To        RunRef    `json:"to"`
	New       []Finding `json:"new"`       // failed in To, not in From
	Resolved  []Finding `json:"resolved"`  // failed in From, checked and absent in To
	Unchanged []Finding `json:"unchanged"` // failed in both (as in To)
	// NotComparable: failed in From, absent in To, but To could not say:
	// the check did not run, or it could not evaluate that domain. Such a
	// finding is not called resolved.
	NotComparable []Finding `json:"notComparable"`
}

// RunRef names a run in a diff.
type RunRef struct {
	ID         int64  `json:"id"`
	FinishedAt string `json:"finishedAt"`
	Target     string `json:"target"`
}

func ref(r Run) RunRef {
	return RunRef{ID: r.ID, FinishedAt: r.FinishedAt.UTC().Format("2006-01-02T15:04:05Z"), Target: r.Target}
}

// Compare diffs two runs by finding fingerprint. Only failed findings take
// part; "not evaluated" findings in To keep From's findings of the same
// check and domain out of Resolved.
func Compare(from, to Run) Diff {
	d := Diff{From: ref(from), To: ref(to), New: []Finding{}, Resolved: []Finding{}, Unchanged: []Finding{}, NotComparable: []Finding{}}
	inFrom, inTo := map[string]bool{}, map[string]bool{}
	for _, f := range from.Findings {
		if f.failed() {
			inFrom[f.Fingerprint] = true
		}
	}
	ran := map[string]bool{}
	for _, id := range to.ChecksRun {
		ran[id] = true
	}
	blind := map[string]bool{} // check + "\x00" + domain ("" = every domain)
	for _, f := range to.Findings {
		if f.failed() {
			inTo[f.Fingerprint] = true
			if inFrom[f.Fingerprint] {
				d.Unchanged = append(d.Unchanged, f)
			} else {
				d.New = append(d.New, f)
			}
		} else if f.Status == string(checks.NotEvaluated) {
			blind[f.CheckID+"\x00"+strings.ToLower(f.Domain)] = true
		}
	}
	for _, f := range from.Findings {
		if !f.failed() || inTo[f.Fingerprint] {
			continue
		}
		if !ran[f.CheckID] || blind[f.CheckID+"\x00"] || blind[f.CheckID+"\x00"+strings.ToLower(f.Domain)] {
			d.NotComparable = append(d.NotComparable, f)
		} else {
			d.Resolved = append(d.Resolved, f)
		}
	}
	for _, list := range [][]Finding{d.New, d.Resolved, d.Unchanged, d.NotComparable} {
		sortFindings(list)
	}
	return d
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		ra, rb := checks.Severity(a.Severity).Rank(), checks.Severity(b.Severity).Rank()
		if ra != rb {
			return ra > rb
		}
		if a.CheckID != b.CheckID {
			return a.CheckID < b.CheckID
		}
		if a.Domain != b.Domain {
			return a.Domain < b.Domain
		}
		return a.Subject < b.Subject
	})
}

// WriteJSON writes the diff as indented JSON.
func (d Diff) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// WriteText writes the diff for people: new and resolved first.
func (d Diff) WriteText(out io.Writer) error {
	w := bufio.NewWriter(out)
	fmt.Fprintf(w, "Changes from run %d (%s, %s) to run %d (%s, %s)\n",
		d.From.ID, d.From.FinishedAt, dash(d.From.Target), d.To.ID, d.To.FinishedAt, dash(d.To.Target))
	section := func(title, mark string, fs []Finding, note string) {
		if len(fs) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s (%d)%s\n", title, len(fs), note)
		for _, f := range fs {
			fmt.Fprintf(w, "  %s [%s] %s", mark, f.Severity, f.CheckID)
			if f.Domain != "" {
				fmt.Fprintf(w, " %s", f.Domain)
			}
			fmt.Fprintf(w, ": %s (%s)", f.Title, f.Fingerprint)
			if f.Baseline != "" && f.Baseline != "new" {
				fmt.Fprintf(w, " [baseline: %s]", f.Baseline)
			}
			fmt.Fprintln(w)
		}
	}
	section("NEW", "+", d.New, "")
	section("RESOLVED", "-", d.Resolved, "")
	section("NOT COMPARABLE", "?", d.NotComparable, fmt.Sprintf(": gone in run %d, but that run did not check them (check not run or data missing)", d.To.ID))
	section("UNCHANGED", "=", d.Unchanged, "")
	fmt.Fprintf(w, "\nSummary: %d new, %d resolved, %d unchanged, %d not comparable\n",
		len(d.New), len(d.Resolved), len(d.Unchanged), len(d.NotComparable))
	return w.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
