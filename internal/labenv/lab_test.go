package labenv_test

// Integration tests proving the Samba AD lab (testdata/lab) is what its README
// claims: every seeded account and SPN, the trusts, the DNS records and the
// TLS set-up. They skip when the lab is not up, and fail instead when
// SPNTRUST_LAB_REQUIRED=1. Reading sam.ldb needs root, as does the lab.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/spntrust/spntrust/internal/labenv"
)

const (
	encAES      = 0x18
	encRC4      = 0x4
	encComputer = 0x1C
	encUnset    = -1

	uacDisabled    = 0x2
	uacNormal      = 0x200
	uacWorkstation = 0x1000
)

type seededAccount struct {
	domain   string
	sam      string
	spns     []string
	enctypes int
	disabled bool
	computer bool
}

func computer(domain, name string) seededAccount {
	short := strings.ToLower(name)
	return seededAccount{domain: domain, sam: name + "$", computer: true, enctypes: encComputer,
		spns: []string{"HOST/" + short, "HOST/" + short + "." + domain}}
}

// seeded is the README's table of seeded conditions, as accounts.
var seeded = []seededAccount{
	computer("lab.test", "MP01"),
	computer("lab.test", "MP02"),
	computer("lab.test", "WEB01"),
	computer("lab.test", "WEB02"),
	computer("lab.test", "FILE01"),
	computer("lab.test", "SQL01"),
	computer("lab.test", "SQL02"),
	computer("partner.test", "APP21"),
	computer("extern.test", "EXT31"),
	{domain: "lab.test", sam: "svc-mpweb", spns: []string{"HTTP/mp01.lab.test", "HTTP/mp01"}, enctypes: encAES},
	{domain: "lab.test", sam: "svc-web02", spns: []string{"HTTP/web02.lab.test:81", "HTTP/web02:81"}, enctypes: encAES},
	{domain: "lab.test", sam: "svc-ghost", spns: []string{"HTTP/ghost.lab.test"}, enctypes: encAES},
	{domain: "lab.test", sam: "svc-app03", spns: []string{"HTTP/app03.lab.test", "HTTP/app03"}, enctypes: encAES},
	{domain: "lab.test", sam: "svc-portal", spns: []string{"HTTP/portal.lab.test", "HTTP/portal"}, enctypes: encAES},
	{domain: "lab.test", sam: "svc-app05", spns: []string{"HTTP/app05.lab.test", "HTTP/app05"}, enctypes: encAES},
	{domain: "lab.test", sam: "svc-old", spns: []string{"HTTP/old.lab.test", "HTTP/old"}, enctypes: encAES, disabled: true},
	{domain: "lab.test", sam: "svc-live", spns: []string{"HTTP/live.lab.test", "HTTP/live"}, enctypes: encAES},
	{domain: "lab.test", sam: "svc-sql", spns: []string{"MSSQLSvc/sql01.lab.test:1433"}, enctypes: encUnset},
	{domain: "lab.test", sam: "svc-sql2", spns: []string{"MSSQLSvc/sql02.lab.test:1433"}, enctypes: encAES},
	{domain: "lab.test", sam: "svc-rc4", spns: []string{"HTTP/legacy.lab.test", "HTTP/legacy"}, enctypes: encRC4},
	{domain: "lab.test", sam: "svc-aes", spns: []string{"HTTP/modern.lab.test", "HTTP/modern"}, enctypes: encAES},
	{domain: "lab.test", sam: "svc-ntonly", spns: []string{"HTTP/ntonly.lab.test", "HTTP/ntonly"}, enctypes: encUnset},
	{domain: "lab.test", sam: "svc-aeskeys", spns: []string{"HTTP/aeskeys.lab.test", "HTTP/aeskeys"}, enctypes: encUnset},
	{domain: "lab.test", sam: "svc-intra", spns: []string{"HTTP/intra.lab.test"}, enctypes: encAES},
	{domain: "lab.test", sam: "svc-bad", spns: []string{"http://bad.lab.test", "HTTP/bad.lab.test:eighty", "HTTP/bad lab.test"}, enctypes: encAES},
	{domain: "partner.test", sam: "svc-sql", spns: []string{"MSSQLSvc/sql01.lab.test:1433"}, enctypes: encAES},
}

