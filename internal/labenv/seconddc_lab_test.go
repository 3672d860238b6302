package labenv_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/internal/labenv"
)

// TestLabSecondDC checks the opt-in second DC of lab.test (LAB_SECOND_DC=1,
// README "Second DC"): dc4.lab.test was joined with `samba-tool domain join
// lab.test DC` — it is a DC of the same domain (same domain object GUID, both
// DCs in the configuration partition of each), it holds every seeded lab.test
// account with the same objectGUID and SPNs as DC1 (and, on a scaled lab,
// every scale object), its DNS records are registered, and replication runs
// both ways: an OU created on one DC appears on the other with the same GUID,
// and its deletion replicates too. It skips when the lab has no second DC.
func TestLabSecondDC(t *testing.T) {
	peek, err := labenv.Load()
	if err != nil || len(peek.DCs) < 4 || !strings.EqualFold(peek.DCs[3].Domain, peek.DCs[0].Domain) {
		labenv.Require(t) // skips or fails (SPNTRUST_LAB_REQUIRED) when the lab is not up at all
		t.Skip("the lab has no second DC of lab.test (LAB_SECOND_DC=1 testdata/lab/lab.sh up; README \"Second DC\")")
	}
	// The replication subtests write to both DCs: no other lab test may
	// run meanwhile.
	env := labenv.RequireExclusive(t)
	requireRoot(t, env)
	dc1, dc4 := &env.DCs[0], &env.DCs[3]
	if dc4.PID == 0 {
		t.Fatalf("%s is not running (lab.env has no pid): testdata/lab/lab.sh up", dc4.FQDN)
	}

	// Bring DC4 up to date with DC1 first (a freshly scaled lab may still be
	// replicating the imported objects).
	replicate(t, env, dc4, dc1, dc1.BaseDN())

	t.Run("same domain, both DCs known to both", func(t *testing.T) {
		g1 := ldbsearchBase(t, dc1, dc1.BaseDN(), "base", "(objectClass=*)", "objectGUID", "objectSid")
		g4 := ldbsearchBase(t, dc4, dc4.BaseDN(), "base", "(objectClass=*)", "objectGUID", "objectSid")
		if len(g1) != 1 || len(g4) != 1 || g1[0].first("objectGUID") == "" || g1[0].first("objectGUID") != g4[0].first("objectGUID") || g1[0].first("objectSid") != g4[0].first("objectSid") {
			t.Errorf("domain object on DC1 %v, on DC4 %v: want the same objectGUID and SID (a replica of one domain)", g1, g4)
		}
		sites := "CN=Sites,CN=Configuration," + dc1.BaseDN()
		for _, dc := range []*labenv.DC{dc1, dc4} {
			var names []string
			for _, e := range ldbsearchBase(t, dc, sites, "sub", "(objectClass=server)", "dNSHostName") {
				names = append(names, strings.ToLower(e.first("dNSHostName")))
			}
			slices.Sort(names)
			if want := []string{dc1.FQDN, dc4.FQDN}; !slices.Equal(names, want) {
				t.Errorf("%s lists the DCs %v, want %v", dc.FQDN, names, want)
			}
			if n := ldbcount(t, dc, sites, "(objectClass=nTDSDSA)"); n != 2 {
				t.Errorf("%s has %d nTDSDSA objects, want 2", dc.FQDN, n)
			}
		}
		out := ldapTool(t, env, dc4, "ldapsearch", "", "-b", "", "-s", "base", "(objectClass=*)", "dnsHostName", "defaultNamingContext", "isSynchronized")
		for _, want := range []string{"dnsHostName: " + dc4.FQDN, "defaultNamingContext: " + dc1.BaseDN(), "isSynchronized: TRUE"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("DC4 rootDSE lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("seeded and scale objects replicated", func(t *testing.T) {
		for _, a := range seeded {
			if a.domain != dc1.Domain {
				continue
			}
			filter := "(sAMAccountName=" + a.sam + ")"
			e1 := ldbsearch(t, dc1, filter, "objectGUID", "servicePrincipalName")
			e4 := ldbsearch(t, dc4, filter, "objectGUID", "servicePrincipalName")
			if len(e1) != 1 || len(e4) != 1 {
				t.Errorf("%s: %d on DC1, %d on DC4", a.sam, len(e1), len(e4))
				continue
			}
			if e1[0].first("objectGUID") != e4[0].first("objectGUID") || !slices.Equal(lower(e1[0]["serviceprincipalname"]), lower(e4[0]["serviceprincipalname"])) {
				t.Errorf("%s differs: DC1 %v, DC4 %v", a.sam, e1[0], e4[0])
			}
		}
		ou := "OU=Scale," + dc1.BaseDN()
		if len(ldbsearchBase(t, dc1, dc1.BaseDN(), "one", "(ou=Scale)", "dn")) == 0 {
			return // not scaled
		}
		for _, f := range []string{"(objectClass=computer)", "(&(objectClass=user)(servicePrincipalName=*))"} {
			if n1, n4 := ldbcount(t, dc1, ou, f), ldbcount(t, dc4, ou, f); n1 != n4 || n1 == 0 {
				t.Errorf("%s %s: %d on DC1, %d on DC4", ou, f, n1, n4)
			}
		}
	})

	t.Run("DNS records of the second DC", func(t *testing.T) {
		for _, server := range []string{dc1.IP, dc4.IP} {
			if st, a := dig(t, server, dc4.FQDN, "A"); st != "NOERROR" || !slices.Equal(a, []string{dc4.IP}) {
				t.Errorf("@%s A %s: %s %v, want %s", server, dc4.FQDN, st, a, dc4.IP)
			}
			for _, srv := range []string{"_ldap._tcp." + dc1.Domain, "_kerberos._tcp." + dc1.Domain, "_ldap._tcp.dc._msdcs." + dc1.Domain} {
				targets := srvTargets(t, server, srv)
				if !slices.Contains(targets, dc1.FQDN) || !slices.Contains(targets, dc4.FQDN) {
					t.Errorf("@%s SRV %s: targets %v, want both %s and %s", server, srv, targets, dc1.FQDN, dc4.FQDN)
				}
			}
		}
		if st, a := dig(t, dc1.IP, reverseName(dc4.IP), "PTR"); st != "NOERROR" || !slices.Equal(a, []string{dc4.FQDN + "."}) {
			t.Errorf("PTR of %s: %s %v", dc4.IP, st, a)
		}
	})

	t.Run("replication both ways", func(t *testing.T) {
		for _, dir := range []struct{ from, to *labenv.DC }{{dc1, dc4}, {dc4, dc1}} {
			ou := fmt.Sprintf("OU=spntrust-repl-%s-%d,%s", strings.Split(dir.from.FQDN, ".")[0], os.Getpid(), dc1.BaseDN())
			ldapTool(t, env, dir.from, "ldapadd", "dn: "+ou+"\nobjectClass: organizationalUnit\ndescription: TestLabSecondDC, deleted by the test\n")
			deleted := false
			t.Cleanup(func() {
				if !deleted {
					ldapTool(t, env, dir.from, "ldapdelete", "", ou)
				}
			})
			replicate(t, env, dir.to, dir.from, dc1.BaseDN())
			src := ldbsearchBase(t, dir.from, ou, "base", "(objectClass=*)", "objectGUID")
			dst := ldbsearchBase(t, dir.to, ou, "base", "(objectClass=*)", "objectGUID")
			if len(src) != 1 || len(dst) != 1 || src[0].first("objectGUID") != dst[0].first("objectGUID") {
				t.Errorf("%s created on %s: on %s %v (source %v), want the same object", ou, dir.from.FQDN, dir.to.FQDN, dst, src)
			}
			ldapTool(t, env, dir.from, "ldapdelete", "", ou)
			deleted = true
			replicate(t, env, dir.to, dir.from, dc1.BaseDN())
			if left := ldbsearchBase(t, dir.to, dc1.BaseDN(), "one", "(ou="+strings.TrimPrefix(strings.Split(ou, ",")[0], "OU=")+")", "dn"); len(left) != 0 {
				t.Errorf("%s deleted on %s is still on %s: %v", ou, dir.from.FQDN, dir.to.FQDN, left)
			}
		}
	})
}

// srvTargets returns the target names of an SRV record set (lower case, no
// final dot), as answered by server.
func srvTargets(t *testing.T, server, name string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "dig", "+time=3", "+tries=2", "+short", "@"+server, name, "SRV").Output()
	if err != nil {
		t.Fatalf("dig @%s %s SRV: %v", server, name, err)
	}
	var targets []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(l); len(f) == 4 {
			targets = append(targets, strings.TrimSuffix(strings.ToLower(f[3]), "."))
		}
	}
	slices.Sort(targets)
	return targets
}

