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
	// Impact is the finding's sentence naming the service that fails and
	// for whom; the line prints it instead of the subject and title.
	Impact string
	// Also names the findings linked to this one (same root cause) that
	// the list does not repeat; Cause names the root of a linked finding
	// listed because its root is no outage.
	Also  []string
	Cause string
}

// Outages lists the findings that mean Kerberos fails now (the check's
// Meaning is outage), most severe first, leaving out those a baseline
// accepts and those not evaluated. Text, HTML and Markdown open with them.
// A finding linked to a root cause that is itself listed is not repeated:
// the root's line names it (Also).
func (r *Report) Outages() []Outage {
	listed := func(f checks.Finding) bool {
		return f.Meaning == checks.Outage && f.Status == checks.Fail && !r.Accepted(f)
	}
	var out []Outage
	for _, f := range r.Findings {
		if !listed(f) {
			continue
		}
		o := Outage{CheckID: f.CheckID, Fingerprint: f.Fingerprint, Severity: f.Severity, Service: f.Subject, Title: f.Title, Impact: f.Impact}
		if root, ok := r.RootOf(f); ok {
			if listed(root) {
				continue
			}
			o.Cause = causeRef(root)
		}
		for _, g := range r.ConsequencesOf(f) {
			if listed(g) {
				o.Also = append(o.Also, g.CheckID)
			}
		}
		out = append(out, o)
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
		if o.Impact != "" {
			fmt.Fprintf(w, "%s%s [%s] %s%s\n", bullet, strings.ToUpper(string(o.Severity)), o.CheckID, esc(o.Impact), esc(o.LinkNote()))
			continue
		}
		fmt.Fprintf(w, "%s%s [%s] %s: %s%s\n", bullet, strings.ToUpper(string(o.Severity)), o.CheckID, esc(o.Service), esc(o.Title), esc(o.LinkNote()))
	}
}

// LinkNote is what an outage line says about its linked findings.
func (o Outage) LinkNote() string {
	note := ""
	if o.Cause != "" {
		note += " (cause: " + o.Cause + ")"
	}
	if len(o.Also) > 0 {
		note += " (also reported as " + strings.Join(o.Also, ", ") + ")"
	}
	return note
}
