package checks

import (
	"fmt"

	"github.com/spntrust/spntrust/audit"
)

// dnsSourceEvidence says where a host's DNS answer came from: the DNS
// server the audit asked, or the AD-integrated zone it read over LDAP (the
// data the DCs' DNS servers answer from), so an administrator knows which
// tool to check it with (Resolve-DnsName against that server, or
// Get-DnsServerResourceRecord on that zone).
func dnsSourceEvidence(s *audit.Snapshot, h audit.HostLookup) Evidence {
	switch h.Source {
	case audit.SourceDirectory, audit.SourceDirectoryAndDNS:
		where := "the AD-integrated zones read over LDAP"
		if z, ok := zoneOf(s, h); ok {
			where = fmt.Sprintf("zone %s read over LDAP from %s (%s)", z.Name, z.Server, z.Container)
		}
		if h.Source == audit.SourceDirectoryAndDNS {
			where += ", and DNS server " + dnsServer(s) + " for the rest"
		}
		return Evidence{Key: "dns source", Value: where}
	}
	return Evidence{Key: "dns server", Value: dnsServer(s)}
}

// zoneOf is the longest zone read from the directory that holds the name
// the lookup asked.
func zoneOf(s *audit.Snapshot, h audit.HostLookup) (audit.DNSZone, bool) {
	name := normDNS(h.Name)
	if h.QueriedAs != "" {
		name = normDNS(h.QueriedAs)
	}
	var best audit.DNSZone
	found := false
	for _, z := range s.DNS.Zones {
		zn := normDNS(z.Name)
		if (name == zn || len(name) > len(zn) && name[len(name)-len(zn)-1:] == "."+zn) && len(zn) > len(normDNS(best.Name)) {
			best, found = z, true
		}
	}
	return best, found
}
