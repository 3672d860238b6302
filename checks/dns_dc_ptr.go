package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/remediate/action"
)

var dnsDCPTR = Check{
	ID:       "DNS-DC-PTR",
	Title:    "A or PTR record of a domain controller missing or naming another host",
	Area:     "DNS",
	Severity: Medium,
	Explanation: `What is checked
  For every DC of every collected domain: its FQDN must resolve to at least one
  address, and the PTR names of each of those addresses must include the FQDN.
  A DC without a lookup in the snapshot, or an address whose PTR was not looked
  up, is reported as not evaluated.

Why it breaks Kerberos
  Many Kerberos clients canonicalise a host name through reverse DNS before they
  build the SPN: MIT Kerberos and Heimdal with rdns = true (the MIT default),
  Java, ldapsearch -Y GSSAPI, SSSD and Samba tools. When a DC's address maps back
  to another name (or to none), they ask for ldap/<other name> or
  host/<other name>: KDC_ERR_S_PRINCIPAL_UNKNOWN, or a ticket for the wrong
  account, and GSSAPI binds and domain joins fail. Windows clients do not use
  reverse DNS for SPNs, so the failure shows on Linux and Java first.

How to fix it
  Give each DC address exactly one PTR record naming the DC's FQDN: in the reverse
  zone, remove the wrong PTR (Remove-DnsServerResourceRecord) and add the right
  one (Add-DnsServerResourceRecordPtr; Samba AD: samba-tool dns add). Windows DCs
  register their own PTRs when the reverse zone accepts dynamic updates
  (ipconfig /registerdns). As a client-side workaround, rdns = false in krb5.conf.

Sources
  RFC 4120 1.3 (host name canonicalisation is not secure) and MIT krb5.conf
  documentation (rdns, dns_canonicalize_hostname); Add-DnsServerResourceRecordPtr
  documentation.`,
	Run: runDNSDCPTR,
}

func runDNSDCPTR(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	var out []Finding
	var unknown []Evidence
	var unknownObjs []Object
	for _, d := range s.Domains {
		for _, dc := range d.DCs {
			fqdn := normDNS(dc.FQDN)
			h, ok := ix.Host(fqdn)
			switch {
			case !ok:
				unknown = append(unknown, Evidence{Key: fqdn, Value: "no address lookup in the snapshot"})
				unknownObjs = append(unknownObjs, Object{Kind: "dc", Name: fqdn, Domain: d.DNSName})
				continue
			case h.Status == audit.DNSError:
				unknown = append(unknown, Evidence{Key: fqdn, Value: "address lookup failed: " + orUnknown(h.Error)})
				unknownObjs = append(unknownObjs, Object{Kind: "dc", Name: fqdn, Domain: d.DNSName})
				continue
			}
			addrs := append(append([]string(nil), h.A...), h.AAAA...)
			if h.Status != audit.DNSOK || len(addrs) == 0 {
				answer := h.Status
				if h.Status == audit.DNSOK {
					answer = "no address"
				}
				out = append(out, dcPTRFinding(s, d, dc, []Evidence{{Key: "address lookup", Value: answer}},
					fmt.Sprintf("The DC %s does not resolve (%s): its A record is missing.", fqdn, answer), nil))
				continue
			}
			var bad []Evidence
			var wrong []ptrProblem
			for _, a := range addrs {
				names, looked := h.PTR.Lookup(a)
				if !looked {
					unknown = append(unknown, Evidence{Key: fqdn + " " + a, Value: "PTR of this address not looked up"})
					unknownObjs = append(unknownObjs, Object{Kind: "dc", Name: fqdn, Domain: d.DNSName})
					continue
				}
				if containsName(names, fqdn) {
					continue
				}
				if len(names) == 0 {
					bad = append(bad, Evidence{Key: "PTR " + a, Value: "none"})
				} else {
					bad = append(bad, Evidence{Key: "PTR " + a, Value: strings.Join(names, ", ")})
				}
				wrong = append(wrong, ptrProblem{addr: a, names: names})
			}
			if len(wrong) == 0 {
				continue
			}
			ev := append([]Evidence{{Key: "addresses of " + fqdn, Value: strings.Join(addrs, ", ")}}, bad...)
			out = append(out, dcPTRFinding(s, d, dc, ev,
				fmt.Sprintf("%s resolves to %s, but reverse DNS of %s does not name it. Clients that canonicalise through reverse DNS "+
					"(MIT Kerberos with rdns = true, Java, SSSD, ldapsearch -Y GSSAPI) then ask for SPNs of another name and get no "+
					"ticket or the wrong one.", fqdn, strings.Join(addrs, ", "), joinAddrs(wrong)), wrong))
		}
	}
	if len(unknown) > 0 {
		out = append(out, Finding{
			Severity: Info,
			Status:   NotEvaluated,
			Title:    fmt.Sprintf("A/PTR of %d DC name(s) or address(es) not looked up", len(unknown)),
			Subject:  "dc a and ptr without dns answer",
			Affected: unknownObjs,
			Evidence: append(unknown, Evidence{Key: "DNS server", Value: dnsServer(s)}),
			Explanation: "The snapshot holds no usable forward or reverse lookup for these DCs, so whether their A and PTR records " +
				"agree is unknown. Re-run the audit with a DNS server that answers for them (--dns-server).",
		})
	}
	return out
}

