package reports

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/spntrust/spntrust/checks"
)

// Markdown writes the report for pull requests, wikis and tickets: summary
// tables, then each finding with evidence, explanation and fixes in code
// blocks. Directory values are escaped so they cannot inject markup.
type Markdown struct{}

func (Markdown) Write(out io.Writer, r *Report) error {
	bw := bufio.NewWriter(out)
	w := safeWriter{bw} // directory values may carry terminal escapes
	c := r.Collection
	fmt.Fprintf(w, "# spntrust audit of %s\n\n", mdEscape(orDash(strings.Join(r.Scope.Domains, ", "))))
	fmt.Fprintf(w, "- Snapshot taken: %s", c.FinishedAt.UTC().Format("2006-01-02 15:04:05 MST"))
	if c.Principal != "" {
		fmt.Fprintf(w, " as %s", mdEscape(c.Principal))
	}
	if c.Host != "" {
		fmt.Fprintf(w, " from %s", mdEscape(c.Host))
	}
	fmt.Fprintf(w, "\n- Report: spntrust %s, generated %s\n", mdEscape(r.Tool.Version), r.GeneratedAt.UTC().Format("2006-01-02 15:04:05 MST"))
	fmt.Fprintf(w, "- Scope: %d %s, %d %s, %d %s holding %d SPNs; checks run: %s\n",
		len(r.Scope.Forests), plural(len(r.Scope.Forests), "forest", "forests"),
		len(r.Scope.Domains), plural(len(r.Scope.Domains), "domain", "domains"),
		r.Scope.Accounts, plural(r.Scope.Accounts, "account", "accounts"), r.Scope.SPNs,
		mdEscape(orDash(strings.Join(r.Scope.ChecksRun, ", "))))
	if r.Baseline != nil {
		fmt.Fprintf(w, "- Baseline: %s (%d accepted)\n", mdEscape(r.Baseline.File), r.AcceptedCount())
	}

	if len(r.Services) > 0 {
		fmt.Fprintf(w, "\n## Verdict\n\n")
		writeVerdicts(w, r, func(s string) string { return "**" + s + "**\n\n" }, "- ", mdEscape)
	}
	fmt.Fprintf(w, "\n## Summary\n\n%s\n\n", mdEscape(r.SummaryLine()))
	fmt.Fprintf(w, "| severity | findings |\n|---|---:|\n")
	for _, sev := range checks.Severities {
		fmt.Fprintf(w, "| %s | %d |\n", sev, r.Summary.BySeverity[string(sev)])
	}
	fmt.Fprintf(w, "| not evaluated | %d |\n", r.Summary.NotEvaluated)
	if rows := domainCounts(r); len(rows) > 0 {
		fmt.Fprintf(w, "\n| domain |")
		for _, sev := range checks.Severities {
			fmt.Fprintf(w, " %s |", sev)
		}
		fmt.Fprintf(w, "\n|---|")
		for range checks.Severities {
			fmt.Fprintf(w, "---:|")
		}
		fmt.Fprintln(w)
		for _, d := range rows {
			fmt.Fprintf(w, "| %s |", mdEscape(d.Domain))
			for _, n := range d.Counts {
				fmt.Fprintf(w, " %d |", n)
			}
			fmt.Fprintln(w)
		}
	}
	writeOutages(w, r, func(h string) string { return "\n## " + mdEscape(h) + "\n\n" }, "- ", mdEscape)
	if len(c.Gaps) > 0 {
		fmt.Fprintf(w, "\n## Not collected (the report is partial)\n\n")
		for _, g := range c.Gaps {
			fmt.Fprintf(w, "- %s: %s: %s\n", mdEscape(g.Scope), mdEscape(g.What), mdEscape(g.Error))
		}
	}
	writeRC4Text(w, r.RC4Removal, func(h string) string { return "\n## " + mdEscape(h) + "\n\n" }, "- ", mdEscape)
	if len(r.Findings) == 0 {
		fmt.Fprintf(w, "\nNo findings.\n")
		writeChecksMarkdown(w, r)
		return bw.Flush()
	}
	fmt.Fprintf(w, "\n## Findings\n\n| severity | check | domain | subject | baseline |\n|---|---|---|---|---|\n")
	for _, f := range r.Findings {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", severityLabel(f), mdEscape(f.CheckID), mdEscape(orDash(f.Domain)), mdEscape(f.Subject), orDash(r.BaselineState(f)))
	}
	for _, block := range blocksOf(r.Findings) {
		if len(block) == 1 {
			writeMarkdownFinding(w, r, block[0])
			continue
		}
		writeMarkdownBlock(w, r, block)
	}
	writeChecksMarkdown(w, r)
	return bw.Flush()
}

