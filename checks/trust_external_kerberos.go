package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/remediate/action"
)

var trustExternalKerberos = Check{
	ID:       "TRUST-EXTERNAL-KERBEROS",
	Title:    "External trust: Kerberos across it is not dependable, clients fall back to NTLM",
	Area:     "TRUST",
	Severity: High,
	Explanation: `What is checked
  Every enabled external trust (a trust to a domain of another forest without
  FOREST_TRANSITIVE, or to a Windows NT domain). An audit for Kerberos readiness
  expects Kerberos across every trust it finds; if only NTLM is wanted across this
  one, accept the finding in a baseline.

Why it breaks Kerberos
  A client in one forest asking for HTTP/web.other.example asks its own KDC. With
  a forest trust the KDC knows the other forest's name suffixes (published in
  msDS-TrustForestTrustInfo) and refers the client there. An external trust
  publishes no name suffixes: the KDC finds no account holding the SPN, gives no
  referral (KDC_ERR_S_PRINCIPAL_UNKNOWN), and Windows clients silently fall back to
  NTLM, or fail where NTLM is blocked. Downlevel (Windows NT) trusts carry no
  Kerberos at all.

How to fix it
  Replace the external trust with a forest trust between the two forest root
  domains. A forest trust needs forest functional level 2 (Windows Server 2003) or
  higher in both forests, and DNS resolution of each forest root from the other
  (conditional forwarders). A domain holds one trustedDomain object per partner:
  when the external trust already joins the two forest roots, it must be removed
  before the forest trust is created (plan a window). Enable AES on the new trust
  ("The other domain supports Kerberos AES Encryption") and keep SID filtering on.

Sources
  [MS-ADTS] 6.1.6.7 (trustAttributes FOREST_TRANSITIVE, msDS-TrustForestTrustInfo);
  [MS-KILE] 3.3.5.7.5 (referrals across trusts); [MS-ADTS] 6.1.4.2 (functional
  levels); netdom trust documentation.`,
	Run: runTrustExternalKerberos,
}

// externalPair is one external trust relationship, seen from one or both sides.
type externalPair struct {
	key   string
	sides []trustSide
}

type trustSide struct {
	domain audit.Domain
	trust  audit.Trust
}

func runTrustExternalKerberos(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	out := trustGapFindings(s, "Kerberos across external trusts")
	pairs := map[string]*externalPair{}
	var order []string
	eachTrust(s, func(d audit.Domain, t audit.Trust) {
		if t.Direction == 0 || ClassifyTrust(s, d, t) != TrustExternal {
			return
		}
		names := []string{normDNS(d.DNSName), normDNS(t.Partner)}
		sort.Strings(names)
		k := names[0] + " <-> " + names[1]
		p := pairs[k]
		if p == nil {
			p = &externalPair{key: k}
			pairs[k] = p
			order = append(order, k)
		}
		p.sides = append(p.sides, trustSide{domain: d, trust: t})
	})
	for _, k := range order {
		out = append(out, externalKerberosFinding(ix, pairs[k]))
	}
	return out
}

