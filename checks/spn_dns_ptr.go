package checks

import (
	"cmp"
	"fmt"
	"sort"
	"strings"

	"github.com/spntrust/spntrust/audit"

	"github.com/spntrust/spntrust/remediate/action"
)

var dnsPTR = Check{
	ID:       "SPN-DNS-PTR",
	Title:    "Reverse DNS of an SPN host names another host",
	Area:     "SPN",
	Severity: Low,
	Explanation: `What is checked
  The host part of every well-formed SPN of ordinary accounts (domain
  controllers are DNS-DC-PTR's; literal IP addresses are skipped) whose DNS
  answer has addresses: the PTR records of each address, as the audit recorded
  them, must include the host's canonical name (the end of its CNAME chain)
  whenever the address has PTR records at all. An address without any PTR is
  not a finding (clients then keep the forward name). A host whose answer
  carries no reverse lookups at all is reported as not evaluated.

Why it breaks Kerberos
  Kerberos clients that canonicalise host names through reverse DNS — MIT
  Kerberos and Heimdal with rdns = true (the MIT default), Java, SSSD, curl and
  browsers on Linux using GSSAPI — resolve the name, look up the PTR of the
  address and build the SPN from the PTR name. When an address is shared (a web
  application's name pointing at its server's address) or the PTR is stale (the
  address was reused), they ask for HTTP/<the other host>: the ticket is issued
  for that host's account, which the service cannot decrypt, or not at all.
  Windows clients do not use reverse DNS for SPNs, so the failure shows only on
  Linux, macOS and Java clients, which makes it look random.

How to fix it
  If the PTR is stale (the address now belongs to this host alone), replace it
  with one naming the host (Remove-DnsServerResourceRecord, then
  Add-DnsServerResourceRecordPtr). If the address is shared, give the service
  name an address of its own with a matching PTR
  (Add-DnsServerResourceRecordA ... -CreatePtr) and bind the site to it. On
  clients that cannot be changed otherwise: rdns = false in krb5.conf
  [libdefaults] (MIT 1.10+; with dns_canonicalize_hostname = fallback on 1.18+).

Sources
  RFC 4120 1.3 (host name canonicalisation is not secure); MIT krb5.conf
  documentation (rdns, dns_canonicalize_hostname); Add-DnsServerResourceRecordPtr
  documentation.`,
	Run: runDNSPTR,
}

// ptrHost is one canonical SPN host whose reverse DNS names another host.
type ptrHost struct {
	canonical string
	lookup    audit.HostLookup
	spns      []parsedSPN
	wrong     []ptrProblem
}

func runDNSPTR(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	out := accountsGapFinding(s, "SPN hosts' reverse DNS")
	// A short name and its FQDN are one host: group by canonical name.
	byCanonical := map[string]*ptrHost{}
	var unobserved []hostSPNs
	why := map[string]string{}
	for _, t := range spnHosts(ix) {
		h, ok := lookupHost(ix, t)
		if !ok || h.Status != audit.DNSOK {
			continue // SPN-DNS-MISSING reports these
		}
		if len(h.A)+len(h.AAAA) > 0 && len(h.PTR) == 0 {
			unobserved = append(unobserved, ix.fill(t))
			why[t.Label()] = "the answer has no reverse lookups"
			continue
		}
		// Every address a lookup resolved has its entry in PTR (nil names:
		// none found), so PTR alone is walked; no slice per host (issue 10).
		canonical := normDNS(cmp.Or(h.Canonical, h.QueriedAs, h.Name))
		var wrong []ptrProblem
		for _, p := range h.PTR {
			if len(p.Names) > 0 && !containsName(p.Names, canonical) && isAddressOf(h, p.Addr) {
				wrong = append(wrong, ptrProblem{addr: p.Addr, names: p.Names})
			}
		}
		if len(wrong) == 0 {
			continue
		}
		p := byCanonical[canonical]
		if p == nil {
			p = &ptrHost{canonical: canonical, lookup: h, wrong: wrong}
			byCanonical[canonical] = p
		} else if !strings.Contains(p.lookup.Name, ".") && strings.Contains(h.Name, ".") {
			p.lookup = h // show the full name's answer rather than a short name's
		}
		p.spns = append(p.spns, ix.fill(t).spns...)
	}
	keys := make([]string, 0, len(byCanonical))
	for k := range byCanonical {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, dnsPTRFinding(ix, byCanonical[k]))
	}
	return append(out, unobservedHostsFinding(ix, "SPN hosts' reverse DNS", unobserved, why)...)
}

