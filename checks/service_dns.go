package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/remediate/action"
)

var serviceDNS = Check{
	ID:       "SERVICE-DNS",
	Title:    "The host of a probed service does not resolve",
	Area:     "SERVICE",
	Severity: High,
	Explanation: `What is checked
  For a service given to spntrust probe (or a ConfigMgr management point it
  found), the DNS answer for the host in its URL, asked of the DNS server as a
  client asks: a short name (http://mp01/) with the domain's DNS suffix and its
  parents (Windows suffix devolution), a CNAME followed to its canonical name.

Why it breaks Kerberos
  A client builds the SPN it asks the KDC for from the host name after DNS has
  answered (HTTP/<canonical name>). A host that does not resolve gets no ticket
  at all: the client cannot reach the service, and where it reaches it by
  another way (a hosts file, a WINS name) it asks for an SPN nobody derived.

How to fix it
  Publish the host in DNS as an A record (not a CNAME, which makes clients ask
  for the SPN of the canonical name), in the zone the clients resolve, then
  probe again.

Sources
  [MS-KILE] 3.3.5.1.1 (SPN from the host name); Windows DNS suffix search list
  and devolution (DNS Client policy); RFC 4120 1.3.`,
	Run: runServiceDNS,
}

func runServiceDNS(s *audit.Snapshot, opt Options) []Finding {
	var out []Finding
	for _, svc := range s.Services {
		h, ok := s.ServiceHost(svc)
		f := Finding{
			Domain:   svc.Domain,
			Subject:  strings.ToLower(svc.URL),
			Affected: []Object{serviceObject(svc)},
			Evidence: serviceEvidence(svc),
		}
		if !ok {
			f.Severity, f.Status = Info, NotEvaluated
			f.Title = fmt.Sprintf("%s was not looked up in DNS", svc.Host)
			f.Explanation = fmt.Sprintf("The collection holds no DNS answer for %s, so whether its clients can resolve it, and which SPN they "+
				"request, is unknown. Probe again with a DNS server of the domain (--dns-server).", svc.Host)
			out = append(out, f)
			continue
		}
		if h.Status == audit.DNSOK {
			continue
		}
		asked := svc.Host
		if h.QueriedAs != "" {
			asked = fmt.Sprintf("%s (asked as %s, with the domain's DNS suffixes)", svc.Host, strings.Join(askedAs(s, svc), ", "))
		}
		f.Title = fmt.Sprintf("%s does not resolve (%s): clients cannot reach it and no SPN can be derived", svc.Host, h.Status)
		f.Impact = fmt.Sprintf("clients of %s cannot resolve %s (%s): they reach no service and ask for no ticket", svc.URL, svc.Host, h.Status)
		f.Evidence = append(f.Evidence, Evidence{Key: "DNS name", Value: asked}, Evidence{Key: "DNS answer", Value: h.Status})
		if h.Error != "" {
			f.Evidence = append(f.Evidence, Evidence{Key: "DNS error", Value: h.Error})
		}
		if srv := dnsServer(s); srv != "" {
			f.Evidence = append(f.Evidence, Evidence{Key: "DNS server", Value: srv})
		}
		name := svc.Host
		if h.QueriedAs != "" {
			name = h.QueriedAs
		}
		var zone any = "<zone>"
		if z := audit.HostDomain(name); z != "" {
			zone = action.D(z)
		}
		label := strings.SplitN(name, ".", 2)[0]
		f.Explanation = fmt.Sprintf("The DNS server answered %s for %s. A client of %s cannot reach the service by that name, and asks the KDC "+
			"for no ticket it could use.", h.Status, asked, svc.URL)
		f.Remediation = []Option{{
			Name:    "publish-a-record",
			Summary: fmt.Sprintf("Publish %s in DNS as an A record, then probe again.", name),
			Actions: []Action{
				{Type: ActionManual, Host: name, Note: "publish an A record for " + name,
					Say: action.Say(fmt.Sprintf("Publish %s as an A record (not a CNAME): ", name),
						action.PS("Add-DnsServerResourceRecordA", "-ZoneName", zone, "-Name", action.D(label), "-IPv4Address", "<address of the server>"))},
				{Type: ActionAdvice, Say: action.Say("Probe again: ", action.ShLine("spntrust", "probe", action.D(svc.URL)))},
			},
		}}
		out = append(out, f)
	}
	return out
}

// askedAs lists the names a short host of svc was asked as.
func askedAs(s *audit.Snapshot, svc audit.Service) []string {
	var out []string
	for _, h := range s.DNS.Hosts {
		if strings.EqualFold(h.Name, svc.Host) && h.QueriedAs != "" {
			out = append(out, h.QueriedAs)
		}
	}
	return out
}
