package main

// Integration tests against the Samba AD lab (testdata/lab). They skip with
// a message when the lab is not up, and fail instead under
// SPNTRUST_LAB_REQUIRED=1 (make test, CI).

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/internal/exitcode"
	"github.com/spntrust/spntrust/internal/labenv"
	"github.com/spntrust/spntrust/reports"
)

// dcSPNs reads every SPN holder of a lab DC straight from its database:
// DN (lower case) → sorted SPNs.
func dcSPNs(t *testing.T, dc labenv.DC) map[string][]string {
	t.Helper()
	res, err := dc.SPNHolders()
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// snapshotSPNs is the same view of a snapshot, for one domain.
func snapshotSPNs(s *audit.Snapshot, domain string) map[string][]string {
	got := map[string][]string{}
	for _, a := range s.Accounts {
		if strings.EqualFold(a.Domain, domain) {
			v := append([]string(nil), a.SPNs...)
			sort.Strings(v)
			got[strings.ToLower(a.DN)] = v
		}
	}
	return got
}

// liveAudit runs `spntrust audit` against the lab with extra args, saves the
// snapshot and returns it with the exit code and stderr.
func liveAudit(t *testing.T, env *labenv.Env, extra ...string) (*audit.Snapshot, int, string) {
	t.Helper()
	snapPath := filepath.Join(t.TempDir(), "snap.json")
	args := append([]string{"audit", "--domain", env.DCs[0].Domain, "--dns-server", env.DCs[0].IP,
		"--save-snapshot", snapPath, "--format", "json", "--output", filepath.Join(t.TempDir(), "r.json")}, extra...)
	code, _, stderr := runLive(t, args...)
	if code != ExitOK {
		return nil, code, stderr
	}
	snap, err := audit.Load(snapPath)
	if err != nil {
		t.Fatal(err)
	}
	return snap, code, stderr
}

// labFinding is what the lab tests read of a finding in a JSON report.
type labFinding struct {
	CheckID, Status, Subject, Title string
	Affected                        []struct{ Name string }
	Evidence                        []struct{ Key, Value string }
}

// liveFindings runs a Kerberos `spntrust audit` of the lab's first domain
// with extra args and returns its JSON report's findings and the report
// itself; the test ends unless the audit exits 0.
func liveFindings(t *testing.T, env *labenv.Env, extra ...string) ([]labFinding, []byte) {
	t.Helper()
	dc := env.DCs[0]
	reportPath := filepath.Join(t.TempDir(), "r.json")
	args := append([]string{"audit", "--domain", dc.Domain, "--dns-server", dc.IP,
		"--user", env.AdminUser + "@" + dc.Realm, "--password-file", env.AdminPasswordFile,
		"--format", "json", "--output", reportPath}, extra...)
	code, _, stderr := runLive(t, args...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct{ Findings []labFinding }
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	return rep.Findings, data
}

func TestLabCollectionWithEachAuthMethod(t *testing.T) {
	env := labenv.Require(t)
	dc1 := env.DCs[0]
	want := dcSPNs(t, dc1)
	if len(want) < 10 {
		t.Fatalf("lab DC reports only %d SPN holders; is it seeded?", len(want))
	}
	admin := env.AdminUser + "@" + dc1.Realm
	ccache := filepath.Join(t.TempDir(), "ccache")
	kinit := exec.Command("kinit", "--password-file="+env.AdminPasswordFile, admin)
	kinit.Env = append(os.Environ(), "KRB5_CONFIG="+env.Krb5Config, "KRB5CCNAME=FILE:"+ccache)
	if out, err := kinit.CombinedOutput(); err != nil {
		// MIT kinit has no --password-file: feed the password on stdin.
		pw, perr := env.AdminPassword()
		if perr != nil {
			t.Fatal(perr)
		}
		kinit = exec.Command("kinit", admin)
		kinit.Env = append(os.Environ(), "KRB5_CONFIG="+env.Krb5Config, "KRB5CCNAME=FILE:"+ccache)
		kinit.Stdin = strings.NewReader(pw + "\n")
		if out2, err := kinit.CombinedOutput(); err != nil {
			t.Fatalf("kinit: %v\n%s\n%s", err, out, out2)
		}
	}

	keytab := filepath.Join(t.TempDir(), "admin.keytab")
	if out, err := exec.Command("samba-tool", "domain", "exportkeytab", keytab, "--principal="+admin,
		"-s", filepath.Join(dc1.Dir, "etc", "smb.conf")).CombinedOutput(); err != nil {
		t.Fatalf("samba-tool domain exportkeytab: %v\n%s", err, out)
	}

	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"kerberos from a keytab", []string{"--user", admin, "--keytab", keytab}, map[string]string{"KRB5_CONFIG": ""}},
		{"kerberos with password, realm and KDC from DNS", []string{"--user", admin, "--password-file", env.AdminPasswordFile}, map[string]string{"KRB5_CONFIG": ""}},
		{"kerberos with password and KRB5_CONFIG", []string{"--user", admin, "--password-file", env.AdminPasswordFile}, map[string]string{"KRB5_CONFIG": env.Krb5Config}},
		{"kerberos from a credential cache (after kinit)", nil, map[string]string{"KRB5_CONFIG": env.Krb5Config, "KRB5CCNAME": "FILE:" + ccache}},
		{"simple bind over LDAPS verified with the lab CA", []string{"--auth", "simple", "--user", admin, "--password-file", env.AdminPasswordFile, "--ca-file", env.CAFile}, nil},
		{"ntlm in GSS-SPNEGO, sealed, on plain LDAP", []string{"--auth", "ntlm", "--user", dc1.NetBIOS + `\` + env.AdminUser, "--password-file", env.AdminPasswordFile}, nil},
		{"simple bind after StartTLS", []string{"--auth", "simple", "--security", "starttls", "--user", admin, "--password-file", env.AdminPasswordFile, "--ca-file", env.CAFile}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if _, ok := tt.env["KRB5CCNAME"]; !ok {
				t.Setenv("KRB5CCNAME", "FILE:/nonexistent/spntrust-no-cache")
			}
			snap, code, stderr := liveAudit(t, env, tt.args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if got := snapshotSPNs(snap, dc1.Domain); !reflect.DeepEqual(got, want) {
				t.Errorf("snapshot SPN holders differ from the DC's own database:\n got %d holders\nwant %d holders\n%s", len(got), len(want), diffKeys(got, want))
			}
			d, ok := snap.DomainByName(dc1.Domain)
			if !ok || !d.AccountsCollected || d.NetBIOSName != dc1.NetBIOS || !strings.HasPrefix(d.SID, "S-1-5-21-") {
				t.Errorf("domain record incomplete: %+v", d)
			}
			if f, ok := snap.ForestOf(dc1.Domain); !ok || f.SPNMappings["http"] != "host" {
				t.Errorf("forest sPNMappings not read: %+v", f)
			}
		})
	}
}

func diffKeys(got, want map[string][]string) string {
	var b strings.Builder
	for k, v := range want {
		if !reflect.DeepEqual(got[k], v) {
			b.WriteString("  " + k + ": got " + strings.Join(got[k], ",") + " want " + strings.Join(v, ",") + "\n")
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			b.WriteString("  extra " + k + "\n")
		}
	}
	return b.String()
}

func TestLabTicketProbesFollowTheForestTrustButNotTheExternalOne(t *testing.T) {
	env := labenv.Require(t)
	t.Setenv("KRB5_CONFIG", "")
	admin := env.AdminUser + "@" + env.DCs[0].Realm
	snap, code, stderr := liveAudit(t, env, "--user", admin, "--password-file", env.AdminPasswordFile, "--follow-trusts", "--probe-tickets")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	probes := map[string]audit.TicketProbe{}
	for _, p := range snap.TicketProbes {
		probes[p.SPN] = p
	}
	partner := probes["HOST/"+env.DCs[1].FQDN]
	if !partner.Issued || !reflect.DeepEqual(partner.Path, []string{env.DCs[0].Realm, env.DCs[1].Realm}) {
		t.Errorf("forest trust: %+v, want a ticket through %s → %s", partner, env.DCs[0].Realm, env.DCs[1].Realm)
	}
	external := probes["HOST/"+env.DCs[2].FQDN]
	if external.Issued || external.ErrorName != "KDC_ERR_S_PRINCIPAL_UNKNOWN" {
		t.Errorf("external trust: %+v, want no referral (KDC_ERR_S_PRINCIPAL_UNKNOWN)", external)
	}
	if seed := probes["HTTP/mp01.lab.test"]; !seed.Issued {
		t.Errorf("the seed's SPN gets a ticket (for the wrong account): %+v", seed)
	}
	// The probe offers what a Windows client offers (AES and RC4): the
	// RC4-only service gets its RC4 ticket today, and the ticket says so.
	if rc4 := probes["HTTP/legacy.lab.test"]; !rc4.Issued || rc4.TicketEtype != 23 {
		t.Errorf("an RC4-only service gets an RC4 ticket for a Windows client today: %+v", rc4)
	}
	if aes := probes["HTTP/modern.lab.test"]; !aes.Issued || aes.TicketEtype != 18 {
		t.Errorf("an AES-only service gets an AES256 ticket: %+v", aes)
	}
	// --etypes aes asks as a client after RC4 removal: the RC4-only service fails.
	snap, code, stderr = liveAudit(t, env, "--user", admin, "--password-file", env.AdminPasswordFile, "--probe-tickets", "--etypes", "aes")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, p := range snap.TicketProbes {
		if p.SPN == "HTTP/legacy.lab.test" && (p.Issued || p.ErrorName != "KDC_ERR_ETYPE_NOSUPP") {
			t.Errorf("an RC4-only service must fail for an AES-only client: %+v", p)
		}
	}
}

func TestLabProbe(t *testing.T) {
	env := labenv.Require(t)
	t.Setenv("KRB5_CONFIG", "")
	creds := []string{"--dns-server", env.DCs[0].IP, "--user", env.AdminUser + "@" + env.DCs[0].Realm, "--password-file", env.AdminPasswordFile}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
	}{
		{"the seed's management point is not ready", []string{"http://mp01.lab.test/", "--runs-as-computer"}, ExitFindings,
			[]string{"encrypted for svc-mpweb", `setspn -D HTTP/mp01.lab.test LAB\svc-mpweb`, "NOT READY"}},
		{"a computer-run site on a healthy host is ready", []string{"http://web01.lab.test/", "--runs-as-computer"}, ExitOK,
			[]string{"sPNMappings", "READY"}},
		// The remediated form: svc-web02's site moved to port 81 with HTTP/web02.lab.test:81,
		// so the computer's own site on port 80 gets tickets for WEB02$ again ...
		{"the remediated host: the computer's site on port 80 is ready", []string{"http://web02.lab.test/", "--runs-as-computer"}, ExitOK,
			[]string{"WEB02$", "READY"}},
		// ... and the moved site is ready for clients that put the port in the SPN.
		{"the remediated host: the moved site on port 81 is ready", []string{"http://web02.lab.test:81/", "--service-account", "svc-web02", "--include-port"}, ExitOK,
			[]string{"HTTP/web02.lab.test:81 is held explicitly by svc-web02", "READY"}},
		{"a CNAME alias: the SPN of the canonical name is nobody's", []string{"http://portal.lab.test/", "--service-account", "svc-portal"}, ExitFindings,
			[]string{"HTTP/app04.lab.test", "KDC_ERR_S_PRINCIPAL_UNKNOWN", `setspn -S HTTP/app04.lab.test LAB\svc-portal`}},
		{"across the forest trust the ticket comes through a referral", []string{"http://app21.partner.test/", "--runs-as-computer"}, ExitOK,
			[]string{"LAB.TEST → PARTNER.TEST", "READY"}},
		// Issue 17: honest verdicts. No identity, no READY.
		{"without the service's identity the verdict is UNKNOWN", []string{"http://web01.lab.test/"}, exitcode.Unknown,
			[]string{"NOT TESTED", "identity", "UNKNOWN"}},
		// The lab's credentials are LAB.TEST's: the path of a PARTNER.TEST
		// client (forest trust) is not followed, so UNKNOWN, not READY ...
		{"a client realm other than the credentials' is not tested", []string{"http://web01.lab.test/", "--runs-as-computer", "--client-realm", "PARTNER.TEST"}, exitcode.Unknown,
			[]string{"was not tested", "UNKNOWN"}},
		// ... and an EXTERN.TEST client sits behind the external trust: real
		// clients get no referral (whatever Samba's KDC would do), NOT READY.
		{"a client realm behind the external trust gets no referral", []string{"http://web01.lab.test/", "--runs-as-computer", "--client-realm", "EXTERN.TEST"}, ExitFindings,
			[]string{"real clients get no referral", "NOT READY"}},
		// A short name resolves with the domain's suffix; short-name clients
		// ask for HTTP/mp01, which svc-mpweb holds: the seed, found.
		{"a short name finds the seed for short-name clients", []string{"http://mp01/", "--runs-as-computer", "--domain", "lab.test"}, ExitFindings,
			[]string{"mp01.lab.test (the domain's DNS suffix", "HTTP/mp01 ", `setspn -D HTTP/mp01 LAB\svc-mpweb`, `setspn -D HTTP/mp01.lab.test LAB\svc-mpweb`, "NOT READY"}},
		// A site on :8080 as a user on web01, whose computer holds HOST:
		// advise port-including clients or port 80 as the computer.
		{"a user-run site on 8080 without --include-port gets no shadowing advice", []string{"http://web01.lab.test:8080/", "--service-account", `LAB\svc-live`}, ExitFindings,
			[]string{`setspn -S HTTP/web01.lab.test:8080 LAB\svc-live`, "port 80 as the computer", "NOT READY"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runLive(t, append(append([]string{"probe"}, tt.args...), creds...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.wantCode, out, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, bad := range []string{"setspn -S HTTP/web01.lab.test LAB", "setspn -D HTTP/web01.lab.test LAB\\WEB01$"} {
				if strings.Contains(out, bad) {
					t.Errorf("output advises %q (creates the seed problem, or removes an SPN nobody holds):\n%s", bad, out)
				}
			}
		})
	}
}

// The lab's seeded conditions (testdata/lab/README.md), each found exactly
// once, and nothing else: every healthy twin stays unflagged.
func TestLabAuditFindsExactlyTheSeededConditions(t *testing.T) {
	env := labenv.Require(t)
	t.Setenv("KRB5_CONFIG", "")
	findings, _ := liveFindings(t, env, "--follow-trusts", "--probe-tickets")
	var got []string
	for _, f := range findings {
		if f.Status != "fail" {
			t.Errorf("not evaluated on a fully collected lab: %s %s", f.CheckID, f.Subject)
			continue
		}
		got = append(got, f.CheckID+" "+f.Subject)
		if f.CheckID == "TRUST-INVENTORY" {
			kind := "external trust"
			if strings.Contains(f.Subject, "partner.test") {
				kind = "forest trust"
			}
			if !strings.HasPrefix(f.Title, kind) {
				t.Errorf("trust %s classified as %q, want %s", f.Subject, f.Title, kind)
			}
		}
	}
	sort.Strings(got)
	want := []string{
		"KRB-AES-KEYS lab.test\\svc-ntonly", // only an NT hash: the KDC names rc4-hmac (the live key probe)
		"KRB-CROSS-REALM-PATH no referral lab.test -> extern.test",
		"KRB-ETYPES-NO-AES lab.test\\svc-rc4", // msDS-SupportedEncryptionTypes 0x4: RC4 tickets until RC4 is removed
		"SPN-ACCOUNT-DISABLED lab.test\\svc-old",
		"SPN-DNS-CNAME http/portal,http/portal.lab.test",
		"SPN-DNS-MISSING ghost.lab.test",
		"SPN-DNS-PTR shared.lab.test",
		"SPN-DUPLICATE mssqlsvc/sql01.lab.test:1433",
		"SPN-KERBEROASTABLE lab.test\\svc-aeskeys", // encryption types unset (the KDC default)
		"SPN-KERBEROASTABLE lab.test\\svc-ntonly",  // (the same, and only an NT hash)
		"SPN-KERBEROASTABLE lab.test\\svc-rc4",
		"SPN-KERBEROASTABLE lab.test\\svc-sql",
		"SPN-MALFORMED http://bad.lab.test,http/bad.lab.test:eighty,http/bad lab.test",
		"SPN-SHORTNAME-PAIR http/intra",
		"SPN-USER-HOST-ALIAS http/mp01,http/mp01.lab.test",
		"TRUST-EXTERNAL-KERBEROS extern.test <-> lab.test",
		"TRUST-INVENTORY extern.test -> lab.test",
		"TRUST-INVENTORY lab.test -> extern.test",
		"TRUST-INVENTORY lab.test -> partner.test",
		"TRUST-INVENTORY partner.test -> lab.test",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings differ from the lab's seeded conditions\n got: %q\nwant: %q", got, want)
	}
}

func TestLabRefusedCredentialsAreExplained(t *testing.T) {
	env := labenv.Require(t)
	t.Setenv("KRB5_CONFIG", "")
	wrong := filepath.Join(t.TempDir(), "wrong")
	if err := os.WriteFile(wrong, []byte("not-the-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	admin := env.AdminUser + "@" + env.DCs[0].Realm
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"wrong password over Kerberos", []string{"--user", admin, "--password-file", wrong},
			[]string{admin, env.DCs[0].Realm, "KDC_ERR_PREAUTH_FAILED"}},
		{"wrong password over LDAPS", []string{"--auth", "simple", "--user", admin, "--password-file", wrong, "--ca-file", env.CAFile},
			[]string{admin, "Invalid Credentials"}},
		{"wrong password over NTLM", []string{"--auth", "ntlm", "--user", env.DCs[0].NetBIOS + `\` + env.AdminUser, "--password-file", wrong},
			[]string{"ntlm bind as " + env.AdminUser, "domain " + env.DCs[0].NetBIOS, "(52e, ERROR_LOGON_FAILURE)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runLive(t, append([]string{"audit", "--domain", env.DCs[0].Domain, "--dns-server", env.DCs[0].IP}, tt.args...)...)
			if code != ExitIncomplete {
				t.Fatalf("exit %d, want %d: %s", code, ExitIncomplete, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(strings.ToLower(stderr), strings.ToLower(w)) {
					t.Errorf("error lacks %q: %s", w, stderr)
				}
			}
			if strings.Contains(stderr, "not-the-password") {
				t.Error("the password appears in the error")
			}
			// A simple bind has no realm or clock to get wrong.
			if strings.Contains(tt.name, "LDAPS") && (strings.Contains(stderr, "clock skew") || strings.Contains(stderr, "upper case")) {
				t.Errorf("a refused simple bind lists Kerberos causes: %s", stderr)
			}
		})
	}
}

// probe --format json is the audit's JSON report: the findings records of
// an audit (check, fingerprint, typed actions) and the verdicts. The seed
// is NOT READY through SERVICE-IDENTITY, whose fix takes both HTTP forms
// off svc-mpweb; a healthy service is READY; clients behind the external
// trust are never READY.
func TestLabProbeJSONIsTheAuditSchema(t *testing.T) {
	env := labenv.Require(t)
	t.Setenv("KRB5_CONFIG", "")
	creds := []string{"--dns-server", env.DCs[0].IP, "--user", env.AdminUser + "@" + env.DCs[0].Realm, "--password-file", env.AdminPasswordFile, "--format", "json"}
	probe := func(args ...string) (reports.Report, int) {
		t.Helper()
		code, out, stderr := runLive(t, append(append([]string{"probe"}, args...), creds...)...)
		var rep reports.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("probe %v: %v\n%s%s", args, err, out, stderr)
		}
		if len(rep.Services) != 1 {
			t.Fatalf("probe %v: %d verdicts, want 1", args, len(rep.Services))
		}
		return rep, code
	}

	rep, code := probe("http://mp01.lab.test/", "--runs-as-computer")
	if code != ExitFindings || rep.Services[0].Verdict != reports.NotReady {
		t.Errorf("seed: exit %d, verdict %s (%s); want NOT READY", code, rep.Services[0].Verdict, rep.Services[0].Reason)
	}
	removed := map[string]map[string]bool{}
	for _, f := range rep.Findings {
		if f.Fingerprint == "" || f.Meaning == "" {
			t.Errorf("finding %s %q lacks the audit record's fingerprint or meaning", f.CheckID, f.Subject)
		}
		for _, o := range f.Remediation {
			if o.Name != "remove" {
				continue
			}
			for _, a := range o.Actions {
				if a.Type == "remove-spn" && a.Account == `LAB\svc-mpweb` {
					if removed[f.CheckID] == nil {
						removed[f.CheckID] = map[string]bool{}
					}
					removed[f.CheckID][a.SPN] = true
				}
			}
		}
	}
	both := map[string]bool{"HTTP/mp01.lab.test": true, "HTTP/mp01": true}
	for _, id := range []string{"SERVICE-IDENTITY", "SPN-USER-HOST-ALIAS"} {
		if !reflect.DeepEqual(removed[id], both) {
			t.Errorf("%s: remove-spn actions on svc-mpweb = %v, want both forms %v", id, removed[id], both)
		}
	}
	// One condition, told once: the site's SERVICE-IDENTITY is linked to
	// the shadowing SPN-USER-HOST-ALIAS of svc-mpweb.
	fps := map[string]string{}
	for _, f := range rep.Findings {
		if f.CheckID == "SPN-USER-HOST-ALIAS" || f.CheckID == "SERVICE-IDENTITY" {
			fps[f.CheckID] = f.Fingerprint + " " + f.CausedBy
		}
	}
	if alias, identity := strings.Fields(fps["SPN-USER-HOST-ALIAS"]), strings.Fields(fps["SERVICE-IDENTITY"]); len(alias) != 1 || len(identity) != 2 || identity[1] != alias[0] {
		t.Errorf("SERVICE-IDENTITY (fingerprint, causedBy) %v is not linked to SPN-USER-HOST-ALIAS %v", identity, alias)
	}

	if rep, code := probe("http://web01.lab.test/", "--runs-as-computer"); code != ExitOK || rep.Services[0].Verdict != reports.Ready {
		t.Errorf("healthy web01: exit %d, verdict %s (%s); want READY", code, rep.Services[0].Verdict, rep.Services[0].Reason)
	}
	for _, realm := range []string{"EXTERN.TEST", "PARTNER.TEST", "NOWHERE.TEST"} {
		rep, code := probe("http://web01.lab.test/", "--runs-as-computer", "--client-realm", realm)
		if v := rep.Services[0]; v.Verdict == reports.Ready || code == ExitOK {
			t.Errorf("--client-realm %s: READY (exit %d), but the path of its clients was not proven: %+v", realm, code, v.Steps)
		}
		if realm == "EXTERN.TEST" && (code != ExitFindings || rep.Services[0].Verdict != reports.NotReady) {
			t.Errorf("--client-realm EXTERN.TEST (external trust): exit %d, verdict %s; want NOT READY", code, rep.Services[0].Verdict)
		}
	}
}

func TestLabProbeConfigMgrManagementPoints(t *testing.T) {
	env := labenv.Require(t)
	t.Setenv("KRB5_CONFIG", "")
	code, out, stderr := runLive(t, "probe", "--configmgr-site", "LAB", "--domain", env.DCs[0].Domain, "--dns-server", env.DCs[0].IP,
		"--user", env.AdminUser+"@"+env.DCs[0].Realm, "--password-file", env.AdminPasswordFile, "--format", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d (mp01 is the seed's broken host): %s%s", code, ExitFindings, out, stderr)
	}
	var rep reports.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := map[string]bool{}
	for _, v := range rep.Services {
		if !strings.Contains(v.Note, "ConfigMgr site LAB management point") {
			t.Errorf("%s: note %q does not say which site published it", v.URL, v.Note)
		}
		got[strings.TrimSuffix(strings.TrimPrefix(v.URL, "http://"), "/")] = v.Ready()
	}
	want := map[string]bool{"mp01.lab.test": false, "mp02.lab.test": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("management points probed = %v, want %v\n%s", got, want, out)
	}
	code, _, stderr = runLive(t, "probe", "--configmgr-site", "NOPE", "--domain", env.DCs[0].Domain, "--dns-server", env.DCs[0].IP,
		"--user", env.AdminUser+"@"+env.DCs[0].Realm, "--password-file", env.AdminPasswordFile)
	if code != ExitIncomplete || !strings.Contains(stderr, "site NOPE") {
		t.Errorf("unknown site: exit %d, %s", code, stderr)
	}
}

// The audit machine's clock 10 minutes ahead of the lab's (an injected
// clock: a Samba DC under libfaketime still reports the true time, and Go
// ignores LD_PRELOAD): every DC and KDC sample is beyond the Kerberos limit.
func TestLabClockSkewIsFound(t *testing.T) {
	env := labenv.Require(t)
	t.Setenv("KRB5_CONFIG", env.Krb5Config)
	reportPath := filepath.Join(t.TempDir(), "r.json")
	ahead := func() time.Time { return time.Now().Add(10 * time.Minute) }
	// Simple bind over LDAPS: a Kerberos login would itself fail with KRB_AP_ERR_SKEW
	// from a client 10 minutes off — which is the point of the check.
	code, _, stderr := runWithClock(t, ahead, "audit", "--domain", env.DCs[0].Domain, "--dns-server", env.DCs[0].IP,
		"--auth", "simple", "--ca-file", env.CAFile, "--user", env.AdminUser+"@"+env.DCs[0].Realm, "--password-file", env.AdminPasswordFile,
		"--checks", "TIME-SKEW", "--format", "json", "--output", reportPath)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Findings []struct {
			CheckID, Severity, Status, Subject string
		}
	}
	data, _ := os.ReadFile(reportPath)
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	var ldap, kdc bool
	for _, f := range rep.Findings {
		if f.CheckID != "TIME-SKEW" || f.Severity != "critical" || f.Status != "fail" {
			t.Errorf("unexpected finding %+v", f)
		}
		ldap = ldap || strings.Contains(f.Subject, "ldap:")
		kdc = kdc || strings.Contains(f.Subject, "kdc:")
	}
	if !ldap || !kdc {
		t.Errorf("want critical skew findings for the DC (LDAP) and the KDC clock, got %+v", rep.Findings)
	}
}

// ldbModifySPN adds or deletes one servicePrincipalName value of a lab
// account directly in the DC's database.
func ldbModifySPN(t *testing.T, dc labenv.DC, accountDN, op, spn string) {
	t.Helper()
	ldif := "dn: " + accountDN + "\nchangetype: modify\n" + op + ": servicePrincipalName\nservicePrincipalName: " + spn + "\n"
	cmd := exec.Command("ldbmodify", "-H", dc.SamLDB())
	cmd.Stdin = strings.NewReader(ldif)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ldbmodify %s %s on %s: %v\n%s", op, spn, accountDN, err, out)
	}
}

// Three scheduled runs recorded in a history file, with an SPN changed in
// the directory between them: diff reports what was resolved and what is new.
func TestLabHistoryOfThreeRunsShowsWhatChanged(t *testing.T) {
	env := labenv.RequireExclusive(t) // it changes svc-ghost
	t.Setenv("KRB5_CONFIG", "")
	dc := env.DCs[0]
	ghost := "CN=svc-ghost,CN=Users," + dc.BaseDN()
	db := filepath.Join(t.TempDir(), "history.db")
	record := func() {
		t.Helper()
		code, _, stderr := runLive(t, "audit", "--domain", dc.Domain, "--dns-server", dc.IP,
			"--user", env.AdminUser+"@"+dc.Realm, "--password-file", env.AdminPasswordFile,
			"--history", db, "--format", "json", "--output", os.DevNull)
		if code != ExitOK {
			t.Fatalf("audit: exit %d: %s", code, stderr)
		}
	}
	diff := func(args ...string) string {
		t.Helper()
		code, out, stderr := runLive(t, append([]string{"diff", "--history", db, "--format", "json"}, args...)...)
		if code != ExitOK {
			t.Fatalf("diff: exit %d: %s", code, stderr)
		}
		return out
	}

	record() // run 1: the seeded lab, svc-ghost's SPN names a host without DNS
	t.Cleanup(func() {
		// Put the seed back whatever happened.
		restore := exec.Command("ldbmodify", "-H", dc.SamLDB())
		restore.Stdin = strings.NewReader("dn: " + ghost + "\nchangetype: modify\nreplace: servicePrincipalName\nservicePrincipalName: HTTP/ghost.lab.test\n")
		if out, err := restore.CombinedOutput(); err != nil {
			t.Errorf("restore svc-ghost: %v\n%s", err, out)
		}
	})
	ldbModifySPN(t, dc, ghost, "delete", "HTTP/ghost.lab.test")
	record() // run 2: the stale SPN was cleaned up
	ldbModifySPN(t, dc, ghost, "add", "HTTP/ghost2.lab.test")
	record() // run 3: someone registered another SPN for a host that does not exist

	var d12, d23 struct {
		New, Resolved, Unchanged []struct{ CheckID, Subject string }
	}
	if err := json.Unmarshal([]byte(diff("--from", "1", "--to", "2")), &d12); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(diff("--since-last")), &d23); err != nil {
		t.Fatal(err)
	}
	has := func(list []struct{ CheckID, Subject string }, check, subject string) bool {
		for _, f := range list {
			if f.CheckID == check && f.Subject == subject {
				return true
			}
		}
		return false
	}
	if !has(d12.Resolved, "SPN-DNS-MISSING", "ghost.lab.test") || len(d12.New) != 0 {
		t.Errorf("run 1 → 2: want SPN-DNS-MISSING ghost.lab.test resolved and nothing new, got %+v", d12)
	}
	if !has(d23.New, "SPN-DNS-MISSING", "ghost2.lab.test") || len(d23.Resolved) != 0 {
		t.Errorf("run 2 → 3: want SPN-DNS-MISSING ghost2.lab.test new and nothing resolved, got %+v", d23)
	}
	if !has(d23.Unchanged, "SPN-USER-HOST-ALIAS", "http/mp01,http/mp01.lab.test") {
		t.Errorf("run 2 → 3: the seed's finding should be unchanged, got %+v", d23.Unchanged)
	}
}

// A DC that does not answer (DC3, extern.test, stopped) leaves a partial
// snapshot that says what is missing; the rest of the audit completes.
func TestLabStoppedDCYieldsAPartialSnapshot(t *testing.T) {
	env := labenv.Require(t)
	t.Setenv("KRB5_CONFIG", "")
	env.StopDC(t, 3)
	admin := env.AdminUser + "@" + env.DCs[0].Realm
	snap, code, stderr := liveAudit(t, env, "--user", admin, "--password-file", env.AdminPasswordFile, "--follow-trusts", "--timeout", "5s")
	if code != ExitOK {
		t.Fatalf("exit %d (a partial audit is still an audit): %s", code, stderr)
	}
	if !strings.Contains(stderr, "collection incomplete") {
		t.Errorf("stderr does not say the collection is incomplete: %s", stderr)
	}
	var gap bool
	for _, g := range snap.Collection.Gaps {
		gap = gap || strings.Contains(g.Scope, env.DCs[2].Domain)
	}
	if !gap {
		t.Errorf("no gap names %s: %+v", env.DCs[2].Domain, snap.Collection.Gaps)
	}
	if _, ok := snap.DomainByName(env.DCs[1].Domain); !ok {
		t.Errorf("partner.test (its DC is up) was not collected")
	}
	if d, ok := snap.DomainByName(env.DCs[0].Domain); !ok || !d.AccountsCollected {
		t.Errorf("lab.test was not collected: %+v", d)
	}
}

// samba runs samba-tool against a lab DC as Administrator; the password
// travels in the PASSWD environment variable Samba's tools read, not argv.
func sambaTool(t *testing.T, env *labenv.Env, args ...string) {
	t.Helper()
	pw, err := env.AdminPassword()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("samba-tool", append(args, "-U", env.AdminUser)...)
	cmd.Env = append(os.Environ(), "PASSWD="+pw)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("samba-tool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// A DC's SRV record removed from DNS is found as missing (the record is put
// back when the test ends).
func TestLabRemovedSRVRecordIsFound(t *testing.T) {
	env := labenv.RequireExclusive(t) // it changes the lab's DNS
	t.Setenv("KRB5_CONFIG", "")
	dc := env.DCs[0]
	record := []string{"dns", "delete", dc.IP, dc.Domain, "_kpasswd._tcp", "SRV", dc.FQDN + " 464 0 100"}
	sambaTool(t, env, record...)
	t.Cleanup(func() {
		restore := append([]string{"dns", "add"}, record[2:]...)
		sambaTool(t, env, restore...)
	})
	findings, data := liveFindings(t, env, "--checks", "DNS-SRV-MISSING")
	if len(findings) != 1 || findings[0].Status != "fail" || !strings.Contains(string(data), "_kpasswd._tcp."+dc.Domain) {
		t.Errorf("want one DNS-SRV-MISSING finding naming _kpasswd._tcp.%s, got\n%s", dc.Domain, data)
	}
}

// Accounts whose SPNs outlive them: one expired (accountExpires in the
// past), one not logged on for a year. Made in their own OU and removed.
func TestLabExpiredAndStaleSPNHoldersAreFound(t *testing.T) {
	env := labenv.RequireExclusive(t) // it adds accounts to lab.test
	t.Setenv("KRB5_CONFIG", "")
	dc := env.DCs[0]
	ou := "OU=SpntrustStale," + dc.BaseDN()
	ldb := func(tool, ldif string) {
		t.Helper()
		cmd := exec.Command(tool, "-H", dc.SamLDB())
		cmd.Stdin = strings.NewReader(ldif)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s\n%s", tool, err, out, ldif)
		}
	}
	t.Cleanup(func() {
		exec.Command("ldbdel", "-H", dc.SamLDB(), "-r", ou).Run()
	})
	// FILETIME of 2025-01-01 (expiry) and 2025-06-01 (last logon): both long
	// before the audit.
	const expired, longAgo = "133801632000000000", "133932096000000000"
	ldb("ldbadd", "dn: "+ou+"\nobjectClass: organizationalUnit\n\n"+
		"dn: CN=svc-expired,"+ou+"\nobjectClass: user\nsAMAccountName: svc-expired\nuserAccountControl: 66048\n"+
		"accountExpires: "+expired+"\nservicePrincipalName: HTTP/app05.lab.test:8443\n\n"+
		"dn: CN=svc-stale,"+ou+"\nobjectClass: user\nsAMAccountName: svc-stale\nuserAccountControl: 66048\n"+
		"servicePrincipalName: HTTP/app05.lab.test:8444\n")
	// lastLogonTimestamp and pwdLastSet are system-only on add; set them the way replication would.
	ldb("ldbmodify", "dn: CN=svc-stale,"+ou+"\nchangetype: modify\nreplace: lastLogonTimestamp\nlastLogonTimestamp: "+longAgo+"\n")

	findings, data := liveFindings(t, env, "--checks", "SPN-ACCOUNT-EXPIRED,SPN-ACCOUNT-STALE")
	var got []string
	for _, f := range findings {
		if f.Status == "fail" && len(f.Affected) > 0 {
			got = append(got, f.CheckID+" "+f.Affected[0].Name)
		}
	}
	sort.Strings(got)
	want := []string{"SPN-ACCOUNT-EXPIRED svc-expired", "SPN-ACCOUNT-STALE svc-stale"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q (no other lab account is expired or stale)\n%s", got, want, data)
	}
}

// An NTLM audit sees what a Kerberos audit sees, across the trusts too:
// the same domains, SPN holders (owners and their SPNs) and trusts.
func TestLabNTLMAuditEqualsKerberosAudit(t *testing.T) {
	env := labenv.Require(t)
	dc1 := env.DCs[0]
	t.Setenv("KRB5_CONFIG", "")
	krb, code, stderr := liveAudit(t, env, "--user", env.AdminUser+"@"+dc1.Realm, "--password-file", env.AdminPasswordFile, "--follow-trusts")
	if code != ExitOK {
		t.Fatalf("kerberos audit: exit %d: %s", code, stderr)
	}
	ntlm, code, stderr := liveAudit(t, env, "--auth", "ntlm", "--user", dc1.NetBIOS+`\`+env.AdminUser, "--password-file", env.AdminPasswordFile, "--follow-trusts")
	if code != ExitOK {
		t.Fatalf("ntlm audit: exit %d: %s", code, stderr)
	}
	if ntlm.Collection.AuthMethod != "ntlm" {
		t.Errorf("snapshot records auth %q", ntlm.Collection.AuthMethod)
	}
	domains := func(s *audit.Snapshot) (out []string) {
		for _, d := range s.Domains {
			out = append(out, fmt.Sprintf("%s collected=%v", d.DNSName, d.AccountsCollected))
		}
		sort.Strings(out)
		return out
	}
	if got, want := domains(ntlm), domains(krb); !reflect.DeepEqual(got, want) {
		t.Fatalf("domains differ:\n ntlm %q\n krb5 %q", got, want)
	}
	for _, d := range krb.Domains {
		if got, want := snapshotSPNs(ntlm, d.DNSName), snapshotSPNs(krb, d.DNSName); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: SPN holders differ:\n%s", d.DNSName, diffKeys(got, want))
		}
	}
	trusts := func(s *audit.Snapshot) (out []string) {
		for _, d := range s.Domains {
			for _, tr := range d.Trusts {
				b, _ := json.Marshal(tr)
				out = append(out, d.DNSName+" "+string(b))
			}
		}
		sort.Strings(out)
		return out
	}
	if got, want := trusts(ntlm), trusts(krb); !reflect.DeepEqual(got, want) || len(want) == 0 {
		t.Errorf("trusts differ:\n ntlm %q\n krb5 %q", got, want)
	}
}
