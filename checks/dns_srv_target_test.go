package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

// pointSRV makes the named SRV records point at target.
func pointSRV(s *audit.Snapshot, target string, names ...string) *audit.Snapshot {
	for _, n := range names {
		setSRV(s, n, audit.DNSOK, audit.SRVTarget{Target: target + ".", Port: 88, Weight: 100})
	}
	return s
}

// addHosts adds DNS answers to a snapshot.
func addHosts(s *audit.Snapshot, hs ...audit.HostLookup) *audit.Snapshot {
	s.DNS.Hosts = append(s.DNS.Hosts, hs...)
	return s
}

func TestDNSSRVTarget(t *testing.T) {
	tests := []struct {
		name string
		snap *audit.Snapshot
		want []string
		ne   []string
	}{
		{"healthy twin: the lab", labSnapshot(), nil, nil},
		{"stale target of a demoted DC",
			addHosts(pointSRV(labSnapshot(), "dc9.lab.test", "_kerberos._tcp.lab.test", "_ldap._tcp.dc._msdcs.lab.test"), audit.HostLookup{Name: "dc9.lab.test", Status: audit.DNSNXDomain}),
			[]string{"dc9.lab.test"}, nil},
		{"target resolves to no address",
			addHosts(pointSRV(labSnapshot(), "dc9.lab.test", "_kerberos._tcp.lab.test"), audit.HostLookup{Name: "dc9.lab.test", Status: audit.DNSNoData}),
			[]string{"dc9.lab.test"}, nil},
		{"target without a lookup is not evaluated", pointSRV(labSnapshot(), "dc9.lab.test", "_kerberos._tcp.lab.test"), nil, []string{"srv targets without dns answer"}},
		{"target lookup failed is not evaluated",
			addHosts(pointSRV(labSnapshot(), "dc9.lab.test", "_kerberos._tcp.lab.test"), audit.HostLookup{Name: "dc9.lab.test", Status: audit.DNSError, Error: "i/o timeout"}),
			nil, []string{"srv targets without dns answer"}},
		{"target \".\" is not a host", setSRV(labSnapshot(), "_kerberos._tcp.lab.test", audit.DNSOK, audit.SRVTarget{Target: "."}), nil, nil},
		{"missing SRV record has no targets to check", setSRV(labSnapshot(), "_kerberos._tcp.lab.test", audit.DNSNXDomain), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runDNSSRVTarget(tt.snap, DefaultOptions())
			if g := subjects(got, Fail); !reflect.DeepEqual(g, tt.want) {
				t.Errorf("failed = %q, want %q", g, tt.want)
			}
			if g := subjects(got, NotEvaluated); !reflect.DeepEqual(g, tt.ne) {
				t.Errorf("not evaluated = %q, want %q", g, tt.ne)
			}
		})
	}
}

func TestDNSSRVTargetRemediation(t *testing.T) {
	s := addHosts(pointSRV(labSnapshot(), "dc9.lab.test", "_kerberos._tcp.lab.test", "_ldap._tcp.dc._msdcs.lab.test"), audit.HostLookup{Name: "dc9.lab.test", Status: audit.DNSNXDomain})
	f := runDNSSRVTarget(s, DefaultOptions())[0]
	if f.Domain != "lab.test" || !strings.Contains(evidence(f, "named by"), "_ldap._tcp.dc._msdcs.lab.test:88") {
		t.Errorf("finding: %+v", f)
	}
	steps := stepsText(f)
	for _, want := range []string{
		"Get-DnsServerResourceRecord -ZoneName 'lab.test' -Name '_kerberos._tcp' -RRType Srv | Where-Object { $_.RecordData.DomainName -eq 'dc9.lab.test.' } | Remove-DnsServerResourceRecord -ZoneName 'lab.test' -Force",
		"-ZoneName '_msdcs.lab.test' -Name '_ldap._tcp.dc'",
		"Remove-ADDomainController",
	} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
}