func externalKerberosFinding(ix *view, p *externalPair) Finding {
	first := p.sides[0]
	a, b := first.domain.DNSName, first.trust.Partner
	var affected []Object
	ev := []Evidence{}
	downlevel := false
	for _, sd := range p.sides {
		affected = append(affected, trustObject(sd.domain, sd.trust))
		ev = append(ev, Evidence{Key: "trust " + sd.domain.DNSName + " -> " + sd.trust.Partner,
			Value: fmt.Sprintf("trustType %d (%s), %s, attributes %s", sd.trust.Type, audit.TrustTypeName(sd.trust.Type),
				audit.TrustDirectionName(sd.trust.Direction), attributesText(sd.trust.Attributes))})
		if sd.trust.Type == 1 {
			downlevel = true
		}
	}
	if len(p.sides) == 1 {
		ev = append(ev, Evidence{Key: "trust seen from " + b, Value: "not evaluated: " + b + " was not collected"})
	}

	textA, levelA, knownA := forestLevelText(ix, a)
	textB, levelB, knownB := forestLevelText(ix, b)
	ev = append(ev,
		Evidence{Key: "forest functional level of " + a, Value: textA},
		Evidence{Key: "forest functional level of " + b, Value: textB},
		Evidence{Key: "forest trust needs", Value: fmt.Sprintf("forest functional level >= %d (%s) in both forests", minForestTrustLevel, audit.FunctionalLevelName(minForestTrustLevel))},
	)
	readiness := "Whether both forests meet it is not known: the other side was not collected."
	switch {
	case knownA && knownB && levelA >= minForestTrustLevel && levelB >= minForestTrustLevel:
		readiness = "Both forests meet it."
	case (knownA && levelA < minForestTrustLevel) || (knownB && levelB < minForestTrustLevel):
		readiness = "At least one forest must raise its functional level first."
	}

	rootA, rootB := forestRootOf(ix, a), forestRootOf(ix, b)
	steps := []Action{}
	for _, side := range []struct {
		domain, root string
		level        int
		known        bool
	}{{a, rootA, levelA, knownA}, {b, rootB, levelB, knownB}} {
		root := side.root
		if root == "" {
			root = "<forest root of " + side.domain + ">"
		}
		switch {
		case !side.known:
			steps = append(steps, Action{Type: ActionAdvice, Domain: side.domain, Say: action.Say(fmt.Sprintf("Check the forest functional level of %s (", root),
				action.PS("Get-ADForest", action.Value(root), "|", "Select-Object", "ForestMode"), "); it must be Windows2003Forest or higher.")})
		case side.level < minForestTrustLevel:
			steps = append(steps, Action{Type: ActionManual, Domain: side.domain, Value: "Windows2003Forest", Note: "raise the forest functional level of " + root,
				Say: action.Say(fmt.Sprintf("Raise the forest functional level of %s (now %d, %s): ", root, side.level, audit.FunctionalLevelName(side.level)),
					action.PS("Set-ADForestMode", "-Identity", action.Value(root), "-ForestMode", "Windows2003Forest"),
					" (every domain of the forest must be at Windows2003Domain or higher first).")})
		}
	}
	steps = append(steps, Action{Type: ActionManual, Domain: orPlaceholder(rootB, b), Note: "make each forest root resolvable from the other",
		Say: action.Say("Make each forest root resolvable from the other: ",
			action.PS("Add-DnsServerConditionalForwarderZone", "-Name", action.Value(orPlaceholder(rootB, b)), "-MasterServers", fmt.Sprintf("<DNS server of %s>", orPlaceholder(rootB, b)), "-ReplicationScope", "Forest"),
			" (and the reverse in the other forest).")})
	bothRoots := rootA != "" && rootB != "" && normDNS(rootA) == normDNS(a) && normDNS(rootB) == normDNS(b)
	remove := action.CmdLine("netdom", "trust", action.D(a), action.D("/domain:"+b), "/remove", "/twoway")
	removeNote := fmt.Sprintf("remove the external trust %s <-> %s", a, b)
	switch {
	case bothRoots:
		steps = append(steps, Action{Type: ActionManual, Domain: a, Note: removeNote,
			Say: action.Say("The external trust already joins the two forest roots and a domain holds one trust per partner: remove it first, in a maintenance window: ", remove)})
	case rootA == "" || rootB == "":
		steps = append(steps, Action{Type: ActionManual, Domain: a, Note: removeNote,
			Say: action.Say(fmt.Sprintf("If %s and %s are both their forests' root domains, the external trust must be removed before the forest trust can be created (a domain holds one trust per partner): ", a, b), remove)})
	}
	steps = append(steps,
		Action{Type: ActionManual, Domain: first.domain.DNSName,
			Note: fmt.Sprintf("replace external trust %s <-> %s with a forest trust %s <-> %s", a, b, orPlaceholder(rootA, a), orPlaceholder(rootB, b)),
			Say: action.Say(fmt.Sprintf("Create a two-way forest trust between %s and %s: Active Directory Domains and Trusts > %s > Properties > Trusts > New Trust > Forest trust (netdom cannot create forest trusts; on Samba AD: ",
				orPlaceholder(rootA, a), orPlaceholder(rootB, b), orPlaceholder(rootA, a)),
				action.ShLine("samba-tool", "domain", "trust", "create", action.Value(orPlaceholder(rootB, b)), "--type=forest", "--direction=both"),
				"). Tick \"The other domain supports Kerberos AES Encryption\" on both sides.")},
		Action{Type: ActionAdvice, Say: action.Say("Verify the new trust: ",
			action.CmdLine("netdom", "trust", action.Value(orPlaceholder(rootA, a)), action.D("/domain:"+orPlaceholder(rootB, b)), "/verify"))},
	)
	if !bothRoots {
		steps = append(steps, Action{Type: ActionManual, Domain: a, Note: removeNote,
			Say: action.Say("Once clients use the forest trust, remove the external trust: ", remove)})
	}

	title := fmt.Sprintf("External trust %s <-> %s: no Kerberos referrals, clients fall back to NTLM", a, b)
	why := fmt.Sprintf("The trust between %s and %s is an external trust: it publishes no name suffixes, so a client in one domain "+
		"asking for a service in the other (HTTP/host.%s) gets no referral from its KDC and falls back to NTLM. ", a, b, b)
	if downlevel {
		why = fmt.Sprintf("The trust between %s and %s is a downlevel (Windows NT) trust: it carries no Kerberos at all, only NTLM. ", a, b)
	}
	why += fmt.Sprintf("A forest trust needs forest functional level >= %d (%s) in both forests. %s",
		minForestTrustLevel, audit.FunctionalLevelName(minForestTrustLevel), readiness)
	return Finding{
		Severity:    High,
		Title:       title,
		Domain:      first.domain.DNSName,
		Subject:     p.key,
		Affected:    affected,
		Evidence:    ev,
		Explanation: why,
		Cause:       externalTrustCause(a, b, true),
		Impact:      fmt.Sprintf("clients of %s get no Kerberos referral for services in %s (nor the other way): they fall back to NTLM, or fail where NTLM is blocked", a, b),
		Remediation: []Option{{
			Name:    "forest-trust",
			Summary: fmt.Sprintf("Replace the external trust with a forest trust between the forest roots %s and %s.", orPlaceholder(rootA, a), orPlaceholder(rootB, b)),
			Actions: steps,
		}},
	}
}

// forestRootOf returns the forest root domain of a collected domain, or "".
func forestRootOf(ix *view, domain string) string {
	if d, ok := ix.DomainByName(domain); ok {
		return d.Forest
	}
	return ""
}

func orPlaceholder(v, domain string) string {
	if v == "" {
		return "<forest root of " + domain + ">"
	}
	return strings.ToLower(v)
}
