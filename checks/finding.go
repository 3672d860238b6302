// Package checks holds every audit check. Each check is a pure function of an
// audit.Snapshot that returns Findings; checks never print or format output.
package checks

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/spntrust/spntrust/remediate/action"
)

// Severity orders findings by how urgently they need attention.
type Severity string

// Severities, most severe first.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
	Info     Severity = "info"
)

// Severities lists every severity, most severe first.
var Severities = []Severity{Critical, High, Medium, Low, Info}

// Rank is larger for more severe findings.
func (s Severity) Rank() int {
	for i, v := range Severities {
		if v == s {
			return len(Severities) - i
		}
	}
	return 0
}

// AtLeast reports whether s is as severe as min or more.
func (s Severity) AtLeast(min Severity) bool { return s.Rank() >= min.Rank() }

// ParseSeverity accepts a severity name in any case.
func ParseSeverity(name string) (Severity, error) {
	s := Severity(strings.ToLower(strings.TrimSpace(name)))
	if s.Rank() == 0 {
		return "", fmt.Errorf("unknown severity %q: use one of critical, high, medium, low, info", name)
	}
	return s, nil
}

// Status says whether the check found a problem or could not decide.
type Status string

const (
	// Fail: the condition was found.
	Fail Status = "fail"
	// NotEvaluated: data the check needs is missing from the snapshot (a gap
	// in collection); the objects concerned are not known to be healthy.
	NotEvaluated Status = "not-evaluated"
)

// Object is a directory object (or other thing) a finding is about.
type Object struct {
	DN     string `json:"dn,omitempty"`
	Kind   string `json:"kind"` // user, computer, domain, trust, dns-name, ...
	Name   string `json:"name"` // sAMAccountName, host name, domain name
	Domain string `json:"domain,omitempty"`
}

// Evidence is one observed fact that supports a finding.
type Evidence struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// The remediation types live in package action, where the one renderer of
// steps and the shells' quoting functions are; checks build actions and
// never write a command as text.
type (
	// ActionType names a remediation step.
	ActionType = action.Type
	// Action is one remediation step.
	Action = action.Action
	// Option is one way to fix a finding: its actions, rendered into steps
	// by Option.Steps.
	Option = action.Option
)

// Remediation actions the script writers and `fix` understand, and the
// steps done by hand.
const (
	ActionRemoveSPN     = action.RemoveSPN
	ActionAddSPN        = action.AddSPN
	ActionMoveSitePort  = action.MoveSitePort
	ActionSetEncTypes   = action.SetEncTypes
	ActionResetPassword = action.ResetPassword
	ActionManual        = action.Manual
	ActionAdvice        = action.Advice
)

// Finding is one problem a check found.
type Finding struct {
	CheckID     string     `json:"checkId"`
	Fingerprint string     `json:"fingerprint"` // stable across runs: check + subject
	Severity    Severity   `json:"severity"`
	Meaning     Meaning    `json:"meaning,omitempty"` // the check's: outage, will-fail, exposure, hygiene
	Status      Status     `json:"status"`
	Title       string     `json:"title"`
	Domain      string     `json:"domain,omitempty"`
	Subject     string     `json:"subject"` // what the finding is about, e.g. the SPN
	Affected    []Object   `json:"affected"`
	Evidence    []Evidence `json:"evidence"`
	Explanation string     `json:"explanation"`
	Remediation []Option   `json:"remediation,omitempty"`
	// Impact says, for a finding of an outage check, which service fails
	// for whom, in one sentence built from the evidence (impact.go); the
	// reports' list of outages prints it.
	Impact string `json:"impact,omitempty"`
	// Cause is the condition the finding comes from, declared by its check
	// when other checks can observe the same one (causes.go); Link sets
	// CausedBy (the root finding's fingerprint) on the others of its group
	// and Consequences (their fingerprints) on the root.
	Cause        *Cause   `json:"cause,omitempty"`
	CausedBy     string   `json:"causedBy,omitempty"`
	Consequences []string `json:"consequences,omitempty"`
}

// fingerprint is derived from what identifies the problem, not from its
// wording, so baselines and diffs survive text changes.
func fingerprint(checkID, subject string, affected []Object) string {
	dns := make([]string, 0, len(affected))
	for _, o := range affected {
		dns = append(dns, strings.ToLower(o.DN+"|"+o.Name))
	}
	sort.Strings(dns)
	h := sha256.Sum256([]byte(checkID + "\x00" + strings.ToLower(subject) + "\x00" + strings.Join(dns, "\x00")))
	return hex.EncodeToString(h[:8])
}

// SortFindings orders findings by severity, then check, domain and subject,
// so every report lists them the same way.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if a.CheckID != b.CheckID {
			return a.CheckID < b.CheckID
		}
		if a.Domain != b.Domain {
			return a.Domain < b.Domain
		}
		return a.Subject < b.Subject
	})
}
