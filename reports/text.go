package reports

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spntrust/spntrust/checks"
)

// Text writes a report for people at a terminal: findings grouped by
// severity, each with evidence, explanation and fixes, after a header that
// ends with the summary line.
type Text struct{}

func (Text) Write(out io.Writer, r *Report) error {
	bw := bufio.NewWriter(out)
	w := safeWriter{bw} // directory values may carry terminal escapes
	c := r.Collection
	// A probe opens with each service's verdict and the steps behind it.
	if len(r.Services) > 0 {
		writeVerdicts(w, r, func(s string) string { return s + "\n" }, "  ", func(s string) string { return s })
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "spntrust %s audit of %s\n", r.Tool.Version, orDash(strings.Join(r.Scope.Domains, ", ")))
	fmt.Fprintf(w, "Snapshot: taken %s", c.FinishedAt.UTC().Format("2006-01-02 15:04:05 MST"))
	if c.Principal != "" {
		fmt.Fprintf(w, " as %s", c.Principal)
	}
	if c.Host != "" {
		fmt.Fprintf(w, " from %s", c.Host)
	}
	fmt.Fprintf(w, "\nScope: %d %s, %d %s, %d %s holding %d SPNs; %d %s run\n",
		len(r.Scope.Forests), plural(len(r.Scope.Forests), "forest", "forests"),
		len(r.Scope.Domains), plural(len(r.Scope.Domains), "domain", "domains"),
		r.Scope.Accounts, plural(r.Scope.Accounts, "account", "accounts"), r.Scope.SPNs,
		len(r.Scope.ChecksRun), plural(len(r.Scope.ChecksRun), "check", "checks"))
	// The verdict first: a reader (or `head`) sees it before the details.
	fmt.Fprintf(w, "Summary: %s\n", r.SummaryLine())
	if r.Baseline != nil {
		fmt.Fprintf(w, "Baseline %s: %d accepted finding(s) not counted toward --fail-on\n", r.Baseline.File, r.AcceptedCount())
	}

	writeOutages(w, r, func(h string) string { return "\n" + strings.ToUpper(h[:7]) + h[7:] + "\n" }, "  - ", func(s string) string { return s })
	if len(c.Gaps) > 0 {
		fmt.Fprintf(w, "\nNOT COLLECTED (the report is partial)\n")
		for _, g := range c.Gaps {
			fmt.Fprintf(w, "  - %s: %s: %s\n", g.Scope, g.What, strings.ReplaceAll(g.Error, "\n", "; "))
		}
	}
	writeRC4Text(w, r.RC4Removal, func(h string) string { return "\n" + strings.ToUpper(h[:12]) + h[12:] + "\n" }, "  - ", func(s string) string { return s })
	for _, sev := range checks.Severities {
		var group []checks.Finding
		for _, f := range r.Findings {
			if f.Status == checks.Fail && f.Severity == sev {
				group = append(group, f)
			}
		}
		if len(group) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s (%d)\n", strings.ToUpper(string(sev)), len(group))
		for _, block := range blocksOf(group) {
			if len(block) == 1 {
				writeTextFinding(w, r, block[0])
				continue
			}
			writeTextBlock(w, r, block)
		}
	}
	var unknown []checks.Finding
	for _, f := range r.Findings {
		if f.Status == checks.NotEvaluated {
			unknown = append(unknown, f)
		}
	}
	if len(unknown) > 0 {
		fmt.Fprintf(w, "\nNOT EVALUATED (%d)\n", len(unknown))
		for _, group := range sameCause(r, unknown) {
			if len(group) == 1 {
				writeTextFinding(w, r, group[0])
				continue
			}
			writeTextGroup(w, group)
		}
	}
	if r.Summary.Total == 0 && r.Summary.NotEvaluated == 0 {
		fmt.Fprintf(w, "\nNo findings.\n")
	}
	writeChecksText(w, r)
	return bw.Flush()
}

