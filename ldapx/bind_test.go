package ldapx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/jcmturner/gokrb5/v8/config"
)

func TestCredentialsNeverPrintThePassword(t *testing.T) {
	c := Credentials{Mechanism: MechKerberos, Principal: "alice", Realm: "LAB.TEST", Password: "s3cret-Pa55"}
	for _, s := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c)} {
		if strings.Contains(s, "s3cret") {
			t.Fatalf("password printed: %s", s)
		}
	}
	if !strings.Contains(c.String(), "password") || !strings.Contains(c.String(), "alice") {
		t.Fatalf("String should say a password is used, for whom: %s", c)
	}
}

// fakeDC accepts one connection and records whether anything was sent.
func fakeDC(t *testing.T) (addr string, received <-chan int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan int, 1)
	go func() {
		defer ln.Close()
		c, err := ln.Accept()
		if err != nil {
			ch <- -1
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, _ := c.Read(make([]byte, 512))
		ch <- n
	}()
	return ln.Addr().String(), ch
}

func TestSimpleBindOnPlainLDAPSendsNothing(t *testing.T) {
	addr, received := fakeDC(t)
	ctx := context.Background()
	c, err := Dial(ctx, Options{Address: addr, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Bind(ctx, Credentials{Mechanism: MechSimple, Principal: "alice@lab.test", Password: "s3cret"})
	if !errors.Is(err, ErrSimpleBindNeedsTLS) || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("want ErrSimpleBindNeedsTLS without the password, got %v", err)
	}
	if !strings.Contains(err.Error(), "TLS") {
		t.Fatalf("error does not say why: %v", err)
	}
	c.Close()
	if n := <-received; n > 0 {
		t.Fatalf("%d bytes reached the server", n)
	}
}

func TestBindRejectsUnknownMechanismAndDoubleBind(t *testing.T) {
	addr, _ := fakeDC(t)
	ctx := context.Background()
	c, err := Dial(ctx, Options{Address: addr, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Bind(ctx, Credentials{Mechanism: "digest"}); err == nil || !strings.Contains(err.Error(), "unknown mechanism") {
		t.Fatalf("got %v", err)
	}
}

func TestDialOptionsAreChecked(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"unknown security", Options{Address: "127.0.0.1", Security: "ssl"}, "unknown security"},
		{"no address", Options{}, "no address"},
		{"missing CA file", Options{Address: "127.0.0.1", Security: SecurityLDAPS, CAFile: "/nonexistent/ca.pem"}, "CA file"},
		{"CA file without certificates", Options{Address: "127.0.0.1", Security: SecurityLDAPS, CAFile: "/dev/null"}, "no PEM"},
		{"bad port", Options{Address: "dc1:ldap"}, "bad port"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Dial(ctx, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want %q, got %v", tc.want, err)
			}
		})
	}
	refused, _ := net.Listen("tcp", "127.0.0.1:0")
	a := refused.Addr().String()
	refused.Close()
	if _, err := Dial(ctx, Options{Address: a, Timeout: time.Second}); err == nil || !strings.Contains(err.Error(), a) {
		t.Fatalf("dial to a closed port: %v", err)
	}
}

func TestSplitHostPort(t *testing.T) {
	cases := []struct{ in, host, port string }{
		{"dc1.lab.test", "dc1.lab.test", "389"},
		{"dc1.lab.test:3268", "dc1.lab.test", "3268"},
		{"127.0.0.11", "127.0.0.11", "389"},
		{"127.0.0.11:636", "127.0.0.11", "636"},
		{"::1", "::1", "389"},
		{"[::1]:636", "::1", "636"},
	}
	for _, tc := range cases {
		h, p, err := splitHostPort(tc.in, "389")
		if err != nil || h != tc.host || p != tc.port {
			t.Errorf("splitHostPort(%q) = %q %q %v", tc.in, h, p, err)
		}
	}
}

func TestSplitPrincipal(t *testing.T) {
	cases := []struct{ in, realm, user, wantRealm string }{
		{"alice@lab.test", "", "alice", "LAB.TEST"},
		{"alice@LAB.TEST", "OTHER.TEST", "alice", "OTHER.TEST"},
		{`LAB\alice`, "", "alice", ""},
		{"alice", "lab.test", "alice", "LAB.TEST"},
		{"svc/host@LAB.TEST", "", "svc/host", "LAB.TEST"},
	}
	for _, tc := range cases {
		u, r := splitPrincipal(tc.in, tc.realm)
		if u != tc.user || r != tc.wantRealm {
			t.Errorf("splitPrincipal(%q,%q) = %q %q", tc.in, tc.realm, u, r)
		}
	}
}

