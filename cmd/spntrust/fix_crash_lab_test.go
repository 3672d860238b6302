package main

// Crash-safe fixes: `spntrust fix --apply` is killed (SIGKILL, no chance to
// clean up) at different points of a change to several accounts. After
// every kill, each account is either untouched or completely changed (one
// LDAP Modify per account), the backup exists (mode 0600) whenever anything
// changed, and `fix --rollback BACKUP --apply` restores the exact prior
// state.
//
// The accounts are this test's own (OU=SpntrustCrash), created and removed
// while it holds the lab exclusively (labenv.RequireExclusive),
// so no other lab test sees them. The binary is built from this package and
// run as a real process, since only a real process can be killed.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/internal/labenv"
)

const crashOU = "OU=SpntrustCrash,DC=lab,DC=test"

// crashAccounts is the number of service users the fix changes.
const crashAccounts = 4

func readSPNs(t *testing.T, l *ldap.Conn, dn string) []string {
	t.Helper()
	res, err := l.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"servicePrincipalName"}, nil))
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("read %s: %v", dn, err)
	}
	v := res.Entries[0].GetAttributeValues("servicePrincipalName")
	sort.Strings(v)
	return v
}

func TestLabFixApplyKilledMidwayRollsBackExactly(t *testing.T) {
	env := labenv.RequireExclusive(t)
	dc1 := env.DCs[0]
	l := labLDAP(t, env, dc1)
	t.Cleanup(func() {
		if err := deleteTree(l, crashOU); err != nil {
			t.Errorf("remove %s: %v", crashOU, err)
		}
		l.Close()
	})
	if err := deleteTree(l, crashOU); err != nil {
		t.Fatal(err)
	}
	ou := ldap.NewAddRequest(crashOU, nil)
	ou.Attribute("objectClass", []string{"top", "organizationalUnit"})
	if err := l.Add(ou); err != nil {
		t.Fatal(err)
	}
	// Each service user holds HTTP/<host> while the host's computer holds
	// HOST/<host>: SPN-USER-HOST-ALIAS, fixed by removing the HTTP SPNs.
	var users []string
	before := map[string][]string{}
	for i := 1; i <= crashAccounts; i++ {
		host := fmt.Sprintf("crash%d", i)
		comp := ldap.NewAddRequest("CN="+host+","+crashOU, nil)
		comp.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user", "computer"})
		comp.Attribute("sAMAccountName", []string{strings.ToUpper(host) + "$"})
		comp.Attribute("userAccountControl", []string{"4098"}) // workstation trust, disabled
		comp.Attribute("dNSHostName", []string{host + ".lab.test"})
		comp.Attribute("servicePrincipalName", []string{"HOST/" + host + ".lab.test", "HOST/" + host})
		if err := l.Add(comp); err != nil {
			t.Fatalf("add computer %s: %v", host, err)
		}
		dn := addUserIn(t, l, crashOU, "svc-"+host, []string{"HTTP/" + host + ".lab.test", "HTTP/" + host})
		users = append(users, dn)
		before[dn] = readSPNs(t, l, dn)
	}

	dir := t.TempDir()
	conn := []string{"--server", dc1.FQDN, "--dns-server", dc1.IP, "--auth", "simple", "--security", "ldaps",
		"--user", env.AdminUser + "@" + dc1.Domain, "--password-file", env.AdminPasswordFile, "--ca-file", env.CAFile}
	snap := filepath.Join(dir, "snap.json")
	rep := filepath.Join(dir, "report.json")
	if code, _, stderr := runLive(t, append([]string{"audit", "--checks", "SPN-USER-HOST-ALIAS", "--save-snapshot", snap, "--output", "json=" + rep}, conn...)...); code != ExitOK {
		t.Fatalf("audit: exit %d: %s", code, stderr)
	}
	var report struct{ Findings []checks.Finding }
	data, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &report); err != nil {
		t.Fatal(err)
	}
	var fps []string
	for _, f := range report.Findings {
		for _, o := range f.Affected {
			if strings.HasSuffix(strings.ToLower(o.DN), strings.ToLower(crashOU)) && o.Kind == "user" {
				fps = append(fps, f.Fingerprint)
				break
			}
		}
	}
	if len(fps) != crashAccounts {
		t.Fatalf("%d SPN-USER-HOST-ALIAS findings on the test's accounts, want %d", len(fps), crashAccounts)
	}

	bin := filepath.Join(dir, "spntrust")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build spntrust: %v\n%s", err, out)
	}

	// Kill points: after the backup, and after the k-th account's change
	// was logged as started or verified.
	killOn := []string{"backup of", ": remove ", "changed and verified", "changed and verified", "changed and verified"}
	midway := 0
	for attempt, marker := range killOn {
		nth := 1
		if marker == "changed and verified" {
			nth = attempt - 1 // 1st, 2nd, 3rd
		}
		t.Run(fmt.Sprintf("kill on %q #%d", strings.TrimSpace(marker), nth), func(t *testing.T) {
			bdir := filepath.Join(dir, fmt.Sprintf("backups-%d", attempt))
			if err := os.Mkdir(bdir, 0o700); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"fix", "--from", snap, "--strategy", "remove", "--finding", strings.Join(fps, ","), "--backup-dir", bdir, "--apply"}, conn...)
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), "SPNTRUST_PASSWORD=")
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			killed := false
			seen := 0
			var log []string
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				line := sc.Text()
				log = append(log, line)
				if !killed && strings.Contains(line, marker) {
					seen++
					if seen == nth {
						cmd.Process.Signal(syscall.SIGKILL)
						killed = true
					}
				}
			}
			werr := cmd.Wait()
			t.Logf("killed=%v exit=%v\n%s", killed, werr, strings.Join(log, "\n"))

			changed := 0
			for _, dn := range users {
				got := readSPNs(t, l, dn)
				switch {
				case reflect.DeepEqual(got, before[dn]):
				case len(got) == 0:
					changed++
				default:
					t.Errorf("%s is half-changed: %q (before %q)", dn, got, before[dn])
				}
			}
			backups, _ := filepath.Glob(filepath.Join(bdir, "spntrust-backup-*.json"))
			if changed > 0 && len(backups) != 1 {
				t.Fatalf("%d accounts changed but %d backups in %s", changed, len(backups), bdir)
			}
			if 0 < changed && changed < crashAccounts {
				midway++
			}
			if len(backups) == 0 {
				return
			}
			if fi, err := os.Stat(backups[0]); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("backup %s: %v mode %v, want 0600", backups[0], err, fi.Mode().Perm())
			}
			code, out, errOut := runLive(t, append([]string{"fix", "--rollback", backups[0], "--apply"}, conn...)...)
			if code != ExitOK {
				t.Fatalf("rollback: exit %d\n%s\n%s", code, out, errOut)
			}
			for _, dn := range users {
				if got := readSPNs(t, l, dn); !reflect.DeepEqual(got, before[dn]) {
					t.Errorf("after rollback %s holds %q, before the fix %q", dn, got, before[dn])
				}
			}
		})
		// Every attempt starts from the snapshot's state.
		for _, dn := range users {
			if got := readSPNs(t, l, dn); !reflect.DeepEqual(got, before[dn]) {
				t.Fatalf("%s not restored (%q): later attempts would be stale", dn, got)
			}
		}
	}
	t.Logf("%d of %d kills left the change midway (some accounts changed, some not)", midway, len(killOn))
	if midway == 0 {
		t.Error("no kill landed in the middle of the change: the test did not exercise a half-done fix")
	}
}

// addUserIn is addUser for another OU.
func addUserIn(t *testing.T, l *ldap.Conn, ou, name string, spns []string) string {
	t.Helper()
	dn := "CN=" + name + "," + ou
	req := ldap.NewAddRequest(dn, nil)
	req.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user"})
	req.Attribute("sAMAccountName", []string{name})
	req.Attribute("userAccountControl", []string{"514"})
	req.Attribute("servicePrincipalName", spns)
	if err := l.Add(req); err != nil {
		t.Fatalf("add %s: %v", dn, err)
	}
	return dn
}
