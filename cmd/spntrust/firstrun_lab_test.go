package main

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/spntrust/spntrust/internal/labenv"
)

// refusingDNS is a DNS server on a free loopback port that serves nothing
// (REFUSED to every question), as a workstation's resolver that does not
// serve the AD zones does for them.
func refusingDNS(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) },
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
			m := new(dns.Msg)
			m.SetRcode(r, dns.RcodeRefused)
			_ = w.WriteMsg(m)
		})}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

// An audit that asks a DNS server which does not serve the AD zones must
// not report the domain's SRV records missing (they exist: the lab's DC
// serves them); it says once, as a collection gap, that the server does not
// serve the domain and what to do.
func TestLabResolverThatDoesNotServeTheDomainIsAGapNotMissingRecords(t *testing.T) {
	env := labenv.Require(t)
	dc := env.DCs[0]
	t.Setenv("KRB5_CONFIG", env.Krb5Config)
	resolver := refusingDNS(t)
	reportPath := filepath.Join(t.TempDir(), "r.json")
	textPath := filepath.Join(t.TempDir(), "r.txt")
	code, _, stderr := runLive(t, "audit", "--server", dc.IP, "--dns-server", resolver,
		"--auth", "simple", "--ca-file", env.CAFile, "--insecure-skip-verify", "--user", env.AdminUser+"@"+dc.Realm, "--password-file", env.AdminPasswordFile,
		"--checks", "DNS-SRV-MISSING", "--fail-on", "high",
		"--output", "json="+reportPath, "--output", "text="+textPath)
	if code != ExitOK {
		t.Fatalf("exit %d (want 0: no record is missing): %s", code, stderr)
	}
	var rep struct {
		Findings   []struct{ CheckID, Severity, Status, Title string }
		Collection struct {
			Gaps []struct{ Scope, What, Error string }
		}
	}
	data, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Status == "fail" {
			t.Errorf("SRV record reported missing although the DNS server does not serve %s: %s", dc.Domain, f.Title)
		}
	}
	served := 0
	for _, g := range rep.Collection.Gaps {
		if strings.Contains(g.Error, "does not serve "+dc.Domain) {
			served++
			if !strings.Contains(g.Error, resolver) || !strings.Contains(g.Error, "--dns-server") {
				t.Errorf("gap does not name the DNS server asked and what to do: %+v", g)
			}
		}
	}
	if served != 1 {
		t.Errorf("want the DNS server's not serving %s said once, as a gap; got %d in\n%s", dc.Domain, served, data)
	}
	text, _ := os.ReadFile(textPath)
	if !strings.Contains(string(text), "does not serve "+dc.Domain) {
		t.Errorf("the text report does not say the DNS server does not serve %s:\n%s", dc.Domain, text)
	}
}

// The first run itself: `make demo` as a newcomer runs it, into an output
// directory that does not exist yet — build, the lab's environment, a live
// Kerberos audit with the demo's flags (--follow-trusts --probe-tickets,
// realm and KDC through the DC's DNS) — must end with every report and the
// snapshot written and the audit's exit code at most 1 (findings).
func TestLabMakeDemoFromAFreshDirectory(t *testing.T) {
	env := labenv.Require(t) // shared: no DC is stopped while the demo runs
	if _, err := exec.LookPath("make"); err != nil {
		t.Skipf("make not installed: %v", err)
	}
	tmp := t.TempDir()
	demoDir := filepath.Join(tmp, "fresh", "demo-out")
	bin := filepath.Join(tmp, "bin", "spntrust")
	cmd := exec.Command("make", "-C", "../..", "demo", "DEMO_DIR="+demoDir, "BIN="+bin, "LAB_ENV="+labenv.Path())
	cmd.Env = append(os.Environ(), "KRB5_CONFIG=/nonexistent/krb5.conf") // the demo must not need one
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make demo: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Report: ") || !strings.Contains(string(out), filepath.Join(demoDir, "report.html")) {
		t.Errorf("make demo does not say where the report is:\n%s", out)
	}
	for _, name := range []string{"report.html", "report.txt", "report.json", "snapshot.json"} {
		fi, err := os.Stat(filepath.Join(demoDir, name))
		if err != nil || fi.Size() == 0 {
			t.Errorf("%s not written (%v):\n%s", name, err, out)
		}
	}
	var rep struct {
		Scope struct{ Domains []string }
	}
	data, _ := os.ReadFile(filepath.Join(demoDir, "report.json"))
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	// --follow-trusts: the forest and the trusted domains are all read.
	for _, d := range env.DCs {
		found := false
		for _, got := range rep.Scope.Domains {
			found = found || strings.EqualFold(got, d.Domain)
		}
		if !found {
			t.Errorf("the demo's report does not cover %s (domains: %v)", d.Domain, rep.Scope.Domains)
		}
	}
	if html, _ := os.ReadFile(filepath.Join(demoDir, "report.html")); !strings.Contains(string(html), "<html") {
		t.Errorf("report.html is not HTML: %.200s", html)
	}
}
