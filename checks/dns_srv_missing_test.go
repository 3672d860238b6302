package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

// setSRV replaces the answer recorded for name (or drops it when st is "").
func setSRV(s *audit.Snapshot, name, st string, targets ...audit.SRVTarget) *audit.Snapshot {
	var out []audit.SRVLookup
	for _, r := range s.DNS.SRV {
		if !strings.EqualFold(r.Name, name) {
			out = append(out, r)
		}
	}
	if st != "" {
		out = append(out, audit.SRVLookup{Name: name, Status: st, Targets: targets})
	}
	s.DNS.SRV = out
	return s
}

func TestDNSSRVMissing(t *testing.T) {
	tests := []struct {
		name string
		snap *audit.Snapshot
		want []string
		ne   []string
	}{
		{"healthy twin: the lab", labSnapshot(), nil, nil},
		{"removed _kerberos._tcp record (nxdomain)", setSRV(labSnapshot(), "_kerberos._tcp.lab.test", audit.DNSNXDomain), []string{"_kerberos._tcp.lab.test"}, nil},
		{"no data for _kpasswd._tcp", setSRV(labSnapshot(), "_kpasswd._tcp.partner.test", audit.DNSNoData), []string{"_kpasswd._tcp.partner.test"}, nil},
		{"only the target \".\"", setSRV(labSnapshot(), "_ldap._tcp.dc._msdcs.lab.test", audit.DNSOK, audit.SRVTarget{Target: ".", Port: 0}), []string{"_ldap._tcp.dc._msdcs.lab.test"}, nil},
		{"forest root's _gc._tcp missing", setSRV(labSnapshot(), "_gc._tcp.extern.test", audit.DNSNXDomain), []string{"_gc._tcp.extern.test"}, nil},
		{"lookup absent from the snapshot is not evaluated", setSRV(labSnapshot(), "_kerberos._udp.lab.test", ""), nil, []string{"srv records of lab.test"}},
		{"failed lookup is not evaluated", setSRV(labSnapshot(), "_ldap._tcp.lab.test", audit.DNSError), nil, []string{"srv records of lab.test"}},
		{"NXDOMAIN from a DNS server that does not serve the domain is not evaluated, not missing",
			unreliableSRV(labSnapshot(), "lab.test"), nil, []string{"srv records of lab.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runDNSSRVMissing(tt.snap, DefaultOptions())
			if g := subjects(got, Fail); !reflect.DeepEqual(g, tt.want) {
				t.Errorf("failed = %q, want %q", g, tt.want)
			}
			if g := subjects(got, NotEvaluated); !reflect.DeepEqual(g, tt.ne) {
				t.Errorf("not evaluated = %q, want %q", g, tt.ne)
			}
		})
	}
}

func TestDNSSRVMissingNamesMatchAnyCase(t *testing.T) {
	s := labSnapshot()
	for i := range s.DNS.SRV {
		s.DNS.SRV[i].Name = strings.ToUpper(s.DNS.SRV[i].Name) + "."
	}
	if got := runDNSSRVMissing(s, DefaultOptions()); len(got) != 0 {
		t.Errorf("upper-case names with trailing dots: %v", subjects(got, Fail))
	}
}

func TestDNSSRVMissingGCOnlyForForestRoots(t *testing.T) {
	s := labSnapshot()
	child := labDomain("child.lab.test", "127.0.0.14")
	child.Forest = "lab.test"
	child.DCs[0].FQDN = "dc4.child.lab.test"
	s.Domains = append(s.Domains, child)
	s.DNS.SRV = nil
	s.DNS.Hosts = nil
	healthyDNS(s)
	setSRV(s, "_gc._tcp.child.lab.test", "")
	if got := runDNSSRVMissing(s, DefaultOptions()); len(got) != 0 {
		t.Errorf("a child domain needs no _gc._tcp of its own: %v %v", subjects(got, Fail), subjects(got, NotEvaluated))
	}
}

func TestDNSSRVMissingEvidenceAndRemediation(t *testing.T) {
	got := runDNSSRVMissing(setSRV(labSnapshot(), "_kerberos._tcp.lab.test", audit.DNSNXDomain), DefaultOptions())
	f := got[0]
	if f.Severity != High || f.Domain != "lab.test" || evidence(f, "answer") != "nxdomain" || evidence(f, "DNS server") != "127.0.0.11" {
		t.Errorf("finding: %+v", f)
	}
	steps := stepsText(f)
	for _, want := range []string{"nltest /dsregdns", "samba_dnsupdate --verbose --all-names", "Resolve-DnsName -Type SRV '_kerberos._tcp.lab.test' -Server '127.0.0.11'"} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
	ne := ofStatus(runDNSSRVMissing(setSRV(labSnapshot(), "_kerberos._udp.lab.test", ""), DefaultOptions()), NotEvaluated)
	if len(ne) != 1 || evidence(ne[0], "_kerberos._udp.lab.test") != "no lookup in the snapshot" {
		t.Errorf("not evaluated: %+v", ne)
	}
}

// unreliableSRV makes every SRV answer of domain an NXDOMAIN from a DNS
// server that does not serve it, as the collector records a workstation's
// resolver that does not serve the AD zones.
func unreliableSRV(s *audit.Snapshot, domain string) *audit.Snapshot {
	for i := range s.DNS.SRV {
		r := &s.DNS.SRV[i]
		if strings.HasSuffix(r.Name, "."+domain) {
			*r = audit.SRVLookup{Name: r.Name, Status: audit.DNSNXDomain, Error: "NXDOMAIN",
				Unreliable: "DNS server 192.0.2.53:53 does not serve " + domain + " (SOA " + domain + ": NXDOMAIN)"}
		}
	}
	return s
}

func TestDNSSRVMissingSaysTheDNSServerDoesNotServeTheDomain(t *testing.T) {
	got := runDNSSRVMissing(unreliableSRV(labSnapshot(), "lab.test"), DefaultOptions())
	if len(got) != 1 {
		t.Fatalf("want one not-evaluated finding for lab.test, got %d: %+v", len(got), got)
	}
	f := got[0]
	if f.Severity != Info || f.Status != NotEvaluated || !strings.Contains(f.Title, "does not serve the domain") {
		t.Errorf("finding = %s %s %q", f.Severity, f.Status, f.Title)
	}
	var ev []string
	for _, e := range f.Evidence {
		ev = append(ev, e.Value)
	}
	if all := strings.Join(ev, "\n"); !strings.Contains(all, "does not serve lab.test") {
		t.Errorf("evidence does not say why: %s", all)
	}
}
