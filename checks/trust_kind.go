package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"

	"github.com/spntrust/spntrust/remediate/action"
)

// TrustKind classifies a trust the way Active Directory Domains and Trusts
// names it ([MS-ADTS] 6.1.6.7).
type TrustKind string

// Trust kinds.
const (
	TrustParentChild TrustKind = "parent-child" // within a forest: a domain and its parent
	TrustTreeRoot    TrustKind = "tree-root"    // within a forest: the forest root and another tree's root
	TrustShortcut    TrustKind = "shortcut"     // within a forest: any other pair of domains
	TrustExternal    TrustKind = "external"     // to a domain of another forest, or a Windows NT domain
	TrustForest      TrustKind = "forest"       // FOREST_TRANSITIVE: between two forest root domains
	TrustRealm       TrustKind = "realm"        // trustType 3: an MIT Kerberos realm
	TrustOther       TrustKind = "other"        // DCE, Azure AD or an unknown trustType
)

// ClassifyTrust classifies the trust t held by domain d (a trustedDomain
// object under CN=System of d). Trusts within a forest are told apart by DNS
// names and the forest's own domains: parent-child when one name is the other
// with one more label; tree-root when both domains are roots of trees of the
// forest and one of them is the forest root; otherwise shortcut. The forest's
// domains are the snapshot's domains of that forest plus the partners of
// their within-forest trusts, so a partly collected forest is still
// classified as well as its trusts allow. It is a pure function: the HTML
// report draws the trust graph with it.
func ClassifyTrust(s *audit.Snapshot, d audit.Domain, t audit.Trust) TrustKind {
	switch {
	case t.Type == 3:
		return TrustRealm
	case t.Type != 1 && t.Type != 2:
		return TrustOther
	case t.Type == 2 && t.Attributes&audit.TrustWithinForest != 0:
		return withinForestKind(s, d, t.Partner)
	case t.Type == 2 && t.Attributes&audit.TrustForestTransitive != 0:
		return TrustForest
	}
	return TrustExternal
}

// TrustTransitive reports whether a trust of the given kind can be used
// transitively: trusts within a forest always, forest trusts across the other
// forest's domains, realm trusts unless NON_TRANSITIVE; external trusts never.
func TrustTransitive(kind TrustKind, t audit.Trust) bool {
	if t.Attributes&audit.TrustNonTransitive != 0 {
		return false
	}
	switch kind {
	case TrustParentChild, TrustTreeRoot, TrustShortcut, TrustForest, TrustRealm:
		return true
	}
	return false
}

func withinForestKind(s *audit.Snapshot, d audit.Domain, partner string) TrustKind {
	a, b := normDNS(d.DNSName), normDNS(partner)
	if dnsParent(a) == b || dnsParent(b) == a {
		return TrustParentChild
	}
	root := normDNS(d.Forest)
	if root == "" {
		return TrustShortcut
	}
	doms := forestDomainNames(s, root)
	isTreeRoot := func(x string) bool { return !doms[dnsParent(x)] }
	if (a == root || b == root) && isTreeRoot(a) && isTreeRoot(b) {
		return TrustTreeRoot
	}
	return TrustShortcut
}

// forestDomainNames returns the normalised names of the forest's domains
// known to the snapshot.
func forestDomainNames(s *audit.Snapshot, root string) map[string]bool {
	doms := map[string]bool{root: true}
	for _, d := range s.Domains {
		if normDNS(d.Forest) != root {
			continue
		}
		doms[normDNS(d.DNSName)] = true
		for _, t := range d.Trusts {
			if t.Type == 2 && t.Attributes&audit.TrustWithinForest != 0 {
				doms[normDNS(t.Partner)] = true
			}
		}
	}
	return doms
}

// normDNS lower-cases a DNS name and drops a trailing dot.
func normDNS(name string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
}

// dnsParent is name without its first label ("" for a single label).
func dnsParent(name string) string {
	_, rest, ok := strings.Cut(name, ".")
	if !ok {
		return ""
	}
	return rest
}

// Helpers shared by the TRUST-* checks.

// eachTrust calls fn for every trust of every collected domain.
func eachTrust(s *audit.Snapshot, fn func(d audit.Domain, t audit.Trust)) {
	for _, d := range s.Domains {
		for _, t := range d.Trusts {
			fn(d, t)
		}
	}
}

// tdoDN is the distinguished name of the trustedDomain object.
func tdoDN(d audit.Domain, t audit.Trust) string {
	if d.DN == "" {
		return ""
	}
	return "CN=" + t.Partner + ",CN=System," + d.DN
}

// trustObject describes d's trust to its partner as an affected object.
func trustObject(d audit.Domain, t audit.Trust) Object {
	return Object{DN: tdoDN(d, t), Kind: "trust", Name: d.DNSName + " -> " + t.Partner, Domain: d.DNSName}
}

// trustSubject names one side of a trust: the holder and its partner.
func trustSubject(d audit.Domain, t audit.Trust) string {
	return normDNS(d.DNSName) + " -> " + normDNS(t.Partner)
}

