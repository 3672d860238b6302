package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/spntrust/spntrust/checks"
)

// CheckStatus is what one check run came to, kube-bench style: a check
// whose input was missing (a collection gap, no ticket probes) is "not
// evaluated", never "passed".
type CheckStatus string

// Check statuses.
const (
	// CheckPassed: the check ran on everything it needs and found nothing.
	CheckPassed CheckStatus = "passed"
	// CheckFailed: at least one failed finding above info.
	CheckFailed CheckStatus = "failed"
	// CheckInfo: only info findings (an inventory, notes): nothing wrong.
	CheckInfo CheckStatus = "info"
	// CheckNotEvaluated: no failure, but the check could not look at all
	// it needs (its not-evaluated findings say what).
	CheckNotEvaluated CheckStatus = "not-evaluated"
)

// CheckResult is one check run with its status and the count of its
// findings by kind; the JSON report lists every check run.
type CheckResult struct {
	ID           string         `json:"id"`
	Title        string         `json:"title"`
	Meaning      checks.Meaning `json:"meaning,omitempty"`
	Status       CheckStatus    `json:"status"`
	Failed       int            `json:"failed"`
	Info         int            `json:"info"`
	NotEvaluated int            `json:"notEvaluated"`
}

// checkResults judges every check run (and any other a finding names)
// from its findings, in the order of checkIDs.
func checkResults(r *Report) []CheckResult {
	var out []CheckResult
	for _, id := range checkIDs(r) {
		chk := checkInfo(id)
		c := CheckResult{ID: id, Title: chk.Title, Meaning: chk.Meaning}
		for _, f := range r.Findings {
			if f.CheckID != id {
				continue
			}
			switch {
			case f.Status == checks.NotEvaluated:
				c.NotEvaluated++
			case f.Severity == checks.Info:
				c.Info++
			default:
				c.Failed++
			}
		}
		switch {
		case c.Failed > 0:
			c.Status = CheckFailed
		case c.NotEvaluated > 0:
			c.Status = CheckNotEvaluated
		case c.Info > 0:
			c.Status = CheckInfo
		default:
			c.Status = CheckPassed
		}
		out = append(out, c)
	}
	return out
}

// ChecksLine counts the checks run by status.
func (r *Report) ChecksLine() string {
	n := map[CheckStatus]int{}
	for _, c := range r.Checks {
		n[c.Status]++
	}
	return fmt.Sprintf("%d %s run: %d passed, %d failed, %d info only, %d not evaluated",
		len(r.Checks), plural(len(r.Checks), "check", "checks"), n[CheckPassed], n[CheckFailed], n[CheckInfo], n[CheckNotEvaluated])
}

// Label is the status as the text and Markdown reports print it.
func (c CheckResult) Label() string {
	switch c.Status {
	case CheckPassed:
		return "PASS"
	case CheckFailed:
		return "FAIL"
	case CheckInfo:
		return "INFO"
	}
	return "NOT EVALUATED"
}

// Counts says how many findings of each kind the check had.
func (c CheckResult) Counts() string {
	var parts []string
	if c.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", c.Failed))
	}
	if c.Info > 0 {
		parts = append(parts, fmt.Sprintf("%d info", c.Info))
	}
	if c.NotEvaluated > 0 {
		parts = append(parts, fmt.Sprintf("%d not evaluated", c.NotEvaluated))
	}
	return strings.Join(parts, ", ")
}

// writeChecksText lists every check run with its status.
func writeChecksText(w io.Writer, r *Report) {
	if len(r.Checks) == 0 {
		return
	}
	fmt.Fprintf(w, "\nCHECKS RUN: %s\n", r.ChecksLine()[strings.Index(r.ChecksLine(), ":")+2:])
	for _, c := range r.Checks {
		line := fmt.Sprintf("  %-13s %-24s %s", c.Label(), c.ID, c.Title)
		if s := c.Counts(); s != "" {
			line += " (" + s + ")"
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}

// writeChecksMarkdown lists every check run with its status, as a table.
func writeChecksMarkdown(w io.Writer, r *Report) {
	if len(r.Checks) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Checks run\n\n%s\n\n| status | check | title | findings |\n|---|---|---|---|\n", mdEscape(r.ChecksLine()))
	for _, c := range r.Checks {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", c.Label(), mdEscape(c.ID), mdEscape(c.Title), mdEscape(orDash(c.Counts())))
	}
}