func dnsPTRFinding(ix *view, p *ptrHost) Finding {
	s := ix.Snapshot()
	accounts := accountsOf(p.spns)
	var others []string
	seen := map[string]bool{}
	for _, w := range p.wrong {
		for _, n := range w.names {
			if n = normDNS(n); !seen[n] {
				seen[n] = true
				others = append(others, n)
			}
		}
	}
	ev := []Evidence{
		{Key: "dns name", Value: p.lookup.Name},
		{Key: "canonical name", Value: p.canonical},
		{Key: "addresses", Value: strings.Join(append(append([]string(nil), p.lookup.A...), p.lookup.AAAA...), ", ")},
	}
	for _, w := range p.wrong {
		ev = append(ev, Evidence{Key: "PTR " + w.addr, Value: strings.Join(w.names, ", ")})
	}
	ev = append(ev, dnsSourceEvidence(s, p.lookup), Evidence{Key: "spns", Value: spnList(ix, p.spns)})

	// What an rdns client asks for instead, for each SPN.
	var asks []string
	asked := map[string]bool{}
	for _, sp := range p.spns {
		if a := withHost(sp.SPN, others[0]).Raw; !asked[a] {
			asked[a] = true
			asks = append(asks, a)
		}
	}
	affected := []Object{{Kind: "dns-name", Name: p.canonical}}
	for _, a := range accounts {
		affected = append(affected, accountObject(a))
	}
	host, zone, _ := strings.Cut(p.canonical, ".")
	var fixPTR []Action
	for _, w := range p.wrong {
		fixPTR = append(fixPTR, replacePTRActions(w, p.canonical)...)
	}
	fixPTR = append(fixPTR, verifyPTRAction(p.canonical))
	return Finding{
		Severity: Low,
		Title:    fmt.Sprintf("Reverse DNS of SPN host %s names %s", p.canonical, strings.Join(others, ", ")),
		Domain:   cmp.Or(hostDomain(s, p.canonical), accounts[0].Domain),
		Subject:  p.canonical,
		Affected: affected,
		Evidence: ev,
		Explanation: fmt.Sprintf("%s resolves to %s, whose PTR names %s. Clients that canonicalise through reverse DNS "+
			"(MIT Kerberos and Heimdal with rdns = true, Java, SSSD, GSSAPI on Linux and macOS) ask for %s instead of the SPNs "+
			"registered (%s): the ticket is for another account, or there is none. Windows clients are not affected.",
			p.canonical, joinAddrs(p.wrong), strings.Join(others, ", "), strings.Join(asks, ", "), spnList(ix, p.spns)),
		Impact: fmt.Sprintf("clients of %s that canonicalise through reverse DNS (MIT Kerberos, Heimdal, Java, SSSD) ask for %s instead: a ticket for another account, or none",
			p.canonical, strings.Join(asks, ", ")),
		Remediation: []Option{
			{
				Name:    "fix-ptr",
				Summary: fmt.Sprintf("If the address belongs to %s alone (the PTR is stale), make its PTR name %s.", p.canonical, p.canonical),
				Actions: fixPTR,
			},
			{
				Name:    "own-address",
				Summary: fmt.Sprintf("If the address is shared with %s, give %s an address of its own, with its PTR.", strings.Join(others, ", "), p.canonical),
				Actions: []Action{
					{Type: ActionManual, Host: p.canonical, Domain: zone, Note: fmt.Sprintf("give %s its own address with a PTR naming it", p.canonical),
						Say: action.Say(action.PS("Remove-DnsServerResourceRecord", "-ZoneName", action.Value(zone), "-RRType", "A", "-Name", action.Value(host), "-Force"))},
					{Type: ActionManual, Host: p.canonical, Domain: zone,
						Say: action.Say(action.PS("Add-DnsServerResourceRecordA", "-ZoneName", action.Value(zone), "-Name", action.Value(host), "-IPv4Address", "<new address>", "-CreatePtr"))},
					{Type: ActionManual, Host: p.canonical,
						Say: action.Say("Bind the site (or service) to the new address, then: ", action.PS("Resolve-DnsName", action.D(p.canonical)), " and ", action.PS("Resolve-DnsName", "<new address>", "-Type", "PTR"))},
				},
			},
			{
				Name:    "clients-rdns-off",
				Summary: "Where DNS cannot change: stop the affected clients from canonicalising through reverse DNS.",
				Actions: []Action{
					{Type: ActionManual, Host: p.canonical, Note: "set rdns = false on Linux/macOS Kerberos clients",
						Say: action.Say("In /etc/krb5.conf [libdefaults]: rdns = false (MIT krb5 1.10+), and dns_canonicalize_hostname = fallback (1.18+)")},
					{Type: ActionAdvice, SPN: p.spns[0].Raw, Say: action.Say("Then on such a client: ", action.ShLine("kvno", action.D(p.spns[0].Raw)), " (it must name the SPN as registered)")},
				},
			},
		},
	}
}

// isAddressOf reports whether addr is one of h's addresses.
func isAddressOf(h audit.HostLookup, addr string) bool {
	for _, list := range [][]string{h.A, h.AAAA} {
		for _, a := range list {
			if a == addr {
				return true
			}
		}
	}
	return false
}
