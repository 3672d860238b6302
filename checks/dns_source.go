package checks

import (
	"cmp"
	"fmt"
	"net/netip"
	"strings"

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
		if rev, ok := reverseName(a); ok {
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

// reverseName is the PTR name of an address (in-addr.arpa or ip6.arpa,
// nibble by nibble), as a resolver asks it.
func reverseName(addr string) (string, bool) {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return "", false
	}
	ip = ip.Unmap()
	var b strings.Builder
	if ip.Is4() {
		a := ip.As4()
		fmt.Fprintf(&b, "%d.%d.%d.%d.in-addr.arpa.", a[3], a[2], a[1], a[0])
		return b.String(), true
	}
	a := ip.As16()
	const hex = "0123456789abcdef"
	for i := len(a) - 1; i >= 0; i-- {
		b.WriteByte(hex[a[i]&0xf])
		b.WriteByte('.')
		b.WriteByte(hex[a[i]>>4])
		b.WriteByte('.')
	}
	b.WriteString("ip6.arpa.")
	return b.String(), true
}
