package checks

import (
	"testing"

	"github.com/miekg/dns"

	"github.com/spntrust/spntrust/audit"
)

func TestDNSSourceEvidenceNamesTheZoneOrTheServer(t *testing.T) {
	s := &audit.Snapshot{DNS: audit.DNS{Server: "10.0.0.10", Zones: []audit.DNSZone{
		{Name: "corp.example", Container: "CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example", Server: "dc1.corp.example", Nodes: 10},
		{Name: "sub.corp.example", Container: "CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example", Server: "dc1.corp.example", Nodes: 2},
		{Name: "p.corp.example", Container: "CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example", Server: "dc1.corp.example", Nodes: 2},
		{Name: "0.0.10.in-addr.arpa", Container: "CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example", Server: "dc1.corp.example", Nodes: 2},
	}}}
	tests := []struct {
		h    audit.HostLookup
		want Evidence
	}{
		{audit.HostLookup{Name: "web.corp.example"}, Evidence{Key: "dns server", Value: "10.0.0.10"}},
		{audit.HostLookup{Name: "web.corp.example", Canonical: "web.corp.example", Source: audit.SourceDirectory},
			Evidence{Key: "dns source", Value: "zone corp.example (CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example, from dc1.corp.example) read over LDAP"}},
		{audit.HostLookup{Name: "a.sub.corp.example", Source: audit.SourceDirectoryAndDNS},
			Evidence{Key: "dns source", Value: "zone sub.corp.example (CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example, from dc1.corp.example) read over LDAP, and DNS server 10.0.0.10 for the rest"}},
		// "xp.corp.example" is not in zone p.corp.example.
		{audit.HostLookup{Name: "xp", QueriedAs: "xp.corp.example", Source: audit.SourceDirectory},
			Evidence{Key: "dns source", Value: "zone corp.example (CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example, from dc1.corp.example) read over LDAP"}},
		// The forward zone, and the reverse zone of its address.
		{audit.HostLookup{Name: "web.corp.example", Canonical: "web.corp.example", A: []string{"10.0.0.5"}, Source: audit.SourceDirectory},
			Evidence{Key: "dns source", Value: "zones corp.example (CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example, from dc1.corp.example), " +
				"0.0.10.in-addr.arpa (CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example, from dc1.corp.example) read over LDAP"}},
		{audit.HostLookup{Name: "other.example", Source: audit.SourceDirectory}, Evidence{Key: "dns source", Value: "the AD-integrated zones read over LDAP"}},
	}
	for _, tt := range tests {
		if got := dnsSourceEvidence(s, tt.h); got != tt.want {
			t.Errorf("%+v:\n got  %+v\n want %+v", tt.h, got, tt.want)
		}
	}
}

// reverseName must agree with miekg/dns's ReverseAddr, which the checks
// used before they stopped importing a DNS library.
func TestReverseNameMatchesTheDNSLibrary(t *testing.T) {
	for _, a := range []string{"127.0.1.10", "10.0.0.1", "::1", "2001:db8::567:89ab", "::ffff:192.0.2.1", "fe80::1"} {
		want, err := dns.ReverseAddr(a)
		got, ok := reverseName(a)
		if err != nil || !ok || got != want {
			t.Errorf("reverseName(%s) = %q %v, want %q (%v)", a, got, ok, want, err)
		}
	}
	if _, ok := reverseName("not-an-address"); ok {
		t.Error("reverseName accepted a name")
	}
}
