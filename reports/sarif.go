package reports

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/spntrust/spntrust/checks"
)

// SARIF writes a SARIF 2.1.0 log (OASIS): rules are the checks run, with
// their full explanation as help; results are the findings, located by the
// DNs of the objects they affect (logical locations: a directory has no
// files or lines), with the finding's fingerprint. Findings a baseline
// accepts carry an accepted external suppression; "not evaluated" findings
// are results of kind "open" (the tool could not decide). Rules and results
// carry the check's meaning (outage, will-fail, exposure, hygiene) as the
// property "meaning"; a rule also as a tag, for code-scanning filters.
// Results that share a root cause carry "causedBy" (the root's fingerprint)
// and "rootCause", and the root "consequences" (theirs).
type SARIF struct{}

const (
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	sarifVersion = "2.1.0"
	// sarifFingerprintKey names the fingerprint scheme, versioned as SARIF
	// §3.27.16 suggests, so a change of scheme is not taken for new results.
	sarifFingerprintKey = "spntrust/v1"
	toolURI             = "https://github.com/spntrust/spntrust"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool             sarifTool              `json:"tool"`
	Invocations      []sarifInvocation      `json:"invocations"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
	Results          []sarifResult          `json:"results"`
	Properties       map[string]any         `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	DefaultConfiguration sarifRuleConf  `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifRuleConf struct {
	Level string `json:"level"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	StartTimeUTC               string              `json:"startTimeUtc"`
	EndTimeUTC                 string              `json:"endTimeUtc"`
	Machine                    string              `json:"machine,omitempty"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifLogicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind"`
	Index              *int   `json:"index,omitempty"`
}

type sarifLocation struct {
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification"`
}

