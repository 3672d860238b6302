package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/spntrust/spntrust/checks"
)

// JUnit writes JUnit XML for CI systems: one testcase per check run, one
// <failure> per finding, so a CI page lists each problem. A check whose
// only findings are "not evaluated" is <skipped> (never a silent pass);
// findings a baseline accepts and info findings (inventory, notes) are
// listed in <system-out>, not as failures: a check with only those passes.
type JUnit struct{}

type junitTestsuites struct {
	XMLName  xml.Name         `xml:"testsuites"`
	Name     string           `xml:"name,attr"`
	Tests    int              `xml:"tests,attr"`
	Failures int              `xml:"failures,attr"`
	Errors   int              `xml:"errors,attr"`
	Skipped  int              `xml:"skipped,attr"`
	Time     string           `xml:"time,attr"`
	Suites   []junitTestsuite `xml:"testsuite"`
}

type junitTestsuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Hostname   string          `xml:"hostname,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitTestcase `xml:"testcase"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitTestcase struct {
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr"`
	Time      string         `xml:"time,attr"`
	Skipped   *junitSkipped  `xml:"skipped,omitempty"`
	Failures  []junitFailure `xml:"failure"`
	SystemOut string         `xml:"system-out,omitempty"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

func (JUnit) Write(out io.Writer, r *Report) error {
	c := r.Collection
	suite := junitTestsuite{
		Name:      "spntrust audit of " + orDash(strings.Join(r.Scope.Domains, ", ")),
		Time:      "0",
		Timestamp: c.FinishedAt.UTC().Format("2006-01-02T15:04:05"),
		Hostname:  c.Host,
		Properties: []junitProperty{
			{"spntrust.version", r.Tool.Version},
			{"snapshot.startedAt", c.StartedAt.UTC().Format("2006-01-02T15:04:05Z")},
			{"snapshot.finishedAt", c.FinishedAt.UTC().Format("2006-01-02T15:04:05Z")},
			{"snapshot.target", c.Target},
			{"snapshot.gaps", fmt.Sprint(len(c.Gaps))},
		},
	}
	if r.Baseline != nil {
		suite.Properties = append(suite.Properties, junitProperty{"baseline.file", r.Baseline.File})
	}
	var gaps []string
	for _, g := range c.Gaps {
		gaps = append(gaps, fmt.Sprintf("not collected: %s: %s: %s", g.Scope, g.What, g.Error))
	}
	suite.SystemOut = strings.Join(gaps, "\n")
	for _, id := range checkIDs(r) {
		chk := checkInfo(id)
		tc := junitTestcase{
			Name:      id + ": " + chk.Title,
			Classname: "spntrust." + strings.ToLower(orDash(chk.Area)),
			Time:      "0",
		}
		var notEvaluated, accepted, infos []string
		for _, f := range r.Findings {
			if f.CheckID != id {
				continue
			}
			switch {
			case f.Status == checks.NotEvaluated:
				notEvaluated = append(notEvaluated, f.Title)
			case r.Accepted(f):
				a := r.Baseline.Entries[f.Fingerprint]
				accepted = append(accepted, fmt.Sprintf("accepted by baseline (%s, until %s: %s): [%s] %s (fingerprint %s)",
					a.Owner, orDash(a.Expires), a.Reason, f.Severity, f.Title, f.Fingerprint))
			case f.Severity == checks.Info:
				// Inventory and notes, not problems: the testcase passes and
				// says what was noted.
				infos = append(infos, fmt.Sprintf("info (not a failure): %s (fingerprint %s)", f.Title, f.Fingerprint))
			default:
				tc.Failures = append(tc.Failures, junitFailure{
					Message: f.Title,
					Type:    string(f.Severity),
					Body:    junitBody(r, f),
				})
			}
		}
		if len(notEvaluated) > 0 && len(tc.Failures) == 0 {
			tc.Skipped = &junitSkipped{Message: "not evaluated: " + strings.Join(notEvaluated, "; ")}
			suite.Skipped++
		} else if len(notEvaluated) > 0 {
			accepted = append(accepted, "not evaluated: "+strings.Join(notEvaluated, "; "))
		}
		tc.SystemOut = strings.Join(append(infos, accepted...), "\n")
		suite.Failures += len(tc.Failures)
		suite.Tests++
		suite.Cases = append(suite.Cases, tc)
	}
	doc := junitTestsuites{
		Name: "spntrust", Tests: suite.Tests, Failures: suite.Failures, Skipped: suite.Skipped,
		Time: "0", Suites: []junitTestsuite{suite},
	}
	if _, err := io.WriteString(out, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(out)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(out, "\n")
	return err
}

// junitBody is the failure text: what, where, evidence, fixes.
func junitBody(r *Report, f checks.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s\n", f.Severity, f.Title)
	if st := r.BaselineState(f); st == BaselineExpired {
		a := r.Baseline.Entries[f.Fingerprint]
		fmt.Fprintf(&b, "Baseline acceptance expired on %s (owner %s: %s)\n", a.Expires, a.Owner, a.Reason)
	}
	if f.Domain != "" {
		fmt.Fprintf(&b, "Domain: %s\n", f.Domain)
	}
	for _, o := range f.Affected {
		fmt.Fprintf(&b, "Affected: %s %s", o.Kind, o.Name)
		if o.DN != "" {
			fmt.Fprintf(&b, " (%s)", o.DN)
		}
		b.WriteByte('\n')
	}
	for _, e := range f.Evidence {
		fmt.Fprintf(&b, "Evidence: %s: %s\n", e.Key, e.Value)
	}
	fmt.Fprintf(&b, "Why: %s\n", f.Explanation)
	for _, o := range f.Remediation {
		fmt.Fprintf(&b, "Fix (%s): %s\n", o.Name, o.Summary)
		for _, s := range o.Steps() {
			fmt.Fprintf(&b, "  %s\n", s)
		}
	}
	fmt.Fprintf(&b, "Fingerprint: %s", f.Fingerprint)
	return b.String()
}

// checkIDs lists the checks run, then any other check a finding names (a
// report assembled by hand), so no finding goes missing.
func checkIDs(r *Report) []string {
	ids := append([]string(nil), r.Scope.ChecksRun...)
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	for _, f := range r.Findings {
		if !seen[f.CheckID] {
			seen[f.CheckID] = true
			ids = append(ids, f.CheckID)
		}
	}
	return ids
}
