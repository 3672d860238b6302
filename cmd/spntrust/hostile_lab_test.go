package main

// Hostile directory data against the lab: anyone who may write
// servicePrincipalName on an account can put thousands of values on it,
// very long ones, or bytes that are not UTF-8. The audit must complete,
// read every value it can, say what it could not read, and every report
// format must still be well-formed.
//
// Isolation. The hostile objects live in their own OU
// (OU=SpntrustHostile,DC=lab,DC=test) and exist only while this test holds
// the lab's use lock exclusively (labenv.RequireExclusive, the lock every
// labenv.Require holds shared): other lab tests — in any package, e.g.
// TestLabCollectionWithEachAuthMethod, which compares ALL lab.test SPN
// holders with ldbsearch — wait until the OU is gone and never see it. The
// OU is deleted in t.Cleanup, registered before anything is created, so a
// failing test removes it too; a leftover from a killed run is deleted
// before seeding. Seeding goes through LDAPS as Administrator (what a
// delegated admin could do); values the DC refuses over LDAP are written with
// ldbmodify into DC1's sam.ldb (what only a broken tool or replication
// partner could do) and the test logs which path each took. Samba refuses
// invalid UTF-8 on both paths (its DSDB modules validate the syntax), so
// invalid UTF-8 from a DC is covered by faultnet (TestFaultHostileValues)
// and the fuzz targets instead.

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/internal/labenv"
	"github.com/spntrust/spntrust/reports"
)

const hostileOU = "OU=SpntrustHostile,DC=lab,DC=test"

// hostileSPNCount is the number of SPNs on one account: above AD's
// MaxValRange (1500), so a real DC returns them in ranges.
const hostileSPNCount = 3000

func labLDAP(t *testing.T, env *labenv.Env, dc labenv.DC) *ldap.Conn {
	t.Helper()
	pem, err := os.ReadFile(env.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	l, err := ldap.DialURL("ldaps://"+dc.IP+":636", ldap.DialWithTLSConfig(&tls.Config{RootCAs: pool, ServerName: dc.FQDN, MinVersion: tls.VersionTLS12}))
	if err != nil {
		t.Fatalf("dial %s: %v", dc.FQDN, err)
	}
	pw, err := env.AdminPassword()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Bind(env.AdminUser+"@"+dc.Domain, pw); err != nil {
		l.Close()
		t.Fatalf("bind: %v", err)
	}
	return l
}

// deleteTree removes dn and everything below it (leaves first).
func deleteTree(l *ldap.Conn, dn string) error {
	res, err := l.Search(ldap.NewSearchRequest(dn, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"1.1"}, nil))
	if err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return nil
		}
		return err
	}
	dns := make([]string, 0, len(res.Entries))
	for _, e := range res.Entries {
		dns = append(dns, e.DN)
	}
	// Deepest first: more RDNs, then longer.
	for i := range dns {
		for j := i + 1; j < len(dns); j++ {
			if strings.Count(dns[j], ",") > strings.Count(dns[i], ",") {
				dns[i], dns[j] = dns[j], dns[i]
			}
		}
	}
	for _, d := range dns {
		if err := l.Del(ldap.NewDelRequest(d, nil)); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return fmt.Errorf("delete %s: %w", d, err)
		}
	}
	return nil
}

func addUser(t *testing.T, l *ldap.Conn, name string, spns []string) string {
	t.Helper()
	dn := "CN=" + name + "," + hostileOU
	req := ldap.NewAddRequest(dn, nil)
	req.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user"})
	req.Attribute("sAMAccountName", []string{name})
	req.Attribute("userAccountControl", []string{"514"}) // disabled: no password needed
	if len(spns) > 0 {
		req.Attribute("servicePrincipalName", spns)
	}
	if err := l.Add(req); err != nil {
		t.Fatalf("add %s with %d SPNs: %v", dn, len(spns), err)
	}
	return dn
}