// seededHosts: A records (last octet in LAB_HOSTNET), each with a PTR.
var seededHosts = map[string]int{
	"mp01.lab.test": 10, "mp02.lab.test": 16, "web01.lab.test": 11, "web02.lab.test": 12, "file01.lab.test": 13,
	"sql01.lab.test": 14, "sql02.lab.test": 15, "app03.lab.test": 20, "app04.lab.test": 21,
	"app05.lab.test": 22, "old.lab.test": 23, "live.lab.test": 24, "intra.lab.test": 25,
	"legacy.lab.test": 26, "modern.lab.test": 27, "bad.lab.test": 28, "ntonly.lab.test": 29, "aeskeys.lab.test": 30,
	"app21.partner.test": 40, "ext31.extern.test": 50,
}

type entry map[string][]string

func (e entry) first(attr string) string {
	if v := e[strings.ToLower(attr)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// ldbsearch runs ldbsearch against a DC's sam.ldb and parses the LDIF.
func ldbsearch(t *testing.T, dc *labenv.DC, filter string, attrs ...string) []entry {
	t.Helper()
	args := append([]string{"-H", dc.SamLDB(), "-b", dc.BaseDN(), "-s", "sub", filter}, attrs...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ldbsearch", args...).Output()
	if err != nil {
		t.Fatalf("ldbsearch %s %q: %v", dc.Domain, filter, err)
	}
	return parseLDIF(t, out)
}

func parseLDIF(t *testing.T, out []byte) []entry {
	t.Helper()
	es, err := labenv.ParseLDIF(out)
	if err != nil {
		t.Fatal(err)
	}
	res := make([]entry, len(es))
	for i, e := range es {
		res[i] = entry(e)
	}
	return res
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	slices.Sort(out)
	return out
}

func requireRoot(t *testing.T, env *labenv.Env) {
	t.Helper()
	if _, err := os.Stat(env.DCs[0].SamLDB()); err != nil {
		t.Fatalf("lab database: %v", err)
	}
	f, err := os.Open(env.DCs[0].SamLDB())
	if err != nil {
		if labenv.Required() {
			t.Fatalf("cannot read the lab's sam.ldb (run as root): %v", err)
		}
		t.Skipf("cannot read the lab's sam.ldb (run as root): %v", err)
	}
	f.Close()
}

func TestLabAccounts(t *testing.T) {
	env := labenv.Require(t)
	requireRoot(t, env)
	for _, a := range seeded {
		t.Run(a.domain+"/"+a.sam, func(t *testing.T) {
			dc := env.ByDomain(a.domain)
			if dc == nil {
				t.Fatalf("no DC for %s", a.domain)
			}
			res := ldbsearch(t, dc, "(sAMAccountName="+a.sam+")",
				"servicePrincipalName", "userAccountControl", "msDS-SupportedEncryptionTypes", "pwdLastSet", "objectClass")
			if len(res) != 1 {
				t.Fatalf("%d entries for %s, want 1", len(res), a.sam)
			}
			e := res[0]
			if got, want := lower(e["serviceprincipalname"]), lower(a.spns); !slices.Equal(got, want) {
				t.Errorf("SPNs = %q, want %q", got, want)
			}
			uac, err := strconv.Atoi(e.first("userAccountControl"))
			if err != nil {
				t.Fatalf("userAccountControl %q: %v", e.first("userAccountControl"), err)
			}
			if got := uac&uacDisabled != 0; got != a.disabled {
				t.Errorf("disabled = %v (userAccountControl %#x), want %v", got, uac, a.disabled)
			}
			if a.computer {
				if uac != uacWorkstation {
					t.Errorf("computer userAccountControl = %#x, want %#x (enabled workstation, as after a join)", uac, uacWorkstation)
				}
				if !slices.Contains(e["objectclass"], "computer") {
					t.Errorf("objectClass %q lacks computer", e["objectclass"])
				}
			} else if uac&uacNormal == 0 {
				t.Errorf("userAccountControl %#x lacks NORMAL_ACCOUNT", uac)
			}
			enc := encUnset
			if s := e.first("msDS-SupportedEncryptionTypes"); s != "" {
				if enc, err = strconv.Atoi(s); err != nil {
					t.Fatalf("msDS-SupportedEncryptionTypes %q: %v", s, err)
				}
			}
			if enc != a.enctypes {
				t.Errorf("msDS-SupportedEncryptionTypes = %d, want %d (-1 = unset)", enc, a.enctypes)
			}
			if p := e.first("pwdLastSet"); p == "" || p == "0" {
				t.Errorf("pwdLastSet = %q: account has no password (no Kerberos keys)", p)
			}
		})
	}
}

// TestLabSPNHolders checks that each seeded SPN is held by exactly the
// expected account within its domain, and that the cross-forest duplicate
// exists on both sides.
func TestLabSPNHolders(t *testing.T) {
	env := labenv.Require(t)
	requireRoot(t, env)
	holders := map[string][]string{} // spn -> ["domain/sam", ...]
	for _, a := range seeded {
		for _, s := range a.spns {
			k := strings.ToLower(s)
			holders[k] = append(holders[k], a.domain+"/"+strings.ToLower(a.sam))
		}
	}
	actual := map[string][]string{} // every SPN in the lab -> holders
	for _, dc := range env.DCs {
		for _, e := range ldbsearch(t, &dc, "(servicePrincipalName=*)", "sAMAccountName", "servicePrincipalName") {
			for _, s := range e["serviceprincipalname"] {
				k := strings.ToLower(s)
				actual[k] = append(actual[k], dc.Domain+"/"+strings.ToLower(e.first("sAMAccountName")))
			}
		}
	}
	for spn, want := range holders {
		got := actual[spn]
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s held by %q, want %q", spn, got, want)
		}
	}
	if got := holders["mssqlsvc/sql01.lab.test:1433"]; len(got) != 2 {
		t.Errorf("cross-forest duplicate: %q", got)
	}
	// the seed case: the HOST alias of the user's HTTP SPN is on the computer
	lab := env.ByDomain("lab.test")
	res := ldbsearch(t, lab, "(servicePrincipalName=HOST/mp01.lab.test)", "sAMAccountName")
	if len(res) != 1 || res[0].first("sAMAccountName") != "MP01$" {
		t.Errorf("HOST/mp01.lab.test holder: %v", res)
	}
	// the remediated form: nobody holds the port-less HTTP SPN for web02
	if res := ldbsearch(t, lab, "(servicePrincipalName=HTTP/web02.lab.test)", "sAMAccountName"); len(res) != 0 {
		t.Errorf("HTTP/web02.lab.test unexpectedly held by %v", res)
	}
}

func TestLabTrusts(t *testing.T) {
	env := labenv.Require(t)
	requireRoot(t, env)
	type trust struct {
		from, partner, flat string
		forest              bool
	}
	for _, tr := range []trust{
		{"lab.test", "partner.test", "PARTNER", true},
		{"partner.test", "lab.test", "LAB", true},
		{"lab.test", "extern.test", "EXTERN", false},
		{"extern.test", "lab.test", "LAB", false},
	} {
		dc := env.ByDomain(tr.from)
		res := ldbsearch(t, dc, "(&(objectClass=trustedDomain)(trustPartner="+tr.partner+"))",
			"trustType", "trustDirection", "trustAttributes", "flatName", "msDS-TrustForestTrustInfo")
		if len(res) != 1 {
			t.Errorf("%s -> %s: %d trustedDomain objects, want 1", tr.from, tr.partner, len(res))
			continue
		}
		e := res[0]
		attrs, _ := strconv.Atoi(e.first("trustAttributes"))
		if e.first("trustType") != "2" || e.first("trustDirection") != "3" {
			t.Errorf("%s -> %s: trustType %s trustDirection %s, want 2 (uplevel) and 3 (two-way)",
				tr.from, tr.partner, e.first("trustType"), e.first("trustDirection"))
		}
		if !strings.EqualFold(e.first("flatName"), tr.flat) {
			t.Errorf("%s -> %s: flatName %q, want %q", tr.from, tr.partner, e.first("flatName"), tr.flat)
		}
		if tr.forest {
			if attrs != 0x8 {
				t.Errorf("%s -> %s: trustAttributes %#x, want 0x8 (forest transitive)", tr.from, tr.partner, attrs)
			}
			if e.first("msDS-TrustForestTrustInfo") == "" {
				t.Errorf("%s -> %s: forest trust without msDS-TrustForestTrustInfo", tr.from, tr.partner)
			}
		} else {
			if attrs&0x4 == 0 || attrs&0x8 != 0 || attrs&0x20 != 0 {
				t.Errorf("%s -> %s: trustAttributes %#x, want external with 0x4 (quarantined)", tr.from, tr.partner, attrs)
			}
		}
	}
}

func dig(t *testing.T, server, name, qtype string) (status string, answers []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "dig", "+time=3", "+tries=2", "+noall", "+comments", "+answer",
		"@"+server, name, qtype).Output()
	if err != nil {
		t.Fatalf("dig @%s %s %s: %v", server, name, qtype, err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if i := strings.Index(l, "status: "); i >= 0 {
			status = strings.TrimSuffix(strings.Fields(l[i+8:])[0], ",")
			continue
		}
		if l == "" || strings.HasPrefix(l, ";") {
			continue
		}
		f := strings.Fields(l)
		if len(f) >= 5 && f[3] == qtype {
			answers = append(answers, strings.ToLower(f[4]))
		}
	}
	return status, answers
}

func reverseName(ip string) string {
	p := strings.Split(ip, ".")
	return fmt.Sprintf("%s.%s.%s.%s.in-addr.arpa.", p[3], p[2], p[1], p[0])
}

func TestLabDNS(t *testing.T) {
	env := labenv.Require(t)
	dc1 := env.DCs[0].IP
	hostnet := env.HostNet
	if hostnet == "" {
		hostnet = "127.0.1"
	}
	for host, last := range seededHosts {
		ip := fmt.Sprintf("%s.%d", hostnet, last)
		if st, a := dig(t, dc1, host, "A"); st != "NOERROR" || !slices.Equal(a, []string{ip}) {
			t.Errorf("A %s via DC1: %s %q, want %s", host, st, a, ip)
		}
		if st, p := dig(t, dc1, reverseName(ip), "PTR"); st != "NOERROR" || !slices.Equal(p, []string{host + "."}) {
			t.Errorf("PTR %s via DC1: %s %q, want %s.", ip, st, p, host)
		}
	}
	if st, c := dig(t, dc1, "portal.lab.test", "CNAME"); st != "NOERROR" || !slices.Equal(c, []string{"app04.lab.test."}) {
		t.Errorf("CNAME portal.lab.test: %s %q", st, c)
	}
	for _, h := range []string{"ghost.lab.test", "ghost"} {
		if st, a := dig(t, dc1, h+".", "A"); st == "NOERROR" && len(a) > 0 {
			t.Errorf("%s resolves to %q; the seed needs it missing", h, a)
		}
	}
	// DC1 answers for all three domains (forwarder chain DC1 -> DC2 -> DC3),
	// and every DC has a PTR.
	for _, dc := range env.DCs {
		if st, a := dig(t, dc1, dc.FQDN, "A"); st != "NOERROR" || !slices.Contains(a, dc.IP) {
			t.Errorf("A %s via DC1: %s %q", dc.FQDN, st, a)
		}
		if st, a := dig(t, dc1, "_ldap._tcp.dc._msdcs."+dc.Domain, "SRV"); st != "NOERROR" || len(a) == 0 {
			t.Errorf("SRV _ldap._tcp.dc._msdcs.%s via DC1: %s", dc.Domain, st)
		}
		if st, p := dig(t, dc1, reverseName(dc.IP), "PTR"); st != "NOERROR" || !slices.Equal(p, []string{dc.FQDN + "."}) {
			t.Errorf("PTR %s: %s %q, want %s.", dc.IP, st, p, dc.FQDN)
		}
	}
	// forwarders: DC1 -> DC2, DC2 -> DC3, DC3 -> none (nothing leaves the machine)
	if len(env.DCs) == 3 {
		want := []string{env.DCs[1].IP, env.DCs[2].IP, ""}
		for i, dc := range env.DCs {
			if got := forwarder(t, dc); got != want[i] {
				t.Errorf("%s dns forwarder = %q, want %q", dc.FQDN, got, want[i])
			}
		}
	}
}

func forwarder(t *testing.T, dc labenv.DC) string {
	t.Helper()
	b, err := os.ReadFile(dc.Dir + "/etc/smb.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "dns forwarder") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func TestLabTLS(t *testing.T) {
	env := labenv.Require(t)
	pem, err := os.ReadFile(env.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s: no certificate", env.CAFile)
	}
	for _, dc := range env.DCs {
		for _, name := range []string{dc.FQDN, dc.IP} {
			d := &net.Dialer{Timeout: 5 * time.Second}
			c, err := tls.DialWithDialer(d, "tcp", net.JoinHostPort(dc.IP, "636"),
				&tls.Config{RootCAs: pool, ServerName: name, MinVersion: tls.VersionTLS12})
			if err != nil {
				t.Errorf("LDAPS %s as %q, verified against the lab CA: %v", dc.IP, name, err)
				continue
			}
			leaf := c.ConnectionState().PeerCertificates[0]
			if leaf.SerialNumber.Sign() <= 0 {
				t.Errorf("%s: serial %v not positive", dc.FQDN, leaf.SerialNumber)
			}
			if !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) {
				t.Errorf("%s: no serverAuth EKU", dc.FQDN)
			}
			c.Close()
		}
	}
}

// TestLabLDAPS reads a seeded object over LDAPS and over StartTLS with a
// simple bind, both verified against the lab CA (no LDAPTLS_REQCERT=never).
func TestLabLDAPS(t *testing.T) {
	env := labenv.Require(t)
	if _, err := env.AdminPassword(); err != nil {
		t.Fatal(err)
	}
	dc := env.DCs[0]
	for _, mode := range []struct{ name, uri, extra string }{
		{"ldaps", "ldaps://" + dc.FQDN, ""},
		{"starttls", "ldap://" + dc.FQDN, "-ZZ"},
	} {
		args := []string{"-LLL", "-o", "ldif-wrap=no", "-x", "-H", mode.uri,
			"-D", env.AdminUser + "@" + dc.Domain, "-y", env.AdminPasswordFile,
			"-b", dc.BaseDN(), "(sAMAccountName=svc-mpweb)", "servicePrincipalName"}
		if mode.extra != "" {
			args = append([]string{mode.extra}, args...)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, "ldapsearch", args...)
		cmd.Env = append(os.Environ(), "LDAPTLS_CACERT="+env.CAFile, "LDAPTLS_REQCERT=demand")
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Errorf("%s: ldapsearch: %v\n%s", mode.name, err, out)
			continue
		}
		if !strings.Contains(string(out), "servicePrincipalName: HTTP/mp01.lab.test") {
			t.Errorf("%s: svc-mpweb SPNs not returned:\n%s", mode.name, out)
		}
	}
}

// TestLabStopDC stops DC3 through Env.StopDC, proves it is down (no LDAPS, no
// Kerberos, no DNS, no samba process), and after the subtest (whose cleanup
// restarts it) proves it answers again with a new pid.
func TestLabStopDC(t *testing.T) {
	env := labenv.Require(t)
	const n = 3
	dc := env.DCs[n-1]
	oldPID := dc.PID
	t.Run("stopped", func(t *testing.T) {
		env.StopDC(t, n)
		for _, port := range []string{"636", "389", "88", "53"} {
			if c, err := net.DialTimeout("tcp", net.JoinHostPort(dc.IP, port), time.Second); err == nil {
				c.Close()
				t.Errorf("%s:%s still accepts connections after StopDC", dc.IP, port)
			}
		}
		if oldPID > 0 {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d", oldPID)); err == nil {
				t.Errorf("samba pid %d of %s still exists after StopDC", oldPID, dc.FQDN)
			}
		}
		// the other DCs are untouched
		for _, other := range env.DCs[:n-1] {
			c, err := net.DialTimeout("tcp", net.JoinHostPort(other.IP, "636"), 2*time.Second)
			if err != nil {
				t.Errorf("%s down while only DC%d was stopped: %v", other.FQDN, n, err)
				continue
			}
			c.Close()
		}
	})
	if t.Failed() {
		return
	}
	// StopDC's cleanup has run: the DC is back and healthy.
	for _, port := range []string{"636", "389", "88", "53", "3268"} {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(dc.IP, port), 2*time.Second)
		if err != nil {
			t.Errorf("%s:%s after the restart: %v", dc.IP, port, err)
			continue
		}
		c.Close()
	}
	if st, a := dig(t, dc.IP, dc.FQDN, "A"); st != "NOERROR" || !slices.Contains(a, dc.IP) {
		t.Errorf("DNS on restarted %s: %s %q", dc.FQDN, st, a)
	}
	if env.DCs[n-1].PID == 0 || env.DCs[n-1].PID == oldPID {
		t.Errorf("pid after restart = %d (before %d): lab.env not rewritten", env.DCs[n-1].PID, oldPID)
	}
	if err := env.Check(); err != nil {
		t.Errorf("lab after the restart: %v", err)
	}
}

