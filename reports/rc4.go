package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spntrust/spntrust/checks"
)

// RC4Removal is the report's "RC4 removal" section: what fails on DCs
// patched for CVE-2026-20833 (April 2026 updates, KB5073381), what works
// today and fails once RC4 is disabled or removed, and the accounts to fix,
// in that order. It is built from the findings of the RC4 checks, so it says
// nothing the findings do not.
type RC4Removal struct {
	// KeyProbes is how the accounts' keys were learnt (the collection's
	// key-probe state: done, partial, skipped, or empty for an older snapshot).
	KeyProbes string `json:"keyProbes,omitempty"`
	// FailNow are services without a usable ticket on a patched DC.
	FailNow []RC4Item `json:"failNow"`
	// FailAfterRemoval work today (RC4 tickets) and fail without RC4.
	FailAfterRemoval []RC4Item `json:"failAfterRemoval"`
	// Hygiene are related findings that break nothing by themselves (an old
	// krbtgt password with AES keys).
	Hygiene []RC4Item `json:"hygiene,omitempty"`
}

// RC4Item is one finding of the section, in one line.
type RC4Item struct {
	CheckID     string          `json:"checkId"`
	Fingerprint string          `json:"fingerprint"`
	Severity    checks.Severity `json:"severity"`
	Subject     string          `json:"subject"`
	Title       string          `json:"title"`
	Fix         string          `json:"fix,omitempty"` // the first remediation option's summary
}

// rc4Checks are the checks whose findings the section gathers.
var rc4Checks = map[string]bool{
	"KRB-AES-KEYS": true, "KRB-ETYPES-NO-AES": true, "KRB-DES-ONLY": true,
	"KRB-KRBTGT-KEYS": true, "KRB-OS-NO-AES": true, "TRUST-RC4": true,
}

// newRC4Removal gathers the section; nil when no RC4 check failed.
func newRC4Removal(keyProbes string, findings []checks.Finding) *RC4Removal {
	r := &RC4Removal{KeyProbes: keyProbes, FailNow: []RC4Item{}, FailAfterRemoval: []RC4Item{}}
	n := 0
	for _, f := range findings {
		if f.Status != checks.Fail || !rc4Checks[f.CheckID] {
			continue
		}
		n++
		it := RC4Item{CheckID: f.CheckID, Fingerprint: f.Fingerprint, Severity: f.Severity, Subject: f.Subject, Title: f.Title}
		if len(f.Remediation) > 0 {
			it.Fix = f.Remediation[0].Summary
		}
		switch {
		case f.CheckID == "KRB-DES-ONLY", f.CheckID == "KRB-OS-NO-AES",
			(f.CheckID == "KRB-AES-KEYS" || f.CheckID == "KRB-KRBTGT-KEYS") && f.Severity.AtLeast(checks.High):
			r.FailNow = append(r.FailNow, it)
		case f.CheckID == "KRB-KRBTGT-KEYS":
			r.Hygiene = append(r.Hygiene, it)
		default: // KRB-ETYPES-NO-AES, TRUST-RC4, KRB-AES-KEYS explicitly RC4
			r.FailAfterRemoval = append(r.FailAfterRemoval, it)
		}
	}
	if n == 0 {
		return nil
	}
	for _, list := range [][]RC4Item{r.FailNow, r.FailAfterRemoval, r.Hygiene} {
		sort.SliceStable(list, func(i, j int) bool {
			if list[i].Severity.Rank() != list[j].Severity.Rank() {
				return list[i].Severity.Rank() > list[j].Severity.Rank()
			}
			return list[i].Subject < list[j].Subject
		})
	}
	return r
}

// KeyEvidence says, in a sentence, what the section's account findings rest on.
func (r *RC4Removal) KeyEvidence() string {
	switch r.KeyProbes {
	case "done":
		return "Account keys: asked of the KDCs (credential-free AS-REQ, no password sent)."
	case "partial":
		return "Account keys: asked of the KDCs where possible; the rest judged from pwdLastSet (see the gaps)."
	case "skipped":
		return "Account keys: judged from pwdLastSet only (--key-probes=false)."
	}
	return "Account keys: judged from pwdLastSet (the snapshot has no key probes)."
}

// writeRC4Text writes the section for the text and Markdown reports; bullet
// is "  - " or "- ", heading formats a heading.
func writeRC4Text(w io.Writer, r *RC4Removal, heading func(string) string, bullet string, esc func(string) string) {
	if r == nil {
		return
	}
	fmt.Fprintf(w, "%s", heading("RC4 removal (CVE-2026-20833: patched DCs issue only AES tickets for accounts with unset encryption types)"))
	fmt.Fprintf(w, "%s\n", esc(r.KeyEvidence()))
	groups := []struct {
		title string
		items []RC4Item
	}{
		{"Fail now on patched DCs", r.FailNow},
		{"Work today, fail when RC4 is disabled or removed", r.FailAfterRemoval},
		{"Related hygiene", r.Hygiene},
	}
	for _, g := range groups {
		if len(g.items) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s (%d):\n", g.title, len(g.items))
		for _, it := range g.items {
			line := fmt.Sprintf("%s%s [%s %s] %s", bullet, strings.ToUpper(string(it.Severity)), it.CheckID, it.Fingerprint, esc(it.Title))
			if it.Fix != "" {
				line += " — fix: " + esc(it.Fix)
			}
			fmt.Fprintln(w, line)
		}
	}
}