// trusting and trusted: d's partner trusts d when the trust is inbound (d's
// users reach the partner's services); d trusts its partner when outbound.
func trustsOutbound(t audit.Trust) bool { return t.Direction&2 != 0 }
func trustsInbound(t audit.Trust) bool  { return t.Direction&1 != 0 }

// directionText explains trustDirection from d's side.
func directionText(d audit.Domain, t audit.Trust) string {
	switch t.Direction {
	case 1:
		return fmt.Sprintf("inbound: %s trusts %s (users of %s can use services in %s)", t.Partner, d.DNSName, d.DNSName, t.Partner)
	case 2:
		return fmt.Sprintf("outbound: %s trusts %s (users of %s can use services in %s)", d.DNSName, t.Partner, t.Partner, d.DNSName)
	case 3:
		return "bidirectional: each side's users can use the other side's services"
	}
	return audit.TrustDirectionName(t.Direction) + ": the trust is not used"
}

// attributesText shows trustAttributes as hex and names.
func attributesText(v uint32) string {
	if v == 0 {
		return "0x0 (none)"
	}
	return fmt.Sprintf("%#x (%s)", v, strings.Join(audit.DecodeTrustAttributes(v), ", "))
}

// trustEvidence is the evidence every trust finding carries.
func trustEvidence(s *audit.Snapshot, d audit.Domain, t audit.Trust) []Evidence {
	kind := ClassifyTrust(s, d, t)
	return []Evidence{
		{Key: "trust", Value: fmt.Sprintf("%s -> %s (trustedDomain object %s)", d.DNSName, t.Partner, orUnknown(tdoDN(d, t)))},
		{Key: "kind", Value: string(kind)},
		{Key: "trustType", Value: fmt.Sprintf("%d (%s)", t.Type, audit.TrustTypeName(t.Type))},
		{Key: "trustDirection", Value: fmt.Sprintf("%d (%s)", t.Direction, directionText(d, t))},
		{Key: "trustAttributes", Value: attributesText(t.Attributes)},
	}
}

// trustGapFindings reports, per domain, that its trusts could not be read
// (a collection gap about trusts scoped to the domain): nothing is known of
// them. what says what was not checked.
func trustGapFindings(s *audit.Snapshot, what string) []Finding {
	var out []Finding
	for _, d := range s.Domains {
		g, ok := findGap(s, d.DNSName, "trust")
		if !ok {
			continue
		}
		out = append(out, Finding{
			Severity: Info,
			Status:   NotEvaluated,
			Title:    fmt.Sprintf("Trusts of %s not collected: %s not checked", d.DNSName, what),
			Domain:   d.DNSName,
			Subject:  "trusts of " + normDNS(d.DNSName),
			Affected: []Object{{DN: d.DN, Kind: "domain", Name: d.DNSName, Domain: d.DNSName}},
			Evidence: []Evidence{{Key: "gap " + g.Scope, Value: g.What + ": " + g.Error}},
			Explanation: fmt.Sprintf("The trustedDomain objects of %s (CN=System,%s) could not be read, so its trusts are "+
				"unknown and %s was not checked. Re-run the audit with an identity that can read CN=System.", d.DNSName, orUnknown(d.DN), what),
		})
	}
	return out
}

// findGap returns the first collection gap scoped to scope (any case) whose
// "what" mentions what.
func findGap(s *audit.Snapshot, scope, what string) (audit.Gap, bool) {
	for _, g := range s.Collection.Gaps {
		if normDNS(g.Scope) == normDNS(scope) && strings.Contains(strings.ToLower(g.What), what) {
			return g, true
		}
	}
	return audit.Gap{}, false
}

// forestLevelText describes the functional level of the forest holding
// domain, or says why it is unknown.
func forestLevelText(s *audit.Snapshot, domain string) (text string, level int, known bool) {
	d, ok := s.DomainByName(domain)
	if !ok {
		return fmt.Sprintf("not evaluated: %s was not collected, so its forest and level are unknown", domain), 0, false
	}
	f, ok := s.ForestOf(domain)
	if !ok {
		return fmt.Sprintf("not evaluated: the forest of %s (%s) was not collected", domain, orUnknown(d.Forest)), 0, false
	}
	return fmt.Sprintf("%d (%s), forest %s", f.FunctionalLevel, audit.FunctionalLevelName(f.FunctionalLevel), f.RootDomain), f.FunctionalLevel, true
}

func orUnknown(v string) string {
	if v == "" {
		return "unknown"
	}
	return v
}

// setTrustAttributesStep is the exact PowerShell that writes a new
// trustAttributes value on d's trustedDomain object.
func setTrustAttributesStep(prefix string, d audit.Domain, t audit.Trust, value uint32) []action.Part {
	return action.Say(prefix, action.PS("Set-ADObject", "-Server", action.D(d.DNSName), "-Identity", action.D(orUnknown(tdoDN(d, t))),
		"-Replace", fmt.Sprintf("@{trustAttributes=%d}", value)), fmt.Sprintf("   # was %d", t.Attributes))
}