// addSPN adds one value over LDAP, or with ldbmodify when the DC refuses
// it; it returns how it got in ("" when neither could write it).
func addSPN(t *testing.T, l *ldap.Conn, dc labenv.DC, dn, value string) string {
	t.Helper()
	m := ldap.NewModifyRequest(dn, nil)
	m.Add("servicePrincipalName", []string{value})
	err := l.Modify(m)
	if err == nil {
		return "ldap"
	}
	ldif := "dn: " + dn + "\nchangetype: modify\nadd: servicePrincipalName\nservicePrincipalName:: " + base64.StdEncoding.EncodeToString([]byte(value)) + "\n-\n"
	f := filepath.Join(t.TempDir(), "hostile.ldif")
	if werr := os.WriteFile(f, []byte(ldif), 0o600); werr != nil {
		t.Fatal(werr)
	}
	out, lerr := exec.Command("ldbmodify", "-H", dc.SamLDB(), f).CombinedOutput()
	if lerr == nil {
		return "ldbmodify"
	}
	// Below Samba's module stack, straight into the domain partition's ldb
	// file, as testdata/lab/hostile.py does for values Samba refuses: what a
	// directory holds when another implementation wrote it (an unpaired
	// UTF-16 surrogate stored by Windows reaches LDAP as invalid UTF-8).
	rawOut, rerr := rawLDB(dc, "add", dn, value)
	if rerr == nil {
		// Taken out the same way before the OU is deleted (cleanups run
		// last-in first-out): Samba's delete would try to casefold the
		// value for its index and fail on it.
		t.Cleanup(func() {
			if out, err := rawLDB(dc, "delete", dn, value); err != nil {
				t.Errorf("remove the raw value from %s: %v\n%s", dn, err, out)
			}
		})
		return "raw ldb"
	}
	t.Logf("%q: refused over LDAP (%v), by ldbmodify (%v: %s) and raw (%v: %s)", short(value), err, lerr, bytes.TrimSpace(out), rerr, bytes.TrimSpace(rawOut))
	return ""
}

// rawLDB adds or deletes one servicePrincipalName value of dn in the
// domain partition's ldb file of dc, without Samba's modules.
func rawLDB(dc labenv.DC, op, dn, value string) ([]byte, error) {
	return exec.Command("/usr/bin/python3", "-c", rawLDBPy, dc.Dir, op, dn, "servicePrincipalName", base64.StdEncoding.EncodeToString([]byte(value))).CombinedOutput()
}

// rawLDBPy: argv = provision dir, add|delete, dn, attribute, value (base64).
const rawLDBPy = `
import base64, glob, sys
import ldb
target, op, dn, attr, value = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], base64.b64decode(sys.argv[5])
base = dn[dn.upper().index(",DC=") + 1:].upper()
path = glob.glob("%s/private/sam.ldb.d/%s.ldb" % (target, base))[0]
raw = ldb.Ldb(url="tdb://" + path, options=["modules:"])
m = ldb.Message(ldb.Dn(raw, dn))
m[attr] = ldb.MessageElement([value], ldb.FLAG_MOD_ADD if op == "add" else ldb.FLAG_MOD_DELETE, attr)
raw.modify(m)
`

