package ldapx_test

import (
	"slices"
	"testing"

	"github.com/spntrust/spntrust/ldapx"
)

// The directory session against the lab: a DC that does not answer is
// skipped for the next, the DC is dialled by the address its name resolves
// to while TLS still verifies the certificate for that name, and discovery
// through the lab's DNS finds the DC.
func TestLabSessionFailsOverAndKeepsTheDCName(t *testing.T) {
	env, dc, pw := labDC(t, "lab.test")
	ctx := labCtx(t)
	dns := labResolver(t, dc)
	connector := ldapx.DialBinder{
		Options: ldapx.Options{Security: ldapx.SecurityLDAPS, CAFile: env.CAFile, Resolver: dns,
			HostResolver: ldapx.DCResolver{DNS: dns, DNSLabel: "DNS server " + dc.IP}},
		Credentials: ldapx.Credentials{Mechanism: ldapx.MechSimple, Principal: "Administrator@" + dc.Domain, Password: pw},
	}
	var failed []string
	s := &ldapx.Session[*ldapx.Conn]{DNS: dns, Connector: connector, Failed: func(dc string, _ error) { failed = append(failed, dc) }}

	// 127.0.0.98 is loopback where nothing listens: refused at once.
	c, got, err := s.ConnectAny(ctx, []string{"127.0.0.98", dc.FQDN})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got != dc.FQDN || !slices.Equal(failed, []string{"127.0.0.98"}) {
		t.Errorf("connected to %s after failures %v, want %s after 127.0.0.98", got, failed, dc.FQDN)
	}
	if !c.IsTLS() || c.RemoteAddr() != dc.IP+":636" {
		t.Errorf("TLS %v to %s, want a verified LDAPS connection to %s:636", c.IsTLS(), c.RemoteAddr(), dc.IP)
	}
	root, err := c.ReadRootDSE(ctx)
	if err != nil || root.DefaultNamingContext != dc.BaseDN() {
		t.Errorf("rootDSE %+v, %v: want %s", root, err, dc.BaseDN())
	}

	c2, got, err := s.Connect(ctx, "", dc.Domain)
	if err != nil {
		t.Fatalf("connect through discovery: %v", err)
	}
	c2.Close()
	if got != dc.FQDN {
		t.Errorf("discovery chose %s, want %s", got, dc.FQDN)
	}
}
