package main

// `spntrust fix --strategy aes --apply` against the Samba AD lab: LAB\svc-rc4
// (msDS-SupportedEncryptionTypes 4, RC4 only) is allowed AES (24) over LDAP,
// verified, and the rollback puts back exactly 4. The lab's seed is always
// put back.

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/internal/labenv"
)

const labRC4 = "CN=svc-rc4,CN=Users,DC=lab,DC=test"

// ldapEncTypes reads dn's msDS-SupportedEncryptionTypes ("" when unset).
func ldapEncTypes(t *testing.T, env *labenv.Env, dc labenv.DC, dn string) string {
	t.Helper()
	if v := ldapValues(t, env, dc, dn, "msDS-SupportedEncryptionTypes"); len(v) > 0 {
		return v[0]
	}
	return ""
}

func setLabEncTypes(t *testing.T, env *labenv.Env, dc labenv.DC, dn, v string) {
	t.Helper()
	setLabValues(t, env, dc, dn, "msDS-SupportedEncryptionTypes", []string{v})
}

func TestLabFixAllowsAESAndRollsBack(t *testing.T) {
	env := labenv.RequireExclusive(t)
	dc := env.ByDomain("lab.test")
	if dc == nil {
		t.Fatal("lab.env has no DC for lab.test")
	}
	if got := ldapEncTypes(t, env, *dc, labRC4); got != "4" {
		t.Fatalf("LAB\\svc-rc4 has encryption types %q, not the seed's 4: re-seed the lab", got)
	}
	t.Cleanup(func() {
		if got := ldapEncTypes(t, env, *dc, labRC4); got != "4" {
			setLabEncTypes(t, env, *dc, labRC4, "4")
		}
	})
	dir := t.TempDir()
	conn := []string{"--server", dc.FQDN, "--dns-server", dc.IP, "--auth", "simple", "--security", "ldaps",
		"--user", env.AdminUser + "@" + dc.Domain, "--password-file", env.AdminPasswordFile, "--ca-file", env.CAFile}
	snap := filepath.Join(dir, "snap.json")
	if code, _, stderr := run(t, append([]string{"audit", "--checks", "KRB-ETYPES-NO-AES", "--save-snapshot", snap}, conn...)...); code != ExitOK {
		t.Fatalf("audit: exit %d: %s", code, stderr)
	}
	fix := append([]string{"fix", "--from", snap, "--checks", "KRB-ETYPES-NO-AES", "--strategy", "aes", "--backup-dir", dir, "--apply"}, conn...)
	code, stdout, stderr := run(t, fix...)
	if code != ExitOK {
		t.Fatalf("fix --apply: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, `LAB\svc-rc4`) || !strings.Contains(stdout, "msDS-SupportedEncryptionTypes: 4 (0x4) -> 24 (0x18)") {
		t.Errorf("the plan should set LAB\\svc-rc4's encryption types to 24:\n%s", stdout)
	}
	if got := ldapEncTypes(t, env, *dc, labRC4); got != "24" {
		t.Fatalf("after fix --apply: %q, want 24", got)
	}
	// A new audit no longer reports it.
	code, stdout, stderr = run(t, append([]string{"audit", "--checks", "KRB-ETYPES-NO-AES", "--format", "json"}, conn...)...)
	if code != ExitOK || strings.Contains(stdout, "svc-rc4") {
		t.Errorf("audit after the fix: exit %d, still reports svc-rc4: %s\n%s", code, stderr, stdout)
	}
	backups, _ := filepath.Glob(filepath.Join(dir, "spntrust-backup-*.json"))
	if len(backups) != 1 {
		t.Fatalf("backups: %v", backups)
	}
	if code, _, stderr = run(t, fix...); code != ExitOK || !strings.Contains(stderr, "already") {
		t.Errorf("second fix --apply: exit %d: %s", code, stderr)
	}
	if code, _, stderr = run(t, append([]string{"fix", "--rollback", backups[0], "--apply"}, conn...)...); code != ExitOK {
		t.Fatalf("fix --rollback: exit %d: %s", code, stderr)
	}
	if got := ldapEncTypes(t, env, *dc, labRC4); got != "4" {
		t.Fatalf("after rollback: %q, want exactly 4", got)
	}
}
