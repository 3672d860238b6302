package faultnet

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/miekg/dns"
)

func TestSilentTCPAcceptsAndNeverAnswers(t *testing.T) {
	addr := SilentTCP(t, "127.0.0.1:0")
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("hello"))
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	var ne net.Error
	if _, err := c.Read(make([]byte, 1)); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read: %v, want a timeout", err)
	}
}

func TestClosedPortRefuses(t *testing.T) {
	addr := ClosedPort(t, "127.0.0.1")
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s accepted a connection", addr)
	}
}

func TestDNSModes(t *testing.T) {
	q := new(dns.Msg)
	q.SetQuestion("dc1.fault.test.", dns.TypeA)
	cl := &dns.Client{Timeout: 300 * time.Millisecond}

	zone := StartDNS(t, DNSZone)
	zone.Zone["dc1.fault.test"] = []string{"127.0.3.1"}
	in, _, err := cl.Exchange(q, zone.Addr)
	if err != nil || len(in.Answer) != 1 || in.Answer[0].(*dns.A).A.String() != "127.0.3.1" {
		t.Fatalf("zone answer %v, %v", in, err)
	}
	q2 := new(dns.Msg)
	q2.SetQuestion("nope.fault.test.", dns.TypeA)
	if in, _, err := cl.Exchange(q2, zone.Addr); err != nil || in.Rcode != dns.RcodeNameError {
		t.Fatalf("unknown name: %v, %v; want NXDOMAIN", in, err)
	}

	silent := StartDNS(t, DNSSilent)
	var ne net.Error
	if _, _, err := cl.Exchange(q, silent.Addr); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("silent DNS: %v, want a timeout", err)
	}
	garbage := StartDNS(t, DNSGarbage)
	if in, _, err := cl.Exchange(q, garbage.Addr); err == nil {
		t.Fatalf("garbage DNS gave a message: %v", in)
	}
	if silent.Queries() == 0 || garbage.Queries() == 0 {
		t.Fatal("queries not counted")
	}
}

func TestDCServesADirectoryOverLDAPS(t *testing.T) {
	dc := StartDC(t, "fault.test", DCHealthy)
	pem, err := os.ReadFile(dc.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	l, err := ldap.DialURL("ldaps://"+dc.Addr, ldap.DialWithTLSConfig(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Bind("auditor@fault.test", "pw"); err != nil {
		t.Fatal(err)
	}
	res, err := l.SearchWithPaging(ldap.NewSearchRequest(dc.BaseDN(), ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(servicePrincipalName=*)", []string{"servicePrincipalName"}, nil), 7)
	if err != nil || len(res.Entries) != dc.Accounts {
		t.Fatalf("%d accounts (%v), want %d", len(res.Entries), err, dc.Accounts)
	}
	if got := dc.Passwords(); len(got) != 1 || got[0] != "pw" {
		t.Fatalf("passwords seen %q", got)
	}
}
