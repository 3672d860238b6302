package audit

import "strings"

func lower(s string) string { return strings.ToLower(s) }

// DomainByName returns the domain with the given DNS name (any case).
func (s *Snapshot) DomainByName(name string) (Domain, bool) {
	for _, d := range s.Domains {
		if strings.EqualFold(d.DNSName, name) {
			return d, true
		}
	}
	return Domain{}, false
}

// ForestOf returns the forest the named domain belongs to.
func (s *Snapshot) ForestOf(domain string) (Forest, bool) {
	d, ok := s.DomainByName(domain)
	if !ok {
		return Forest{}, false
	}
	for _, f := range s.Forests {
		if strings.EqualFold(f.RootDomain, d.Forest) {
			return f, true
		}
	}
	return Forest{}, false
}

// Host returns the DNS lookup recorded for name (any case, trailing dot ignored).
func (s *Snapshot) Host(name string) (HostLookup, bool) {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	for _, h := range s.DNS.Hosts {
		if strings.TrimSuffix(strings.ToLower(h.Name), ".") == name {
			return h, true
		}
	}
	return HostLookup{}, false
}

// NetBIOSOf returns the NetBIOS name of the named domain, or "" if unknown.
func (s *Snapshot) NetBIOSOf(domain string) string {
	d, _ := s.DomainByName(domain)
	return d.NetBIOSName
}

// RequiredSRVNames lists the SRV records a domain needs for DC and KDC
// location; forestRoot adds the forest-wide _gc record.
func RequiredSRVNames(domain string, forestRoot bool) []string {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	names := []string{
		"_ldap._tcp." + d,
		"_kerberos._tcp." + d,
		"_kerberos._udp." + d,
		"_kpasswd._tcp." + d,
		"_ldap._tcp.dc._msdcs." + d,
		"_kerberos._tcp.dc._msdcs." + d,
	}
	if forestRoot {
		names = append(names, "_gc._tcp."+d)
	}
	return names
}
