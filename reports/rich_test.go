package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
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
		"text":     "OUTAGES: Kerberos fails now (1)\n  - HIGH [SPN-USER-HOST-ALIAS] http/mp01,http/mp01.corp.example: ",
		"markdown": "## Outages: Kerberos fails now (1)\n\n- HIGH [SPN-USER-HOST-ALIAS] http/mp01,http/mp01.corp.example: ",
		"html":     `<h2 id="outages">Outages: Kerberos fails now (1)</h2>`,
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
