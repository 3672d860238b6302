package reports

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/spntrust/spntrust/checks"
)

// CSV writes one row per finding for spreadsheets. Cells that a spreadsheet
// would take for a formula (=, +, -, @, tab, CR at the start: directory
// values are not trusted) are prefixed with an apostrophe.
type CSV struct{}

var csvHeader = []string{
	"severity", "status", "baseline", "check", "title", "domain", "subject",
	"affected", "affected_dns", "evidence", "remediation", "fingerprint",
}

func (CSV) Write(out io.Writer, r *Report) error {
	w := csv.NewWriter(out)
	if err := w.Write(csvHeader); err != nil {
		return err
	}
	for _, f := range r.Findings {
		var names, dns, evidence, fixes []string
		for _, o := range f.Affected {
			names = append(names, o.Kind+" "+o.Name)
			if o.DN != "" {
				dns = append(dns, o.DN)
			}
		}
		for _, e := range f.Evidence {
			evidence = append(evidence, e.Key+": "+e.Value)
		}
		for _, o := range f.Remediation {
			fixes = append(fixes, "# "+o.Name+": "+o.Summary)
			fixes = append(fixes, o.Steps()...)
		}
		row := []string{
			string(f.Severity), string(f.Status), r.BaselineState(f), f.CheckID, f.Title, f.Domain, f.Subject,
			strings.Join(names, "; "), strings.Join(dns, "; "), strings.Join(evidence, "\n"),
			strings.Join(fixes, "\n"), f.Fingerprint,
		}
		for i := range row {
			row[i] = csvSafe(row[i])
		}
		if err := w.Write(row); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// csvSafe defuses spreadsheet formula injection (OWASP "CSV Injection").
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// checkInfo returns the registered check for an ID, or a stand-in naming
// the ID when the check is not in this build.
func checkInfo(id string) checks.Check {
	if c, ok := checks.Lookup(id); ok {
		return c
	}
	return checks.Check{ID: id, Title: id, Severity: checks.Info}
}