type sarifResult struct {
	RuleID       string             `json:"ruleId"`
	RuleIndex    int                `json:"ruleIndex"`
	Kind         string             `json:"kind"`
	Level        string             `json:"level"`
	Message      sarifText          `json:"message"`
	Locations    []sarifLocation    `json:"locations,omitempty"`
	Fingerprints map[string]string  `json:"fingerprints"`
	Partial      map[string]string  `json:"partialFingerprints"`
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
	Properties   map[string]any     `json:"properties"`
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s checks.Severity) string {
	switch s {
	case checks.Critical, checks.High:
		return "error"
	case checks.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is the CVSS-like score code-scanning tools sort by.
func securitySeverity(s checks.Severity) string {
	switch s {
	case checks.Critical:
		return "9.5"
	case checks.High:
		return "8.0"
	case checks.Medium:
		return "5.5"
	case checks.Low:
		return "3.0"
	}
	return "0.0"
}

func (SARIF) Write(out io.Writer, r *Report) error {
	c := r.Collection
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: "spntrust", Version: r.Tool.Version, InformationURI: toolURI, Rules: []sarifRule{}}},
		Invocations: []sarifInvocation{{
			ExecutionSuccessful: true,
			StartTimeUTC:        c.StartedAt.UTC().Format("2006-01-02T15:04:05Z"),
			EndTimeUTC:          c.FinishedAt.UTC().Format("2006-01-02T15:04:05Z"),
			Machine:             c.Host,
		}},
		Results: []sarifResult{},
		Properties: map[string]any{
			"target":  c.Target,
			"domains": nonNil(r.Scope.Domains),
			"forests": nonNil(r.Scope.Forests),
		},
	}
	for _, g := range c.Gaps {
		run.Invocations[0].ToolExecutionNotifications = append(run.Invocations[0].ToolExecutionNotifications,
			sarifNotification{Level: "warning", Message: sarifText{"not collected: " + g.Scope + ": " + g.What + ": " + g.Error}})
	}
	ruleIndex := map[string]int{}
	for _, id := range r.Scope.ChecksRun {
		chk := checkInfo(id)
		ruleIndex[id] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID:                   id,
			Name:                 ruleName(id),
			ShortDescription:     sarifText{chk.Title},
			FullDescription:      sarifText{firstSection(chk.Explanation, chk.Title)},
			Help:                 sarifText{orDash(chk.Explanation)},
			DefaultConfiguration: sarifRuleConf{Level: sarifLevel(chk.Severity)},
			Properties: map[string]any{
				"tags":              []string{"kerberos", "active-directory", strings.ToLower(orDash(chk.Area))},
				"severity":          string(chk.Severity),
				"security-severity": securitySeverity(chk.Severity),
			},
		})
		setMeaning(run.Tool.Driver.Rules[len(run.Tool.Driver.Rules)-1].Properties, chk.Meaning, true)
	}
	// Logical locations are listed once in the run and referred to by index.
	locIndex := map[string]int{}
	for _, f := range r.Findings {
		idx, ok := ruleIndex[f.CheckID]
		if !ok {
			// A finding of a check not in ChecksRun: add its rule.
			chk := checkInfo(f.CheckID)
			idx = len(run.Tool.Driver.Rules)
			ruleIndex[f.CheckID] = idx
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
				ID: f.CheckID, Name: ruleName(f.CheckID), ShortDescription: sarifText{chk.Title},
				FullDescription: sarifText{chk.Title}, Help: sarifText{orDash(chk.Explanation)},
				DefaultConfiguration: sarifRuleConf{Level: sarifLevel(chk.Severity)},
				Properties:           map[string]any{"severity": string(chk.Severity)},
			})
			setMeaning(run.Tool.Driver.Rules[idx].Properties, chk.Meaning, false)
		}
		res := sarifResult{
			RuleID:       f.CheckID,
			RuleIndex:    idx,
			Kind:         "fail",
			Level:        sarifLevel(f.Severity),
			Message:      sarifText{f.Title},
			Fingerprints: map[string]string{sarifFingerprintKey: f.Fingerprint},
			Partial:      map[string]string{"spntrustFingerprint/v1": f.Fingerprint},
			Properties: map[string]any{
				"severity":    string(f.Severity),
				"status":      string(f.Status),
				"subject":     f.Subject,
				"explanation": f.Explanation,
				"evidence":    nonNilEvidence(f.Evidence),
				"remediation": nonNilOptions(f.Remediation),
			},
		}
		if f.Domain != "" {
			res.Properties["domain"] = f.Domain
		}
		setMeaning(res.Properties, f.Meaning, false)
		// Findings sharing a root cause (checks.Link): the linked result
		// names its root's fingerprint, the root those linked to it.
		if root, ok := r.RootOf(f); ok {
			res.Properties["causedBy"] = root.Fingerprint
			res.Properties["rootCause"] = map[string]string{"ruleId": root.CheckID, "subject": root.Subject, "fingerprint": root.Fingerprint}
		}
		if len(f.Consequences) > 0 {
			res.Properties["consequences"] = f.Consequences
		}
		if f.Status == checks.NotEvaluated {
			// SARIF §3.27.9: a kind other than "fail" has level "none".
			res.Kind, res.Level = "open", "none"
		}
		var logical []sarifLogicalLocation
		for _, o := range f.Affected {
			key := strings.ToLower(o.Kind + "\x00" + o.DN + "\x00" + o.Name)
			i, ok := locIndex[key]
			if !ok {
				i = len(run.LogicalLocations)
				locIndex[key] = i
				fq := o.DN
				if fq == "" {
					fq = o.Name
				}
				run.LogicalLocations = append(run.LogicalLocations, sarifLogicalLocation{
					Name: o.Name, FullyQualifiedName: fq, Kind: o.Kind,
				})
			}
			ll := run.LogicalLocations[i]
			ll.Index = &i
			logical = append(logical, ll)
		}
		if len(logical) > 0 {
			res.Locations = []sarifLocation{{LogicalLocations: logical}}
		}
		switch r.BaselineState(f) {
		case BaselineAccepted:
			a := r.Baseline.Entries[f.Fingerprint]
			res.Suppressions = []sarifSuppression{{Kind: "external", Status: "accepted",
				Justification: a.Reason + " (owner " + a.Owner + ", until " + orDash(a.Expires) + ")"}}
			res.Properties["baseline"] = BaselineAccepted
		case BaselineExpired, BaselineNew:
			res.Properties["baseline"] = r.BaselineState(f)
		}
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// setMeaning records a check's meaning in properties (and, for a rule, as
// a tag); a check the registry does not know has none.
func setMeaning(props map[string]any, m checks.Meaning, tag bool) {
	if m == "" {
		return
	}
	props["meaning"] = string(m)
	if tags, ok := props["tags"].([]string); ok && tag {
		props["tags"] = append(tags, "meaning:"+string(m))
	}
}

// ruleName turns SPN-USER-HOST-ALIAS into SpnUserHostAlias (SARIF rule
// names are identifiers, §3.49.7).
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(id, func(r rune) bool { return r == '-' || r == '_' }) {
		b.WriteString(strings.ToUpper(part[:1]) + strings.ToLower(part[1:]))
	}
	return b.String()
}

// firstSection returns the body of the first section ("What is checked")
// of a check explanation as one paragraph, or fallback.
func firstSection(explanation, fallback string) string {
	lines := strings.Split(explanation, "\n")
	var body []string
	for i, l := range lines {
		if i == 0 {
			continue
		}
		if strings.TrimSpace(l) == "" {
			break
		}
		body = append(body, strings.TrimSpace(l))
	}
	if len(body) == 0 {
		return fallback
	}
	return strings.Join(body, " ")
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilEvidence(e []checks.Evidence) []checks.Evidence {
	if e == nil {
		return []checks.Evidence{}
	}
	return e
}

func nonNilOptions(o []checks.Option) []checks.Option {
	if o == nil {
		return []checks.Option{}
	}
	return o
}