// TestLabConfigMgr reads back the Configuration Manager schema extension of
// lab.test (attributes and classes by lDAPDisplayName) and the management
// points published in CN=System Management,CN=System: from sam.ldb, and over
// LDAPS from the running DC (which proves it loaded the extended schema).
func TestLabConfigMgr(t *testing.T) {
	env := labenv.Require(t)
	requireRoot(t, env)
	lab := env.ByDomain("lab.test")
	schema := "CN=Schema,CN=Configuration," + lab.BaseDN()
	for _, name := range []string{"mSSMSSiteCode", "mSSMSAssignmentSiteCode", "mSSMSSiteBoundaries",
		"mSSMSRoamingBoundaries", "mSSMSDefaultMP", "mSSMSDeviceManagementPoint", "mSSMSMPName",
		"mSSMSMPAddress", "mSSMSHealthState", "mSSMSSourceForest", "mSSMSRangedIPLow",
		"mSSMSRangedIPHigh", "mSSMSVersion", "mSSMSCapabilities",
		"mSSMSManagementPoint", "mSSMSServerLocatorPoint", "mSSMSSite", "mSSMSRoamingBoundaryRange"} {
		res := ldbsearchBase(t, lab, schema, "one", "(lDAPDisplayName="+name+")", "attributeID", "governsID", "objectClass")
		if len(res) != 1 {
			t.Errorf("schema: %d objects with lDAPDisplayName %s, want 1", len(res), name)
			continue
		}
		if id := res[0].first("attributeID") + res[0].first("governsID"); !strings.HasPrefix(id, "1.2.840.113556.1.8000.2554.") {
			t.Errorf("schema %s: OID %q, want the lab's documented private arc", name, id)
		}
	}
	sm := "CN=System Management,CN=System," + lab.BaseDN()
	if res := ldbsearchBase(t, lab, sm, "base", "(objectClass=container)", "cn"); len(res) != 1 {
		t.Fatalf("%s: %d container objects, want 1", sm, len(res))
	}
	if res := ldbsearchBase(t, lab, sm, "one", "(objectClass=mSSMSSite)", "mSSMSSiteCode"); len(res) != 1 || res[0].first("mSSMSSiteCode") != "LAB" {
		t.Errorf("site objects: %v, want one with mSSMSSiteCode LAB", res)
	}
	type mp struct{ name, host, def string }
	want := map[string]mp{
		"cn=sms-mp-lab-mp01.lab.test," + strings.ToLower(sm): {"MP01.LAB.TEST", "mp01.lab.test", "TRUE"},
		"cn=sms-mp-lab-mp02.lab.test," + strings.ToLower(sm): {"MP02.LAB.TEST", "mp02.lab.test", "FALSE"},
	}
	check := func(how string, res []entry) {
		t.Helper()
		if len(res) != len(want) {
			t.Errorf("%s: %d management points, want %d", how, len(res), len(want))
		}
		for _, e := range res {
			w, ok := want[strings.ToLower(e.first("dn"))]
			if !ok {
				t.Errorf("%s: unexpected management point %s", how, e.first("dn"))
				continue
			}
			if e.first("mSSMSSiteCode") != "LAB" || e.first("mSSMSMPName") != w.name ||
				!strings.EqualFold(e.first("dNSHostName"), w.host) || e.first("mSSMSDefaultMP") != w.def ||
				e.first("mSSMSVersion") == "" || !strings.Contains(e.first("mSSMSCapabilities"), "<ClientOperationalSettings>") {
				t.Errorf("%s: %s = %v, want site LAB, MP name %s, dNSHostName %s, default %s, version and capabilities",
					how, e.first("dn"), e, w.name, w.host, w.def)
			}
		}
	}
	attrs := []string{"mSSMSSiteCode", "mSSMSMPName", "dNSHostName", "mSSMSDefaultMP", "mSSMSVersion", "mSSMSCapabilities"}
	check("sam.ldb", ldbsearchBase(t, lab, sm, "one", "(objectClass=mSSMSManagementPoint)", attrs...))

	// over LDAPS, from the running DC
	args := append([]string{"-LLL", "-o", "ldif-wrap=no", "-x", "-H", "ldaps://" + lab.FQDN,
		"-D", env.AdminUser + "@" + lab.Domain, "-y", env.AdminPasswordFile,
		"-b", sm, "(objectClass=mSSMSManagementPoint)"}, attrs...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ldapsearch", args...)
	cmd.Env = append(os.Environ(), "LDAPTLS_CACERT="+env.CAFile, "LDAPTLS_REQCERT=demand")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ldapsearch: %v\n%s", err, out)
	}
	check("LDAPS", parseLDIF(t, out))

	// the seed case: MP01's HTTP SPN is held by a user, MP02's by nobody
	// (the computer answers through HOST)
	if res := ldbsearch(t, lab, "(servicePrincipalName=HTTP/mp01.lab.test)", "sAMAccountName"); len(res) != 1 || res[0].first("sAMAccountName") != "svc-mpweb" {
		t.Errorf("HTTP/mp01.lab.test holders: %v, want svc-mpweb", res)
	}
	if res := ldbsearch(t, lab, "(servicePrincipalName=HTTP/mp02*)", "sAMAccountName"); len(res) != 0 {
		t.Errorf("HTTP/mp02 held by %v, want nobody", res)
	}
}

