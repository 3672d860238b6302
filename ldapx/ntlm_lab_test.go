package ldapx_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/internal/labenv"
	"github.com/spntrust/spntrust/ldapx"
)

// NTLM inside SASL GSS-SPNEGO binds to a Samba DC that requires strong
// authentication (its default) on plain LDAP: the bind is accepted only
// because every later message is sealed, and a search over the sealed
// channel returns what the DC's own database holds.
func TestLabNTLMBindSealsPlainLDAP(t *testing.T) {
	for _, principal := range []string{`%s\Administrator`, `Administrator@%s`, "Administrator"} {
		t.Run(principal, func(t *testing.T) {
			_, dc, pw := labDC(t, "lab.test")
			ctx := labCtx(t)
			p := principal
			if strings.Contains(p, "%s") {
				domain := dc.NetBIOS
				if strings.HasPrefix(p, "Administrator@") {
					domain = dc.Domain
				}
				p = fmt.Sprintf(p, domain)
			}
			c := dialBind(t, ctx, ldapx.Options{Address: dc.IP, Security: ldapx.SecurityPlain},
				ldapx.Credentials{Mechanism: ldapx.MechNTLM, Principal: p, Password: pw})
			if !c.Signed() {
				t.Fatal("NTLM bind on plain LDAP did not set up the sealing layer")
			}
			root, err := c.ReadRootDSE(ctx)
			if err != nil {
				t.Fatalf("rootDSE over the sealed channel: %v", err)
			}
			got, _ := readAccounts(t, ctx, c, root.DefaultNamingContext)
			want := ldbSPNs(t, dc)
			if len(got) != len(want) {
				t.Fatalf("NTLM search read %d SPN holders, the DC's database has %d", len(got), len(want))
			}
		})
	}
}

// lockedUser creates a user in dc's database whose account is locked out
// (lockoutTime now, within the domain's lockout duration) and removes it
// when the test ends.
func lockedUser(t *testing.T, dc *labenv.DC) (name, password string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("creating a lab user needs root (the DC's database)")
	}
	name = fmt.Sprintf("ntlmlock%d", time.Now().UnixNano()%1_000_000)
	password = "Lock-" + name + "-Pw1!"
	conf := filepath.Join(dc.Dir, "etc", "smb.conf")
	run := func(args ...string) {
		t.Helper()
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args[:3], " "), err, out)
		}
	}
	run("samba-tool", "user", "create", name, password, "-H", dc.SamLDB(), "-s", conf)
	t.Cleanup(func() {
		exec.Command("samba-tool", "user", "delete", name, "-H", dc.SamLDB(), "-s", conf).Run()
	})
	now := time.Now().UnixNano()/100 + 116444736000000000
	ldif := filepath.Join(t.TempDir(), "lock.ldif")
	body := fmt.Sprintf("dn: CN=%s,CN=Users,%s\nchangetype: modify\nreplace: lockoutTime\nlockoutTime: %d\n", name, dc.BaseDN(), now)
	if err := os.WriteFile(ldif, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	run("ldbmodify", "-H", dc.SamLDB(), "--configfile="+conf, ldif)
	return name, password
}