// severityLabel is the severity, or "not evaluated".
func severityLabel(f checks.Finding) string {
	if f.Status == checks.NotEvaluated {
		return "not-evaluated"
	}
	return string(f.Severity)
}

// domainCount is one row of the summary by domain.
type domainCount struct {
	Domain string
	Counts []int // by checks.Severities
}

// domainCounts counts failed findings by domain and severity; findings
// without a domain are counted under "-".
func domainCounts(r *Report) []domainCount {
	idx := map[string]int{}
	var rows []domainCount
	add := func(d string) int {
		if i, ok := idx[d]; ok {
			return i
		}
		idx[d] = len(rows)
		rows = append(rows, domainCount{Domain: d, Counts: make([]int, len(checks.Severities))})
		return idx[d]
	}
	for _, d := range r.Scope.Domains {
		add(d)
	}
	for _, f := range r.Findings {
		if f.Status != checks.Fail {
			continue
		}
		i := add(orDash(f.Domain))
		for j, sev := range checks.Severities {
			if f.Severity == sev {
				rows[i].Counts[j]++
			}
		}
	}
	return rows
}

// mdEscape escapes text for a Markdown paragraph or table cell: markup
// characters are backslash-escaped and line breaks become spaces.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '{', '}', '[', ']', '<', '>', '#', '|', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCode renders s as inline code with a backtick run longer than any in s.
func mdCode(s string) string {
	s = strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	return ticks + " " + s + " " + ticks
}

// mdFence returns a code fence longer than any backtick run in body.
func mdFence(body string) string {
	n := longestRun(body, '`') + 1
	if n < 3 {
		n = 3
	}
	return strings.Repeat("`", n)
}

func longestRun(s string, c rune) int {
	best, cur := 0, 0
	for _, r := range s {
		if r == c {
			cur++
			if cur > best {
				best = cur
			}
		} else {
			cur = 0
		}
	}
	return best
}

// mdAnchor is the link target of a finding: its fingerprint, which is hex.
func mdAnchor(f checks.Finding) string {
	return "finding-" + strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' {
			return r
		}
		return -1
	}, strings.ToLower(f.Fingerprint))
}

// writeMarkdownFinding writes one finding in full (or, linked to a root
// cause, with a reference to it instead of its story).
func writeMarkdownFinding(w io.Writer, r *Report, f checks.Finding) {
	fmt.Fprintf(w, "\n<a id=\"%s\"></a>\n\n### %s %s: %s\n\n", mdAnchor(f), strings.ToUpper(severityLabel(f)), mdEscape(f.CheckID), mdEscape(f.Title))
	if f.Domain != "" {
		fmt.Fprintf(w, "- Domain: %s\n", mdEscape(f.Domain))
	}
	for _, o := range f.Affected {
		fmt.Fprintf(w, "- Affected: %s %s", mdEscape(o.Kind), mdEscape(o.Name))
		if o.DN != "" {
			fmt.Fprintf(w, " (%s)", mdCode(o.DN))
		}
		fmt.Fprintln(w)
	}
	if st := r.BaselineState(f); st != "" && st != BaselineNew {
		a := r.Baseline.Entries[f.Fingerprint]
		fmt.Fprintf(w, "- Baseline: %s by %s until %s: %s\n", st, mdEscape(a.Owner), orDash(a.Expires), mdEscape(a.Reason))
	}
	fmt.Fprintf(w, "- Fingerprint: `%s`\n", f.Fingerprint)
	if len(f.Evidence) > 0 {
		fmt.Fprintf(w, "\n| evidence | value |\n|---|---|\n")
		for _, e := range f.Evidence {
			fmt.Fprintf(w, "| %s | %s |\n", mdEscape(e.Key), mdEscape(e.Value))
		}
	}
	if root, ok := r.RootOf(f); ok {
		// Told once: the root says why and how to fix.
		fmt.Fprintf(w, "\n**Cause:** same cause as [%s](#%s) (fingerprint `%s`): see it for why and how to fix.\n", mdEscape(causeRef(root)), mdAnchor(root), root.Fingerprint)
		for _, o := range r.ownFixes(f) {
			writeMarkdownFix(w, ownFixLabel(o.Name), o)
		}
		return
	}
	if linked := r.ConsequencesOf(f); len(linked) > 0 {
		fmt.Fprintf(w, "- Also reported (same cause, told here once): %s\n", mdEscape(alsoReported(linked)))
	}
	fmt.Fprintf(w, "\n%s\n", mdEscape(f.Explanation))
	for _, o := range f.Remediation {
		writeMarkdownFix(w, "Fix ("+o.Name+")", o)
	}
}

