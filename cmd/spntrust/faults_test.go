package main

// Network faults against real misbehaving listeners on loopback
// (internal/faultnet): DCs that hang or drop the connection mid-page, DNS
// that times out or answers garbage, KDCs that are unreachable or silent.
// Every case runs `spntrust audit` in-process with --timeout 1s and checks
// three things: the wait is bounded, the report says what is missing (or the
// exit code is 3 when nothing could be collected), and nothing panics.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/internal/faultnet"
	"github.com/spntrust/spntrust/reports"
)

// faultCeiling is a generous bound on any audit with --timeout 1s: a wait
// that is not bounded by the timeout takes forever, so this only has to be
// far below "forever" and far above a slow CI machine.
const faultCeiling = 45 * time.Second

// faultAudit runs a live audit of fake DC address dcAddr (LDAPS, simple bind
// with a password file) using DNS server dnsAddr, with --timeout 1s and a
// saved snapshot. It returns the exit code, stdout, stderr, the snapshot
// (nil when none was written) and how long the run took.
func faultAudit(t *testing.T, dcAddr, caFile, dnsAddr string, extra ...string) (int, string, string, *audit.Snapshot, time.Duration) {
	t.Helper()
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("Fault-Pass-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	snapPath := filepath.Join(dir, "snap.json")
	args := []string{"audit", "--auth", "simple", "--security", "ldaps", "--ca-file", caFile,
		"--user", "auditor@FAULT.TEST", "--password-file", pw, "--dns-server", dnsAddr,
		"--timeout", "1s", "--save-snapshot", snapPath}
	if dcAddr != "" {
		args = append(args, "--server", dcAddr)
	}
	args = append(args, extra...)
	start := time.Now()
	code, out, errOut := runLive(t, args...)
	took := time.Since(start)
	if took > faultCeiling {
		t.Errorf("audit took %v with --timeout 1s: the wait is not bounded", took)
	}
	var snap *audit.Snapshot
	if _, err := os.Stat(snapPath); err == nil {
		s, err := audit.Load(snapPath)
		if err != nil {
			t.Fatalf("saved snapshot does not load: %v", err)
		}
		snap = s
	}
	return code, out, errOut, snap, took
}

func hasGap(s *audit.Snapshot, scopePrefix, whatPrefix string) bool {
	for _, g := range s.Collection.Gaps {
		if strings.HasPrefix(g.Scope, scopePrefix) && strings.HasPrefix(g.What, whatPrefix) && g.Error != "" {
			return true
		}
	}
	return false
}

// zoneFor is a DNS server that resolves the fake DC's name to kdcIP (where
// the KDC clock probe will knock on port 88) and knows nothing else.
func zoneFor(t *testing.T, dc *faultnet.DC, kdcIP string) *faultnet.DNSServer {
	dns := faultnet.StartDNS(t, faultnet.DNSZone)
	dns.Zone[dc.FQDN] = []string{kdcIP}
	return dns
}

func TestFaultDCThatAcceptsTCPAndNeverAnswers(t *testing.T) {
	addr := faultnet.SilentTCP(t, "127.0.0.1:0")
	dns := faultnet.StartDNS(t, faultnet.DNSZone)
	ca := faultnet.StartDC(t, "fault.test", faultnet.DCHealthy).CAFile // any CA file will do
	code, _, errOut, snap, took := faultAudit(t, addr, ca, dns.Addr)
	if code != ExitIncomplete {
		t.Fatalf("exit %d, want %d (nothing collected)\n%s", code, ExitIncomplete, errOut)
	}
	if snap != nil {
		t.Error("a snapshot was saved although nothing was collected")
	}
	if !strings.Contains(errOut, addr) || !strings.Contains(errOut, "nothing could be collected") {
		t.Errorf("stderr does not name the DC and the failure:\n%s", errOut)
	}
	t.Logf("gave up after %v", took)
	if took < time.Second {
		t.Errorf("gave up after %v, before the 1s --timeout: was the DC waited for at all?", took)
	}
}

// --timeout is what bounds the wait: a longer timeout waits longer.
func TestFaultTimeoutIsConfigurable(t *testing.T) {
	addr := faultnet.SilentTCP(t, "127.0.0.1:0")
	dns := faultnet.StartDNS(t, faultnet.DNSZone)
	ca := faultnet.StartDC(t, "fault.test", faultnet.DCHealthy).CAFile
	// faultAudit passes --timeout 1s; a later flag wins.
	code, _, errOut, _, took := faultAudit(t, addr, ca, dns.Addr, "--timeout", "3s")
	if code != ExitIncomplete {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if took < 3*time.Second {
		t.Errorf("gave up after %v with --timeout 3s", took)
	}
}

func TestFaultDCThatClosesTheConnectionMidPage(t *testing.T) {
	dc := faultnet.StartDC(t, "fault.test", faultnet.DCCloseMidPage)
	dc.Accounts, dc.AccountsBeforeFault = 20, 7
	dns := zoneFor(t, dc, faultnet.ClosedPortHost(t))
	code, out, errOut, snap, _ := faultAudit(t, dc.Addr, dc.CAFile, dns.Addr)
	if code != ExitOK {
		t.Fatalf("exit %d: a partial collection is still a report\n%s", code, errOut)
	}
	if snap == nil {
		t.Fatal("no snapshot saved")
	}
	d, ok := snap.DomainByName("fault.test")
	if !ok {
		t.Fatalf("domain not in the snapshot: %+v", snap.Domains)
	}
	if d.AccountsCollected {
		t.Error("accounts marked collected although the connection dropped mid-page")
	}
	if !hasGap(snap, "domain:fault.test", "accounts") {
		t.Errorf("no accounts gap: %+v", snap.Collection.Gaps)
	}
	if n := len(snap.Accounts); n != 7 {
		t.Errorf("%d accounts kept, want the 7 that arrived before the drop", n)
	}
	if !strings.Contains(out, "NOT COLLECTED") || !strings.Contains(out, "domain:fault.test") {
		t.Errorf("report does not say what is missing:\n%s", out)
	}
	if !strings.Contains(errOut, "collection incomplete") {
		t.Errorf("stderr does not warn that the collection is incomplete:\n%s", errOut)
	}
}

func TestFaultDCThatHangsMidPage(t *testing.T) {
	dc := faultnet.StartDC(t, "fault.test", faultnet.DCSilentMidPage)
	dns := zoneFor(t, dc, faultnet.ClosedPortHost(t))
	code, out, errOut, snap, _ := faultAudit(t, dc.Addr, dc.CAFile, dns.Addr)
	if code != ExitOK || snap == nil {
		t.Fatalf("exit %d, snapshot %v\n%s", code, snap != nil, errOut)
	}
	if !hasGap(snap, "domain:fault.test", "accounts") {
		t.Errorf("no accounts gap: %+v", snap.Collection.Gaps)
	}
	if !strings.Contains(out, "NOT COLLECTED") {
		t.Errorf("report does not say what is missing:\n%s", out)
	}
}

func TestFaultDCThatAnswersTheBindAndThenNothing(t *testing.T) {
	dc := faultnet.StartDC(t, "fault.test", faultnet.DCSilentAfterBind)
	dns := zoneFor(t, dc, faultnet.ClosedPortHost(t))
	code, _, errOut, snap, _ := faultAudit(t, dc.Addr, dc.CAFile, dns.Addr)
	if code != ExitIncomplete || snap != nil {
		t.Fatalf("exit %d (snapshot %v), want %d: the rootDSE never came\n%s", code, snap != nil, ExitIncomplete, errOut)
	}
	if !strings.Contains(errOut, "rootDSE") {
		t.Errorf("stderr does not say what failed:\n%s", errOut)
	}
	if len(dc.Binds()) == 0 {
		t.Error("the fake DC saw no bind: the test did not exercise the post-bind hang")
	}
}

func TestFaultDNS(t *testing.T) {
	for _, tt := range []struct {
		name string
		mode faultnet.DNSMode
	}{
		{"that never answers", faultnet.DNSSilent},
		{"that answers garbage", faultnet.DNSGarbage},
	} {
		t.Run(tt.name+": DC named directly, DNS answers recorded as errors", func(t *testing.T) {
			dc := faultnet.StartDC(t, "fault.test", faultnet.DCHealthy)
			dns := faultnet.StartDNS(t, tt.mode)
			code, out, errOut, snap, _ := faultAudit(t, dc.Addr, dc.CAFile, dns.Addr)
			if code != ExitOK || snap == nil {
				t.Fatalf("exit %d\n%s", code, errOut)
			}
			if dns.Queries() == 0 {
				t.Fatal("the DNS server was never asked")
			}
			if len(snap.DNS.Hosts) == 0 || len(snap.DNS.SRV) == 0 {
				t.Fatalf("no DNS lookups recorded: %+v", snap.DNS)
			}
			for _, h := range snap.DNS.Hosts {
				if h.Status != audit.DNSError || h.Error == "" {
					t.Errorf("host %s: status %q error %q, want error with the reason", h.Name, h.Status, h.Error)
				}
			}
			for _, s := range snap.DNS.SRV {
				if s.Status != audit.DNSError {
					t.Errorf("SRV %s: status %q, want error", s.Name, s.Status)
				}
			}
			// With no DNS answer the DNS checks cannot say "healthy".
			if !strings.Contains(out, "NOT EVALUATED") || !strings.Contains(out, "SPN-DNS-MISSING") {
				t.Errorf("report does not mark DNS checks not evaluated:\n%s", out)
			}
		})
		t.Run(tt.name+": domain discovery fails, exit 3", func(t *testing.T) {
			dns := faultnet.StartDNS(t, tt.mode)
			ca := faultnet.StartDC(t, "fault.test", faultnet.DCHealthy).CAFile
			code, _, errOut, snap, _ := faultAudit(t, "", ca, dns.Addr, "--domain", "fault.test")
			if code != ExitIncomplete || snap != nil {
				t.Fatalf("exit %d, want %d\n%s", code, ExitIncomplete, errOut)
			}
			if !strings.Contains(errOut, "fault.test") {
				t.Errorf("stderr does not name the domain:\n%s", errOut)
			}
		})
	}
}

func TestFaultKDC(t *testing.T) {
	const silentKDC = "127.0.3.2"
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T) string // returns the KDC's IP
	}{
		{"unreachable (nothing listens on port 88)", func(t *testing.T) string { return faultnet.ClosedPortHost(t) }},
		{"that accepts and never answers", func(t *testing.T) string {
			addr := net.JoinHostPort(silentKDC, "88")
			if err := faultnet.TryListen(addr); err != nil {
				t.Skipf("cannot listen on %s (port 88 needs root): %v", addr, err)
			}
			faultnet.SilentTCP(t, addr)
			return silentKDC
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dc := faultnet.StartDC(t, "fault.test", faultnet.DCHealthy)
			ip := tt.setup(t)
			dns := zoneFor(t, dc, ip)
			code, out, errOut, snap, _ := faultAudit(t, dc.Addr, dc.CAFile, dns.Addr)
			if code != ExitOK || snap == nil {
				t.Fatalf("exit %d\n%s", code, errOut)
			}
			if !hasGap(snap, "kdc:"+ip+":88", "clock") {
				t.Errorf("no gap for the KDC clock at %s:88: %+v", ip, snap.Collection.Gaps)
			}
			if !strings.Contains(out, "kdc:"+ip+":88") {
				t.Errorf("report does not list the KDC gap:\n%s", out)
			}
			if !snap.Domains[0].AccountsCollected || len(snap.Accounts) != 20 {
				t.Errorf("the directory reads should be complete: collected=%v accounts=%d", snap.Domains[0].AccountsCollected, len(snap.Accounts))
			}
		})
	}
}