// jsonUTF8 is s as a snapshot file holds it: encoding/json replaces each
// byte of invalid UTF-8 with U+FFFD.
func jsonUTF8(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

func TestLabHostileDirectoryData(t *testing.T) {
	env := labenv.RequireExclusive(t)
	dc1 := env.DCs[0]
	if dc1.Domain != "lab.test" {
		t.Fatalf("DC1 serves %s, the test expects lab.test", dc1.Domain)
	}
	l := labLDAP(t, env, dc1)
	t.Cleanup(func() {
		if err := deleteTree(l, hostileOU); err != nil {
			t.Errorf("remove %s: %v (remove it by hand: ldbdel -r -H %s '%s')", hostileOU, err, dc1.SamLDB(), hostileOU)
		}
		l.Close()
	})
	if err := deleteTree(l, hostileOU); err != nil { // a leftover of a killed run
		t.Fatal(err)
	}
	ou := ldap.NewAddRequest(hostileOU, nil)
	ou.Attribute("objectClass", []string{"top", "organizationalUnit"})
	if err := l.Add(ou); err != nil {
		t.Fatalf("add %s: %v", hostileOU, err)
	}

	var many []string
	for i := 0; i < hostileSPNCount; i++ {
		many = append(many, fmt.Sprintf("HTTP/hm%04d.hostile.lab.test", i))
	}
	manyDN := addUser(t, l, "hostile-many", many)
	oddDN := addUser(t, l, "hostile-odd", []string{"HTTP/hostile-odd.lab.test"})
	hostile := map[string]string{
		"long host (1000 bytes)":         "HTTP/" + strings.Repeat("a", 1000) + ".lab.test",
		"long value (10 000 bytes)":      "HTTP/x.lab.test/" + strings.Repeat("n", 10000),
		"invalid UTF-8":                  "HTTP/bad\xff\xfe.lab.test",
		"control character":              "HTTP/ctl\x01.lab.test",
		"URL scheme as a port":           "HTTP/http:url.lab.test",
		"XML and HTML metacharacters":    `HTTP/<script>alert("x")</script>&amp;.lab.test`,
		"CSV and formula metacharacters": "HTTP/=cmd|' /C calc'!A0,\"x\".lab.test",
	}
	written := map[string]string{}
	for name, v := range hostile {
		if how := addSPN(t, l, dc1, oddDN, v); how != "" {
			written[name] = how
		}
	}
	t.Logf("hostile values written: %v", written)

	// What the DC itself holds, read independently of spntrust.
	want := dcSPNs(t, dc1)
	if n := len(want[strings.ToLower(manyDN)]); n != hostileSPNCount {
		t.Fatalf("the DC holds %d SPNs on %s, want %d", n, manyDN, hostileSPNCount)
	}

	snap, outs := auditLabInEveryFormat(t, env)
	accounts := map[string]audit.Account{}
	for _, a := range snap.Accounts {
		accounts[strings.ToLower(a.DN)] = a
	}
	if got := len(accounts[strings.ToLower(manyDN)].SPNs); got != hostileSPNCount && !hasGap(snap, "account:"+manyDN, "attribute servicePrincipalName") {
		t.Errorf("%s: %d of %d SPNs read and no gap says so", manyDN, got, hostileSPNCount)
	}
	t.Logf("%s: %d SPNs read; gaps: %+v", manyDN, len(accounts[strings.ToLower(manyDN)].SPNs), snap.Collection.Gaps)
	odd, ok := accounts[strings.ToLower(oddDN)]
	if !ok {
		t.Fatalf("%s missing from the snapshot", oddDN)
	}
	// Every value the DC holds is in the snapshot (invalid UTF-8 is stored
	// with U+FFFD in its place: JSON carries only UTF-8) or a gap names it.
	have := map[string]bool{}
	for _, v := range odd.SPNs {
		have[v] = true
	}
	for _, v := range want[strings.ToLower(oddDN)] {
		if !have[jsonUTF8(v)] && !hasGap(snap, "account:"+oddDN, "") {
			t.Errorf("value %q on %s is neither in the snapshot nor in a gap", short(v), oddDN)
		}
	}
	// ldbsearch prints non-ASCII values in base64, which dcSPNs skips:
	// check each hostile value that got in by name.
	for name, how := range written {
		if v := hostile[name]; !have[jsonUTF8(v)] {
			t.Errorf("%s value (written by %s) not in the snapshot: %q", name, how, short(v))
		}
	}
	if len(odd.SPNs) < 1+len(written) {
		t.Errorf("%s: %d SPNs read, %d written", oddDN, len(odd.SPNs), 1+len(written))
	}
	checkReportsWellFormed(t, outs)
	// The malformed values are reported as such.
	text, _ := os.ReadFile(outs["text"])
	for name, v := range map[string]string{"URL scheme as a port": hostile["URL scheme as a port"], "control character": "ctl"} {
		if written[name] != "" && !strings.Contains(string(text), "SPN-MALFORMED") {
			t.Errorf("%s value %q not reported as SPN-MALFORMED", name, short(v))
		}
	}
}

// checkReportsWellFormed parses every machine-readable report.
func checkReportsWellFormed(t *testing.T, outs map[string]string) {
	t.Helper()
	for format, path := range outs {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s report: %v", format, err)
			continue
		}
		parseReport(t, format, data)
		switch format {
		case "csv":
			for _, bad := range []string{"\n=cmd", ",=cmd"} {
				if bytes.Contains(data, []byte(bad)) {
					t.Errorf("csv report has a cell starting with '=' (formula injection): %q", bad)
				}
			}
		case "html":
			if bytes.Contains(data, []byte("<script>alert")) {
				t.Error("html report carries an SPN's <script> unescaped")
			}
		}
		if !bytes.Contains(data, []byte("hostile")) && format != "prometheus" {
			t.Errorf("%s report does not mention the hostile accounts", format)
		}
	}
}

