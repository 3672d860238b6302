package checks

import (
	"testing"

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
