package remediate

// Integration tests against the Samba AD lab (testdata/lab): the generated
// LDIF is applied with OpenLDAP's ldapmodify to DC1's seeded account
// LAB\svc-mpweb and rolled back. They skip when the lab is not up (fail
// under SPNTRUST_LAB_REQUIRED=1), and always put the seed back.

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/internal/labenv"
)

const (
	labUserDN     = "CN=svc-mpweb,CN=Users,DC=lab,DC=test"
	labComputerDN = "CN=MP01,CN=Computers,DC=lab,DC=test"
)

// labLDAP runs the OpenLDAP tools against DC1 over LDAPS, verified with the
// lab CA, bound as Administrator with the password read from its file (-y),
// so the password is never on a command line.
type labLDAP struct {
	env *labenv.Env
	dc  labenv.DC
}

func (l labLDAP) cmd(tool string, args ...string) *exec.Cmd {
	base := []string{"-H", "ldaps://" + l.dc.FQDN, "-x", "-D", l.env.AdminUser + "@" + l.dc.Domain, "-y", l.env.AdminPasswordFile}
	c := exec.Command(tool, append(base, args...)...)
	c.Env = append(os.Environ(), "LDAPTLS_CACERT="+l.env.CAFile, "LDAPTLS_REQCERT=demand")
	return c
}

// spns reads dn's servicePrincipalName values, as stored.
func (l labLDAP) spns(t *testing.T, dn string) []string {
	t.Helper()
	out, err := l.cmd("ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-b", dn, "-s", "base", "(objectClass=*)", "servicePrincipalName").CombinedOutput()
	if err != nil {
		t.Fatalf("ldapsearch %s: %v\n%s", dn, err, out)
	}
	var got []string
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "servicePrincipalName: "); ok {
			got = append(got, v)
		} else if v, ok := strings.CutPrefix(line, "servicePrincipalName:: "); ok {
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				t.Fatalf("ldapsearch: bad base64 %q", v)
			}
			got = append(got, string(b))
		}
	}
	return got
}

// modify runs ldapmodify -c on an LDIF file and returns its output.
func (l labLDAP) modify(t *testing.T, ldif []byte) (string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "change.ldif")
	if err := os.WriteFile(path, ldif, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := l.cmd("ldapmodify", "-c", "-f", path).CombinedOutput()
	return string(out), err
}

// replace sets dn's servicePrincipalName to exactly values.
func (l labLDAP) replace(t *testing.T, dn string, values []string) error {
	var b strings.Builder
	w := &ldifWriter{}
	w.attr("dn", dn)
	b.Write(w.b.Bytes())
	b.WriteString("changetype: modify\nreplace: servicePrincipalName\n")
	for _, v := range values {
		w := &ldifWriter{}
		w.attr("servicePrincipalName", v)
		b.Write(w.b.Bytes())
	}
	b.WriteString("-\n")
	out, err := l.modify(t, []byte(b.String()))
	if err != nil {
		t.Logf("ldapmodify replace: %s", out)
	}
	return err
}

// labSnapshot is a snapshot of the two lab accounts of the seed case, with
// their live values, as the audit would record them.
func labSnapshot(dc labenv.DC, computerSPNs, userSPNs []string) *audit.Snapshot {
	return &audit.Snapshot{
		SchemaVersion: audit.SchemaVersion,
		Collection:    audit.Collection{Target: dc.Domain, FinishedAt: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)},
		Forests:       []audit.Forest{{RootDomain: dc.Domain, FunctionalLevel: 7, SPNMappings: map[string]string{"http": "host", "www": "host", "cifs": "host"}}},
		Domains: []audit.Domain{{DNSName: dc.Domain, NetBIOSName: dc.NetBIOS, DN: dc.BaseDN(), Forest: dc.Domain,
			FunctionalLevel: 7, AccountsCollected: true, DCs: []audit.DC{{FQDN: dc.FQDN}}}},
		Accounts: []audit.Account{
			{DN: labComputerDN, Domain: dc.Domain, SAMAccountName: "MP01$", Kind: audit.KindComputer,
				UserAccountControl: audit.UACWorkstationTrust, Enabled: true, DNSHostName: "mp01." + dc.Domain, SPNs: computerSPNs},
			{DN: labUserDN, Domain: dc.Domain, SAMAccountName: "svc-mpweb", Kind: audit.KindUser,
				UserAccountControl: audit.UACNormalAccount, Enabled: true, SPNs: userSPNs},
		},
	}
}

