package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/remediate/action"
)

var serviceClientRealm = Check{
	ID:       "SERVICE-CLIENT-REALM",
	Title:    "Clients of a probed service reach it across an external trust",
	Area:     "SERVICE",
	Severity: High,
	Explanation: `What is checked
  For a service given to spntrust probe with the realm its clients are in
  (--client-realm), the trust between the service's domain and that realm, as
  read from the directory: an external trust (TRUST-EXTERNAL-KERBEROS) is
  reported. Whether clients of a realm joined by a forest trust get the ticket
  is decided by the ticket probe from that realm's KDC (KRB-TICKET), or, where
  it could not be made, not tested.

Why it breaks Kerberos
  An external trust publishes no name suffixes, so the client realm's KDC has
  nothing to route HTTP/<host> by: it answers KDC_ERR_S_PRINCIPAL_UNKNOWN
  without a referral, and the clients fall back to NTLM. (A Samba KDC may refer
  across an external trust anyway; a Windows KDC does not, so the trust's
  attributes decide, not the lab's KDC.)

How to fix it
  Replace the external trust with a forest trust between the forest roots (see
  spntrust checks explain TRUST-EXTERNAL-KERBEROS), or meanwhile map the
  service's host to its realm on the clients: ksetup /addhosttorealmmap <host>
  <REALM> (MIT: [domain_realm] in krb5.conf), which makes them ask the
  service's realm directly.

Sources
  [MS-KILE] 3.3.5.1.1 (referrals), 3.3.5.7.5 (cross-realm); [MS-ADTS] 6.1.6.7.9
  (trustAttributes); ksetup documentation.`,
	Run: runServiceClientRealm,
}

func runServiceClientRealm(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	var out []Finding
	for _, svc := range s.Services {
		client := normDNS(svc.ClientRealm)
		if client == "" || client == normDNS(svc.Domain) {
			continue
		}
		d, ok := ix.DomainByName(svc.Domain)
		f := Finding{
			Domain:   svc.Domain,
			Subject:  strings.ToLower(svc.URL),
			Affected: []Object{serviceObject(svc)},
			Evidence: append(serviceEvidence(svc), Evidence{Key: "client realm", Value: strings.ToUpper(client)}),
		}
		if !ok {
			continue // the service's domain was not collected: SERVICE-DNS and the gaps say so
		}
		if g, gap := findGap(s, "domain:"+d.DNSName, "trusts"); gap {
			f.Severity, f.Status = Info, NotEvaluated
			f.Title = fmt.Sprintf("Trusts of %s not read: the path of clients of %s is unknown", d.DNSName, strings.ToUpper(client))
			f.Explanation = fmt.Sprintf("The trusts of %s could not be read (%s), so whether clients of %s reach %s through a trust that "+
				"carries Kerberos is unknown.", d.DNSName, g.Error, strings.ToUpper(client), svc.URL)
			out = append(out, f)
			continue
		}
		for _, t := range d.Trusts {
			if normDNS(t.Partner) != client || t.Direction == 0 || ClassifyTrust(s, d, t) != TrustExternal {
				continue
			}
			host := svc.Host
			if h, ok := s.ServiceHost(svc); ok && h.Canonical != "" {
				host = h.Canonical
			}
			realm := strings.ToUpper(d.DNSName)
			f.Affected = append(f.Affected, trustObject(d, t))
			f.Evidence = append(f.Evidence, Evidence{Key: "trust", Value: fmt.Sprintf("%s -> %s: external (trustType %d, attributes %s): no forest-trust name suffixes",
				d.DNSName, t.Partner, t.Type, attributesText(t.Attributes))})
			f.Title = fmt.Sprintf("Clients of %s reach %s through an external trust: real clients get no referral and fall back to NTLM", strings.ToUpper(client), svc.URL)
		f.Impact = fmt.Sprintf("clients of %s get no referral for %s across the external trust and fall back to NTLM", strings.ToUpper(client), svc.URL)
			f.Explanation = fmt.Sprintf("%s and %s are joined by an external trust, which publishes no name suffixes: the KDC of %s routes no "+
				"names across it, so real clients of %s get no referral for %s and fall back to NTLM (TRUST-EXTERNAL-KERBEROS). This is "+
				"judged from the trust's attributes, not from a KDC's answer: a Samba KDC may refer anyway, a Windows KDC does not.",
				d.DNSName, t.Partner, strings.ToUpper(client), strings.ToUpper(client), svc.RequestedSPN)
			f.Remediation = []Option{
				{Name: "forest-trust", Summary: fmt.Sprintf("Replace the external trust with %s by a forest trust between the forest roots.", t.Partner),
					Actions: []Action{{Type: ActionManual, Domain: d.DNSName, Note: fmt.Sprintf("replace the external trust %s <-> %s with a forest trust between the forest roots (see spntrust checks explain TRUST-EXTERNAL-KERBEROS)", d.DNSName, t.Partner)}}},
				{Name: "map-host-to-realm", Summary: fmt.Sprintf("Meanwhile map %s to %s on the clients of %s.", host, realm, strings.ToUpper(client)),
					Actions: []Action{{Type: ActionManual, Host: host, Value: realm, Note: fmt.Sprintf("map %s to realm %s on the clients of %s", host, realm, strings.ToUpper(client)),
						Say: action.Say(fmt.Sprintf("On the clients of %s: ", strings.ToUpper(client)), action.CmdLine("ksetup", "/addhosttorealmmap", action.D(host), action.D(realm)),
							" (MIT: [domain_realm] in krb5.conf).")}}},
			}
			out = append(out, f)
			break
		}
	}
	return out
}
