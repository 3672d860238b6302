package checks

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/spntrust/spntrust/audit"
)

// dnsSourceEvidence says where a host's DNS answer came from: the DNS
// server the audit asked, or the AD-integrated zones it read over LDAP (the
// data the DCs' DNS servers answer from) — the zones of the name, of its
// canonical name and of its addresses' reverse names — so an administrator
// knows where to look (Resolve-DnsName against that server, or
// Get-DnsServerResourceRecord on those zones).
func dnsSourceEvidence(s *audit.Snapshot, h audit.HostLookup) Evidence {
	switch h.Source {
	case audit.SourceDirectory, audit.SourceDirectoryAndDNS:
		where := "the AD-integrated zones read over LDAP"
		if zs := zonesOf(s, h); len(zs) > 0 {
			var parts []string
			for _, z := range zs {
				parts = append(parts, fmt.Sprintf("%s (%s, from %s)", z.Name, z.Container, z.Server))
			}
			noun := "zone"
			if len(zs) > 1 {
				noun = "zones"
			}
			where = noun + " " + strings.Join(parts, ", ") + " read over LDAP"
		}
		if h.Source == audit.SourceDirectoryAndDNS {
			where += ", and DNS server " + dnsServer(s) + " for the rest"
		}
		return Evidence{Key: "dns source", Value: where}
	}
	return Evidence{Key: "dns server", Value: dnsServer(s)}
}

// zonesOf lists, in order and once each, the zones read from the directory
// that hold the names a lookup asked: the name (as queried), its canonical
// name and the reverse names of its addresses.
func zonesOf(s *audit.Snapshot, h audit.HostLookup) []audit.DNSZone {
	names := []string{cmp.Or(h.QueriedAs, h.Name), h.Canonical}
	for _, a := range append(append([]string(nil), h.A...), h.AAAA...) {
		if rev, err := dns.ReverseAddr(a); err == nil {
			names = append(names, rev)
		}
	}
	var out []audit.DNSZone
	seen := map[string]bool{}
	for _, n := range names {
		if z, ok := zoneHolding(s, normDNS(n)); ok && !seen[z.Name+"\x00"+z.Container] {
			seen[z.Name+"\x00"+z.Container] = true
			out = append(out, z)
		}
	}
	return out
}

// zoneHolding is the longest zone read from the directory that holds name.
func zoneHolding(s *audit.Snapshot, name string) (audit.DNSZone, bool) {
	var best audit.DNSZone
	found := false
	for _, z := range s.DNS.Zones {
		zn := normDNS(z.Name)
		if name != "" && (name == zn || strings.HasSuffix(name, "."+zn)) && (!found || len(zn) > len(normDNS(best.Name))) {
			best, found = z, true
		}
	}
	return best, found
}
