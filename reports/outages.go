package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/spntrust/spntrust/checks"
)

// Outage is one line of the reports' opening list: a finding whose check
// means Kerberos fails now, with the service it is about.
type Outage struct {
	CheckID     string
	Fingerprint string
	Severity    checks.Severity
	Service     string // the finding's subject: the SPN, host, domain or trust affected
	Title       string
}

// Outages lists the findings that mean Kerberos fails now (the check's
// Meaning is outage), most severe first, leaving out those a baseline
// accepts and those not evaluated. Text, HTML and Markdown open with them.
func (r *Report) Outages() []Outage {
	var out []Outage
	for _, f := range r.Findings {
		if f.Meaning != checks.Outage || f.Status != checks.Fail || r.Accepted(f) {
			continue
		}
		out = append(out, Outage{CheckID: f.CheckID, Fingerprint: f.Fingerprint, Severity: f.Severity, Service: f.Subject, Title: f.Title})
	}
	return out // r.Findings is sorted by severity
}

// writeOutages writes the opening list, one line per outage; heading
// formats the heading, bullet starts each line, esc escapes directory values.
func writeOutages(w io.Writer, r *Report, heading func(string) string, bullet string, esc func(string) string) {
	list := r.Outages()
	if len(list) == 0 {
		return
	}
	fmt.Fprint(w, heading(fmt.Sprintf("Outages: Kerberos fails now (%d)", len(list))))
	for _, o := range list {
		fmt.Fprintf(w, "%s%s [%s] %s: %s\n", bullet, strings.ToUpper(string(o.Severity)), o.CheckID, esc(o.Service), esc(o.Title))
	}
}
