package collect

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/miekg/dns"

	"github.com/spntrust/spntrust/audit"
)

// A workstation that is not domain-joined usually asks a resolver that
// does not serve the AD zones (the office's or the ISP's). Its NXDOMAIN for
// _ldap._tcp.<domain> says nothing about the domain's records, which exist
// (the domain was just read over LDAP): reporting them missing would send an
// administrator to re-register healthy DCs. So the collector asks the DNS
// server for each domain's SOA and compares its SRV answers with the SRV
// records of the zones read over LDAP; where either shows the server does
// not serve the domain, the SRV answers are marked as no evidence
// (SRVLookup.Unreliable) and one gap per domain says so, with what to do.

// dnsTypeSRV is the SRV record type in a dnsNode's dnsRecord (MS-DNSP).
const dnsTypeSRV uint16 = 33

// judgeResolver fills d.Served and marks the SRV answers of domains the DNS
// server does not serve. zones may be nil (--dns-source dns, or no zone read).
func (c *collector) judgeResolver(ctx context.Context, d *audit.DNS, domains []string, zones *zoneStore) {
	if c.cfg.Resolver == nil || len(domains) == 0 {
		return
	}
	server := c.dnsServerName()
	notServed := map[string]string{} // domain → why, short: every SRV answer of it carries it
	soaError := map[string]string{}  // domain → the SOA answer, for the gap
	for _, dom := range domains {
		z := judgeZone(ctx, c.cfg.Resolver, c.cfg.IsNXDomain, dom)
		d.Served = append(d.Served, z)
		if z.Status != audit.DNSOK {
			notServed[z.Domain] = fmt.Sprintf("DNS server %s does not serve %s", server, z.Domain)
			soaError[z.Domain] = z.Error
		}
	}
	contradicted := map[string][]string{} // domain → SRV names the zones hold but the server denied
	for i := range d.SRV {
		l := &d.SRV[i]
		dom := domainOfSRV(l.Name, domains)
		if dom == "" {
			continue
		}
		if why, ok := notServed[dom]; ok {
			if l.Status != audit.DNSOK || len(l.Targets) == 0 {
				l.Unreliable = why
			}
			continue
		}
		if (l.Status == audit.DNSNXDomain || l.Status == audit.DNSNoData) && zones != nil {
			if zone, ok := zones.holdsRecord(l.Name, dnsTypeSRV); ok {
				l.Unreliable = fmt.Sprintf("DNS server %s answered %s, but zone %s read over LDAP holds SRV records for %s", server, l.Status, zone, l.Name)
				contradicted[dom] = append(contradicted[dom], l.Name)
			}
		}
	}
	fix := "re-run the audit with --dns-server set to a DNS server that serves the AD zones (a DC's address), " +
		"or point this machine's resolver (/etc/resolv.conf) at one; clients using " + server + " cannot locate the domain's DCs and KDCs either"
	// One gap for every domain the server does not serve (with
	// --follow-trusts a workstation's resolver serves none of them): the
	// cause and the fix are the same, so they are said once.
	var unserved, answers []string
	for _, dom := range domains {
		cd := canonicalName(dom)
		if _, ok := notServed[cd]; ok {
			unserved = append(unserved, cd)
			answers = append(answers, soaError[cd])
		}
	}
	if len(unserved) > 0 {
		answer := answers[0]
		if len(unserved) > 1 {
			answer = strings.Join(answers, "; ")
		}
		c.gap("dns:"+strings.Join(unserved, ","), "SRV records (DC and KDC location)",
			fmt.Errorf("DNS server %s does not serve %s (%s): its SRV answers are not evidence that records are missing; %s",
				server, strings.Join(unserved, ", "), answer, fix))
	}
	for _, dom := range domains {
		cd := canonicalName(dom)
		if _, ok := notServed[cd]; ok {
			continue
		} else if names := contradicted[cd]; len(names) > 0 {
			c.gap("dns:"+cd, "SRV records (DC and KDC location)",
				fmt.Errorf("DNS server %s denies %s, which the AD-integrated zones read over LDAP hold (split horizon or a resolver that does not serve the AD zones); %s",
					server, strings.Join(names, ", "), fix))
		}
	}
}

// dnsServerName names the server the audit asked, for messages.
func (c *collector) dnsServerName() string {
	if c.cfg.DNSServer != "" {
		return c.cfg.DNSServer
	}
	if s, ok := c.cfg.Resolver.(interface{ Servers() []string }); ok && len(s.Servers()) > 0 {
		return strings.Join(s.Servers(), ", ") + " (the system resolver, /etc/resolv.conf)"
	}
	return "the system resolver"
}

// judgeZone asks q for the SOA of domain: a server that serves the domain
// (or recurses to one that does) answers with the SOA of the domain's zone
// or of a parent zone below the root; NXDOMAIN, REFUSED, SERVFAIL, a timeout
// or an answer without an SOA show it does not.
func judgeZone(ctx context.Context, q DNSQuerier, isNXDomain func(error) bool, domain string) audit.ZoneService {
	z := audit.ZoneService{Domain: canonicalName(domain)}
	msg, err := q.Query(ctx, z.Domain, dns.TypeSOA)
	if err != nil {
		z.Status, z.Error = audit.DNSError, oneLine(err)
		if isNXDomain != nil && isNXDomain(err) {
			z.Status = audit.DNSNXDomain
		}
		return z
	}
	for _, rr := range append(append([]dns.RR(nil), msg.Answer...), msg.Ns...) {
		soa, ok := rr.(*dns.SOA)
		if !ok {
			continue
		}
		owner := canonicalName(soa.Hdr.Name)
		if owner != "" && (owner == z.Domain || strings.HasSuffix(z.Domain, "."+owner)) {
			z.Status, z.Zone = audit.DNSOK, owner
			return z
		}
	}
	z.Status, z.Error = audit.DNSNoData, "SOA "+z.Domain+": the answer holds no SOA record of the domain or a parent zone"
	return z
}

// domainOfSRV is the audited domain an SRV name belongs to (the longest).
func domainOfSRV(name string, domains []string) string {
	name = canonicalName(name)
	best := ""
	for _, d := range domains {
		d = canonicalName(d)
		if strings.HasSuffix(name, "."+d) && len(d) > len(best) {
			best = d
		}
	}
	return best
}

// holdsRecord reports whether the zones read hold a live record of type t
// for name, and in which zone; false when the zone is unknown or declined.
func (s *zoneStore) holdsRecord(name string, t uint16) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	zone, z := s.zoneOf(canonicalName(name))
	if z == nil || z.decline {
		return "", false
	}
	node := z.nodes[canonicalName(name)]
	if node == nil || node.tombstoned || !hasType(node.records, t) {
		return "", false
	}
	return zone, true
}

// oneLine is err's message on one line, each distinct part once: the
// resolver joins the answer of every server and attempt ("REFUSED" three
// times), which a report should say once.
func oneLine(err error) string {
	var parts []string
	seen := map[string]bool{}
	for _, p := range strings.Split(err.Error(), "\n") {
		// "read udp 127.0.0.1:57361->127.0.0.1:53: read: connection refused":
		// the local port differs per attempt and says nothing.
		p = socketDetail.ReplaceAllString(p, "")
		if p = strings.TrimSpace(p); p != "" && !seen[p] {
			seen[p] = true
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "; ")
}

var socketDetail = regexp.MustCompile(`(?:read|write|dial) (?:udp|tcp)\S* \S+(?:->\S+)?: (?:read: |write: |connect: )?`)
