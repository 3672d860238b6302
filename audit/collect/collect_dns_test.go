package collect

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/miekg/dns"

	"github.com/spntrust/spntrust/audit"
)

var errNX = errors.New("nxdomain")

func isNX(err error) bool { return errors.Is(err, errNX) }

// zone answers from a list of resource records the way a recursive server
// would: for an A query it returns the CNAME chain and the final A records,
// unless split is set, when it stops after the first CNAME.
type zone struct {
	rrs   []dns.RR
	split bool
	fail  map[string]error
}

func (z zone) Query(_ context.Context, name string, qtype uint16) (*dns.Msg, error) {
	name = dns.Fqdn(name)
	if err := z.fail[name]; err != nil {
		return nil, err
	}
	m := new(dns.Msg)
	exists := false
	current := name
	for hop := 0; hop < 20; hop++ {
		next := ""
		for _, rr := range z.rrs {
			if rr.Header().Name != current {
				continue
			}
			exists = true
			if c, ok := rr.(*dns.CNAME); ok && qtype != dns.TypeCNAME {
				m.Answer = append(m.Answer, rr)
				next = c.Target
			} else if rr.Header().Rrtype == qtype {
				m.Answer = append(m.Answer, rr)
			}
		}
		if next == "" || z.split {
			break
		}
		current = next
	}
	if !exists {
		return nil, errNX
	}
	return m, nil
}

func rr(s string) dns.RR {
	r, err := dns.NewRR(s)
	if err != nil {
		panic(err)
	}
	return r
}