func writeTextFinding(w io.Writer, r *Report, f checks.Finding) {
	fmt.Fprintf(w, "\n  [%s] %s\n", f.CheckID, f.Title)
	if st := r.BaselineState(f); st == BaselineAccepted || st == BaselineExpired {
		a := r.Baseline.Entries[f.Fingerprint]
		fmt.Fprintf(w, "    Baseline: %s (owner %s, until %s): %s\n", st, a.Owner, orDash(a.Expires), a.Reason)
	}
	if root, ok := r.RootOf(f); ok {
		// Told once: the root says why and how to fix.
		fmt.Fprintf(w, "    Cause: %s\n", wrap(seeRoot(root), len("    Cause: "), 6, 96))
		writeTextFacts(w, f)
		for _, o := range r.ownFixes(f) {
			prefix := "    " + ownFixLabel(o.Name) + ": "
			fmt.Fprintf(w, "%s%s\n", prefix, wrap(o.Summary, len(prefix), 6, 96))
			for _, s := range o.Steps() {
				fmt.Fprintf(w, "      %s\n", s)
			}
		}
	} else {
		writeTextBody(w, f)
		if linked := r.ConsequencesOf(f); len(linked) > 0 {
			fmt.Fprintf(w, "    Also reported (same cause, told here once): %s\n", wrap(alsoReported(linked), len("    Also reported (same cause, told here once): "), 6, 96))
		}
	}
	fmt.Fprintf(w, "    Fingerprint: %s\n", f.Fingerprint)
}

// writeTextGroup writes findings of several checks that share one cause
// (sameCause) once, then each check's title and fingerprint.
func writeTextGroup(w io.Writer, group []checks.Finding) {
	fmt.Fprintf(w, "\n  [%d checks] Not evaluated: %s\n", len(group), group[0].Subject)
	writeTextBody(w, group[0])
	fmt.Fprintf(w, "    Checks:\n")
	for _, f := range group {
		fmt.Fprintf(w, "      %s: %s (fingerprint %s)\n", f.CheckID, f.Title, f.Fingerprint)
	}
}

// sameCause groups findings, in order of first appearance, that differ only
// in their check, title and fingerprint: an unread domain leaves every SPN
// check not evaluated there for the same reason. A finding a baseline
// accepts (or did) stays on its own, to show its acceptance.
func sameCause(r *Report, fs []checks.Finding) [][]checks.Finding {
	var groups [][]checks.Finding
	at := map[string]int{}
	for _, f := range fs {
		if st := r.BaselineState(f); st == BaselineAccepted || st == BaselineExpired {
			groups = append(groups, []checks.Finding{f})
			continue
		}
		shared := f
		shared.CheckID, shared.Title, shared.Fingerprint, shared.Meaning = "", "", "", ""
		b, _ := json.Marshal(shared)
		k := string(b)
		if i, ok := at[k]; ok {
			groups[i] = append(groups[i], f)
			continue
		}
		at[k] = len(groups)
		groups = append(groups, []checks.Finding{f})
	}
	return groups
}

// writeTextBody writes what a finding says beyond its title.
func writeTextBody(w io.Writer, f checks.Finding) {
	writeTextFacts(w, f)
	writeTextStory(w, f)
}

// writeTextFacts writes a finding's domain, objects and evidence.
func writeTextFacts(w io.Writer, f checks.Finding) {
	if f.Domain != "" {
		fmt.Fprintf(w, "    Domain:   %s\n", f.Domain)
	}
	for i, o := range f.Affected {
		label := "Affected:"
		if i > 0 {
			label = "         "
		}
		fmt.Fprintf(w, "    %s %s %s", label, o.Kind, o.Name)
		if o.DN != "" {
			fmt.Fprintf(w, " (%s)", o.DN)
		}
		fmt.Fprintln(w)
	}
	if len(f.Evidence) > 0 {
		fmt.Fprintf(w, "    Evidence:\n")
		for _, e := range f.Evidence {
			fmt.Fprintf(w, "      %s: %s\n", e.Key, e.Value)
		}
	}
}