// TestLabHostileSeed audits the lab with the lab's own hostile data
// (`lab.sh seed-hostile`, OU=Hostile: 3,000 SPNs on one account, a
// 20,000-character SPN, control characters, SPNs like "HOST/" and "/", a
// computer without dNSHostName). It seeds it while holding the lab
// exclusively (lab.sh is told so with LAB_USE_LOCK_HELD=1, as StopDC does)
// and removes it afterwards, unless it was already there before the test
// (then someone wants it: it is left as found).
func TestLabHostileSeed(t *testing.T) {
	env := labenv.RequireExclusive(t)
	if os.Geteuid() != 0 {
		if labenv.Required() {
			t.Fatal("seeding hostile data needs root (lab.sh seed-hostile)")
		}
		t.Skip("seeding hostile data needs root (lab.sh seed-hostile)")
	}
	script, err := env.Script()
	if err != nil {
		t.Fatal(err)
	}
	dc1 := env.DCs[0]
	ou := "OU=Hostile," + dc1.BaseDN()
	labSh := func(arg string) error {
		c := exec.Command(script, arg)
		c.Env = append(os.Environ(), "LAB_USE_LOCK_HELD=1", "LAB_DIR="+env.Dir)
		out, err := c.CombinedOutput()
		if err != nil {
			return fmt.Errorf("lab.sh %s: %v\n%s", arg, err, out)
		}
		return nil
	}
	l := labLDAP(t, env, dc1)
	defer l.Close()
	res, err := l.Search(ldap.NewSearchRequest(dc1.BaseDN(), ldap.ScopeSingleLevel, ldap.NeverDerefAliases, 0, 0, false, "(ou=Hostile)", []string{"1.1"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) == 0 {
		t.Cleanup(func() {
			if err := labSh("unseed-hostile"); err != nil {
				t.Errorf("%v (remove it by hand: sudo %s unseed-hostile)", err, script)
			}
		})
	} else {
		t.Logf("%s was already seeded: leaving it in place", ou)
	}
	if err := labSh("seed-hostile"); err != nil {
		t.Fatal(err)
	}
	want := dcSPNs(t, dc1) // the DC's own view, ldbsearch on sam.ldb
	hostileDNs := map[string][]string{}
	for dn, spns := range want {
		if strings.HasSuffix(dn, strings.ToLower(ou)) {
			hostileDNs[dn] = spns
		}
	}
	if len(hostileDNs) < 5 {
		t.Fatalf("only %d SPN holders under %s: is hostile.py what this test expects?", len(hostileDNs), ou)
	}

	snap, outs := auditLabInEveryFormat(t, env)
	got := map[string]map[string]bool{}
	for _, a := range snap.Accounts {
		m := map[string]bool{}
		for _, v := range a.SPNs {
			m[v] = true
		}
		got[strings.ToLower(a.DN)] = m
	}
	for dn, spns := range hostileDNs {
		have, ok := got[dn]
		if !ok {
			if !hasGap(snap, "account:", "") {
				t.Errorf("%s is missing from the snapshot and no gap says why", dn)
			}
			continue
		}
		missing := 0
		for _, v := range spns {
			if !have[jsonUTF8(v)] {
				missing++
			}
		}
		if missing > 0 && !hasGap(snap, "account:", "attribute servicePrincipalName") {
			t.Errorf("%s: %d of %d SPNs missing from the snapshot and no gap says so", dn, missing, len(spns))
		}
		t.Logf("%s: %d SPNs, %d read", dn, len(spns), len(have))
	}
	checkReportsWellFormed(t, outs)
	text, err := os.ReadFile(outs["text"])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "SPN-MALFORMED") || !strings.Contains(string(text), "hostile-nohost") {
		t.Error("the malformed SPNs of HOSTILE-NOHOST$ (HOST/, /, a port of 99999999999) are not reported as SPN-MALFORMED")
	}
}

// auditLabInEveryFormat audits lab.test live (Kerberos, realm and KDC from
// DNS) writing every report format, and returns the saved snapshot and the
// report paths by format.
func auditLabInEveryFormat(t *testing.T, env *labenv.Env) (*audit.Snapshot, map[string]string) {
	t.Helper()
	dc1 := env.DCs[0]
	t.Setenv("KRB5_CONFIG", "")
	t.Setenv("KRB5CCNAME", "FILE:/nonexistent/spntrust-no-cache")
	dir := t.TempDir()
	snapPath := filepath.Join(dir, "snap.json")
	args := []string{"audit", "--domain", dc1.Domain, "--dns-server", dc1.IP, "--user", env.AdminUser + "@" + dc1.Realm,
		"--password-file", env.AdminPasswordFile, "--save-snapshot", snapPath}
	outs := map[string]string{}
	for _, f := range reports.FormatNames() {
		outs[f] = filepath.Join(dir, "report."+f)
		args = append(args, "--output", f+"="+outs[f])
	}
	code, _, stderr := runLive(t, args...)
	if code != ExitOK {
		t.Fatalf("audit of the lab with hostile data: exit %d\n%s", code, stderr)
	}
	snap, err := audit.Load(snapPath)
	if err != nil {
		t.Fatalf("the snapshot of hostile data does not load: %v", err)
	}
	return snap, outs
}