func dcPTRFinding(s *audit.Snapshot, d audit.Domain, dc audit.DC, ev []Evidence, why string, wrong []ptrProblem) Finding {
	fqdn := normDNS(dc.FQDN)
	ev = append(ev, Evidence{Key: "DNS server", Value: dnsServer(s)})
	if len(dc.Addresses) > 0 {
		ev = append(ev, Evidence{Key: "addresses known to the directory", Value: strings.Join(dc.Addresses, ", ")})
	}
	var steps []Action
	if len(wrong) == 0 {
		host, zone, _ := strings.Cut(fqdn, ".")
		addr := "<address>"
		if len(dc.Addresses) > 0 {
			addr = dc.Addresses[0]
		}
		steps = append(steps, Action{Type: ActionManual, Domain: d.DNSName, Host: fqdn, Note: "register the DC's A record",
			Say: action.Say("On the DC: ", action.CmdLine("ipconfig", "/registerdns"), " (Samba AD: ", action.ShLine("samba_dnsupdate", "--verbose", "--all-names"), "), or add it: ",
				action.PS("Add-DnsServerResourceRecordA", "-ZoneName", action.Value(zone), "-Name", action.Value(host), "-IPv4Address", action.Value(addr), "-CreatePtr"))})
	}
	for _, p := range wrong {
		zone, rel, state := ptrZoneOf(s, p.addr)
		switch state {
		case zoneMissing:
			steps = append(steps, createReverseZoneAction(s, d, fqdn, p.addr, zone))
		case zoneUnknown:
			steps = append(steps, Action{Type: ActionAdvice, Host: fqdn, Value: p.addr,
				Note: fmt.Sprintf("The snapshot does not say which reverse zone holds %s (no DNS zones were read from the directory): %s assumes a /24 zone; "+
					"check with Get-DnsServerZone and, if no zone covers %s, create it first (Add-DnsServerPrimaryZone -NetworkId %s -ReplicationScope Domain).",
					p.addr, zone, p.addr, networkID(p.addr))})
		}
		steps = append(steps, replacePTRActionsIn(p, fqdn, zone, rel)...)
		steps = append(steps, Action{Type: ActionManual, Domain: d.DNSName, Host: fqdn, Value: p.addr, Note: "Samba AD: add the PTR with samba-tool",
			Say: action.Say("Samba AD instead: ", action.ShLine("samba-tool", "dns", "add", action.Value(resolverOrDC(s)), action.Value(zone), action.Value(rel), "PTR", action.D(fqdn), "-U", "Administrator"))})
	}
	steps = append(steps, verifyPTRAction(fqdn))
	title := fmt.Sprintf("A and PTR of DC %s disagree", fqdn)
	switch {
	case len(wrong) == 0:
		title = fmt.Sprintf("DC %s does not resolve: its A record is missing", fqdn)
	case noPTRAtAll(wrong):
		title = fmt.Sprintf("DC %s has no PTR record for %s", fqdn, joinAddrs(wrong))
	}
	return Finding{
		Severity:    Medium,
		Title:       title,
		Impact:      dcPTRImpact(d.DNSName, fqdn, wrong),
		Domain:      d.DNSName,
		Subject:     fqdn,
		Affected:    []Object{{Kind: "dc", Name: fqdn, Domain: d.DNSName}},
		Evidence:    ev,
		Explanation: why,
		Remediation: []Option{{
			Name:    "fix-ptr",
			Summary: fmt.Sprintf("Make %s and the reverse records of its addresses agree.", fqdn),
			Actions: steps,
		}},
	}
}

// noPTRAtAll reports whether none of the addresses has any PTR name.
func noPTRAtAll(wrong []ptrProblem) bool {
	for _, p := range wrong {
		if len(p.names) > 0 {
			return false
		}
	}
	return true
}

// createReverseZoneAction creates the reverse zone of addr, which none of
// the directory's zones covers: a PTR cannot be added to a zone that does not exist.
func createReverseZoneAction(s *audit.Snapshot, d audit.Domain, fqdn, addr, zone string) Action {
	return Action{Type: ActionManual, Domain: d.DNSName, Host: fqdn, Value: addr, Note: "create the reverse zone " + zone + " first: no zone of the directory holds " + addr,
		Say: action.Say(fmt.Sprintf("No reverse zone of the directory covers %s: create %s first: ", addr, zone),
			action.PS("Add-DnsServerPrimaryZone", "-NetworkId", action.Value(networkID(addr)), "-ReplicationScope", "Domain", "-DynamicUpdate", "Secure"),
			" (Samba AD: ", action.ShLine("samba-tool", "dns", "zonecreate", action.Value(resolverOrDC(s)), action.Value(zone), "-U", "Administrator"), ").")}
}
