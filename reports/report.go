// Package reports renders audit results. Every format is a Writer over the
// same Report value; checks never format output themselves.
package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/checks"
)

// Report is what every format renders.
type Report struct {
	// SchemaVersion is the version of the JSON report format (the JSON
	// writer's output, which history import reads back).
	SchemaVersion int              `json:"schemaVersion"`
	Tool          Tool             `json:"tool"`
	GeneratedAt   time.Time        `json:"generatedAt"`
	Collection    audit.Collection `json:"collection"`
	Scope         Scope            `json:"scope"`
	Summary       Summary          `json:"summary"`
	Findings      []checks.Finding `json:"findings"`
	// Topology is the forests, domains and trusts of the snapshot, for
	// drawings; Baseline marks findings a baseline file accepts (nil without
	// --baseline). See topology.go and baseline.go.
	Topology Topology       `json:"topology"`
	Baseline *BaselineMarks `json:"baseline,omitempty"`
	// RC4Removal gathers the RC4-removal findings (rc4.go); nil without any.
	RC4Removal *RC4Removal `json:"rc4Removal,omitempty"`
	// Checks is every check run with its status (passed, failed, info, not
	// evaluated), so a report shows what was checked (checkstatus.go).
	Checks []CheckResult `json:"checks"`
	// Services are the verdicts of the services a probe declared
	// (verdict.go), derived by audit/pipeline from the findings and gaps;
	// nil for an audit.
	Services []ServiceVerdict `json:"services,omitempty"`
}

// Tool identifies the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Scope says what the audit covered.
type Scope struct {
	Forests   []string `json:"forests"`
	Domains   []string `json:"domains"`
	Accounts  int      `json:"accounts"`
	SPNs      int      `json:"spns"`
	ChecksRun []string `json:"checksRun"`
}

// Summary counts findings.
type Summary struct {
	Total        int            `json:"total"`
	BySeverity   map[string]int `json:"bySeverity"`
	NotEvaluated int            `json:"notEvaluated"`
}

// New builds a report from a snapshot and the findings of the checks run.
func New(version string, now time.Time, s *audit.Snapshot, ran []checks.Check, findings []checks.Finding) *Report {
	r := &Report{
		SchemaVersion: SchemaVersion,
		Tool:          Tool{Name: "spntrust", Version: version},
		GeneratedAt:   now.UTC(),
		Collection:    s.Collection,
		Findings:      findings,
		Summary:       Summary{BySeverity: map[string]int{}},
	}
	if r.Findings == nil {
		r.Findings = []checks.Finding{}
	}
	for _, f := range s.Forests {
		r.Scope.Forests = append(r.Scope.Forests, f.RootDomain)
	}
	for _, d := range s.Domains {
		r.Scope.Domains = append(r.Scope.Domains, d.DNSName)
	}
	sort.Strings(r.Scope.Forests)
	sort.Strings(r.Scope.Domains)
	r.Scope.Accounts = len(s.Accounts)
	for _, a := range s.Accounts {
		r.Scope.SPNs += len(a.SPNs)
	}
	r.Scope.ChecksRun = checks.IDs(ran)
	r.Topology = NewTopology(s)
	r.RC4Removal = newRC4Removal(s.Collection.KeyProbes, r.Findings)
	r.Checks = checkResults(r)
	for _, sev := range checks.Severities {
		r.Summary.BySeverity[string(sev)] = 0
	}
	for _, f := range findings {
		if f.Status == checks.NotEvaluated {
			r.Summary.NotEvaluated++
			continue
		}
		r.Summary.Total++
		r.Summary.BySeverity[string(f.Severity)]++
	}
	return r
}

// CountAtLeast counts failed findings at or above min.
func (r *Report) CountAtLeast(min checks.Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Status == checks.Fail && f.Severity.AtLeast(min) {
			n++
		}
	}
	return n
}

// SummaryLine is the one-line summary every human format ends with.
func (r *Report) SummaryLine() string {
	var parts []string
	for _, sev := range checks.Severities {
		parts = append(parts, fmt.Sprintf("%d %s", r.Summary.BySeverity[string(sev)], sev))
	}
	line := fmt.Sprintf("%d %s (%s); %d not evaluated", r.Summary.Total, plural(r.Summary.Total, "finding", "findings"), strings.Join(parts, ", "), r.Summary.NotEvaluated)
	if n := len(r.Collection.Gaps); n > 0 {
		line += fmt.Sprintf("; collection incomplete: %d %s", n, plural(n, "gap", "gaps"))
	}
	return line
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Writer renders a report in one format.
type Writer interface {
	Write(w io.Writer, r *Report) error
}

// Formats lists the formats this build writes, by name.
func Formats() map[string]Writer {
	return map[string]Writer{
		"text":       Text{},
		"json":       JSON{},
		"html":       HTML{},
		"csv":        CSV{},
		"markdown":   Markdown{},
		"junit":      JUnit{},
		"sarif":      SARIF{},
		"prometheus": Prometheus{},
	}
}

// FormatNames lists the format names, sorted.
func FormatNames() []string {
	var names []string
	for n := range Formats() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ForFormat returns the writer for a format name.
func ForFormat(name string) (Writer, error) {
	w, ok := Formats()[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("unknown report format %q: use one of %s", name, strings.Join(FormatNames(), ", "))
	}
	return w, nil
}
