package ldapx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// dnsServer runs an in-process DNS server on UDP and TCP of one port.
func dnsServer(t *testing.T, h dns.HandlerFunc) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		pc.Close()
		t.Skipf("no TCP on the UDP port: %v", err)
	}
	us := &dns.Server{PacketConn: pc, Handler: h}
	ts := &dns.Server{Listener: ln, Handler: h}
	go us.ActivateAndServe()
	go ts.ActivateAndServe()
	t.Cleanup(func() { us.Shutdown(); ts.Shutdown() })
	return pc.LocalAddr().String()
}

func srvRR(name string, prio, weight, port uint16, target string) dns.RR {
	rr, _ := dns.NewRR(fmt.Sprintf("%s 600 IN SRV %d %d %d %s", dns.Fqdn(name), prio, weight, port, dns.Fqdn(target)))
	return rr
}

func TestDNSResolverSortsSRVAndResolvesHosts(t *testing.T) {
	addr := dnsServer(t, func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		q := r.Question[0]
		switch {
		case q.Qtype == dns.TypeSRV && q.Name == "_ldap._tcp.dc._msdcs.lab.test.":
			m.Answer = []dns.RR{
				srvRR(q.Name, 10, 100, 389, "dc3.lab.test"),
				srvRR(q.Name, 0, 50, 389, "dc2.lab.test"),
				srvRR(q.Name, 0, 100, 389, "dc1.lab.test"),
			}
		case q.Qtype == dns.TypeA && q.Name == "dc1.lab.test.":
			rr, _ := dns.NewRR("dc1.lab.test. 600 IN A 127.0.0.11")
			m.Answer = []dns.RR{rr}
		case q.Qtype == dns.TypeA && q.Name == "alias.lab.test.":
			c, _ := dns.NewRR("alias.lab.test. 600 IN CNAME dc1.lab.test.")
			a, _ := dns.NewRR("dc1.lab.test. 600 IN A 127.0.0.11")
			m.Answer = []dns.RR{c, a}
		case q.Qtype == dns.TypeAAAA:
		default:
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})
	r, err := NewDNSResolver(addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dcs, err := DiscoverDCs(ctx, r, "LAB.test.")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range dcs {
		got = append(got, s.Target)
	}
	if strings.Join(got, " ") != "dc1.lab.test dc2.lab.test dc3.lab.test" {
		t.Fatalf("order %v: want priority ascending, then weight descending", got)
	}
	for _, h := range []string{"dc1.lab.test", "alias.lab.test"} {
		addrs, err := r.LookupHost(ctx, h)
		if err != nil || len(addrs) != 1 || addrs[0] != netip.MustParseAddr("127.0.0.11") {
			t.Fatalf("LookupHost(%s) = %v %v", h, addrs, err)
		}
	}
	if _, err := r.LookupSRV(ctx, "_ldap._tcp.nowhere.test"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("NXDOMAIN: want ErrNotFound, got %v", err)
	}
	if _, err := r.LookupHost(ctx, "nowhere.test"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("NXDOMAIN host: want ErrNotFound, got %v", err)
	}
}

func TestDNSResolverRetriesLostQueriesAndFallsBackToTCP(t *testing.T) {
	var udpQueries atomic.Int32
	addr := dnsServer(t, func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		if w.RemoteAddr().Network() == "udp" {
			if udpQueries.Add(1) == 1 {
				return // the first datagram is "lost": the client must time out and retry
			}
			m.Truncated = true // too big for UDP: the client must ask again over TCP
			w.WriteMsg(m)
			return
		}
		m.Answer = []dns.RR{srvRR(r.Question[0].Name, 0, 0, 88, "dc1.lab.test")}
		w.WriteMsg(m)
	})
	r, err := NewDNSResolver(addr, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := DiscoverKDCs(context.Background(), r, "lab.test")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Port != 88 || udpQueries.Load() != 2 {
		t.Fatalf("records %+v after %d UDP queries", recs, udpQueries.Load())
	}
}

func TestDNSResolverGivesUpWithinItsTimeouts(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0") // never answers
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	r, err := NewDNSResolver(pc.LocalAddr().String(), 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = r.LookupSRV(context.Background(), "_ldap._tcp.lab.test")
	if err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("want a timeout error, got %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.LookupSRV(ctx, "_ldap._tcp.lab.test"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

func TestNewDNSResolverParsesServer(t *testing.T) {
	for in, want := range map[string]string{"127.0.0.11": "127.0.0.11:53", "127.0.0.11:5353": "127.0.0.11:5353", "::1": "[::1]:53"} {
		r, err := NewDNSResolver(in, 0)
		if err != nil || r.Servers()[0] != want {
			t.Errorf("NewDNSResolver(%q) servers %v, %v", in, r.Servers(), err)
		}
	}
}

// fakeResolver answers SRV lookups from a map; missing names are NXDOMAIN.
type fakeResolver map[string][]SRV

func (f fakeResolver) LookupSRV(_ context.Context, name string) ([]SRV, error) {
	if v, ok := f[name]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("SRV %s: %w", name, ErrNotFound)
}

func (f fakeResolver) LookupHost(context.Context, string) ([]netip.Addr, error) {
	return nil, ErrNotFound
}

func TestDiscoverDCs(t *testing.T) {
	cases := []struct {
		name    string
		r       fakeResolver
		want    string
		wantErr string
	}{
		{"msdcs record wins", fakeResolver{
			"_ldap._tcp.dc._msdcs.lab.test": {{Target: "dc1.lab.test", Port: 389}},
			"_ldap._tcp.lab.test":           {{Target: "ldap.lab.test", Port: 389}},
		}, "dc1.lab.test", ""},
		{"falls back to _ldap._tcp", fakeResolver{
			"_ldap._tcp.lab.test": {{Target: "dc9.lab.test", Port: 389}},
		}, "dc9.lab.test", ""},
		{"dot target means no service", fakeResolver{
			"_ldap._tcp.dc._msdcs.lab.test": {{Target: ".", Port: 0}},
		}, "", "only"},
		{"nothing at all", fakeResolver{}, "", "not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DiscoverDCs(context.Background(), tc.r, "lab.test")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want %q, got %v %v", tc.wantErr, got, err)
				}
				return
			}
			if err != nil || len(got) == 0 || got[0].Target != tc.want {
				t.Fatalf("got %v %v", got, err)
			}
		})
	}
	if _, err := DiscoverDCs(context.Background(), fakeResolver{}, " "); err == nil {
		t.Fatal("empty domain accepted")
	}
}

// A domain the DNS server knows nothing of is named with the server asked:
// a workstation's resolver answering for the AD domain is the usual cause.
func TestDiscoverDCsOfAnUnknownDomainNamesTheDNSServer(t *testing.T) {
	for _, rcode := range []int{dns.RcodeSuccess, dns.RcodeNameError} {
		addr := dnsServer(t, func(w dns.ResponseWriter, r *dns.Msg) {
			m := new(dns.Msg)
			m.SetRcode(r, rcode)
			_ = w.WriteMsg(m)
		})
		r, err := NewDNSResolver(addr, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_, err = DiscoverDCs(context.Background(), r, "nosuch.test")
		if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "nosuch.test") {
			t.Errorf("rcode %s: error %v does not name the domain and the DNS server %s", dns.RcodeToString[rcode], err, addr)
		}
	}
}
