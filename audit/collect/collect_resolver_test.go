package collect

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/spntrust/spntrust/ldapx"

	"github.com/spntrust/spntrust/audit"
)

// startDNS serves handler on a loopback UDP port and returns its address.
func startDNS(t *testing.T, handler dns.HandlerFunc) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: handler, NotifyStartedFunc: func() { close(started) }}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

// refusing answers every question with rcode.
func refusing(rcode int) dns.HandlerFunc {
	return func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(r, rcode)
		if rcode == dns.RcodeNameError { // as a public resolver does: the root's SOA
			soa, _ := dns.NewRR(". 86400 IN SOA a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400")
			m.Ns = append(m.Ns, soa)
		}
		_ = w.WriteMsg(m)
	}
}

// servingLabTest answers the SOA of lab.test and NXDOMAIN for the rest.
func servingLabTest(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	q := r.Question[0]
	soa, _ := dns.NewRR("lab.test. 3600 IN SOA dc1.lab.test. hostmaster.lab.test. 1 900 600 86400 3600")
	if q.Qtype == dns.TypeSOA && strings.EqualFold(q.Name, "lab.test.") {
		m.SetReply(r)
		m.Answer = append(m.Answer, soa)
	} else {
		m.SetRcode(r, dns.RcodeNameError)
		m.Ns = append(m.Ns, soa)
	}
	_ = w.WriteMsg(m)
}

func TestJudgeResolver(t *testing.T) {
	srvNames := audit.RequiredSRVNames("lab.test", true)
	tests := []struct {
		name        string
		handler     dns.HandlerFunc
		zoneHasSRV  bool
		wantServed  string
		wantMarked  int    // SRV answers marked as no evidence
		wantGapText string // "" = no gap
	}{
		{"a resolver that refuses the domain does not serve it", refusing(dns.RcodeRefused), false, audit.DNSError, len(srvNames), "does not serve lab.test"},
		{"a resolver that answers NXDOMAIN for the domain does not serve it", refusing(dns.RcodeNameError), false, audit.DNSNXDomain, len(srvNames), "does not serve lab.test"},
		{"a server with the SOA whose SRV answers contradict the zones read over LDAP", servingLabTest, true, audit.DNSOK, 1, "which the AD-integrated zones read over LDAP hold"},
		{"a server with the SOA and no SRV record in the zones either: the records are missing", servingLabTest, false, audit.DNSOK, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := startDNS(t, tt.handler)
			r, err := ldapx.NewDNSResolver(addr, 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			var zones *zoneStore
			if tt.zoneHasSRV {
				zones = newZoneStore()
				zones.add("dc1.lab.test", "CN=MicrosoftDNS,DC=DomainDnsZones,DC=lab,DC=test", []ldapx.DNSNode{
					{Zone: "lab.test", Name: "@", Records: []ldapx.DNSRecord{{Type: ldapx.DNSTypeSOA}}},
					{Zone: "lab.test", Name: "_kerberos._tcp", Records: []ldapx.DNSRecord{{Type: dnsTypeSRV}}},
				})
			}
			c := &collector{cfg: Config{Resolver: r, IsNXDomain: isLdapxNX}, snap: &audit.Snapshot{}}
			d := CollectDNS(context.Background(), r, isLdapxNX, nil, srvNames, 4)
			c.judgeResolver(context.Background(), &d, []string{"lab.test"}, zones)

			if len(d.Served) != 1 || d.Served[0].Status != tt.wantServed {
				t.Errorf("served = %+v, want status %s", d.Served, tt.wantServed)
			}
			marked := 0
			for _, l := range d.SRV {
				if l.Unreliable != "" {
					marked++
					if !strings.Contains(l.Unreliable, addr) {
						t.Errorf("%s: reason %q does not name the DNS server %s", l.Name, l.Unreliable, addr)
					}
				}
			}
			if marked != tt.wantMarked {
				t.Errorf("%d SRV answers marked as no evidence, want %d: %+v", marked, tt.wantMarked, d.SRV)
			}
			gaps := c.snap.Collection.Gaps
			switch {
			case tt.wantGapText == "" && len(gaps) != 0:
				t.Errorf("unexpected gaps: %+v", gaps)
			case tt.wantGapText != "" && (len(gaps) != 1 || !strings.Contains(gaps[0].Error, tt.wantGapText) || !strings.Contains(gaps[0].Error, "--dns-server")):
				t.Errorf("want one gap saying %q and what to do (--dns-server), got %+v", tt.wantGapText, gaps)
			}
		})
	}
}

func isLdapxNX(err error) bool { return errors.Is(err, ldapx.ErrNotFound) }

// With --follow-trusts a workstation's resolver serves none of the domains:
// that is one cause with one fix, said in one gap naming every domain.
func TestJudgeResolverSaysOnceForEveryDomainNotServed(t *testing.T) {
	addr := startDNS(t, refusing(dns.RcodeRefused))
	r, err := ldapx.NewDNSResolver(addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	domains := []string{"lab.test", "partner.test", "extern.test"}
	var srv []string
	for _, d := range domains {
		srv = append(srv, audit.RequiredSRVNames(d, true)...)
	}
	c := &collector{cfg: Config{Resolver: r, IsNXDomain: isLdapxNX}, snap: &audit.Snapshot{}}
	d := CollectDNS(context.Background(), r, isLdapxNX, nil, srv, 4)
	c.judgeResolver(context.Background(), &d, domains, nil)
	gaps := c.snap.Collection.Gaps
	if len(gaps) != 1 {
		t.Fatalf("want one gap, got %d: %+v", len(gaps), gaps)
	}
	for _, dom := range domains {
		if !strings.Contains(gaps[0].Error, dom) {
			t.Errorf("the gap does not name %s: %s", dom, gaps[0].Error)
		}
	}
	for _, l := range d.SRV {
		if l.Unreliable == "" {
			t.Errorf("%s not marked as no evidence", l.Name)
		}
	}
}
