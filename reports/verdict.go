package reports

import (
	"fmt"
	"io"
	"strings"
)

// Verdicts of a probed service (Report.Services).
const (
	Ready    = "READY"     // every step that decides it was tested and passed
	NotReady = "NOT READY" // a step failed: an outage finding concerns the service
	Unknown  = "UNKNOWN"   // no step failed, but one was not tested
)

// Step outcomes: every step of a service was tested and passed, tested and
// failed, or not tested (and then proves nothing either way).
const (
	StepOK        = "ok"
	StepFail      = "fail"
	StepNotTested = "not tested"
)

// ServiceVerdict is the readiness of one service a probe declared, derived
// from the findings and gaps of the evaluation (audit/pipeline).
type ServiceVerdict struct {
	URL     string        `json:"url"`
	Note    string        `json:"note,omitempty"`
	SPN     string        `json:"spn,omitempty"` // the SPN its clients request
	Verdict string        `json:"verdict"`       // READY, NOT READY or UNKNOWN
	Reason  string        `json:"reason"`
	Steps   []ServiceStep `json:"steps"`
}

// ServiceStep is one step of a service's readiness: what was tested and
// what came of it, with the findings that decided it.
type ServiceStep struct {
	Name         string   `json:"name"`
	Status       string   `json:"status"` // ok, fail, not tested
	Summary      string   `json:"summary"`
	Fingerprints []string `json:"findings,omitempty"`
}

// Ready reports whether the verdict is READY.
func (v ServiceVerdict) Ready() bool { return v.Verdict == Ready }

// writeVerdicts writes each service's verdict line and its steps (text and
// Markdown open with them); bullet starts a step line, esc escapes values.
func writeVerdicts(w io.Writer, r *Report, line func(string) string, bullet string, esc func(string) string) {
	for _, v := range r.Services {
		what := v.URL
		if v.Note != "" {
			what += " (" + v.Note + ")"
		}
		fmt.Fprint(w, line(fmt.Sprintf("%s: %s — %s", v.Verdict, esc(what), esc(v.Reason))))
		for _, s := range v.Steps {
			fmt.Fprintf(w, "%s[%s] %s: %s\n", bullet, strings.ToUpper(s.Status), s.Name, esc(s.Summary))
		}
	}
}