func TestCCacheFile(t *testing.T) {
	for in, want := range map[string]string{"FILE:/tmp/krb5cc_0": "/tmp/krb5cc_0", "/tmp/x": "/tmp/x"} {
		if got, err := ccacheFile(in); err != nil || got != want {
			t.Errorf("ccacheFile(%q) = %q %v", in, got, err)
		}
	}
	for _, in := range []string{"KEYRING:persistent:0", "KCM:0", "MEMORY:x"} {
		if _, err := ccacheFile(in); err == nil || !strings.Contains(err.Error(), "FILE") {
			t.Errorf("ccacheFile(%q) should explain only FILE caches work: %v", in, err)
		}
	}
}

func TestKrb5ConfigStringIsReadByGokrb5(t *testing.T) {
	s := Krb5ConfigString("LAB.TEST", map[string][]string{
		"LAB.TEST":     {"127.0.0.11:88", "10.0.0.2:88"},
		"PARTNER.TEST": {"127.0.0.12:88"},
	})
	cfg, err := config.NewFromString(s)
	if err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	if cfg.LibDefaults.DefaultRealm != "LAB.TEST" || cfg.LibDefaults.UDPPreferenceLimit != 1 || cfg.LibDefaults.DNSLookupKDC {
		t.Fatalf("libdefaults %+v", cfg.LibDefaults)
	}
	// gokrb5 shuffles KDCs; check the set.
	if n, kdcs, err := cfg.GetKDCs("LAB.TEST", true); err != nil || n != 2 || kdcs[1]+kdcs[2] != "127.0.0.11:8810.0.0.2:88" && kdcs[2]+kdcs[1] != "127.0.0.11:8810.0.0.2:88" {
		t.Fatalf("KDCs of LAB.TEST: %d %v %v", n, kdcs, err)
	}
	if r := cfg.ResolveRealm("dc2.partner.test"); r != "PARTNER.TEST" {
		t.Fatalf("dc2.partner.test maps to %q", r)
	}
	for _, et := range cfg.LibDefaults.DefaultTktEnctypeIDs {
		if et == 23 {
			t.Fatal("RC4 offered: its wrap tokens are not supported")
		}
	}
}

func TestADBindDiagnostic(t *testing.T) {
	msg := "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 775, v4563"
	if got := adBindDiagnostic(msg); !strings.Contains(got, "locked") {
		t.Fatalf("got %q", got)
	}
	if got := adBindDiagnostic("data 52e"); !strings.Contains(got, "wrong password") {
		t.Fatalf("got %q", got)
	}
	if got := adBindDiagnostic("Simple Bind Failed: NT_STATUS_LOGON_FAILURE"); got != "" {
		t.Fatalf("got %q", got)
	}
	// Every sub-code AD writes is read through the one table of codes
	// (statuscode), never a table of its own.
	for code, want := range map[string]string{
		"525": "no such user (525, ERROR_NO_SUCH_USER)",
		"52e": "wrong user name or password (52e, ERROR_LOGON_FAILURE); usual causes",
		"530": "(530, ERROR_INVALID_LOGON_HOURS)",
		"531": "(531, ERROR_INVALID_WORKSTATION)",
		"532": "password expired (532, ERROR_PASSWORD_EXPIRED)",
		"533": "account disabled (533, ERROR_ACCOUNT_DISABLED)",
		"568": "too many security IDs in the token (568, ERROR_TOO_MANY_CONTEXT_IDS)",
		"701": "account expired (701, ERROR_ACCOUNT_EXPIRED)",
		"773": "user must reset the password (773, ERROR_PASSWORD_MUST_CHANGE)",
		"775": "account locked out (775, ERROR_ACCOUNT_LOCKED_OUT)",
	} {
		if got := adBindDiagnostic("AcceptSecurityContext error, data " + code + ", v4563"); !strings.HasPrefix(got, "AD: ") || !strings.Contains(got, want) {
			t.Errorf("data %s: %q, want %q", code, got, want)
		}
	}
	if got := adBindDiagnostic("data fffff"); got != "" {
		t.Errorf("a code the table does not hold: %q, want none", got)
	}
}

// A refused simple bind names the causes of a refused password, not the
// Kerberos ones (realm case, clock skew) that play no part in it.
func TestSimpleBindRefusalNamesNoKerberosCauses(t *testing.T) {
	for _, diag := range []string{
		"80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 52e, v1db1",
		"Simple Bind Failed: NT_STATUS_LOGON_FAILURE",
	} {
		for _, tt := range []struct {
			mech     Mechanism
			kerberos bool
		}{{MechSimple, false}, {MechKerberos, true}} {
			ae := ldapAuthError(tt.mech, "Administrator@LAB.TEST", "", ldap.NewError(ldap.LDAPResultInvalidCredentials, errors.New(diag)))
			msg := ae.Error()
			if !strings.Contains(msg, "wrong password") {
				t.Errorf("%s, %q: %q does not name a wrong password", tt.mech, diag, msg)
			}
			if got := strings.Contains(msg, "clock skew") || strings.Contains(msg, "realm not in upper case"); got != tt.kerberos {
				t.Errorf("%s, %q: Kerberos causes listed = %v, want %v: %q", tt.mech, diag, got, tt.kerberos, msg)
			}
		}
	}
}