// A DC may end a paged search early: a size or time limit in a later page,
// or a referral to a DC that holds the data. The entries that arrived are
// kept, the domain's accounts are marked incomplete, and the report says so.
func TestFaultDCEndsThePagedSearchEarly(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault faultnet.DCFault
		want  string
	}{
		{"size limit exceeded in the third page", faultnet.DCSizeLimitMidPaging, "size limit exceeded"},
		{"time limit exceeded in the third page", faultnet.DCTimeLimitMidPaging, "time limit exceeded"},
		{"referral to another server", faultnet.DCReferral, "referral"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dc := faultnet.StartDC(t, "fault.test", tt.fault)
			dc.Accounts, dc.AccountsBeforeFault = 20, 12
			dns := zoneFor(t, dc, faultnet.ClosedPortHost(t))
			code, out, errOut, snap, _ := faultAudit(t, dc.Addr, dc.CAFile, dns.Addr)
			if code != ExitOK || snap == nil {
				t.Fatalf("exit %d\n%s", code, errOut)
			}
			if !hasGap(snap, "domain:fault.test", "accounts (partial)") {
				t.Errorf("no partial-accounts gap: %+v", snap.Collection.Gaps)
			}
			if d, _ := snap.DomainByName("fault.test"); d.AccountsCollected {
				t.Error("accounts marked complete")
			}
			if len(snap.Accounts) != 12 {
				t.Errorf("%d accounts kept, want the 12 sent before the limit", len(snap.Accounts))
			}
			if !strings.Contains(out, "NOT COLLECTED") || !strings.Contains(out, tt.want) {
				t.Errorf("report does not say %q:\n%s", tt.want, out)
			}
		})
	}
}

