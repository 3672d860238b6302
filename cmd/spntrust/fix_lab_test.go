package main

// Integration test of `spntrust fix --apply` and `fix --rollback` against the
// Samba AD lab: the seed case on DC1 (LAB\svc-mpweb holding HTTP/mp01.lab.test
// and HTTP/mp01 while MP01$ holds HOST/mp01). The lab's seed is always put
// back (t.Cleanup): other tests rely on it.

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/internal/labenv"
)

const labMPWeb = "CN=svc-mpweb,CN=Users,DC=lab,DC=test"

// ldapSPNs reads one entry's SPNs with ldapsearch over LDAPS (lab CA,
// password from its file), sorted.
func ldapSPNs(t *testing.T, env *labenv.Env, dc labenv.DC, dn string) []string {
	t.Helper()
	got := ldapValues(t, env, dc, dn, "servicePrincipalName")
	sort.Strings(got)
	return got
}

// ldapValues reads one attribute of one entry with ldapsearch over LDAPS,
// independently of the code under test.
func ldapValues(t *testing.T, env *labenv.Env, dc labenv.DC, dn, attr string) []string {
	t.Helper()
	c := exec.Command("ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-H", "ldaps://"+dc.FQDN, "-x",
		"-D", env.AdminUser+"@"+dc.Domain, "-y", env.AdminPasswordFile, "-b", dn, "-s", "base", "(objectClass=*)", attr)
	c.Env = append(os.Environ(), "LDAPTLS_CACERT="+env.CAFile)
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("ldapsearch %s: %v\n%s", dn, err, out)
	}
	var got []string
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, attr+": "); ok {
			got = append(got, v)
		}
	}
	return got
}

// setLabSPNs replaces dn's SPNs with ldapmodify (the cleanup path, which must
// not depend on the code under test).
func setLabSPNs(t *testing.T, env *labenv.Env, dc labenv.DC, dn string, spns []string) {
	t.Helper()
	setLabValues(t, env, dc, dn, "servicePrincipalName", spns)
}

// setLabValues replaces one attribute of dn with ldapmodify.
func setLabValues(t *testing.T, env *labenv.Env, dc labenv.DC, dn, attr string, values []string) {
	t.Helper()
	ldif := "dn: " + dn + "\nchangetype: modify\nreplace: " + attr + "\n"
	for _, v := range values {
		ldif += attr + ": " + v + "\n"
	}
	ldif += "-\n"
	c := exec.Command("ldapmodify", "-H", "ldaps://"+dc.FQDN, "-x", "-D", env.AdminUser+"@"+dc.Domain, "-y", env.AdminPasswordFile)
	c.Env = append(os.Environ(), "LDAPTLS_CACERT="+env.CAFile)
	c.Stdin = strings.NewReader(ldif)
	if out, err := c.CombinedOutput(); err != nil {
		t.Errorf("restore %s's %s to %q: %v\n%s", dn, attr, values, err, out)
	}
}

func TestLabFixApplyAndRollback(t *testing.T) {
	env := labenv.RequireExclusive(t)
	dc := env.ByDomain("lab.test")
	if dc == nil {
		t.Fatal("lab.env has no DC for lab.test")
	}
	seedSPNs := ldapSPNs(t, env, *dc, labMPWeb)
	if !reflect.DeepEqual(seedSPNs, []string{"HTTP/mp01", "HTTP/mp01.lab.test"}) {
		t.Fatalf("LAB\\svc-mpweb holds %q, not the seed: re-seed the lab", seedSPNs)
	}
	t.Cleanup(func() {
		if got := ldapSPNs(t, env, *dc, labMPWeb); !reflect.DeepEqual(got, seedSPNs) {
			setLabSPNs(t, env, *dc, labMPWeb, seedSPNs)
		}
	})

	dir := t.TempDir()
	conn := []string{"--server", dc.FQDN, "--dns-server", dc.IP, "--auth", "simple", "--security", "ldaps",
		"--user", env.AdminUser + "@" + dc.Domain, "--password-file", env.AdminPasswordFile, "--ca-file", env.CAFile}
	snap := filepath.Join(dir, "snap.json")
	if code, _, stderr := run(t, append([]string{"audit", "--checks", "SPN-USER-HOST-ALIAS", "--save-snapshot", snap}, conn...)...); code != ExitOK {
		t.Fatalf("audit: exit %d: %s", code, stderr)
	}
	fix := append([]string{"fix", "--from", snap, "--finding", "SPN-USER-HOST-ALIAS", "--backup-dir", dir, "--apply"}, conn...)

	code, stdout, stderr := run(t, fix...)
	if code != ExitOK {
		t.Fatalf("fix --apply: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, `LAB\svc-mpweb`) || strings.Count(stdout, "before:") != 1 {
		t.Errorf("the plan should change only LAB\\svc-mpweb:\n%s", stdout)
	}
	want := []string{"HTTP/mp01.lab.test:81", "HTTP/mp01:81"}
	if got := ldapSPNs(t, env, *dc, labMPWeb); !reflect.DeepEqual(got, want) {
		t.Fatalf("after fix --apply: %q, want %q", got, want)
	}
	// A new audit no longer reports the seed case.
	code, stdout, stderr = run(t, append([]string{"audit", "--checks", "SPN-USER-HOST-ALIAS", "--format", "json"}, conn...)...)
	if code != ExitOK || strings.Contains(stdout, "svc-mpweb") {
		t.Errorf("audit after the fix: exit %d, still reports svc-mpweb: %s\n%s", code, stderr, stdout)
	}
	backups, _ := filepath.Glob(filepath.Join(dir, "spntrust-backup-*.json"))
	if len(backups) != 1 {
		t.Fatalf("backups: %v", backups)
	}
	if st, _ := os.Stat(backups[0]); st.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", st.Mode().Perm())
	}

	// Again: nothing changes (and no second backup is needed).
	code, _, stderr = run(t, fix...)
	if code != ExitOK || !strings.Contains(stderr, "already") {
		t.Errorf("second fix --apply: exit %d: %s", code, stderr)
	}
	if got := ldapSPNs(t, env, *dc, labMPWeb); !reflect.DeepEqual(got, want) {
		t.Errorf("second fix --apply changed svc-mpweb: %q", got)
	}

	code, _, stderr = run(t, append([]string{"fix", "--rollback", backups[0], "--apply"}, conn...)...)
	if code != ExitOK {
		t.Fatalf("fix --rollback: exit %d: %s", code, stderr)
	}
	if got := ldapSPNs(t, env, *dc, labMPWeb); !reflect.DeepEqual(got, seedSPNs) {
		t.Fatalf("after rollback: %q, want exactly %q", got, seedSPNs)
	}
}
