package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/remediate/action"
)

// hostile is a directory value crafted to break out of every format's
// markup: HTML, Markdown tables and code, CSV formulas, XML, Prometheus labels.
const hostile = "=cmd|'/C calc'!A0 <script>alert(1)</script> | `x` \"q\"\n]]>"

// richReport is the seed audit plus what the seed lacks: a forest trust to
// a second forest (held on both sides), an external trust to a domain
// outside the snapshot, a collection gap, a "not evaluated" finding, a
// finding with hostile values, and a baseline that accepts one finding and
// holds an expired acceptance of another.
func richReport(t *testing.T) *Report {
	t.Helper()
	snap, err := audit.Load("../testdata/snapshots/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	snap.Forests = append(snap.Forests, audit.Forest{RootDomain: "partner.test", FunctionalLevel: 7})
	snap.Domains[0].Trusts = []audit.Trust{
		{Partner: "partner.test", FlatName: "PARTNER", Type: 2, Direction: 3, Attributes: audit.TrustForestTransitive},
		{Partner: "extern.test", FlatName: "EXTERN", Type: 2, Direction: 2, Attributes: audit.TrustQuarantined},
	}
	snap.Domains = append(snap.Domains, audit.Domain{
		DNSName: "partner.test", NetBIOSName: "PARTNER", DN: "DC=partner,DC=test", Forest: "partner.test",
		FunctionalLevel: 7, DCs: []audit.DC{{FQDN: "dc1.partner.test"}},
		Trusts: []audit.Trust{{Partner: "corp.example", FlatName: "CORP", Type: 2, Direction: 3, Attributes: audit.TrustForestTransitive}},
	})
	snap.Collection.Gaps = []audit.Gap{{Scope: "partner.test", What: "accounts", Error: "LDAP 49 invalid credentials"}}
	// One check only, so checks added later do not change these goldens.
	all, err := checks.Filter([]string{"SPN-USER-HOST-ALIAS"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	findings := checks.Run(snap, all, checks.DefaultOptions())
	findings = append(findings,
		checks.Finding{
			CheckID: "SPN-USER-HOST-ALIAS", Fingerprint: "00000000000000aa", Severity: checks.Info,
			Status: checks.NotEvaluated, Title: "Accounts of partner.test not read: SPNs there not checked",
			Domain: "partner.test", Subject: "partner.test",
			Affected:    []checks.Object{{Kind: "domain", Name: "partner.test"}},
			Evidence:    []checks.Evidence{{Key: "gap", Value: "accounts: LDAP 49 invalid credentials"}},
			Explanation: "The accounts of partner.test could not be read, so this check could not run there.",
		},
		checks.Finding{
			CheckID: "TEST-HOSTILE", Fingerprint: "00000000000000bb", Severity: checks.Medium, Status: checks.Fail,
			Title: "Hostile " + hostile, Domain: "corp.example", Subject: hostile,
			Affected:    []checks.Object{{Kind: "user", Name: hostile, DN: "CN=" + hostile + ",DC=corp,DC=example"}},
			Evidence:    []checks.Evidence{{Key: hostile, Value: hostile}},
			Explanation: "Explanation " + hostile,
			Remediation: []checks.Option{{Name: "remove", Summary: "Summary " + hostile, Actions: []checks.Action{{Type: checks.ActionRemoveSPN, Account: `CORP\x`, SPN: hostile}}}},
		},
	)
	checks.SortFindings(findings)
	r := New("test", fixedNow, snap, all, findings)
	r.Baseline = &BaselineMarks{File: "baseline.json", Entries: map[string]Acceptance{
		"cb575e55abcd98ec": {Owner: "web team", Reason: "IIS site moves to port 81 in change CHG-1234", Expires: "2027-03-31"},
		"00000000000000bb": {Owner: "alice", Reason: "was fine last year", Expires: "2026-01-31", Expired: true},
	}}
	return r
}

func TestBaselineCountsOnlyNewAndExpired(t *testing.T) {
	r := richReport(t)
	// The seed's high finding is accepted; the medium hostile one expired.
	if got := r.CountFailingAtLeast(checks.High); got != 0 {
		t.Errorf("CountFailingAtLeast(high) = %d, want 0 (the high finding is accepted)", got)
	}
	if got := r.CountFailingAtLeast(checks.Medium); got != 1 {
		t.Errorf("CountFailingAtLeast(medium) = %d, want 1 (the expired acceptance counts)", got)
	}
	if got := r.AcceptedCount(); got != 1 {
		t.Errorf("AcceptedCount = %d, want 1", got)
	}
	r.Baseline = nil
	if got := r.CountFailingAtLeast(checks.High); got != 1 {
		t.Errorf("without a baseline CountFailingAtLeast(high) = %d, want 1", got)
	}
}

func TestNoFormatLetsHostileValuesThrough(t *testing.T) {
	r := richReport(t)
	render := func(format string) string {
		w, _ := ForFormat(format)
		var buf bytes.Buffer
		if err := w.Write(&buf, r); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	tests := []struct {
		format string
		never  []string
	}{
		{"html", []string{"<script>alert", "]]>"}},
		// Code spans and fences are literal in Markdown; prose must be escaped.
		{"markdown", []string{"Hostile =cmd|", "Explanation =cmd|", "user =cmd|"}},
		{"csv", []string{"\n=cmd", ",=cmd"}},
		{"junit", []string{"<script>", "]]>"}},
		{"sarif", []string{"<script>"}},
		{"prometheus", []string{"\n]]>"}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			out := render(tt.format)
			for _, bad := range tt.never {
				if strings.Contains(out, bad) {
					t.Errorf("%s output contains %q unescaped", tt.format, bad)
				}
			}
		})
	}
}

func TestTopologyDrawsEachTrustOnce(t *testing.T) {
	r := richReport(t)
	top := r.Topology
	if len(top.Trusts) != 3 {
		t.Fatalf("want 3 trustedDomain objects (two sides of the forest trust, one external), got %+v", top.Trusts)
	}
	var roots []string
	for _, f := range top.Forests {
		roots = append(roots, f.Root)
	}
	if strings.Join(roots, ",") != "corp.example,partner.test,extern.test" {
		t.Errorf("forests = %v, want the two seen forests then the unseen extern.test", roots)
	}
	d := drawTopology(top)
	if len(d.Edges) != 2 {
		t.Fatalf("want 2 edges (forest trust drawn once, external once), got %+v", d.Edges)
	}
	kinds := map[string]svgEdge{}
	for _, e := range d.Edges {
		kinds[e.Kind] = e
	}
	if e := kinds["forest"]; !e.ArrowStart || !e.ArrowEnd {
		t.Errorf("two-way forest trust should have arrows at both ends: %+v", e)
	}
	if e := kinds["external"]; e.ArrowStart || !e.ArrowEnd {
		t.Errorf("outbound external trust (corp trusts extern) should point at extern only: %+v", e)
	}
}

func TestTopologyPlacesAnUnauditedChildDomainInItsForest(t *testing.T) {
	snap := &audit.Snapshot{
		Forests: []audit.Forest{{RootDomain: "corp.example"}},
		Domains: []audit.Domain{{DNSName: "corp.example", Forest: "corp.example", Trusts: []audit.Trust{
			{Partner: "emea.corp.example", Type: 2, Direction: 3, Attributes: audit.TrustWithinForest},
			{Partner: "realm.example", Type: 3, Direction: 2},
		}}},
	}
	top := NewTopology(snap)
	if len(top.Forests) != 2 || len(top.Forests[0].Domains) != 2 || top.Forests[0].Domains[1].DNSName != "emea.corp.example" || top.Forests[0].Domains[1].Seen {
		t.Fatalf("the child domain should sit, unseen, in corp.example's forest: %+v", top.Forests)
	}
	kinds := map[string]string{}
	for _, tr := range top.Trusts {
		kinds[tr.To] = tr.Kind
	}
	if kinds["emea.corp.example"] != "parent-child" || kinds["realm.example"] != "realm" {
		t.Errorf("kinds = %v", kinds)
	}
	d := drawTopology(top)
	classes := map[string]bool{}
	for _, e := range d.Edges {
		classes[e.Kind] = true
	}
	if !classes["within-forest"] || !classes["realm"] {
		t.Errorf("edge classes = %v", classes)
	}
}

// An unread domain leaves every SPN check not evaluated there for the same
// reason: the text report says the reason once and lists the checks.
// unreadDomainReport is the seed audit plus a domain whose accounts could
// not be read, with every check.
func unreadDomainReport(t *testing.T) *Report {
	t.Helper()
	snap, err := audit.Load("../testdata/snapshots/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	snap.Domains = append(snap.Domains, audit.Domain{DNSName: "partner.test", NetBIOSName: "PARTNER", DN: "DC=partner,DC=test",
		Forest: snap.Forests[0].RootDomain, DCs: []audit.DC{}, Trusts: []audit.Trust{}})
	snap.Collection.Gaps = append(snap.Collection.Gaps, audit.Gap{Scope: "domain:partner.test", What: "accounts", Error: "LDAP 50 insufficient access"})
	all := checks.Applicable(checks.All(), snap) // as the pipeline runs them
	return New("test", fixedNow, snap, all, checks.Run(snap, all, checks.DefaultOptions()))
}

func TestTextSaysOnceWhyChecksWereNotEvaluated(t *testing.T) {
	r := unreadDomainReport(t)
	findings := r.Findings
	var unread []checks.Finding
	for _, f := range findings {
		if f.Status == checks.NotEvaluated && f.Subject == "accounts of partner.test" {
			unread = append(unread, f)
		}
	}
	if len(unread) < 10 {
		t.Fatalf("only %d checks not evaluated for the unread domain; the test needs the SPN checks' findings", len(unread))
	}
	var buf bytes.Buffer
	if err := (Text{}).Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "unread-domain.text", buf.Bytes())
	out := buf.String()
	header := fmt.Sprintf("[%d checks] Not evaluated: accounts of partner.test", len(unread))
	if strings.Count(out, header) != 1 {
		t.Fatalf("want one block %q in:\n%s", header, out)
	}
	if n := strings.Count(out, unread[0].Explanation[:60]); n != 1 {
		t.Errorf("the reason is written %d times, want once", n)
	}
	for _, f := range unread {
		if line := fmt.Sprintf("      %s: %s (fingerprint %s)\n", f.CheckID, f.Title, f.Fingerprint); !strings.Contains(out, line) {
			t.Errorf("check line missing: %q", line)
		}
	}
	if !strings.Contains(out, fmt.Sprintf("NOT EVALUATED (%d)", countNotEvaluated(findings))) {
		t.Error("the section header no longer counts findings")
	}
}

func countNotEvaluated(fs []checks.Finding) int {
	n := 0
	for _, f := range fs {
		if f.Status == checks.NotEvaluated {
			n++
		}
	}
	return n
}

// Info findings (inventory, notes) are not failures in JUnit: a check with
// only those passes and names them in <system-out> (issue 17).
func TestJUnitInfoFindingsAreNotFailures(t *testing.T) {
	r := seedReport(t)
	r.Findings = []checks.Finding{
		{CheckID: "TRUST-INVENTORY", Fingerprint: "00000000000000c1", Severity: checks.Info, Title: "forest trust lab.test → partner.test", Subject: "partner.test"},
		{CheckID: "SPN-USER-HOST-ALIAS", Fingerprint: "00000000000000c2", Severity: checks.High, Title: "the seed case", Subject: "http/mp01.corp.example"},
	}
	r.Scope.ChecksRun = []string{"TRUST-INVENTORY", "SPN-USER-HOST-ALIAS"}
	var b bytes.Buffer
	if err := (JUnit{}).Write(&b, r); err != nil {
		t.Fatal(err)
	}
	var doc junitTestsuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if doc.Failures != 1 || doc.Suites[0].Failures != 1 {
		t.Errorf("failures: %d (suite %d), want 1: the info finding is not one\n%s", doc.Failures, doc.Suites[0].Failures, b.String())
	}
	for _, tc := range doc.Suites[0].Cases {
		if !strings.HasPrefix(tc.Name, "TRUST-INVENTORY") {
			continue
		}
		if len(tc.Failures) != 0 || tc.Skipped != nil {
			t.Errorf("info-only testcase %+v: want it passed", tc)
		}
		if !strings.Contains(tc.SystemOut, "info (not a failure): forest trust lab.test → partner.test") {
			t.Errorf("info-only testcase's system-out %q does not name the finding", tc.SystemOut)
		}
	}
}

// The HTML report's copy button copies the commands alone: every line of
// what it copies is a command of the fix, never a prose line (issue 17).
func TestHTMLCopyButtonCopiesOnlyCommands(t *testing.T) {
	r := seedReport(t)
	var b bytes.Buffer
	if err := (HTML{}).Write(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	commands := map[string]bool{}
	for _, f := range r.Findings {
		for _, o := range f.Remediation {
			for _, a := range o.Actions {
				for _, p := range a.Say {
					if p.Run != nil {
						commands[html.EscapeString(p.Run.String())] = true
					}
				}
				if a.Type == checks.ActionRemoveSPN || a.Type == checks.ActionAddSPN {
					commands[html.EscapeString(action.SetSPN(a.Type, a.SPN, a.Account).String())] = true
				}
			}
		}
	}
	buttons := regexp.MustCompile(`<button class="copy" type="button" data-target="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(buttons) == 0 {
		t.Fatal("no copy button in the seed's HTML report")
	}
	for _, m := range buttons {
		target := regexp.MustCompile(`id="` + regexp.QuoteMeta(m[1]) + `"[^>]*>((?s).*?)</(textarea|pre)>`).FindStringSubmatch(page)
		if target == nil {
			t.Fatalf("copy button for %s has no target", m[1])
		}
		body := strings.TrimPrefix(strings.TrimSuffix(target[1], "</code>"), "<code>")
		for _, line := range strings.Split(body, "\n") {
			if !commands[line] && !strings.HasPrefix(line, "New-WebBinding ") {
				t.Errorf("copy target %s holds a line that is not a command: %q", m[1], line)
			}
		}
	}
}

// Text, Markdown and HTML open with the outages (findings whose check means
// Kerberos fails now), one line each naming the service; other meanings
// and not-evaluated findings are not among them (issue 17).
func TestReportsOpenWithTheOutages(t *testing.T) {
	r := seedReport(t)
	r.Findings = append(r.Findings,
		checks.Finding{CheckID: "SPN-KERBEROASTABLE", Meaning: checks.Exposure, Status: checks.Fail, Severity: checks.High, Fingerprint: "00000000000000d1",
			Title: "Service user svc-x can be Kerberoasted", Subject: `corp.example\svc-x`},
		checks.Finding{CheckID: "KRB-TICKET", Meaning: checks.Outage, Status: checks.NotEvaluated, Severity: checks.Info, Fingerprint: "00000000000000d2",
			Title: "No Kerberos ticket probes", Subject: "ticket probes"})
	if got := r.Outages(); len(got) != 1 || got[0].CheckID != "SPN-USER-HOST-ALIAS" || got[0].Service != "http/mp01,http/mp01.corp.example" {
		t.Fatalf("outages %+v, want the seed's SPN-USER-HOST-ALIAS alone", got)
	}
	for format, want := range map[string]string{
		// The service named in prose (the finding's Impact), not its subject.
		"text":     "OUTAGES: Kerberos fails now (1)\n  - HIGH [SPN-USER-HOST-ALIAS] clients of http://mp01 and http://mp01.corp.example get tickets for CORP\\svc-appweb; a service there running as the computer MP01$",
		"markdown": "## Outages: Kerberos fails now (1)\n\n- HIGH [SPN-USER-HOST-ALIAS] clients of http://mp01 and http://mp01.corp.example get tickets for CORP\\\\svc-appweb; a service there running as the computer MP01$",
		"html":     "<h2 id=\"outages\">Outages: Kerberos fails now (1)</h2>\n<ul class=\"outages\"><li><span class=\"badge sev-high\">high</span> SPN-USER-HOST-ALIAS clients of http://mp01 and http://mp01.corp.example get tickets for CORP\\svc-appweb;",
	} {
		w, err := ForFormat(format)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := w.Write(&b, r); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		i := strings.Index(out, want)
		if i < 0 {
			t.Errorf("%s report lacks %q", format, want)
			continue
		}
		// The text report names no finding before them (the HTML and
		// Markdown ones list the checks in their filters and tables).
		if j := strings.Index(out, "SPN-KERBEROASTABLE"); format == "text" && j >= 0 && j < i {
			t.Errorf("%s report names a finding before the outages", format)
		}
	}
}

// The lab's external trust is told once (issue 17): TRUST-EXTERNAL-KERBEROS
// in full, naming the three findings linked to it; KRB-CROSS-REALM-PATH and
// the two TRUST-INVENTORY sides refer to it instead of repeating why and
// how to fix, and the outages list it once.
func TestLinkedFindingsAreToldOnce(t *testing.T) {
	r := labRC4Report(t)
	linked := 0
	for _, f := range r.Findings {
		if f.CausedBy == "5c3de756b8f6727c" {
			linked++
		}
	}
	if linked != 3 {
		t.Fatalf("%d findings linked to the external trust, want 3", linked)
	}
	for _, o := range r.Outages() {
		if o.CheckID == "KRB-CROSS-REALM-PATH" {
			t.Errorf("outages repeat the external trust as %s", o.CheckID)
		}
		if o.CheckID == "TRUST-EXTERNAL-KERBEROS" && !reflect.DeepEqual(o.Also, []string{"KRB-CROSS-REALM-PATH"}) {
			t.Errorf("the trust's outage names %v as also reported, want KRB-CROSS-REALM-PATH", o.Also)
		}
	}
	for _, format := range []string{"text", "markdown", "html"} {
		w, _ := ForFormat(format)
		var b bytes.Buffer
		if err := w.Write(&b, r); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		// The cross-realm finding's own story is not told; its interim
		// mapping, a command the trust's fix does not hold, is, once, as
		// the linked finding's own.
		if strings.Contains(out, "Clients of LAB.TEST asked their KDC") {
			t.Errorf("%s tells the linked finding's story", format)
		}
		if n := strings.Count(out, "ksetup /addhosttorealmmap dc3.extern.test"); n == 0 || !strings.Contains(out, "Own fix (forest-trust), not in the root") {
			t.Errorf("%s drops the linked finding's own fix (the interim mapping: %d times; label present: %v)", format, n, strings.Contains(out, "Own fix (forest-trust)"))
		}
		if n := strings.Count(strings.ToLower(out), "same cause as"); n < 4 { // the trust's three and svc-rc4's Kerberoasting
			t.Errorf("%s: %d references to a root cause, want at least 4", format, n)
		}
		if !strings.Contains(out, "The external trust already joins the two forest roots") {
			t.Errorf("%s lacks the root's fix", format)
		}
	}
}

// A report shows what was checked (issue 17): every check run is listed as
// passed, failed, info only or not evaluated, in JSON and in the text,
// Markdown and HTML reports; "not evaluated" (KRB-TICKET without probes, a
// check blind on an unread domain) is never "passed"; and JUnit agrees:
// a passed check is a testcase without failure or skip.
func TestReportsListEveryCheckWithItsStatus(t *testing.T) {
	r := labRC4Report(t)
	if len(r.Checks) != len(r.Scope.ChecksRun) {
		t.Fatalf("%d check results for %d checks run", len(r.Checks), len(r.Scope.ChecksRun))
	}
	status := map[string]CheckStatus{}
	for _, c := range r.Checks {
		status[c.ID] = c.Status
	}
	for id, want := range map[string]CheckStatus{
		"SPN-USER-HOST-ALIAS": CheckFailed, "TRUST-INVENTORY": CheckInfo, "TIME-SKEW": CheckPassed, "LEVEL-FOREST": CheckPassed,
	} {
		if status[id] != want {
			t.Errorf("%s: %s, want %s", id, status[id], want)
		}
	}
	snap, err := audit.Load("../testdata/snapshots/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	snap.TicketProbes = nil // no ticket probes: KRB-TICKET could not run
	seed := New("test", fixedNow, snap, checks.All(), checks.Run(snap, checks.All(), checks.DefaultOptions()))
	for _, c := range seed.Checks {
		if c.ID == "KRB-TICKET" && c.Status != CheckNotEvaluated {
			t.Errorf("seed KRB-TICKET %s, want not-evaluated", c.Status)
		}
	}
	un := unreadDomainReport(t)
	for _, c := range un.Checks {
		if c.Status == CheckPassed && c.NotEvaluated > 0 {
			t.Errorf("%s passed with %d not-evaluated findings", c.ID, c.NotEvaluated)
		}
	}
	var js bytes.Buffer
	if err := (JSON{}).Write(&js, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"id": "TIME-SKEW",`) || !strings.Contains(js.String(), `"status": "passed"`) {
		t.Error("JSON report lacks the checks run with their status")
	}
	for format, want := range map[string]string{
		"text":     "  PASS          TIME-SKEW                Clock skew beyond the Kerberos tolerance\n",
		"markdown": "| PASS | TIME-SKEW | Clock skew beyond the Kerberos tolerance | - |\n",
		"html":     `<tr class="check-passed"><td>PASS</td><td>TIME-SKEW</td>`,
	} {
		w, _ := ForFormat(format)
		var b bytes.Buffer
		if err := w.Write(&b, r); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s report lacks %q", format, want)
		}
	}
	var ju bytes.Buffer
	if err := (JUnit{}).Write(&ju, seed); err != nil {
		t.Fatal(err)
	}
	var doc junitTestsuites
	if err := xml.Unmarshal(ju.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range doc.Suites[0].Cases {
		id, _, _ := strings.Cut(tc.Name, ": ")
		switch st := statusOf(seed, id); st {
		case CheckPassed, CheckInfo:
			if len(tc.Failures) > 0 || tc.Skipped != nil {
				t.Errorf("JUnit: %s %s but its testcase fails or is skipped", id, st)
			}
		case CheckNotEvaluated:
			if tc.Skipped == nil {
				t.Errorf("JUnit: %s not evaluated but not skipped", id)
			}
		case CheckFailed:
			if len(tc.Failures) == 0 {
				t.Errorf("JUnit: %s failed but its testcase passes", id)
			}
		default:
			t.Errorf("JUnit testcase %s is no check of the report", id)
		}
	}
}

func statusOf(r *Report, id string) CheckStatus {
	for _, c := range r.Checks {
		if c.ID == id {
			return c.Status
		}
	}
	return ""
}

// Many findings of one check are one block (issue 17): the lab's four
// Kerberoastable service users are told under one title, with the check's
// why and fix pattern once and a row (subject, evidence, fix, fingerprint)
// per account; JSON, CSV and SARIF keep one record per finding.
func TestManyFindingsOfOneCheckAreOneBlock(t *testing.T) {
	r := labRC4Report(t)
	var fps []string
	for _, f := range r.Findings {
		if f.CheckID == "SPN-KERBEROASTABLE" {
			fps = append(fps, f.Fingerprint)
		}
	}
	if len(fps) != 4 {
		t.Fatalf("%d Kerberoastable findings in the lab, want 4", len(fps))
	}
	why := "The ticket is encrypted with the service account's key" // from the check's "Why it breaks Kerberos"
	for format, title := range map[string]string{
		"text":     "[SPN-KERBEROASTABLE] Service user can be Kerberoasted (RC4, old password or privileged): 4 findings",
		"markdown": "### HIGH SPN-KERBEROASTABLE: Service user can be Kerberoasted (RC4, old password or privileged) (4 findings)",
		"html":     "SPN-KERBEROASTABLE: Service user can be Kerberoasted (RC4, old password or privileged) (4 findings)</h3>",
	} {
		w, _ := ForFormat(format)
		var b bytes.Buffer
		if err := w.Write(&b, r); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if format == "html" {
			out = html.UnescapeString(out)
		}
		out = strings.Join(strings.Fields(out), " ") // the text report wraps lines
		if strings.Count(out, title) != 1 {
			t.Errorf("%s: block title %q appears %d times, want once", format, title, strings.Count(out, title))
		}
		if n := strings.Count(out, why); n != 1 {
			t.Errorf("%s: the check's why is told %d times, want once", format, n)
		}
		if n := strings.Count(out, "Any authenticated user can request a ticket for"); n != 0 {
			t.Errorf("%s: the findings' own explanation is repeated %d times in the block", format, n)
		}
		for _, fp := range fps {
			if !strings.Contains(out, fp) {
				t.Errorf("%s: row of %s missing", format, fp)
			}
		}
		// Every account keeps its own fix (svc-aeskeys' commands are not svc-sql's).
		for _, cmd := range []string{"Set-ADUser -Identity 'svc-aeskeys'", "Set-ADUser -Identity 'svc-sql'"} {
			if !strings.Contains(out, cmd) {
				t.Errorf("%s: fix %q missing from the block", format, cmd)
			}
		}
	}
	for _, format := range []string{"json", "csv", "sarif"} {
		w, _ := ForFormat(format)
		var b bytes.Buffer
		if err := w.Write(&b, r); err != nil {
			t.Fatal(err)
		}
		for _, fp := range fps {
			if n := strings.Count(b.String(), fp); n < 1 {
				t.Errorf("%s: finding %s has no record", format, fp)
			}
		}
	}
}

// A linked finding repeats none of its root's fix: an option whose every
// command the root holds is left out; one with a command of its own is
// told (issue 17: told once, nothing the administrator needs dropped).
func TestALinkedFindingKeepsOnlyItsOwnFixes(t *testing.T) {
	remove := func(spnValue string) checks.Action {
		return checks.Action{Type: checks.ActionRemoveSPN, Account: `CORP\svc-web`, SPN: spnValue}
	}
	root := checks.Finding{CheckID: "SPN-USER-HOST-ALIAS", Fingerprint: "root", Consequences: []string{"linked"},
		Remediation: []checks.Option{{Name: "remove", Actions: []checks.Action{remove("HTTP/mp01"), remove("HTTP/mp01.corp.example")}}}}
	linked := checks.Finding{CheckID: "SERVICE-IDENTITY", Fingerprint: "linked", CausedBy: "root",
		Remediation: []checks.Option{
			{Name: "remove", Actions: []checks.Action{remove("HTTP/mp01.corp.example"), remove("HTTP/mp01")}},
			{Name: "other", Actions: []checks.Action{remove("HTTP/mp01"), remove("HTTP/web01")}},
		}}
	r := &Report{Findings: []checks.Finding{root, linked}}
	var names []string
	for _, o := range r.ownFixes(linked) {
		names = append(names, o.Name)
	}
	if !reflect.DeepEqual(names, []string{"other"}) {
		t.Errorf("own fixes %v, want [other]", names)
	}
	if got := r.ownFixes(root); len(got) != 1 || got[0].Name != "remove" {
		t.Errorf("a root keeps all its fixes, got %v", got)
	}
}
