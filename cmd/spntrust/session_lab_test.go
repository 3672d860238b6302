package main

// Lab tests of the directory session: names of DCs given with --server are
// dialled through the system resolver (the lab writes its DCs into
// /etc/hosts, as an administrator of a jump host that is not domain-joined
// does), without --dns-server, for the audit and for fix --apply (the
// example in fix --help). The DNS server of /etc/resolv.conf does not serve
// the lab's zones, so a DC reached proves the name came from /etc/hosts.

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/internal/labenv"
	"github.com/spntrust/spntrust/ldapx"
)

// requireHostsEntry fails unless /etc/hosts maps dc's name to its address
// and the DNS server of /etc/resolv.conf does not know the name (else the
// test would not show which resolver answered).
func requireHostsEntry(t *testing.T, dc labenv.DC) {
	t.Helper()
	hosts, err := os.ReadFile("/etc/hosts")
	if err != nil {
		t.Fatalf("read /etc/hosts: %v", err)
	}
	found := false
	for _, line := range strings.Split(string(hosts), "\n") {
		f := strings.Fields(line)
		found = found || (len(f) > 1 && f[0] == dc.IP && slices.Contains(f[1:], dc.FQDN))
	}
	if !found {
		t.Fatalf("/etc/hosts does not map %s to %s: testdata/lab/lab.sh up writes it", dc.FQDN, dc.IP)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := ldapx.NewDNSResolver("", 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if addrs, err := r.LookupHost(ctx, dc.FQDN); err == nil {
		t.Skipf("the DNS server of /etc/resolv.conf (%v) resolves %s to %v: this machine cannot show that /etc/hosts was used", r.Servers(), dc.FQDN, addrs)
	}
	if addrs, err := net.DefaultResolver.LookupHost(ctx, dc.FQDN); err != nil || !slices.Contains(addrs, dc.IP) {
		t.Fatalf("the system resolver gives %v, %v for %s, want %s", addrs, err, dc.FQDN, dc.IP)
	}
}

func TestLabAuditServerNameThroughEtcHosts(t *testing.T) {
	env := labenv.Require(t)
	dc := env.ByDomain("lab.test")
	if dc == nil {
		t.Fatal("lab.env has no DC for lab.test")
	}
	requireHostsEntry(t, *dc)
	t.Setenv("KRB5_CONFIG", "") // the realm's KDC: the DC itself
	snap := filepath.Join(t.TempDir(), "snap.json")
	code, _, stderr := runLive(t, "audit", "--server", dc.FQDN, "--user", env.AdminUser+"@"+dc.Realm,
		"--password-file", env.AdminPasswordFile, "--save-snapshot", snap, "--format", "json", "--output", filepath.Join(t.TempDir(), "r.json"))
	if code == ExitIncomplete || code == ExitUsage {
		t.Fatalf("audit --server %s without --dns-server: exit %d\n%s", dc.FQDN, code, stderr)
	}
	s, err := audit.Load(snap)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(s.Collection.DCsContacted, dc.FQDN) {
		t.Errorf("DCs contacted %v, want %s", s.Collection.DCsContacted, dc.FQDN)
	}
	if _, ok := s.DomainByName(dc.Domain); !ok || len(s.Accounts) == 0 {
		t.Errorf("the audit read no accounts of %s (domains %d, accounts %d); gaps: %+v", dc.Domain, len(s.Domains), len(s.Accounts), s.Collection.Gaps)
	}
	for _, g := range s.Collection.Gaps {
		if g.Scope == "dc:"+dc.FQDN {
			t.Errorf("gap for the DC named on the command line: %+v", g)
		}
	}
}

func TestLabFixApplyThroughServerNameWithoutDNSServer(t *testing.T) {
	env := labenv.RequireExclusive(t)
	dc := env.ByDomain("lab.test")
	if dc == nil {
		t.Fatal("lab.env has no DC for lab.test")
	}
	requireHostsEntry(t, *dc)
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
	// The connection flags of fix --help's example: a DC name, simple bind
	// over LDAPS verified against the CA; no --dns-server.
	conn := []string{"--server", dc.FQDN, "--auth", "simple", "--user", env.AdminUser + "@" + dc.Domain,
		"--password-file", env.AdminPasswordFile, "--ca-file", env.CAFile}
	snap := filepath.Join(dir, "snap.json")
	if code, _, stderr := run(t, append([]string{"audit", "--checks", "SPN-USER-HOST-ALIAS", "--save-snapshot", snap}, conn...)...); code != ExitOK {
		t.Fatalf("audit: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := run(t, append([]string{"fix", "--from", snap, "--finding", "SPN-USER-HOST-ALIAS", "--backup-dir", dir, "--apply"}, conn...)...)
	if code != ExitOK {
		t.Fatalf("fix --apply --server %s: exit %d\n%s\n%s", dc.FQDN, code, stdout, stderr)
	}
	want := []string{"HTTP/mp01.lab.test:81", "HTTP/mp01:81"}
	if got := ldapSPNs(t, env, *dc, labMPWeb); !reflect.DeepEqual(got, want) {
		t.Fatalf("after fix --apply: %q, want %q", got, want)
	}
	backups, _ := filepath.Glob(filepath.Join(dir, "spntrust-backup-*.json"))
	if len(backups) != 1 {
		t.Fatalf("backups: %v", backups)
	}
	b, err := os.ReadFile(backups[0])
	if err != nil || !strings.Contains(string(b), dc.FQDN) {
		t.Errorf("the backup does not name the DC %s it was read from: %v\n%s", dc.FQDN, err, b)
	}
	if code, _, stderr := run(t, append([]string{"fix", "--rollback", backups[0], "--apply"}, conn...)...); code != ExitOK {
		t.Fatalf("fix --rollback --server %s: exit %d: %s", dc.FQDN, code, stderr)
	}
	if got := ldapSPNs(t, env, *dc, labMPWeb); !reflect.DeepEqual(got, seedSPNs) {
		t.Fatalf("after rollback: %q, want exactly %q", got, seedSPNs)
	}
}

// probe --server <DC name> reaches the directory through /etc/hosts and
// opens its Kerberos client on that DC (DNS names no KDC here), while the
// service's host is still asked of the DNS server (an observation): the
// workstation's DNS does not know mp01.lab.test, and the probe says so.
func TestLabProbeServerNameThroughEtcHosts(t *testing.T) {
	env := labenv.Require(t)
	dc := env.ByDomain("lab.test")
	if dc == nil {
		t.Fatal("lab.env has no DC for lab.test")
	}
	requireHostsEntry(t, *dc)
	t.Setenv("KRB5_CONFIG", "")
	code, stdout, stderr := runLive(t, "probe", "http://mp01.lab.test/", "--runs-as-computer", "--server", dc.FQDN,
		"--user", env.AdminUser+"@"+dc.Realm, "--password-file", env.AdminPasswordFile, "--format", "json")
	if code != ExitFindings {
		t.Fatalf("probe --server %s: exit %d, want %d (not ready: the workstation's DNS does not know the service)\n%s\n%s", dc.FQDN, code, ExitFindings, stdout, stderr)
	}
	if !strings.Contains(stdout, "mp01.lab.test") || !strings.Contains(stdout, "nxdomain") {
		t.Errorf("the probe's DNS step did not ask the DNS server about mp01.lab.test:\n%s", stdout)
	}
}