// AD returns at most MaxValRange (1500) values of an attribute per search;
// an account holding more SPNs comes back as servicePrincipalName;range=0-1499
// without the plain attribute. Every SPN must still be read (range
// retrieval), or the account reported as partly read — never an account
// that silently holds no SPNs, which would hide duplicates behind a pile of
// junk values.
func TestFaultAccountWithMoreSPNsThanOneSearchReturns(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		name := "range retrieval reads every SPN"
		if refuse {
			name = "range retrieval refused: the first range is kept and the gap names the account"
		}
		t.Run(name, func(t *testing.T) {
			dc := faultnet.StartDC(t, "fault.test", faultnet.DCRangedSPNs)
			dc.RefuseRanges = refuse
			dns := zoneFor(t, dc, faultnet.ClosedPortHost(t))
			code, _, errOut, snap, _ := faultAudit(t, dc.Addr, dc.CAFile, dns.Addr)
			if code != ExitOK || snap == nil {
				t.Fatalf("exit %d\n%s", code, errOut)
			}
			var many *audit.Account
			for i := range snap.Accounts {
				if snap.Accounts[i].SAMAccountName == "svc-many" {
					many = &snap.Accounts[i]
				}
			}
			if many == nil {
				t.Fatalf("the account with many SPNs is missing (%d accounts)", len(snap.Accounts))
			}
			want := faultnet.RangedSPNCount
			if refuse {
				want = faultnet.MaxValRange
			}
			if len(many.SPNs) != want {
				t.Errorf("%d SPNs read, want %d", len(many.SPNs), want)
			}
			gap := hasGap(snap, "account:"+many.DN, "attribute servicePrincipalName")
			if gap != refuse {
				t.Errorf("gap for the account's SPNs: %v, want %v (%+v)", gap, refuse, snap.Collection.Gaps)
			}
			if len(snap.Accounts) != 20 {
				t.Errorf("%d accounts, want 20", len(snap.Accounts))
			}
		})
	}
}