// ldbsearchBase is ldbsearch with an explicit base and scope (base, one, sub).
func ldbsearchBase(t *testing.T, dc *labenv.DC, base, scope, filter string, attrs ...string) []entry {
	t.Helper()
	args := append([]string{"-H", dc.SamLDB(), "-b", base, "-s", scope, filter}, attrs...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ldbsearch", args...).Output()
	if err != nil {
		t.Fatalf("ldbsearch %s %s %q: %v", dc.Domain, base, filter, err)
	}
	return parseLDIF(t, out)
}

// ldbcount counts the entries under base matching filter.
func ldbcount(t *testing.T, dc *labenv.DC, base, filter string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ldbsearch", "-H", dc.SamLDB(), "-b", base, "-s", "sub", filter, "dn").Output()
	if err != nil {
		t.Fatalf("ldbsearch %s %s %q: %v", dc.Domain, base, filter, err)
	}
	return bytes.Count(out, []byte("\ndn: ")) // each entry follows a "# record N" line
}

// TestLabScale checks a lab brought up with SCALE=N (README "Scale mode"):
// the account mix, the seeded misconfigurations at scale and the DNS records.
// It skips on the normal lab.
func TestLabScale(t *testing.T) {
	env := labenv.Require(t)
	requireRoot(t, env)
	lab, partner := env.ByDomain("lab.test"), env.ByDomain("partner.test")
	ou := "OU=Scale," + lab.BaseDN()
	res := ldbsearchBase(t, lab, lab.BaseDN(), "one", "(ou=Scale)", "description")
	if len(res) == 0 {
		t.Skip("the lab is not in scale mode (sudo make lab-up SCALE=N)")
	}
	desc := res[0].first("description")
	i := strings.Index(desc, "SCALE=")
	if i < 0 {
		t.Fatalf("%s description %q has no SCALE=N marker", ou, desc)
	}
	n, err := strconv.Atoi(strings.TrimRight(desc[i+6:], ")"))
	if err != nil {
		t.Fatalf("marker %q: %v", desc, err)
	}
	computers := max(1, n*15/100)
	if got := ldbcount(t, lab, ou, "(objectClass=computer)"); got != computers {
		t.Errorf("computers in %s = %d, want %d (15%% of %d)", ou, got, computers, n)
	}
	if got := ldbcount(t, lab, ou, "(&(objectClass=user)(!(objectClass=computer)))"); got != n-computers {
		t.Errorf("users in %s = %d, want %d", ou, got, n-computers)
	}
	if got, want := ldbcount(t, lab, ou, "(&(objectClass=user)(!(objectClass=computer))(servicePrincipalName=*))"), max(4, n*3/100); got != want {
		t.Errorf("SPN-holding users = %d, want %d (3%% of %d)", got, want, n)
	}
	if got := ldbcount(t, lab, ou, "(&(objectClass=computer)(servicePrincipalName=HOST/*)(userAccountControl=4096))"); got != computers {
		t.Errorf("enabled computers with HOST SPNs = %d, want %d", got, computers)
	}
	// shadowing: each user's HTTP/sc<j> has the computer SC<j>$ holding HOST/sc<j>
	shadows := ldbsearchBase(t, lab, ou, "sub", "(&(objectClass=user)(!(objectClass=computer))(servicePrincipalName=HTTP/sc*))", "servicePrincipalName")
	if want := max(1, n*2/1000); len(shadows) != want {
		t.Errorf("users shadowing a computer's HOST = %d, want %d", len(shadows), want)
	}
	for _, e := range shadows[:min(3, len(shadows))] {
		host := strings.TrimPrefix(strings.ToLower(e.first("servicePrincipalName")), "http/")
		if r := ldbsearchBase(t, lab, ou, "sub", "(servicePrincipalName=HOST/"+host+")", "sAMAccountName"); len(r) != 1 || !strings.HasSuffix(r[0].first("sAMAccountName"), "$") {
			t.Errorf("%s shadows HOST/%s, held by %v: want one computer", e.first("dn"), host, r)
		}
	}
	if got, want := ldbcount(t, lab, ou, "(&(servicePrincipalName=*)(userAccountControl:1.2.840.113556.1.4.803:=2))"), max(1, n/1000); got != want {
		t.Errorf("disabled SPN holders = %d, want %d", got, want)
	}
	// cross-forest duplicates: every partner.test scale SPN is on a lab.test scale user too
	dups := ldbsearchBase(t, partner, "OU=Scale,"+partner.BaseDN(), "sub", "(servicePrincipalName=*)", "servicePrincipalName")
	if want := max(1, n/1000); len(dups) != want {
		t.Errorf("partner.test duplicate holders = %d, want %d", len(dups), want)
	}
	for _, e := range dups[:min(3, len(dups))] {
		spn := e.first("servicePrincipalName")
		if r := ldbsearchBase(t, lab, ou, "sub", "(servicePrincipalName="+spn+")", "sAMAccountName"); len(r) != 1 {
			t.Errorf("%s on PARTNER\\%s: %d lab.test holders, want 1", spn, e.first("dn"), len(r))
		}
	}
	// DNS: the first computer's A record, served by DC1
	if st, a := dig(t, lab.IP, "sc000001.lab.test", "A"); st != "NOERROR" || !slices.Equal(a, []string{"127.1.0.1"}) {
		t.Errorf("A sc000001.lab.test: %s %q, want 127.1.0.1", st, a)
	}
}

// TestLabHostile checks the opt-in hostile data of issue 11 (lab.sh
// seed-hostile): thousands of SPNs on one account, very long values, invalid
// UTF-8 and control characters. It skips when the data is not seeded.
func TestLabHostile(t *testing.T) {
	env := labenv.Require(t)
	requireRoot(t, env)
	lab := env.ByDomain("lab.test")
	ou := "OU=Hostile," + lab.BaseDN()
	if len(ldbsearchBase(t, lab, lab.BaseDN(), "one", "(ou=Hostile)", "description")) == 0 {
		t.Skip("no hostile data (sudo testdata/lab/lab.sh seed-hostile)")
	}
	get := func(cn string, attrs ...string) entry {
		t.Helper()
		res := ldbsearchBase(t, lab, ou, "one", "(cn="+cn+")", attrs...)
		if len(res) != 1 {
			t.Fatalf("%s: %d entries, want 1", cn, len(res))
		}
		return res[0]
	}
	if n := len(get("hostile-manyspn", "servicePrincipalName")["serviceprincipalname"]); n != 3000 {
		t.Errorf("hostile-manyspn holds %d SPNs, want 3000", n)
	}
	long := get("hostile-longattr", "description", "displayName", "servicePrincipalName")
	if len(long.first("description")) < 100000 || len(long.first("displayName")) < 20000 {
		t.Errorf("long values: description %d bytes, displayName %d bytes", len(long.first("description")), len(long.first("displayName")))
	}
	longest := 0
	for _, s := range long["serviceprincipalname"] {
		longest = max(longest, len(s))
	}
	if longest < 20000 {
		t.Errorf("longest SPN on hostile-longattr: %d bytes, want > 20000", longest)
	}
	if d := get("hostile-badutf8", "description").first("description"); d == "" || utf8.ValidString(d) {
		t.Errorf("hostile-badutf8 description %q: want invalid UTF-8", d)
	}
	ctl := get("hostile-control", "description", "servicePrincipalName")
	if !strings.Contains(ctl.first("description"), "\x1b[31m") || !strings.Contains(ctl.first("description"), "\u202e") {
		t.Errorf("hostile-control description %q: want an escape sequence and U+202E", ctl.first("description"))
	}
	if !slices.ContainsFunc(ctl["serviceprincipalname"], func(s string) bool { return strings.Contains(s, "\x01") }) {
		t.Errorf("hostile-control SPNs %q: want one with a control character", ctl["serviceprincipalname"])
	}
}
