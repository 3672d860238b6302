package reports

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spntrust/spntrust/checks"
)

// Prometheus writes a node_exporter textfile-collector file: findings by
// check and severity (every check run and severity, zeros included, so a
// series does not vanish when a problem is fixed), findings not evaluated
// and accepted by a baseline, collection duration and gaps, and the time of
// the last successful run. Write it atomically (the CLI does) so the
// collector never reads half a file.
type Prometheus struct{}

func (Prometheus) Write(out io.Writer, r *Report) error {
	w := bufio.NewWriter(out)
	c := r.Collection
	metric := func(name, typ, help string) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}

	metric("spntrust_info", "gauge", "Version of spntrust that wrote this file and the audit target.")
	fmt.Fprintf(w, "spntrust_info{version=\"%s\",target=\"%s\"} 1\n", promLabel(r.Tool.Version), promLabel(c.Target))

	failed := map[string]map[checks.Severity]int{}
	notEval := map[string]int{}
	accepted := map[string]int{}
	for _, id := range r.Scope.ChecksRun {
		failed[id] = map[checks.Severity]int{}
	}
	for _, f := range r.Findings {
		if failed[f.CheckID] == nil {
			failed[f.CheckID] = map[checks.Severity]int{}
		}
		switch {
		case f.Status == checks.NotEvaluated:
			notEval[f.CheckID]++
		default:
			failed[f.CheckID][f.Severity]++
			if r.Accepted(f) {
				accepted[f.CheckID]++
			}
		}
	}
	ids := sortedKeys(failed)

	metric("spntrust_findings", "gauge", "Findings of the last audit by check and severity (including findings a baseline accepts).")
	for _, id := range ids {
		for _, sev := range checks.Severities {
			fmt.Fprintf(w, "spntrust_findings{check=\"%s\",severity=\"%s\"} %d\n", promLabel(id), sev, failed[id][sev])
		}
	}
	metric("spntrust_findings_not_evaluated", "gauge", "Findings of the last audit that could not be evaluated (data missing), by check.")
	for _, id := range ids {
		fmt.Fprintf(w, "spntrust_findings_not_evaluated{check=\"%s\"} %d\n", promLabel(id), notEval[id])
	}
	if r.Baseline != nil {
		metric("spntrust_findings_accepted", "gauge", "Findings of the last audit a baseline accepts (not expired), by check.")
		for _, id := range ids {
			fmt.Fprintf(w, "spntrust_findings_accepted{check=\"%s\"} %d\n", promLabel(id), accepted[id])
		}
	}
	metric("spntrust_collection_gaps", "gauge", "Things the last audit could not collect (non-zero: the report is partial).")
	fmt.Fprintf(w, "spntrust_collection_gaps %d\n", len(c.Gaps))
	metric("spntrust_run_duration_seconds", "gauge", "Duration of the last audit's collection, from its start and finish times.")
	fmt.Fprintf(w, "spntrust_run_duration_seconds %s\n", promFloat(c.FinishedAt.Sub(c.StartedAt).Seconds()))
	metric("spntrust_last_success_timestamp_seconds", "gauge", "Unix time the last successful audit finished collecting.")
	fmt.Fprintf(w, "spntrust_last_success_timestamp_seconds %d\n", c.FinishedAt.Unix())
	return w.Flush()
}

// promLabel escapes a label value (text exposition format: \\, \" and \n).
func promLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func promFloat(v float64) string {
	if v < 0 {
		v = 0
	}
	return fmt.Sprintf("%g", v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