// A DC (or anything answering as one) may return values no directory
// should hold: SPNs that are not UTF-8, 64 KiB long or carry control
// characters and terminal escapes, a truncated SID, numbers and times that
// do not parse. The audit completes, the unreadable attributes are gaps
// naming the account, the snapshot saves and loads, and every report
// format stays well-formed.
func TestFaultHostileValues(t *testing.T) {
	dc := faultnet.StartDC(t, "fault.test", faultnet.DCHealthy)
	dc.HostileAccount = true
	dns := zoneFor(t, dc, faultnet.ClosedPortHost(t))
	dir := t.TempDir()
	outs := map[string]string{}
	var extra []string
	for _, f := range reports.FormatNames() {
		outs[f] = filepath.Join(dir, "report."+f)
		extra = append(extra, "--output", f+"="+outs[f])
	}
	code, _, errOut, snap, _ := faultAudit(t, dc.Addr, dc.CAFile, dns.Addr, extra...)
	if code != ExitOK || snap == nil {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	dn := faultnet.HostileDN(dc.BaseDN())
	var hostile *audit.Account
	for i := range snap.Accounts {
		if strings.HasPrefix(snap.Accounts[i].DN, "CN=svc-hostile") {
			hostile = &snap.Accounts[i]
		}
	}
	if hostile == nil {
		t.Fatalf("the hostile account is missing from the snapshot")
	}
	if len(hostile.SPNs) != len(faultnet.HostileSPNs) {
		t.Errorf("%d SPNs kept, want all %d", len(hostile.SPNs), len(faultnet.HostileSPNs))
	}
	for _, attr := range []string{"objectSid", "userAccountControl", "sAMAccountType", "pwdLastSet"} {
		if !hasGap(snap, "account:"+strings.ToValidUTF8(dn, "\uFFFD"), "attribute "+attr) {
			t.Errorf("no gap for the unreadable %s: %+v", attr, snap.Collection.Gaps)
		}
	}
	checkReportsWellFormedFault(t, outs)
	t.Run("terminal escapes from the directory do not reach the text report", func(t *testing.T) {
		data, err := os.ReadFile(outs["text"])
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte("\x1b[")) {
			// A directory value must not recolour or rewrite the terminal
			// of whoever reads the report.
			t.Error("the text report passes an ESC sequence from an SPN value through to the terminal")
		}
	})
}

// checkReportsWellFormedFault parses every machine-readable report.
func checkReportsWellFormedFault(t *testing.T, outs map[string]string) {
	t.Helper()
	for format, path := range outs {
		data, _ := os.ReadFile(path)
		parseReport(t, format, data)
	}
}

// parseReport fails the test when a machine-readable report does not parse
// in its format (JSON, SARIF, JUnit XML, CSV); other formats pass.
func parseReport(t *testing.T, format string, data []byte) {
	t.Helper()
	switch format {
	case "json", "sarif":
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Errorf("%s report is not valid JSON: %v", format, err)
		}
	case "junit":
		d := xml.NewDecoder(bytes.NewReader(data))
		for {
			if _, err := d.Token(); err != nil {
				if err != io.EOF {
					t.Errorf("junit report is not well-formed XML: %v", err)
				}
				break
			}
		}
	case "csv":
		if _, err := csv.NewReader(bytes.NewReader(data)).ReadAll(); err != nil {
			t.Errorf("csv report does not parse: %v", err)
		}
	}
}