// replicate makes dst pull nc from src now and waits for it to finish:
// `samba-tool drs replicate --local` inside dst's mount namespace, a DRS
// GetNCChanges from src applied to dst's database. (Asking dst's replication
// service over RPC instead fails for a while after a join: DC1 answers
// WERR_FILE_NOT_FOUND or WERR_GEN_FAILURE until its KCC and replication
// service have caught up with the new DC; README "Second DC".)
func replicate(t *testing.T, env *labenv.Env, dst, src *labenv.DC, nc string) {
	t.Helper()
	pw, err := env.AdminPassword()
	if err != nil {
		t.Fatal(err)
	}
	// A scale lab's first pull of the imported objects takes minutes.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", "-m", "-t", fmt.Sprint(dst.PID), "samba-tool", "drs", "replicate",
		dst.FQDN, src.FQDN, nc, "--local", "-U", env.AdminUser+"@"+dst.Realm, "-s", dst.Dir+"/etc/smb.conf")
	cmd.Env = append(os.Environ(), "PASSWD="+pw, "KRB5_CONFIG="+env.Krb5Config)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("samba-tool drs replicate %s %s %s: %v\n%s", dst.FQDN, src.FQDN, nc, err, out)
	}
}

// ldapTool runs ldapsearch/ldapadd/ldapdelete against dc over LDAPS (verified
// against the lab CA) as the lab's Administrator, with stdin as its input.
func ldapTool(t *testing.T, env *labenv.Env, dc *labenv.DC, tool, stdin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	all := append([]string{"-x", "-H", "ldaps://" + dc.FQDN, "-D", env.AdminUser + "@" + dc.Domain, "-y", env.AdminPasswordFile}, args...)
	if tool == "ldapsearch" {
		all = append([]string{"-LLL", "-o", "ldif-wrap=no"}, all...)
	}
	cmd := exec.CommandContext(ctx, tool, all...)
	cmd.Env = append(os.Environ(), "LDAPTLS_CACERT="+env.CAFile, "LDAPTLS_REQCERT=demand")
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s on %s: %v\n%s", tool, dc.FQDN, err, out)
	}
	return out
}