// A refused NTLM bind says why in the administrator's terms, names the
// account, and never carries the password or its NT hash.
func TestLabNTLMBindFailures(t *testing.T) {
	_, dc, _ := labDC(t, "lab.test")
	locked, lockedPW := lockedUser(t, dc)
	tests := []struct {
		name, principal, password string
		want                      []string
	}{
		{"wrong password", dc.NetBIOS + `\Administrator`, "Not-The-Password-1!",
			[]string{"ntlm bind as Administrator", "LDAP result 49", "wrong password"}},
		// The account exists in lab.test only; EXTERN (trusted) is asked
		// to check it, and the message says which domain the DC is in.
		{"wrong domain", `EXTERN\` + locked, lockedPW,
			[]string{"ntlm bind as " + locked, "domain EXTERN", "LDAP result 49", "this DC is in domain " + dc.NetBIOS}},
		{"locked account", dc.NetBIOS + `\` + locked, lockedPW,
			[]string{"ntlm bind as " + locked, "LDAP result 49", "locked"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := labCtx(t)
			c, err := ldapx.Dial(ctx, ldapx.Options{Address: dc.IP})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			err = c.Bind(ctx, ldapx.Credentials{Mechanism: ldapx.MechNTLM, Principal: tt.principal, Password: tt.password})
			if err == nil {
				t.Fatal("the bind succeeded")
			}
			msg := err.Error()
			t.Logf("%s: %v", tt.name, msg)
			for _, w := range tt.want {
				if !strings.Contains(strings.ToLower(msg), strings.ToLower(w)) {
					t.Errorf("error lacks %q: %s", w, msg)
				}
			}
			if strings.Contains(msg, tt.password) || strings.Contains(strings.ToLower(msg), ntHashHex(tt.password)) {
				t.Error("the error carries the password or its NT hash")
			}
			if strings.Contains(msg, "clock skew") || strings.Contains(msg, "realm") {
				t.Errorf("an NTLM error must not list Kerberos causes: %s", msg)
			}
		})
	}
}

// labCertBinding computes, independently of ldapx, the channel binding hash
// of a lab DC's certificate (tls/dcN.pem, SHA-256-signed): MD5 over the
// gss_channel_bindings_struct with no addresses and the application data
// "tls-server-end-point:" || SHA-256(certificate DER) (RFC 5929 4.1).
func labCertBinding(t *testing.T, env *labenv.Env, n int) []byte {
	t.Helper()
	pemBytes, err := os.ReadFile(filepath.Join(env.Dir, "tls", fmt.Sprintf("dc%d.pem", n)))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(pemBytes)
	if blk == nil {
		t.Fatal("no PEM block in the DC certificate")
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if cert.SignatureAlgorithm != x509.SHA256WithRSA && cert.SignatureAlgorithm != x509.ECDSAWithSHA256 {
		t.Fatalf("lab certificate signed with %v: this test computes the SHA-256 form", cert.SignatureAlgorithm)
	}
	h := sha256.Sum256(blk.Bytes)
	app := append([]byte("tls-server-end-point:"), h[:]...)
	st := make([]byte, 20)
	binary.LittleEndian.PutUint32(st[16:], uint32(len(app)))
	sum := md5.Sum(append(st, app...))
	return sum[:]
}

// Over LDAPS both Kerberos and NTLM send the channel binding of the DC's
// certificate (what Windows DCs with LDAP channel binding enforced demand);
// on plain LDAP there is no channel to bind to. Samba does not enforce
// channel binding, so what is checked is what the bind sent.
func TestLabChannelBindingSentOverLDAPS(t *testing.T) {
	env, dc, pw := labDC(t, "lab.test")
	want := labCertBinding(t, env, 1)
	tests := []struct {
		name  string
		creds ldapx.Credentials
	}{
		{"ntlm", ldapx.Credentials{Mechanism: ldapx.MechNTLM, Principal: dc.NetBIOS + `\Administrator`, Password: pw}},
		{"kerberos", ldapx.Credentials{Mechanism: ldapx.MechKerberos, Principal: "Administrator@" + dc.Realm, Password: pw,
			Krb5ConfigPath: env.Krb5Config}},
	}
	for _, tt := range tests {
		for _, sec := range []ldapx.Security{ldapx.SecurityLDAPS, ldapx.SecurityStartTLS} {
			t.Run(tt.name+" "+string(sec), func(t *testing.T) {
				ctx := labCtx(t)
				c, err := ldapx.Dial(ctx, ldapx.Options{Address: dc.FQDN, Security: sec, CAFile: env.CAFile,
					Resolver: labResolver(t, dc)})
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				err = c.Bind(ctx, tt.creds)
				t.Logf("%s bind over %s: %v", tt.name, sec, err)
				if got := c.ChannelBinding(); !bytes.Equal(got, want) {
					t.Fatalf("sent channel binding %x, want %x (from %s's certificate)", got, want, dc.FQDN)
				}
				plain := dialBind(t, ctx, ldapx.Options{Address: dc.IP}, tt.creds)
				if cb := plain.ChannelBinding(); cb != nil {
					t.Fatalf("plain LDAP sent channel binding %x", cb)
				}
			})
		}
	}
}

// Kerberos inside SASL GSS-SPNEGO (the path for DCs that offer no plain
// GSSAPI): the AP-REQ as SPNEGO's optimistic token, the AP-REP in the reply,
// and every later message signed; a search over it reads every SPN holder.
func TestLabKerberosThroughSPNEGOSignsPlainLDAP(t *testing.T) {
	env, dc, pw := labDC(t, "lab.test")
	ctx := labCtx(t)
	c, err := ldapx.Dial(ctx, ldapx.Options{Address: dc.FQDN, Resolver: labResolver(t, dc)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ldapx.ForceSPNEGO(c)
	if err := c.Bind(ctx, ldapx.Credentials{Mechanism: ldapx.MechKerberos, Principal: "Administrator@" + dc.Realm, Password: pw,
		Krb5ConfigPath: env.Krb5Config}); err != nil {
		t.Fatalf("Kerberos bind through GSS-SPNEGO: %v", err)
	}
	if !c.Signed() {
		t.Fatal("no signing layer after the SPNEGO bind")
	}
	root, err := c.ReadRootDSE(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := readAccounts(t, ctx, c, root.DefaultNamingContext)
	if want := ldbSPNs(t, dc); len(got) != len(want) {
		t.Fatalf("read %d SPN holders, the DC's database has %d", len(got), len(want))
	}
}
