package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/remediate/action"
	"github.com/spntrust/spntrust/spn"
)

var krbCrossRealmPath = Check{
	ID:       "KRB-CROSS-REALM-PATH",
	Title:    "No referral across an external trust: Kerberos to the other side falls back to NTLM",
	Area:     "KRB",
	Severity: High,
	Explanation: `What is checked
  The live cross-realm probes of the audit: a client of one realm asked its KDC
  for the SPN of a service in a domain it reaches through an external trust, and
  the KDC handed out no referral (the path never left the client's realm). When
  external trusts exist but no probe crossed one, the check reports "not
  evaluated".

Why it breaks Kerberos
  A KDC refers a client to another realm only when it can route the service's
  name: within its forest by the forest's domains, across a forest trust by the
  other forest's name suffixes. An external trust publishes no name suffixes, so
  the client's KDC does not know that host.other.example lives behind it: it
  answers KDC_ERR_S_PRINCIPAL_UNKNOWN and Windows clients silently fall back to
  NTLM. This is the live proof of TRUST-EXTERNAL-KERBEROS.

How to fix it
  Replace the external trust with a forest trust between the two forest roots
  (see TRUST-EXTERNAL-KERBEROS for the requirements and steps). Clients that can
  be configured (MIT krb5.conf [domain_realm] or [capaths], ksetup
  /addhosttorealmmap on Windows) can be pointed at the other realm meanwhile.
  Reports link this finding to the trust's TRUST-EXTERNAL-KERBEROS finding (one
  root cause) and tell the fix there, once.

Sources
  [MS-KILE] 3.3.5.7.5 (referrals across trusts); RFC 6806 (Kerberos referrals);
  [MS-ADTS] 6.1.6.7 (msDS-TrustForestTrustInfo, FOREST_TRANSITIVE).`,
	Run: runKRBCrossRealmPath,
}

func runKRBCrossRealmPath(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	// One finding per client realm and external trust, listing every SPN
	// behind it that got no referral.
	type group struct {
		d      audit.Domain
		t      audit.Trust
		realm  string
		probes []audit.TicketProbe
	}
	groups := map[string]*group{}
	var order []string
	crossed := false
	for _, p := range s.TicketProbes {
		if _, _, ok := probeExternalTrust(ix, p); ok {
			crossed = true
		}
		d, t, ok := externalWithoutReferral(ix, p)
		if !ok {
			continue
		}
		k := normDNS(p.ClientRealm) + "|" + trustSubject(d, t)
		g := groups[k]
		if g == nil {
			g = &group{d: d, t: t, realm: strings.ToUpper(p.ClientRealm)}
			groups[k] = g
			order = append(order, k)
		}
		g.probes = append(g.probes, p)
	}
	var out []Finding
	for _, k := range order {
		out = append(out, crossRealmFinding(groups[k].d, groups[k].t, groups[k].realm, groups[k].probes))
	}
	if crossed {
		return out
	}
	var external []string
	eachTrust(s, func(d audit.Domain, t audit.Trust) {
		if t.Direction != 0 && ClassifyTrust(s, d, t) == TrustExternal {
			external = append(external, d.DNSName+" -> "+t.Partner)
		}
	})
	if len(external) == 0 {
		return out
	}
	return append(out, Finding{
		Severity: Info,
		Status:   NotEvaluated,
		Title:    "No ticket probe crossed an external trust: referral paths not tested",
		Subject:  "cross-realm probes",
		Affected: []Object{{Kind: "trust", Name: strings.Join(external, ", ")}},
		Evidence: []Evidence{{Key: "external trusts", Value: strings.Join(external, ", ")}},
		Explanation: "The snapshot holds no ticket probe for a service behind an external trust, so whether clients get referrals " +
			"across it was not tested (TRUST-EXTERNAL-KERBEROS still reports the trust). Re-run the audit with credentials and a " +
			"service of the other side to probe.",
	})
}

func crossRealmFinding(d audit.Domain, t audit.Trust, realm string, probes []audit.TicketProbe) Finding {
	var spns, answers, paths []string
	var affected []Object
	for _, p := range probes {
		spns = append(spns, p.SPN)
		answers = append(answers, krbErrorLabel(p))
		path := strings.Join(p.Path, " -> ")
		if path == "" {
			path = realm + " (no referral)"
		}
		paths = append(paths, path)
		affected = append(affected, Object{Kind: "spn", Name: p.SPN, Domain: t.Partner})
	}
	affected = append(affected, trustObject(d, t))
	partner := strings.ToUpper(t.Partner)
	steps := []Action{{Type: ActionManual, Domain: d.DNSName,
		Note: fmt.Sprintf("replace external trust %s <-> %s with a forest trust", d.DNSName, t.Partner),
		Say:  action.Say(fmt.Sprintf("Follow the forest-trust remediation of TRUST-EXTERNAL-KERBEROS for %s <-> %s.", normDNS(d.DNSName), normDNS(t.Partner)))}}
	for _, h := range dedupeStrings(hostsOf(spns)) {
		steps = append(steps, Action{Type: ActionManual, Host: h, Value: partner, Note: "map the host to the realm on Windows clients",
			Say: action.Say(fmt.Sprintf("Meanwhile, on Windows clients that need Kerberos to %s: ", h), action.CmdLine("ksetup", "/addhosttorealmmap", action.D(h), action.D(partner)))})
	}
	steps = append(steps, Action{Type: ActionManual, Value: partner, Note: "map the domain to the realm on MIT clients",
		Say: action.Say(fmt.Sprintf("On MIT clients: krb5.conf [domain_realm] .%s = %s", normDNS(t.Partner), partner))})
	return Finding{
		Severity: High,
		Title:    fmt.Sprintf("No referral from %s to %s for %d SPN(s) behind the external trust: clients fall back to NTLM", realm, partner, len(probes)),
		Domain:   d.DNSName,
		Subject:  "no referral " + strings.ToLower(realm) + " -> " + normDNS(t.Partner),
		Affected: affected,
		Evidence: []Evidence{
			{Key: "client realm", Value: realm},
			{Key: "SPNs without referral", Value: strings.Join(spns, ", ")},
			{Key: "referral path", Value: strings.Join(dedupeStrings(paths), "; ")},
			{Key: "answer", Value: strings.Join(dedupeStrings(answers), "; ")},
			{Key: "trust", Value: fmt.Sprintf("%s -> %s, external, attributes %s", d.DNSName, t.Partner, attributesText(t.Attributes))},
		},
		Explanation: fmt.Sprintf("Clients of %s asked their KDC for services in %s (%s) and got no referral: the trust to %s is external "+
			"and publishes no name suffixes, so the KDC cannot route the names. Windows clients fall back to NTLM.",
			realm, t.Partner, strings.Join(spns, ", "), t.Partner),
		Cause:  externalTrustCause(d.DNSName, t.Partner, false),
		Impact: fmt.Sprintf("clients of %s get no referral for %s behind the external trust and fall back to NTLM", realm, servicesText(spns)),
		Remediation: []Option{{
			Name:    "forest-trust",
			Summary: fmt.Sprintf("Replace the external trust %s <-> %s with a forest trust (see TRUST-EXTERNAL-KERBEROS).", d.DNSName, t.Partner),
			Actions: steps,
		}},
	}
}

func hostsOf(spns []string) []string {
	var out []string
	for _, v := range spns {
		out = append(out, hostOf(v))
	}
	return out
}

// hostOf is the host part of an SPN, or the SPN itself when it does not parse.
func hostOf(raw string) string {
	if v, err := spn.Parse(raw); err == nil {
		return v.Host
	}
	return raw
}
