package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/history"
	"github.com/spntrust/spntrust/internal/browsertest"
	"github.com/spntrust/spntrust/internal/labenv"
	"github.com/spntrust/spntrust/internal/pgtest"
	"github.com/spntrust/spntrust/serve"
)

// dashboardArtifacts keeps the dashboard's screenshots (gitignored).
const dashboardArtifacts = "../../artifacts"

// labForestRuns records three runs of one lab forest into the history at
// pg: a live audit of its DC (Kerberos), then two later runs of that
// snapshot 10 and 20 minutes later, as the directory might change: someone registers the SPN of a
// computer on a second account (a duplicate: new) and a hostile SPN
// (markup in it: it must reach the page as text); then the duplicate is
// removed (resolved), a second hostile SPN appears on the computer (new),
// and a baseline accepts the trust inventory for 30 days. It returns the
// run IDs.
func labForestRuns(t *testing.T, env *labenv.Env, dc labenv.DC, pg string, start time.Time) [3]int64 {
	t.Helper()
	dir := t.TempDir()
	snap1 := filepath.Join(dir, "live.json")
	code, _, stderr := runLive(t, "audit", "--domain", dc.Domain, "--dns-server", dc.IP,
		"--user", env.AdminUser+"@"+dc.Realm, "--password-file", env.AdminPasswordFile,
		"--save-snapshot", snap1, "--history", pg, "--output", "json="+os.DevNull)
	if code != ExitOK {
		t.Fatalf("live audit of %s: exit %d: %s", dc.Domain, code, stderr)
	}
	s, err := audit.Load(snap1)
	if err != nil {
		t.Fatal(err)
	}
	// A: a computer that is not a DC; B: another account that is not krbtgt.
	var a, b *audit.Account
	for i := range s.Accounts {
		acc := &s.Accounts[i]
		switch {
		case a == nil && acc.Kind == audit.KindComputer && len(acc.SPNs) > 0 && !strings.HasPrefix(strings.ToUpper(acc.SAMAccountName), "DC"):
			a = acc
		case b == nil && acc.SAMAccountName != "krbtgt" && !strings.HasPrefix(strings.ToUpper(acc.SAMAccountName), "DC") && len(acc.SPNs) > 0:
			b = acc
		}
	}
	if b == nil { // a one-computer forest: the DC is the second account
		for i := range s.Accounts {
			if acc := &s.Accounts[i]; acc != a && acc.SAMAccountName != "krbtgt" {
				b = acc
				break
			}
		}
	}
	if a == nil || b == nil {
		t.Fatalf("%s: no computer and second account to change in the snapshot", dc.Domain)
	}
	dup := a.SPNs[0]
	hostile1 := "HTTP/<script>alert(1)</script> x." + dc.Domain
	hostile2 := `HTTP/x"><img src=x onerror=alert(2)> .` + dc.Domain
	later := func(n int, change func()) string {
		change()
		when := start.Add(time.Duration(n) * 10 * time.Minute)
		s.Collection.StartedAt, s.Collection.FinishedAt = when.Add(-time.Minute), when
		s.Collection.Host = `auditor<b>` + fmt.Sprint(n) + `</b>`
		p := filepath.Join(dir, fmt.Sprintf("run%d.json", n))
		if err := audit.Save(p, s); err != nil {
			t.Fatal(err)
		}
		return p
	}
	at := func(n int) func() time.Time {
		return func() time.Time { return start.Add(time.Duration(n) * time.Hour) }
	}
	snap2 := later(1, func() { b.SPNs = append(b.SPNs, dup, hostile1) })
	if code, _, stderr := runWithClock(t, at(1), "audit", "--from", snap2, "--history", pg, "--output", "json="+os.DevNull); code != ExitOK {
		t.Fatalf("audit run 2 of %s: exit %d: %s", dc.Domain, code, stderr)
	}
	snap3 := later(2, func() {
		var kept []string
		for _, v := range b.SPNs {
			if v != dup {
				kept = append(kept, v)
			}
		}
		b.SPNs = kept
		a.SPNs = append(a.SPNs, hostile2)
	})
	bl := filepath.Join(dir, "baseline.json")
	expires := start.AddDate(0, 0, 30).Format("2006-01-02")
	if code, _, stderr := runWithClock(t, at(2), "baseline", "create", "--from", snap3, "--out", bl, "--checks", "TRUST-INVENTORY",
		"--owner", `AD team <script>alert(3)</script>`, "--reason", `CHG-42 "><b>accepted</b>`, "--expires", expires); code != ExitOK {
		t.Fatalf("baseline create for %s: exit %d: %s", dc.Domain, code, stderr)
	}
	if code, _, stderr := runWithClock(t, at(2), "audit", "--from", snap3, "--baseline", bl, "--history", pg, "--output", "json="+os.DevNull); code != ExitOK {
		t.Fatalf("audit run 3 of %s: exit %d: %s", dc.Domain, code, stderr)
	}
	h, err := history.Open(context.Background(), pg, false)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	runs, err := h.Runs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range runs {
		if r.Scope() == dc.Domain {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) != 3 {
		t.Fatalf("%s: %d runs recorded, want 3", dc.Domain, len(ids))
	}
	load := func(id int64) history.Run {
		r, err := h.Run(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r1, r2, r3 := load(ids[0]), load(ids[1]), load(ids[2])
	if d := history.Compare(r1, r2); len(d.New) == 0 {
		t.Fatalf("%s: run 1 → 2 has nothing new", dc.Domain)
	}
	if d := history.Compare(r2, r3); len(d.New) == 0 || len(d.Resolved) == 0 {
		t.Fatalf("%s: run 2 → 3 has %d new and %d resolved, want both", dc.Domain, len(d.New), len(d.Resolved))
	}
	if r3.Summary.Accepted == 0 {
		t.Fatalf("%s: the baseline accepts nothing in run 3", dc.Domain)
	}
	return [3]int64{ids[0], ids[1], ids[2]}
}

// TestLabDashboardInChromium records three runs of each of the lab's
// forests (lab.test, partner.test, extern.test: a live audit of each, then
// changes) in a real PostgreSQL, serves them with `spntrust serve`, and
// opens every page in headless Chromium: a console error or warning, an
// exception, a CSP violation, a failed load or a request off the server
// fails the test, as does a script element (the pages have none, so one is
// injected data). A screenshot of each page is kept in artifacts/.
func TestLabDashboardInChromium(t *testing.T) {
	env := labenv.Require(t)
	t.Setenv("KRB5_CONFIG", "")
	t.Setenv(serve.TokenEnv, "")
	pg := pgtest.Shared(t).NewDatabase(t)
	start := time.Now().UTC().Truncate(time.Second)
	runs := map[string][3]int64{}
	for _, dc := range env.DCs {
		runs[dc.Domain] = labForestRuns(t, env, dc, pg, start)
	}
	base, stop, stderr := startServe(t, "--history", pg, "--listen", "127.0.0.1:0")
	if strings.Contains(stderr(), pgtest.Password) {
		t.Errorf("serve printed the database password: %q", stderr())
	}

	b := browsertest.Start(t, func(u string) bool { return strings.HasPrefix(u, base+"/") })
	lab := runs["lab.test"]
	h, err := history.OpenReadOnly(context.Background(), pg)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	r2, _ := h.Run(context.Background(), lab[1])
	r3, _ := h.Run(context.Background(), lab[2])
	newFP := history.Compare(r2, r3).New[0].Fingerprint

	type pageCheck struct {
		name, path string
		wait       string   // a selector the page must show
		texts      []string // the page's text must hold each
		svgLines   int      // at least this many polylines in the chart
	}
	pages := []pageCheck{
		{"overview", "/", "#scopes", []string{"lab.test", "partner.test", "extern.test", "New since run", "Resolved since run", "Baseline exceptions", "AD team <script>alert(3)</script>"}, 3},
		{"scope-lab.test", "/scopes/lab.test", "#runs", []string{"3 runs", "Failed findings by severity"}, 5},
		{"scope-partner.test", "/scopes/partner.test", "#runs", []string{"3 runs"}, 5},
		{"scope-extern.test", "/scopes/extern.test", "#runs", []string{"3 runs"}, 5},
		{"run", fmt.Sprintf("/runs/%d", lab[2]), "#findings", []string{"Reports", "<script>alert(1)</script>", "auditor<b>2</b>", "CHG-42 \"><b>accepted</b>"}, 0},
		{"run-high", fmt.Sprintf("/runs/%d?severity=high", lab[2]), "#findings", []string{"high ("}, 0},
		{"finding", fmt.Sprintf("/runs/%d/findings/%s", lab[2], newFP), "#evidence", []string{"Why it matters", "Evidence", "Remediation"}, 0},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			b.Reset()
			ctx, cancel := context.WithTimeout(b.Ctx, 60*time.Second)
			defer cancel()
			if err := chromedp.Do(ctx, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait))); err != nil {
				t.Fatalf("load %s: %v", p.path, err)
			}
			body := evalT[string](t, ctx, `document.body.innerText`)
			for _, want := range p.texts {
				if !strings.Contains(body, want) {
					t.Errorf("%s: the page's text lacks %q", p.path, want)
				}
			}
			if n := evalT[int](t, ctx, `document.querySelectorAll("script, iframe, object, embed, img").length`); n != 0 {
				t.Errorf("%s: %d script/iframe/object/embed/img elements: directory data became markup", p.path, n)
			}
			if n := evalT[int](t, ctx, `document.querySelectorAll("figure.chart svg polyline").length`); n < p.svgLines {
				t.Errorf("%s: the chart has %d lines, want at least %d", p.path, n, p.svgLines)
			}
			if n := evalT[int](t, ctx, `document.styleSheets.length`); n != 1 {
				t.Errorf("%s: %d stylesheets applied, want the embedded one", p.path, n)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			if len(png) < 10000 {
				t.Errorf("%s: screenshot is %d bytes: the page rendered nothing", p.path, len(png))
			}
			if err := os.MkdirAll(dashboardArtifacts, 0o755); err == nil {
				out := filepath.Join(dashboardArtifacts, "dashboard-"+p.name+".png")
				if err := os.WriteFile(out, png, 0o644); err == nil {
					t.Logf("screenshot kept in %s", out)
				}
			}
			for _, pr := range b.Problems() {
				t.Errorf("%s: %s", p.path, pr)
			}
		})
	}
	// Links work as a user follows them: a point of the trend chart leads
	// to its run, a finding's link to its page.
	t.Run("follow links", func(t *testing.T) {
		b.Reset()
		ctx, cancel := context.WithTimeout(b.Ctx, 60*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/scopes/lab.test"), chromedp.WaitVisible(chromedp.CSS("#runs"))); err != nil {
			t.Fatal(err)
		}
		evalT[bool](t, ctx, `(function(){ var a = document.querySelector("figure.chart svg a"); a.dispatchEvent(new MouseEvent("click", {bubbles: true})); return true; })()`)
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#downloads"))); err != nil {
			t.Fatalf("the chart point did not lead to a run page: %v", err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("table.findings td.subject a")), chromedp.WaitVisible(chromedp.CSS("#remediation"))); err != nil {
			t.Fatalf("the finding link did not lead to its page: %v", err)
		}
		for _, pr := range b.Problems() {
			t.Error(pr)
		}
	})
	// Every report of every run downloads (through the writers, from the
	// stored report).
	for domain, ids := range runs {
		for _, id := range ids {
			for _, f := range []string{"html", "json", "sarif", "csv", "text", "markdown", "junit", "prometheus"} {
				resp, err := http.Get(fmt.Sprintf("%s/runs/%d/report/%s", base, id, f))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
					t.Errorf("%s run %d, %s report: status %d, %q", domain, id, f, resp.StatusCode, resp.Header.Get("Content-Disposition"))
				}
			}
		}
	}
	stop()
}

func evalT[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}
