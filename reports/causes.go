package reports

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/checks"
)

// Findings that share a root cause (checks.Link) are told once: the root in
// full, with the findings linked to it named; each linked finding with its
// own title and evidence and a reference to the root instead of the story
// and the fix.

// RootOf returns the finding of the report f is linked to (its root cause).
func (r *Report) RootOf(f checks.Finding) (checks.Finding, bool) {
	return checks.RootOf(r.Findings, f)
}

// ConsequencesOf returns the findings of the report linked to root.
func (r *Report) ConsequencesOf(root checks.Finding) []checks.Finding {
	var out []checks.Finding
	for _, fp := range root.Consequences {
		for _, f := range r.Findings {
			if f.Fingerprint == fp {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// causeRef names a root finding for a reference: its check and subject
// ("TRUST-EXTERNAL-KERBEROS extern.test <-> lab.test").
func causeRef(root checks.Finding) string {
	return root.CheckID + " " + root.Subject
}

// seeRoot is the sentence a linked finding says instead of its story.
func seeRoot(root checks.Finding) string {
	return fmt.Sprintf("same cause as %s (fingerprint %s): see it for why and how to fix", causeRef(root), root.Fingerprint)
}

// alsoReported lists the findings linked to a root, as "CHECK (fingerprint)".
func alsoReported(linked []checks.Finding) string {
	var parts []string
	for _, f := range linked {
		parts = append(parts, fmt.Sprintf("%s %s (fingerprint %s)", f.CheckID, f.Subject, f.Fingerprint))
	}
	return strings.Join(parts, "; ")
}

// ownFixes are the options of a linked finding that the root's fix does
// not already hold: a command of its own (KRB-CROSS-REALM-PATH's interim
// host-to-realm mapping beside the trust's conversion) is still told; an
// option whose every command the root's options hold is not repeated
// (options without commands are compared by their steps).
func (r *Report) ownFixes(f checks.Finding) []checks.Option {
	root, ok := r.RootOf(f)
	if !ok {
		return f.Remediation
	}
	have := map[string]bool{}
	for _, o := range root.Remediation {
		for _, s := range append(o.Commands(), o.Steps()...) {
			have[s] = true
		}
	}
	var out []checks.Option
	for _, o := range f.Remediation {
		lines := o.Commands()
		if len(lines) == 0 {
			lines = o.Steps()
		}
		for _, s := range lines {
			if !have[s] {
				out = append(out, o)
				break
			}
		}
	}
	return out
}

// ownFixLabel introduces a linked finding's own option.
func ownFixLabel(name string) string { return "Own fix (" + name + "), not in the root's" }
