package reports

import (
	"strings"

	"github.com/spntrust/spntrust/checks"
)

// Many findings of one check are shown as one block (issue 17): the
// check's title, meaning, why and fix pattern once, then a table of the
// objects with each one's subject, evidence and fix. JSON, CSV and SARIF
// keep one record per finding.

// blocksOf splits findings, in their order, into runs of failed findings of
// one check and severity; every other finding (not evaluated) is a run of
// its own. Reports sort findings by severity and check, so each check's
// findings of one severity form one run.
func blocksOf(fs []checks.Finding) [][]checks.Finding {
	var out [][]checks.Finding
	for _, f := range fs {
		if n := len(out); n > 0 && f.Status == checks.Fail {
			last := out[n-1]
			if last[0].Status == checks.Fail && last[0].CheckID == f.CheckID && last[0].Severity == f.Severity {
				out[n-1] = append(last, f)
				continue
			}
		}
		out = append(out, []checks.Finding{f})
	}
	return out
}

// explainSection returns one section of a check's explanation ("Why it
// breaks Kerberos", "How to fix it") as one paragraph, or "".
func explainSection(explanation, heading string) string {
	var body []string
	in := false
	for _, l := range strings.Split(explanation, "\n") {
		switch {
		case strings.TrimSpace(l) == heading && !strings.HasPrefix(l, " "):
			in = true
		case in && l != "" && !strings.HasPrefix(l, " "):
			return strings.Join(body, " ")
		case in && strings.TrimSpace(l) != "":
			body = append(body, strings.TrimSpace(l))
		}
	}
	return strings.Join(body, " ")
}

// blockWhy and blockFix are what a block says once: the check's reason and
// fix pattern, else the first finding's own explanation and fix summaries.
func blockWhy(f checks.Finding) string {
	if s := explainSection(checkInfo(f.CheckID).Explanation, "Why it breaks Kerberos"); s != "" {
		return s
	}
	return f.Explanation
}

func blockFix(f checks.Finding) string {
	if s := explainSection(checkInfo(f.CheckID).Explanation, "How to fix it"); s != "" {
		return s
	}
	var names []string
	for _, o := range f.Remediation {
		names = append(names, o.Name)
	}
	return strings.Join(names, ", ")
}

// evidenceText is a finding's evidence on one line.
func evidenceText(f checks.Finding) string {
	var parts []string
	for _, e := range f.Evidence {
		parts = append(parts, e.Key+": "+e.Value)
	}
	return strings.Join(parts, "; ")
}
