package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

// dc1Host edits the lab's lookup of dc1.lab.test.
func dc1Host(edit func(h *audit.HostLookup)) *audit.Snapshot {
	s := labSnapshot()
	for i := range s.DNS.Hosts {
		if s.DNS.Hosts[i].Name == "dc1.lab.test" {
			edit(&s.DNS.Hosts[i])
		}
	}
	return s
}

// setPTR records names (none: nil) as the PTR answer for addr.
func setPTR(h *audit.HostLookup, addr string, names ...string) {
	for i := range h.PTR {
		if h.PTR[i].Addr == addr {
			h.PTR[i].Names = names
			return
		}
	}
	h.PTR = append(h.PTR, audit.PTR{Addr: addr, Names: names})
}

func TestDNSDCPTR(t *testing.T) {
	tests := []struct {
		name string
		snap *audit.Snapshot
		want []string
		ne   []string
	}{
		{"healthy twin: the lab", labSnapshot(), nil, nil},
		{"PTR names another host", dc1Host(func(h *audit.HostLookup) { setPTR(h, "127.0.0.11", "web01.lab.test.") }), []string{"dc1.lab.test"}, nil},
		{"no PTR record", dc1Host(func(h *audit.HostLookup) { setPTR(h, "127.0.0.11") }), []string{"dc1.lab.test"}, nil},
		{"DC name does not resolve", dc1Host(func(h *audit.HostLookup) { *h = audit.HostLookup{Name: h.Name, Status: audit.DNSNXDomain} }), []string{"dc1.lab.test"}, nil},
		{"healthy twin: several PTR names, one is the DC, any case",
			dc1Host(func(h *audit.HostLookup) { setPTR(h, "127.0.0.11", "alias.lab.test.", "DC1.Lab.Test.") }), nil, nil},
		{"PTR not looked up is not evaluated", dc1Host(func(h *audit.HostLookup) { h.PTR = nil }), nil, []string{"dc a and ptr without dns answer"}},
		{"DC without a lookup is not evaluated", dc1Host(func(h *audit.HostLookup) { h.Name = "unrelated.lab.test" }), nil, []string{"dc a and ptr without dns answer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runDNSDCPTR(tt.snap, DefaultOptions())
			if g := subjects(got, Fail); !reflect.DeepEqual(g, tt.want) {
				t.Errorf("failed = %q, want %q", g, tt.want)
			}
			if g := subjects(got, NotEvaluated); !reflect.DeepEqual(g, tt.ne) {
				t.Errorf("not evaluated = %q, want %q", g, tt.ne)
			}
		})
	}
}

func TestDNSDCPTRRemediation(t *testing.T) {
	f := runDNSDCPTR(dc1Host(func(h *audit.HostLookup) { setPTR(h, "127.0.0.11", "web01.lab.test.") }), DefaultOptions())[0]
	if f.Severity != Medium || evidence(f, "PTR 127.0.0.11") != "web01.lab.test." {
		t.Errorf("finding: %+v", f)
	}
	steps := stepsText(f)
	for _, want := range []string{
		"Remove-DnsServerResourceRecord -ZoneName '0.0.127.in-addr.arpa' -RRType Ptr -Name '11' -RecordData 'web01.lab.test.' -Force",
		"Add-DnsServerResourceRecordPtr -ZoneName '0.0.127.in-addr.arpa' -Name '11' -PtrDomainName 'dc1.lab.test.'",
	} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
}

func TestReverseZone(t *testing.T) {
	for _, tt := range []struct{ addr, zone, rel string }{
		{"10.1.2.3", "2.1.10.in-addr.arpa", "3"},
		{"2001:db8::1", "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"},
	} {
		if z, r := reverseZone(tt.addr); z != tt.zone || r != tt.rel {
			t.Errorf("reverseZone(%s) = %s, %s; want %s, %s", tt.addr, z, r, tt.zone, tt.rel)
		}
	}
}
