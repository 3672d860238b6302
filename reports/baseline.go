package reports

import "github.com/spntrust/spntrust/checks"

// Baseline states of a finding in a report run with --baseline.
const (
	BaselineNew      = "new"      // not in the baseline: counts toward --fail-on
	BaselineAccepted = "accepted" // accepted and not expired: does not count
	BaselineExpired  = "expired"  // accepted once, the acceptance has expired: counts
)

// BaselineMarks says which findings of this report a baseline file covers.
// The baseline package fills it; writers only render it.
type BaselineMarks struct {
	File string `json:"file"`
	// Entries holds, by fingerprint, the acceptance of every finding of
	// this report the baseline names (accepted or expired).
	Entries map[string]Acceptance `json:"entries"`
}

// Acceptance is one accepted finding: who accepted it, why and until when.
type Acceptance struct {
	Owner   string `json:"owner"`
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"` // YYYY-MM-DD, last day accepted; "" = never
	Expired bool   `json:"expired"`
}

// BaselineState returns BaselineNew, BaselineAccepted or BaselineExpired
// for a finding, or "" when the report has no baseline.
func (r *Report) BaselineState(f checks.Finding) string {
	if r.Baseline == nil {
		return ""
	}
	a, ok := r.Baseline.Entries[f.Fingerprint]
	switch {
	case !ok:
		return BaselineNew
	case a.Expired:
		return BaselineExpired
	}
	return BaselineAccepted
}

// Accepted reports whether a baseline accepts the finding (and has not expired).
func (r *Report) Accepted(f checks.Finding) bool {
	return r.BaselineState(f) == BaselineAccepted
}

// CountFailingAtLeast counts failed findings at or above min that a
// baseline does not accept: the ones --fail-on looks at.
func (r *Report) CountFailingAtLeast(min checks.Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Status == checks.Fail && f.Severity.AtLeast(min) && !r.Accepted(f) {
			n++
		}
	}
	return n
}

// AcceptedCount counts failed findings a baseline accepts.
func (r *Report) AcceptedCount() int {
	n := 0
	for _, f := range r.Findings {
		if f.Status == checks.Fail && r.Accepted(f) {
			n++
		}
	}
	return n
}