func TestLookupHost(t *testing.T) {
	records := []dns.RR{
		rr("mp01.lab.test. 60 IN A 127.0.1.21"),
		rr("21.1.0.127.in-addr.arpa. 60 IN PTR mp01.lab.test."),
		rr("portal.lab.test. 60 IN CNAME app04.lab.test."),
		rr("app04.lab.test. 60 IN A 127.0.1.24"),
		rr("loop1.lab.test. 60 IN CNAME loop2.lab.test."),
		rr("loop2.lab.test. 60 IN CNAME loop1.lab.test."),
		rr("txtonly.lab.test. 60 IN TXT \"x\""),
	}
	tests := []struct {
		name  string
		z     zone
		query HostQuery
		want  audit.HostLookup
	}{
		{"A with PTR", zone{rrs: records}, HostQuery{Name: "MP01.lab.test."},
			audit.HostLookup{Name: "mp01.lab.test", Canonical: "mp01.lab.test", A: []string{"127.0.1.21"}, PTR: audit.PTRs{{Addr: "127.0.1.21", Names: []string{"mp01.lab.test"}}}, Status: audit.DNSOK}},
		{"short name gets the domain suffix", zone{rrs: records}, HostQuery{Name: "mp01", Suffix: "lab.test"},
			audit.HostLookup{Name: "mp01", QueriedAs: "mp01.lab.test", Canonical: "mp01.lab.test", A: []string{"127.0.1.21"}, PTR: audit.PTRs{{Addr: "127.0.1.21", Names: []string{"mp01.lab.test"}}}, Status: audit.DNSOK}},
		{"CNAME chain in one answer", zone{rrs: records}, HostQuery{Name: "portal.lab.test"},
			audit.HostLookup{Name: "portal.lab.test", CNAMEs: []string{"app04.lab.test"}, Canonical: "app04.lab.test", A: []string{"127.0.1.24"}, PTR: audit.PTRs{{Addr: "127.0.1.24"}}, Status: audit.DNSOK}},
		{"CNAME target asked separately", zone{rrs: records, split: true}, HostQuery{Name: "portal.lab.test"},
			audit.HostLookup{Name: "portal.lab.test", CNAMEs: []string{"app04.lab.test"}, Canonical: "app04.lab.test", A: []string{"127.0.1.24"}, PTR: audit.PTRs{{Addr: "127.0.1.24"}}, Status: audit.DNSOK}},
		{"NXDOMAIN", zone{rrs: records}, HostQuery{Name: "ghost.lab.test"},
			audit.HostLookup{Name: "ghost.lab.test", Status: audit.DNSNXDomain, Error: "nxdomain"}},
		{"name without address", zone{rrs: records}, HostQuery{Name: "txtonly.lab.test"},
			audit.HostLookup{Name: "txtonly.lab.test", Canonical: "txtonly.lab.test", Status: audit.DNSNoData}},
		{"timeout", zone{rrs: records, fail: map[string]error{"mp01.lab.test.": errors.New("i/o timeout")}}, HostQuery{Name: "mp01.lab.test"},
			audit.HostLookup{Name: "mp01.lab.test", Status: audit.DNSError, Error: "i/o timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LookupHost(context.Background(), tt.z, tt.query, isNX)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestLookupHostStopsOnACNAMELoop(t *testing.T) {
	z := zone{rrs: []dns.RR{rr("a.lab.test. 60 IN CNAME b.lab.test."), rr("b.lab.test. 60 IN CNAME a.lab.test.")}, split: true}
	got := LookupHost(context.Background(), z, HostQuery{Name: "a.lab.test"}, isNX)
	if got.Status != audit.DNSError {
		t.Errorf("status = %s, want error for a CNAME loop", got.Status)
	}
}

func TestCollectDNSIsSortedAndDeduplicated(t *testing.T) {
	z := zone{rrs: []dns.RR{
		rr("b.lab.test. 60 IN A 127.0.1.2"), rr("a.lab.test. 60 IN A 127.0.1.1"),
		rr("_ldap._tcp.lab.test. 60 IN SRV 0 100 389 dc1.lab.test."),
	}}
	got := CollectDNS(context.Background(), z, isNX,
		[]HostQuery{{Name: "b.lab.test"}, {Name: "A.lab.test"}, {Name: "a.lab.test."}},
		[]string{"_ldap._tcp.lab.test", "_kerberos._tcp.lab.test"}, 3)
	if len(got.Hosts) != 2 || got.Hosts[0].Name != "a.lab.test" || got.Hosts[1].Name != "b.lab.test" {
		t.Errorf("hosts = %+v", got.Hosts)
	}
	if len(got.SRV) != 2 || got.SRV[0].Name != "_kerberos._tcp.lab.test" || got.SRV[0].Status != audit.DNSNXDomain ||
		got.SRV[1].Status != audit.DNSOK || got.SRV[1].Targets[0] != (audit.SRVTarget{Target: "dc1.lab.test", Port: 389, Weight: 100}) {
		t.Errorf("srv = %+v", got.SRV)
	}
}

// A short name asked with its domain's suffix and the FQDN are one question:
// asked once, recorded under both names exactly as two lookups would be.
func TestCollectDNSAsksAShortNameAndItsFQDNOnce(t *testing.T) {
	z := zone{rrs: []dns.RR{rr("web01.lab.test. 60 IN A 127.0.1.11"), rr("11.1.0.127.in-addr.arpa. 60 IN PTR web01.lab.test.")}}
	c := &countingQuerier{DNSQuerier: z, asked: map[string]int{}}
	got := CollectDNS(context.Background(), c, isNX,
		[]HostQuery{{Name: "WEB01", Suffix: "lab.test"}, {Name: "web01.lab.test"}, {Name: "ghost", Suffix: "lab.test"}}, nil, 4)
	for q, n := range c.asked {
		if n != 1 {
			t.Errorf("%s asked %d times", q, n)
		}
	}
	if len(c.asked) != 4 { // A, AAAA, PTR of web01.lab.test; A of ghost.lab.test
		t.Errorf("questions %v, want 4", c.asked)
	}
	ctx := context.Background()
	want := []audit.HostLookup{
		LookupHost(ctx, z, HostQuery{Name: "ghost", Suffix: "lab.test"}, isNX),
		LookupHost(ctx, z, HostQuery{Name: "web01", Suffix: "lab.test"}, isNX),
		LookupHost(ctx, z, HostQuery{Name: "web01.lab.test"}, isNX),
	}
	if !reflect.DeepEqual(got.Hosts, want) {
		t.Errorf("hosts\n%+v\nwant (as separate lookups)\n%+v", got.Hosts, want)
	}
}
