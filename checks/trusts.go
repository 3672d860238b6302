package checks

// Helpers shared by the TRUST-* checks (and the KRB-* checks that follow
// trusts): walking trusts, describing them, their evidence and the fix that
// rewrites trustAttributes.

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/remediate/action"
)

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

// setTrustAttributesStep is the exact PowerShell that writes a new
// trustAttributes value on d's trustedDomain object.
func setTrustAttributesStep(prefix string, d audit.Domain, t audit.Trust, value uint32) []action.Part {
	return action.Say(prefix, action.PS("Set-ADObject", "-Server", action.D(d.DNSName), "-Identity", action.D(orUnknown(tdoDN(d, t))),
		"-Replace", fmt.Sprintf("@{trustAttributes=%d}", value)), fmt.Sprintf("   # was %d", t.Attributes))
}

// encTypesText describes msDS-SupportedEncryptionTypes.
func encTypesText(v *uint32) string {
	if v == nil {
		return "unset (the KDC assumes RC4 for this trust)"
	}
	if *v == 0 {
		return "0 (the KDC assumes RC4 for this trust)"
	}
	return fmt.Sprintf("%#x (%s)", *v, strings.Join(audit.DecodeEncTypes(*v), ", "))
}