// writeMarkdownFix writes one option: its label and summary, then its steps
// fenced.
func writeMarkdownFix(w io.Writer, label string, o checks.Option) {
	fmt.Fprintf(w, "\n**%s:** %s\n\n", mdEscape(label), mdEscape(o.Summary))
	body := strings.Join(o.Steps(), "\n")
	fence := mdFence(body)
	fmt.Fprintf(w, "%s\n%s\n%s\n", fence, body, fence)
}

// writeMarkdownBlock writes many findings of one check as one block: the
// check's title, meaning, why and fix pattern once, then a table with each
// object's subject, evidence and fix.
func writeMarkdownBlock(w io.Writer, r *Report, block []checks.Finding) {
	first := block[0]
	chk := checkInfo(first.CheckID)
	fmt.Fprintf(w, "\n### %s %s: %s (%d findings)\n\n", strings.ToUpper(severityLabel(first)), mdEscape(first.CheckID), mdEscape(orDash(chk.Title)), len(block))
	if first.Meaning != "" {
		fmt.Fprintf(w, "- Meaning: %s\n", mdEscape(string(first.Meaning)))
	}
	fmt.Fprintf(w, "- Why: %s\n- Fix pattern: %s\n", mdEscape(blockWhy(first)), mdEscape(blockFix(first)))
	fmt.Fprintf(w, "\n| # | subject | finding | evidence | fix | fingerprint |\n|---:|---|---|---|---|---|\n")
	for i, f := range block {
		finding := mdEscape(f.Title)
		if st := r.BaselineState(f); st == BaselineAccepted || st == BaselineExpired {
			a := r.Baseline.Entries[f.Fingerprint]
			finding += "<br>baseline " + mdEscape(st) + " by " + mdEscape(a.Owner) + " until " + mdEscape(orDash(a.Expires)) + ": " + mdEscape(a.Reason)
		}
		var ev []string
		for _, e := range f.Evidence {
			ev = append(ev, mdEscape(e.Key)+": "+mdEscape(e.Value))
		}
		var fix []string
		root, isLinked := r.RootOf(f)
		if isLinked {
			fix = append(fix, "same cause as ["+mdEscape(causeRef(root))+"](#"+mdAnchor(root)+"): see it")
		}
		for _, o := range r.ownFixes(f) { // a linked finding: only what the root's fix lacks
			line := "**" + mdEscape(o.Name) + "**:"
			if isLinked {
				line = "**" + mdEscape(ownFixLabel(o.Name)) + "**:"
			}
			for _, st := range o.Steps() {
				line += "<br>" + mdCellCode(st)
			}
			fix = append(fix, line)
		}
		if linked := r.ConsequencesOf(f); len(linked) > 0 {
			fix = append(fix, "also reported (same cause): "+mdEscape(alsoReported(linked)))
		}
		fmt.Fprintf(w, "| %d | <a id=\"%s\"></a>%s | %s | %s | %s | `%s` |\n", i+1, mdAnchor(f), mdEscape(f.Subject), finding,
			orDash(strings.Join(ev, "<br>")), orDash(strings.Join(fix, "<br>")), f.Fingerprint)
	}
}

// mdCellCode renders s as inline code inside a table cell, where a pipe
// ends the cell even in code unless escaped.
func mdCellCode(s string) string {
	return strings.ReplaceAll(mdCode(s), "|", "\\|")
}