// writeTextStory writes why a finding matters and how to fix it.
func writeTextStory(w io.Writer, f checks.Finding) {
	fmt.Fprintf(w, "    Why: %s\n", wrap(f.Explanation, len("    Why: "), 6, 96))
	for _, o := range f.Remediation {
		prefix := fmt.Sprintf("    Fix (%s): ", o.Name)
		fmt.Fprintf(w, "%s%s\n", prefix, wrap(o.Summary, len(prefix), 6, 96))
		for _, s := range o.Steps() {
			fmt.Fprintf(w, "      %s\n", s)
		}
	}
}

// wrap folds text at width, indenting continuation lines; start is the
// column the text begins at.
func wrap(text string, start, indent, width int) string {
	var b strings.Builder
	col := start
	for i, word := range strings.Fields(text) {
		if i > 0 {
			if col+1+len(word) > width {
				b.WriteString("\n" + strings.Repeat(" ", indent))
				col = indent
			} else {
				b.WriteByte(' ')
				col++
			}
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeTextBlock writes many findings of one check as one block: the
// check's title, meaning, why and fix pattern once, then each object with
// its title, evidence, fix steps and fingerprint.
func writeTextBlock(w io.Writer, r *Report, block []checks.Finding) {
	first := block[0]
	chk := checkInfo(first.CheckID)
	fmt.Fprintf(w, "\n  [%s] %s: %d findings\n", first.CheckID, orDash(chk.Title), len(block))
	if first.Meaning != "" {
		fmt.Fprintf(w, "    Meaning: %s\n", first.Meaning)
	}
	fmt.Fprintf(w, "    Why: %s\n", wrap(blockWhy(first), len("    Why: "), 6, 96))
	fmt.Fprintf(w, "    Fix pattern: %s\n", wrap(blockFix(first), len("    Fix pattern: "), 6, 96))
	fmt.Fprintf(w, "    Objects:\n")
	for i, f := range block {
		fmt.Fprintf(w, "      %d. %s  (%s)\n", i+1, f.Subject, orDash(f.Domain))
		fmt.Fprintf(w, "         %s\n", wrap(f.Title, 9, 9, 96))
		if st := r.BaselineState(f); st == BaselineAccepted || st == BaselineExpired {
			a := r.Baseline.Entries[f.Fingerprint]
			fmt.Fprintf(w, "         Baseline: %s (owner %s, until %s): %s\n", st, a.Owner, orDash(a.Expires), a.Reason)
		}
		if len(f.Evidence) > 0 {
			fmt.Fprintf(w, "         Evidence: %s\n", wrap(evidenceText(f), len("         Evidence: "), 11, 96))
		}
		if root, ok := r.RootOf(f); ok {
			fmt.Fprintf(w, "         Cause: %s\n", wrap(seeRoot(root), len("         Cause: "), 11, 96))
			for _, o := range r.ownFixes(f) {
				fmt.Fprintf(w, "         %s:\n", ownFixLabel(o.Name))
				for _, s := range o.Steps() {
					fmt.Fprintf(w, "           %s\n", s)
				}
			}
		} else {
			for _, o := range f.Remediation {
				fmt.Fprintf(w, "         Fix (%s):\n", o.Name)
				for _, s := range o.Steps() {
					fmt.Fprintf(w, "           %s\n", s)
				}
			}
			if linked := r.ConsequencesOf(f); len(linked) > 0 {
				fmt.Fprintf(w, "         Also reported (same cause, told here once): %s\n", wrap(alsoReported(linked), len("         Also reported (same cause, told here once): "), 11, 96))
			}
		}
		fmt.Fprintf(w, "         Fingerprint: %s\n", f.Fingerprint)
	}
}