func TestLabLDIFWithLdapmodify(t *testing.T) {
	if _, err := exec.LookPath("ldapmodify"); err != nil {
		t.Fatalf("ldapmodify not installed (apt-get install ldap-utils): %v", err)
	}
	env := labenv.RequireExclusive(t)
	dc := env.ByDomain("lab.test")
	if dc == nil {
		t.Fatal("lab.env has no DC for lab.test")
	}
	l := labLDAP{env: env, dc: *dc}

	seed := l.spns(t, labUserDN)
	if !sameSet(seed, []string{"HTTP/mp01.lab.test", "HTTP/mp01"}) {
		t.Fatalf("LAB\\svc-mpweb holds %q, not the seed (HTTP/mp01.lab.test, HTTP/mp01): re-seed the lab (testdata/lab/lab.sh)", seed)
	}
	t.Cleanup(func() {
		if got := l.spns(t, labUserDN); !sameValues(got, seed) {
			if err := l.replace(t, labUserDN, seed); err != nil {
				t.Errorf("could not restore LAB\\svc-mpweb's SPNs to %q: %v", seed, err)
			}
		}
	})

	snap := labSnapshot(*dc, l.spns(t, labComputerDN), seed)
	c, _ := checks.Lookup("SPN-USER-HOST-ALIAS")
	findings := checks.Run(snap, []checks.Check{c}, checks.DefaultOptions())
	p, err := Build(snap, findings, Options{Generator: "spntrust lab test", Snapshot: "lab"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.ChangedAccounts()) != 1 {
		t.Fatalf("plan for the lab seed changes %d accounts: %+v (findings %+v)", len(p.ChangedAccounts()), p.Accounts, findings)
	}
	fix, _ := LDIF{}.Fix(p)
	rollback, _ := LDIF{}.Rollback(p)

	out, err := l.modify(t, fix)
	if err != nil {
		t.Fatalf("ldapmodify fix.ldif: %v\n%s", err, out)
	}
	want := []string{"HTTP/mp01.lab.test:81", "HTTP/mp01:81"}
	if got := l.spns(t, labUserDN); !sameValues(got, want) {
		t.Fatalf("after fix.ldif svc-mpweb holds %q, want %q", got, want)
	}

	// A second run changes nothing: the record fails whole and -c goes on.
	out, err = l.modify(t, fix)
	t.Logf("second fix.ldif run (expected to fail as already applied): %v\n%s", err, out)
	if err == nil || !(strings.Contains(out, "(16)") || strings.Contains(out, "(20)")) {
		t.Errorf("second fix.ldif run: err %v, want result 16 or 20 (already applied):\n%s", err, out)
	}
	if got := l.spns(t, labUserDN); !sameValues(got, want) {
		t.Errorf("second fix.ldif run changed svc-mpweb: %q", got)
	}

	out, err = l.modify(t, rollback)
	if err != nil {
		t.Fatalf("ldapmodify rollback.ldif: %v\n%s", err, out)
	}
	if got := l.spns(t, labUserDN); !sameValues(got, seed) {
		t.Fatalf("after rollback.ldif svc-mpweb holds %q, want exactly %q", got, seed)
	}
	out, err = l.modify(t, rollback)
	if err == nil {
		t.Errorf("second rollback.ldif run succeeded; want it refused as already applied:\n%s", out)
	}
	if got := l.spns(t, labUserDN); !sameValues(got, seed) {
		t.Errorf("second rollback.ldif run changed svc-mpweb: %q", got)
	}
}

// cliDirectory implements Directory with ldapsearch and ldapmodify, so that
// Apply and Rollback are exercised against the real DC independently of the
// Go LDAP client.
type cliDirectory struct {
	t *testing.T
	l labLDAP
}

func (d cliDirectory) ReadSPNs(_ context.Context, dn string) ([]string, error) {
	return d.l.spns(d.t, dn), nil
}

func (d cliDirectory) ModifySPNs(_ context.Context, dn string, remove, add []string) error {
	w := &ldifWriter{}
	w.modifySPNs(dn, remove, add)
	out, err := d.l.modify(d.t, w.b.Bytes())
	if err != nil {
		return fmt.Errorf("%v: %s", err, strings.TrimSpace(out))
	}
	return nil
}

func (d cliDirectory) SPNHolders(_ context.Context, v string) ([]string, error) {
	filter := "(servicePrincipalName=" + ldapEscape(v) + ")"
	out, err := d.l.cmd("ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-b", d.l.dc.BaseDN(), filter, "1.1").CombinedOutput()
	if err != nil && !strings.Contains(string(out), "ref") {
		return nil, fmt.Errorf("ldapsearch %s: %v: %s", filter, err, out)
	}
	var dns []string
	for _, line := range strings.Split(string(out), "\n") {
		if dn, ok := strings.CutPrefix(line, "dn: "); ok {
			dns = append(dns, dn)
		}
	}
	return dns, nil
}

func ldapEscape(v string) string {
	return strings.NewReplacer(`\`, `\5c`, `*`, `\2a`, `(`, `\28`, `)`, `\29`, "\x00", `\00`).Replace(v)
}

func TestLabApplyAndRollback(t *testing.T) {
	env := labenv.RequireExclusive(t)
	dc := env.ByDomain("lab.test")
	if dc == nil {
		t.Fatal("lab.env has no DC for lab.test")
	}
	l := labLDAP{env: env, dc: *dc}
	dir := cliDirectory{t: t, l: l}
	seed := l.spns(t, labUserDN)
	if !sameSet(seed, []string{"HTTP/mp01.lab.test", "HTTP/mp01"}) {
		t.Fatalf("LAB\\svc-mpweb holds %q, not the seed: re-seed the lab (testdata/lab/lab.sh)", seed)
	}
	t.Cleanup(func() {
		if got := l.spns(t, labUserDN); !sameValues(got, seed) {
			if err := l.replace(t, labUserDN, seed); err != nil {
				t.Errorf("could not restore LAB\\svc-mpweb's SPNs to %q: %v", seed, err)
			}
		}
	})
	snap := labSnapshot(*dc, l.spns(t, labComputerDN), seed)
	c, _ := checks.Lookup("SPN-USER-HOST-ALIAS")
	p, err := Build(snap, checks.Run(snap, []checks.Check{c}, checks.DefaultOptions()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	opt := ApplyOptions{BackupPath: filepath.Join(t.TempDir(), "backup.json"), Server: dc.FQDN, Tool: "spntrust lab test"}

	res, err := Apply(ctx, dir, p, opt)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"HTTP/mp01.lab.test:81", "HTTP/mp01:81"}
	if got := l.spns(t, labUserDN); res.Changed() != 1 || !sameValues(got, want) {
		t.Fatalf("after apply: changed %d, svc-mpweb holds %q, want %q", res.Changed(), got, want)
	}
	if res, err := Apply(ctx, dir, p, ApplyOptions{BackupPath: filepath.Join(t.TempDir(), "b2.json")}); err != nil || res.Changed() != 0 {
		t.Errorf("second apply: %v, changed %d", err, res.Changed())
	}
	b, err := ReadBackup(opt.BackupPath)
	if err != nil {
		t.Fatal(err)
	}

	// The LDIF form of the backup restores the seed with ldapmodify alone.
	backupLDIF, err := os.ReadFile(LDIFPath(opt.BackupPath))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := l.modify(t, backupLDIF); err != nil {
		t.Fatalf("ldapmodify the backup LDIF: %v\n%s", err, out)
	}
	if got := l.spns(t, labUserDN); !sameValues(got, seed) {
		t.Fatalf("after the backup LDIF svc-mpweb holds %q, want exactly %q", got, seed)
	}

	// Apply again, then roll back through the API.
	if _, err := Apply(ctx, dir, p, ApplyOptions{BackupPath: filepath.Join(t.TempDir(), "b3.json")}); err != nil {
		t.Fatal(err)
	}
	if _, err := Rollback(ctx, dir, b, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := l.spns(t, labUserDN); !sameValues(got, seed) {
		t.Fatalf("after rollback svc-mpweb holds %q, want exactly %q", got, seed)
	}
}

// encTypes reads dn's msDS-SupportedEncryptionTypes ("" when unset).
func (l labLDAP) encTypes(t *testing.T, dn string) string {
	t.Helper()
	out, err := l.cmd("ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-b", dn, "-s", "base", "(objectClass=*)", encAttr).CombinedOutput()
	if err != nil {
		t.Fatalf("ldapsearch %s: %v\n%s", dn, err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, encAttr+": "); ok {
			return v
		}
	}
	return ""
}

// The aes plan's LDIF, applied with ldapmodify to the lab: LAB\svc-rc4's
// encryption types go from 4 to 24, a second run changes nothing, and
// rollback.ldif puts back exactly 4.
func TestLabEncTypesLDIFWithLdapmodify(t *testing.T) {
	if _, err := exec.LookPath("ldapmodify"); err != nil {
		t.Fatalf("ldapmodify not installed (apt-get install ldap-utils): %v", err)
	}
	env := labenv.RequireExclusive(t)
	dc := env.ByDomain("lab.test")
	if dc == nil {
		t.Fatal("lab.env has no DC for lab.test")
	}
	l := labLDAP{env: env, dc: *dc}
	const dn = "CN=svc-rc4,CN=Users,DC=lab,DC=test"
	if got := l.encTypes(t, dn); got != "4" {
		t.Fatalf("LAB\\svc-rc4 has encryption types %q, not the seed's 4: re-seed the lab", got)
	}
	t.Cleanup(func() {
		if got := l.encTypes(t, dn); got != "4" {
			l.modify(t, []byte("dn: "+dn+"\nchangetype: modify\nreplace: "+encAttr+"\n"+encAttr+": 4\n-\n"))
		}
	})
	p := rc4Plan(t)
	fix, _ := LDIF{}.Fix(p)
	rollback, _ := LDIF{}.Rollback(p)
	if out, err := l.modify(t, fix); err != nil {
		t.Fatalf("ldapmodify fix.ldif: %v\n%s", err, out)
	}
	if got := l.encTypes(t, dn); got != "24" {
		t.Fatalf("after fix.ldif: %q, want 24", got)
	}
	if out, err := l.modify(t, fix); err != nil || l.encTypes(t, dn) != "24" {
		t.Errorf("second fix.ldif run: %v (replace is idempotent)\n%s", err, out)
	}
	if out, err := l.modify(t, rollback); err != nil {
		t.Fatalf("ldapmodify rollback.ldif: %v\n%s", err, out)
	}
	if got := l.encTypes(t, dn); got != "4" {
		t.Fatalf("after rollback.ldif: %q, want exactly 4", got)
	}
}
