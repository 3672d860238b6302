package ldapx_test

// Integration tests against the Samba AD lab (testdata/lab). They skip when
// the lab is not up (labenv.Require) and need root for ldbsearch, kinit
// caches and keytab export, as the lab itself does.

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spntrust/spntrust/internal/labenv"
	"github.com/spntrust/spntrust/ldapx"
	"github.com/spntrust/spntrust/statuscode"
)

func labDC(t *testing.T, domain string) (*labenv.Env, *labenv.DC, string) {
	t.Helper()
	env := labenv.Require(t)
	dc := env.ByDomain(domain)
	if dc == nil {
		t.Fatalf("lab.env has no %s DC", domain)
	}
	pw, err := env.AdminPassword()
	if err != nil {
		t.Fatalf("admin password: %v", err)
	}
	return env, dc, pw
}

func labCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func labResolver(t *testing.T, dc *labenv.DC) *ldapx.DNSResolver {
	r, err := ldapx.NewDNSResolver(dc.IP, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// dialBind dials dc and binds; the test ends on error.
func dialBind(t *testing.T, ctx context.Context, opts ldapx.Options, creds ldapx.Credentials) *ldapx.Conn {
	t.Helper()
	c, err := ldapx.Dial(ctx, opts)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Bind(ctx, creds); err != nil {
		t.Fatalf("bind: %v", err)
	}
	return c
}

// ldbSPNs returns DN (lower case) → sorted SPNs, read by ldbsearch from the DC's own database.
func ldbSPNs(t *testing.T, dc *labenv.DC) map[string][]string {
	t.Helper()
	res, err := dc.SPNHolders()
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func readAccounts(t *testing.T, ctx context.Context, c *ldapx.Conn, base string) (map[string][]string, []ldapx.SPNAccount) {
	t.Helper()
	got := map[string][]string{}
	var accts []ldapx.SPNAccount
	st, err := c.ReadSPNAccounts(ctx, base, func(a ldapx.SPNAccount) error {
		spns := append([]string(nil), a.SPNs...)
		sort.Strings(spns)
		got[strings.ToLower(a.DN)] = spns
		accts = append(accts, a)
		return nil
	})
	if err != nil {
		t.Fatalf("ReadSPNAccounts: %v", err)
	}
	if st.Entries != len(accts) {
		t.Fatalf("stats say %d entries, callback saw %d", st.Entries, len(accts))
	}
	return got, accts
}

func compareSPNs(t *testing.T, want, got map[string][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("LDAP returned %d SPN accounts, ldbsearch %d", len(got), len(want))
	}
	for dn, w := range want {
		g, ok := got[dn]
		if !ok {
			t.Errorf("missing %s", dn)
			continue
		}
		if strings.Join(g, "|") != strings.Join(w, "|") {
			t.Errorf("%s: SPNs %v, ldbsearch %v", dn, g, w)
		}
	}
	for dn := range got {
		if _, ok := want[dn]; !ok {
			t.Errorf("extra %s", dn)
		}
	}
}

func TestLabKerberosBindSignsAndPagedSearchMatchesLdbsearch(t *testing.T) {
	_, dc, pw := labDC(t, "lab.test")
	t.Setenv("KRB5_CONFIG", "") // realm and KDC come from DNS through the lab's DNS server only
	ctx := labCtx(t)
	c := dialBind(t, ctx, ldapx.Options{Address: dc.FQDN, Resolver: labResolver(t, dc), Paging: ldapx.PagingAlways},
		ldapx.Credentials{Mechanism: ldapx.MechKerberos, Principal: "Administrator", Password: pw})
	if c.IsTLS() || !c.Signed() {
		t.Fatalf("want plain 389 with the signing layer, got TLS=%v signed=%v", c.IsTLS(), c.Signed())
	}
	want := ldbSPNs(t, dc)
	if len(want) < 10 {
		t.Fatalf("ldbsearch found only %d SPN accounts: lab not seeded?", len(want))
	}
	got, accts := readAccounts(t, ctx, c, dc.BaseDN())
	compareSPNs(t, want, got)
	for _, a := range accts {
		if len(a.Problems) > 0 {
			t.Errorf("%s: parse problems %v", a.DN, a.Problems)
		}
		if !strings.HasPrefix(a.SID, "S-1-5-21-") || a.SAMAccountName == "" || a.SAMAccountType == 0 {
			t.Errorf("%s: incomplete account %+v", a.DN, a)
		}
	}

	// Small pages force many round trips over the signed channel.
	n := 0
	st, err := c.Search(ctx, ldapx.SearchRequest{BaseDN: dc.BaseDN(), Scope: ldapx.ScopeSubtree,
		Filter: "(servicePrincipalName=*)", Attributes: []string{"servicePrincipalName"}, PageSize: 3},
		func(*ldapx.Entry) error { n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if n != len(want) || st.Pages < len(want)/3 {
		t.Fatalf("paged by 3: %d entries in %d pages, want %d entries", n, st.Pages, len(want))
	}
	// Stopping early must leave the connection usable.
	stop := errors.New("enough")
	if _, err := c.Search(ctx, ldapx.SearchRequest{BaseDN: dc.BaseDN(), Scope: ldapx.ScopeSubtree,
		Filter: "(servicePrincipalName=*)", Attributes: []string{"cn"}, PageSize: 2},
		func(*ldapx.Entry) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("want the callback's error, got %v", err)
	}
	if _, err := c.ReadRootDSE(ctx); err != nil {
		t.Fatalf("connection unusable after an early stop: %v", err)
	}
}

func TestLabUnpagedAndPagedSearchesReturnTheSameEntries(t *testing.T) {
	_, dc, pw := labDC(t, "lab.test")
	t.Setenv("KRB5_CONFIG", "")
	ctx := labCtx(t)
	creds := ldapx.Credentials{Mechanism: ldapx.MechKerberos, Principal: "Administrator", Password: pw}
	want := ldbSPNs(t, dc)
	pageSize := max(5, len(want)/10) // a few pages on the normal and the scale lab
	pages := (len(want) + pageSize - 1) / pageSize
	read := func(c *ldapx.Conn) ldapx.SearchStats {
		t.Helper()
		got := map[string]int{}
		st, err := c.Search(ctx, ldapx.SearchRequest{BaseDN: dc.BaseDN(), Scope: ldapx.ScopeSubtree,
			Filter: "(servicePrincipalName=*)", Attributes: []string{"servicePrincipalName"}, PageSize: pageSize},
			func(e *ldapx.Entry) error { got[strings.ToLower(e.DN)]++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		for dn, n := range got {
			if _, ok := want[dn]; !ok || n != 1 {
				t.Errorf("%s delivered %d times (in ldbsearch: %v)", dn, n, ok)
			}
		}
		if len(got) != len(want) || st.Entries != len(want) {
			t.Fatalf("%d distinct entries (stats %+v), ldbsearch %d", len(got), st, len(want))
		}
		return st
	}
	dial := func(paging ldapx.Paging) *ldapx.Conn {
		return dialBind(t, ctx, ldapx.Options{Address: dc.FQDN, Resolver: labResolver(t, dc), Paging: paging}, creds)
	}
	if st := read(dial(ldapx.PagingAlways)); st.Pages != pages || st.Capped != 0 {
		t.Errorf("always: stats %+v, want %d pages", st, pages)
	}
	// Samba does not cap an unpaged search: one request.
	if st := read(dial(ldapx.PagingWhenCapped)); st.Pages != 1 || st.Capped != 0 {
		t.Errorf("auto: stats %+v, want one unpaged request", st)
	}
	// Samba ignores a client's size limit and caps nothing, so no lab DC
	// can show the fallback to paging; the fake DCs of search_test.go and
	// internal/faultnet cap as Windows does.
}

func TestLabKerberosFromKrb5ConfigAndIPAddress(t *testing.T) {
	env, dc, pw := labDC(t, "lab.test")
	ctx := labCtx(t)
	// An IP address: the SPN host comes from the rootDSE's dnsHostName.
	c := dialBind(t, ctx, ldapx.Options{Address: dc.IP},
		ldapx.Credentials{Mechanism: ldapx.MechKerberos, Principal: "Administrator@lab.test", Password: pw, Krb5ConfigPath: env.Krb5Config})
	if !c.Signed() {
		t.Fatal("not signed")
	}
	if _, err := c.ReadRootDSE(ctx); err != nil {
		t.Fatal(err)
	}
}

// Over TLS the client selects no SASL layer, as AD requires ("Sign or Seal
// are not allowed if TLS is used"). Samba's default configuration then
// demands a layer anyway, so GSSAPI over TLS cannot succeed against the lab:
// the error must say so and point to plain 389 with signing.
func TestLabKerberosOverLDAPSExplainsSambaRefusal(t *testing.T) {
	env, dc, pw := labDC(t, "lab.test")
	ctx := labCtx(t)
	c, err := ldapx.Dial(ctx, ldapx.Options{Address: dc.IP, ServerName: dc.FQDN, Security: ldapx.SecurityLDAPS, CAFile: env.CAFile})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Bind(ctx, ldapx.Credentials{Mechanism: ldapx.MechKerberos, Principal: "Administrator", Realm: dc.Realm, Password: pw, Krb5ConfigPath: env.Krb5Config})
	if err == nil {
		t.Log("this DC accepts GSSAPI over TLS without a layer (allow_sasl_over_tls)")
		return
	}
	var ae *ldapx.AuthError
	if !errors.As(err, &ae) || ae.LDAPCode != 8 || !strings.Contains(ae.Hint, "389") {
		t.Fatalf("want strongAuthRequired with advice to use 389, got %v", err)
	}
}

func TestLabKerberosFromKeytab(t *testing.T) {
	env, dc, _ := labDC(t, "lab.test")
	ctx := labCtx(t)
	kt := filepath.Join(t.TempDir(), "admin.keytab")
	out, err := exec.CommandContext(ctx, "samba-tool", "domain", "exportkeytab", kt,
		"--principal=Administrator@"+dc.Realm, "-s", filepath.Join(dc.Dir, "etc", "smb.conf")).CombinedOutput()
	if err != nil {
		t.Fatalf("samba-tool domain exportkeytab: %v\n%s", err, out)
	}
	c := dialBind(t, ctx, ldapx.Options{Address: dc.FQDN, Resolver: labResolver(t, dc)},
		ldapx.Credentials{Mechanism: ldapx.MechKerberos, Principal: "Administrator@" + dc.Realm, KeytabPath: kt, Krb5ConfigPath: env.Krb5Config})
	got, _ := readAccounts(t, ctx, c, dc.BaseDN())
	compareSPNs(t, ldbSPNs(t, dc), got)
}

func TestLabKerberosFromCCache(t *testing.T) {
	env, dc, pw := labDC(t, "lab.test")
	ctx := labCtx(t)
	cc := filepath.Join(t.TempDir(), "ccache")
	cmd := exec.CommandContext(ctx, "kinit", "Administrator@"+dc.Realm)
	cmd.Env = append(os.Environ(), "KRB5_CONFIG="+env.Krb5Config, "KRB5CCNAME=FILE:"+cc)
	cmd.Stdin = strings.NewReader(pw + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kinit: %v\n%s", err, out)
	}
	t.Setenv("KRB5CCNAME", "FILE:"+cc)
	t.Setenv("KRB5_CONFIG", "")
	// No principal, no secret: everything comes from $KRB5CCNAME and DNS.
	c := dialBind(t, ctx, ldapx.Options{Address: dc.FQDN, Resolver: labResolver(t, dc)},
		ldapx.Credentials{Mechanism: ldapx.MechKerberos})
	if !c.Signed() {
		t.Fatal("not signed")
	}
	got, _ := readAccounts(t, ctx, c, dc.BaseDN())
	compareSPNs(t, ldbSPNs(t, dc), got)
}

func TestLabKerberosBadPasswordNamesPrincipalAndCause(t *testing.T) {
	_, dc, pw := labDC(t, "lab.test")
	ctx := labCtx(t)
	c, err := ldapx.Dial(ctx, ldapx.Options{Address: dc.FQDN, Resolver: labResolver(t, dc)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	bad := "Wrong-" + pw[:2] + "-secret-xyz"
	err = c.Bind(ctx, ldapx.Credentials{Mechanism: ldapx.MechKerberos, Principal: "Administrator", Password: bad, Krb5ConfigPath: "/dev/null/none"})
	if err == nil {
		t.Fatal("bad krb5 config path accepted")
	}
	t.Setenv("KRB5_CONFIG", "")
	c2, err := ldapx.Dial(ctx, ldapx.Options{Address: dc.FQDN, Resolver: labResolver(t, dc)})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	err = c2.Bind(ctx, ldapx.Credentials{Mechanism: ldapx.MechKerberos, Principal: "Administrator", Password: bad})
	var ae *ldapx.AuthError
	if !errors.As(err, &ae) || ae.Kerberos == nil || ae.Kerberos.Problem != statuscode.KerberosBadCredentials {
		t.Fatalf("want a bad-credentials AuthError, got %v", err)
	}
	msg := err.Error()
	for _, w := range []string{"Administrator@LAB.TEST", "realm LAB.TEST", "KDC_ERR_PREAUTH_FAILED", "clock skew", "locked"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error lacks %q: %s", w, msg)
		}
	}
	if strings.Contains(msg, bad) {
		t.Fatal("error text contains the password")
	}
}

func TestLabSimpleBindOverTLSVerifiesLabCA(t *testing.T) {
	env, dc, pw := labDC(t, "lab.test")
	ctx := labCtx(t)
	for _, sec := range []ldapx.Security{ldapx.SecurityLDAPS, ldapx.SecurityStartTLS} {
		t.Run(string(sec), func(t *testing.T) {
			opts := ldapx.Options{Address: dc.FQDN, Security: sec, CAFile: env.CAFile, Resolver: labResolver(t, dc)}
			c := dialBind(t, ctx, opts, ldapx.Credentials{Mechanism: ldapx.MechSimple, Principal: "Administrator@" + dc.Domain, Password: pw})
			if !c.IsTLS() {
				t.Fatal("not TLS")
			}
			got, _ := readAccounts(t, ctx, c, dc.BaseDN())
			compareSPNs(t, ldbSPNs(t, dc), got)

			// Without the lab CA the system pool cannot verify the DC: verification is on.
			opts.CAFile = ""
			if c2, err := ldapx.Dial(ctx, opts); err == nil {
				c2.Close()
				t.Fatal("TLS to the lab DC verified without its CA")
			} else if !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("want a certificate error, got %v", err)
			}
		})
	}
}

func TestLabSimpleBindOnPlainLDAPIsRefusedByUs(t *testing.T) {
	_, dc, pw := labDC(t, "lab.test")
	ctx := labCtx(t)
	c, err := ldapx.Dial(ctx, ldapx.Options{Address: dc.IP})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Bind(ctx, ldapx.Credentials{Mechanism: ldapx.MechSimple, Principal: "Administrator@" + dc.Domain, Password: pw})
	if !errors.Is(err, ldapx.ErrSimpleBindNeedsTLS) {
		t.Fatalf("want ErrSimpleBindNeedsTLS, got %v", err)
	}
	var ae *ldapx.AuthError
	if !errors.As(err, &ae) || ae.LDAPCode != 0 {
		t.Fatalf("refusal must come from us, before the DC sees the password: %v", err)
	}
}

func TestLabDiscoverDCsThroughLabDNS(t *testing.T) {
	_, dc, _ := labDC(t, "lab.test")
	ctx := labCtx(t)
	recs, err := ldapx.DiscoverDCs(ctx, labResolver(t, dc), dc.Domain)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range recs {
		if strings.EqualFold(r.Target, dc.FQDN) && r.Port == 389 {
			found = true
		}
	}
	if !found {
		t.Fatalf("%s not among %+v", dc.FQDN, recs)
	}
	addrs, err := labResolver(t, dc).LookupHost(ctx, dc.FQDN)
	if err != nil || len(addrs) == 0 || addrs[0].String() != dc.IP {
		t.Fatalf("A record of %s: %v %v", dc.FQDN, addrs, err)
	}
	if _, err := ldapx.DiscoverDCs(ctx, labResolver(t, dc), "nowhere.invalid"); err == nil {
		t.Fatal("DCs found for a domain that does not exist")
	}
}

func TestLabTrustsReadBack(t *testing.T) {
	env, dc, pw := labDC(t, "lab.test")
	ctx := labCtx(t)
	t.Setenv("KRB5_CONFIG", env.Krb5Config) // the realm's KDC comes from $KRB5_CONFIG here
	c := dialBind(t, ctx, ldapx.Options{Address: dc.FQDN, Resolver: labResolver(t, dc)},
		ldapx.Credentials{Mechanism: ldapx.MechKerberos, Principal: "Administrator", Password: pw})
	trusts, err := c.ReadTrusts(ctx, dc.BaseDN())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ typ, dir, attrs uint32 }{
		"partner.test": {2, 3, 8}, // forest trust, both ways
		"extern.test":  {2, 3, 4}, // external trust, SID filtering
	}
	if len(trusts) != len(want) {
		t.Errorf("got %d trusts, want %d: %+v", len(trusts), len(want), trusts)
	}
	for _, tr := range trusts {
		w, ok := want[strings.ToLower(tr.TrustPartner)]
		if !ok {
			t.Errorf("unexpected trust %+v", tr)
			continue
		}
		if tr.TrustType != w.typ || tr.TrustDirection != w.dir || tr.TrustAttributes != w.attrs {
			t.Errorf("%s: type %d dir %d attrs %#x, want %d %d %#x", tr.TrustPartner, tr.TrustType, tr.TrustDirection, tr.TrustAttributes, w.typ, w.dir, w.attrs)
		}
		partner := env.ByDomain(tr.TrustPartner)
		if partner == nil || !strings.EqualFold(tr.FlatName, partner.NetBIOS) {
			t.Errorf("%s: flatName %q", tr.TrustPartner, tr.FlatName)
		}
		if !strings.HasPrefix(tr.SID, "S-1-5-21-") || tr.WhenCreated.IsZero() || len(tr.Problems) > 0 {
			t.Errorf("%s: SID %q whenCreated %v problems %v", tr.TrustPartner, tr.SID, tr.WhenCreated, tr.Problems)
		}
	}
}

func TestLabForestReaders(t *testing.T) {
	env, dc, pw := labDC(t, "lab.test")
	ctx := labCtx(t)
	c := dialBind(t, ctx, ldapx.Options{Address: dc.FQDN, Resolver: labResolver(t, dc)},
		ldapx.Credentials{Mechanism: ldapx.MechKerberos, Principal: "Administrator", Password: pw, Krb5ConfigPath: env.Krb5Config})
	dse, err := c.ReadRootDSE(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if dse.DNSHostName != dc.FQDN || dse.DefaultNamingContext != dc.BaseDN() || dse.DomainFunctionality < 0 ||
		dse.CurrentTime.IsZero() || len(dse.Problems) > 0 {
		t.Fatalf("rootDSE %+v", dse)
	}
	if skew := dse.CurrentTime.Sub(dse.LocalBefore); skew > time.Minute || skew < -time.Minute {
		t.Errorf("DC clock %v vs local %v", dse.CurrentTime, dse.LocalBefore)
	}
	m, err := c.ReadSPNMappings(ctx, dse.ConfigurationNamingContext)
	if err != nil {
		t.Fatal(err)
	}
	if m.Aliases["http"] != "host" || m.Aliases["cifs"] != "host" || len(m.Problems) > 0 {
		t.Fatalf("sPNMappings %+v", m)
	}
	parts, err := c.ReadPartitions(ctx, dse.ConfigurationNamingContext)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 1 || parts[0].NCName != dc.BaseDN() || !strings.EqualFold(parts[0].DNSRoot, dc.Domain) ||
		parts[0].NetBIOSName != dc.NetBIOS || !strings.HasPrefix(parts[0].DomainSID, "S-1-5-21-") {
		t.Fatalf("partitions %+v", parts)
	}
	dcs, err := c.ReadDCs(ctx, dse.ConfigurationNamingContext)
	if err != nil {
		t.Fatal(err)
	}
	if len(dcs) != 1 || dcs[0].DNSHostName != dc.FQDN || !dcs[0].IsGlobalCatalog || dcs[0].NTDSDSADN == "" ||
		dcs[0].BehaviorVersion != dse.DCFunctionality || dcs[0].Site == "" {
		t.Fatalf("DCs %+v", dcs)
	}
}

// A Kerberos bind from lab.test to the forest-trust partner's DC: the
// in-memory configuration learns both realms' KDCs from the partner's DNS.
func TestLabKerberosAcrossForestTrust(t *testing.T) {
	_, dc1, pw := labDC(t, "lab.test")
	_, dc2, _ := labDC(t, "partner.test")
	t.Setenv("KRB5_CONFIG", "")
	ctx := labCtx(t)
	// The partner's DNS server knows partner.test; lab.test's KDC is found
	// through the resolver of lab.test's DC, so use a resolver per domain.
	r := multiResolver{"partner.test": labResolver(t, dc2), "lab.test": labResolver(t, dc1)}
	c := dialBind(t, ctx, ldapx.Options{Address: dc2.FQDN, Resolver: r},
		ldapx.Credentials{Mechanism: ldapx.MechKerberos, Principal: "Administrator@" + dc1.Realm, Password: pw})
	got, _ := readAccounts(t, ctx, c, dc2.BaseDN())
	compareSPNs(t, ldbSPNs(t, dc2), got)
}

func TestLabProbeKDCTimeWithoutCredentials(t *testing.T) {
	_, dc, _ := labDC(t, "lab.test")
	ctx := labCtx(t)
	clk, err := ldapx.ProbeKDCTime(ctx, dc.IP+":88", dc.Realm, "", 5*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	if clk.ErrorCode != 6 || clk.Skew() > time.Minute || clk.Skew() < -time.Minute {
		t.Fatalf("KDC clock %+v skew %v", clk, clk.Skew())
	}
}

func TestLabConcurrentSearchesShareOneSignedConnection(t *testing.T) {
	env, dc, pw := labDC(t, "lab.test")
	ctx := labCtx(t)
	// Paged by 4, so that the four searches' round trips interleave.
	c := dialBind(t, ctx, ldapx.Options{Address: dc.FQDN, Resolver: labResolver(t, dc), Paging: ldapx.PagingAlways},
		ldapx.Credentials{Mechanism: ldapx.MechKerberos, Principal: "Administrator", Password: pw, Krb5ConfigPath: env.Krb5Config})
	want := len(ldbSPNs(t, dc))
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			n := 0
			_, err := c.Search(ctx, ldapx.SearchRequest{BaseDN: dc.BaseDN(), Scope: ldapx.ScopeSubtree,
				Filter: "(servicePrincipalName=*)", Attributes: []string{"servicePrincipalName"}, PageSize: 4},
				func(*ldapx.Entry) error { n++; return nil })
			if err == nil && n != want {
				err = errors.New("wrong count")
			}
			errs <- err
		}()
	}
	for i := 0; i < 4; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestLabConnectionsShareOneKerberosLogin binds three connections at once
// with shared logins, as the collector does for a DC, and counts the logins
// by the account's logonCount, which Samba's KDC raises at each.
func TestLabConnectionsShareOneKerberosLogin(t *testing.T) {
	env, dc, pw := labDC(t, "lab.test")
	ctx := labCtx(t)
	opts := ldapx.Options{Address: dc.FQDN, Resolver: labResolver(t, dc)}
	creds := ldapx.Credentials{Mechanism: ldapx.MechKerberos, Principal: "Administrator", Password: pw, Krb5ConfigPath: env.Krb5Config}
	reader := dialBind(t, ctx, opts, creds)
	logonCount := func() int {
		t.Helper()
		n := -1
		if _, err := reader.Search(ctx, ldapx.SearchRequest{BaseDN: dc.BaseDN(), Scope: ldapx.ScopeSubtree,
			Filter: "(sAMAccountName=Administrator)", Attributes: []string{"logonCount"}},
			func(e *ldapx.Entry) error { n, _ = strconv.Atoi(e.Value("logonCount")); return nil }); err != nil || n < 0 {
			t.Fatalf("logonCount: %d, %v", n, err)
		}
		return n
	}
	// What one login costs in logonCount (Samba raises it twice).
	before := logonCount()
	dialBind(t, ctx, opts, creds)
	perLogin := logonCount() - before
	if perLogin < 1 {
		t.Fatalf("a Kerberos login did not raise logonCount (%d): cannot count logins", perLogin)
	}
	before += perLogin
	logins := ldapx.NewKerberosLogins()
	creds.Logins = logins
	conns := make([]*ldapx.Conn, 3)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := ldapx.Dial(ctx, opts)
			if err != nil {
				t.Error(err)
				return
			}
			t.Cleanup(func() { c.Close() })
			if err := c.Bind(ctx, creds); err != nil {
				t.Errorf("bind %d: %v", i, err)
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if got := logonCount() - before; got != perLogin {
		t.Errorf("three binds with shared logins raised logonCount by %d, one login does by %d", got, perLogin)
	}
	// Closing the logins destroys the shared client; the connections keep
	// their own signing keys.
	logins.Close()
	for i, c := range conns {
		if !c.Signed() {
			t.Errorf("connection %d is not signed", i)
		}
		if _, err := c.ReadRootDSE(ctx); err != nil {
			t.Errorf("connection %d after the logins were closed: %v", i, err)
		}
	}
}

// TestLabReadDNSNodesMatchesTheDCDatabase reads the lab.test DC's
// AD-integrated zones over LDAP and compares every node and its number of
// records with ldbsearch of the DC's own database.
func TestLabReadDNSNodesMatchesTheDCDatabase(t *testing.T) {
	env, dc, pw := labDC(t, "lab.test")
	ctx := labCtx(t)
	c := dialBind(t, ctx, ldapx.Options{Address: dc.FQDN, Security: ldapx.SecurityLDAPS, CAFile: env.CAFile, Resolver: labResolver(t, dc)},
		ldapx.Credentials{Mechanism: ldapx.MechSimple, Principal: "Administrator@" + dc.Domain, Password: pw})
	got := map[string]int{} // zone/name → records
	var records, a, ptr int
	start := time.Now()
	for _, container := range ldapx.DNSZoneContainers(dc.BaseDN(), dc.BaseDN()) {
		_, err := c.ReadDNSNodes(ctx, container, func(n ldapx.DNSNode) error {
			if len(n.Problems) > 0 {
				t.Errorf("%s: %v", n.DN, n.Problems)
			}
			got[n.Zone+"/"+n.Name] = len(n.Records)
			records += len(n.Records)
			for _, r := range n.Records {
				switch r.Type {
				case ldapx.DNSTypeA:
					a++
				case ldapx.DNSTypePTR:
					ptr++
				}
			}
			return nil
		})
		if errors.Is(err, ldapx.ErrNoDNSContainer) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	took := time.Since(start)
	want := map[string]int{}
	for _, part := range []string{"DC=DomainDnsZones," + dc.BaseDN(), "DC=ForestDnsZones," + dc.BaseDN()} {
		entries, err := dc.LDBSearch(part, "sub", "(objectClass=dnsNode)", "name", "dnsRecord")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			zone := ""
			if _, rest, ok := strings.Cut(e.First("dn"), ","); ok {
				zone = strings.ToLower(strings.TrimPrefix(strings.SplitN(rest, ",", 2)[0], "DC="))
			}
			want[zone+"/"+strings.ToLower(e.First("name"))] = len(e["dnsrecord"])
		}
	}
	if len(want) == 0 {
		t.Fatal("ldbsearch found no dnsNode objects: the comparison would prove nothing")
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d records over LDAP, %d in the DC's database", k, got[k], n)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s read over LDAP but not in the DC's database", k)
		}
	}
	if got["lab.test/@"] == 0 || a == 0 || ptr == 0 {
		t.Errorf("zone apex, A or PTR records missing: apex %d, A %d, PTR %d", got["lab.test/@"], a, ptr)
	}
	t.Logf("%d nodes, %d records (%d A, %d PTR) in %v", len(got), records, a, ptr, took)
}
