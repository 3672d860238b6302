package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/internal/pgtest"
	"github.com/spntrust/spntrust/reports"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func newTestHandler(t *testing.T, fx *fixture) http.Handler {
	t.Helper()
	h, err := Handler(Options{Store: fx.store, Now: func() time.Time { return testNow }, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(t *testing.T, h http.Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

// checkPage holds every HTML page to the same rules: the security headers,
// no script element (the pages have none, so one is an injection), no
// hostile value unescaped, and no reference to anything off the server.
func checkPage(t *testing.T, rec *httptest.ResponseRecorder, status int) string {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d:\n%s", rec.Code, status, rec.Body.String())
	}
	h := rec.Header()
	for k, want := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Content-Security-Policy": csp,
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	body := rec.Body.String()
	lower := strings.ToLower(body)
	for _, bad := range []string{"<script", "<img", "javascript:", " style=", "onerror=alert(1)>", "<b>until"} {
		if strings.Contains(lower, bad) {
			i := strings.Index(lower, bad)
			t.Errorf("the page holds %q (unescaped directory data or inline code): …%s…", bad, body[max(0, i-80):min(len(body), i+80)])
		}
	}
	for _, m := range regexp.MustCompile(`(?:href|src)="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		if !strings.HasPrefix(m[1], "/") || strings.HasPrefix(m[1], "//") {
			t.Errorf("the page links off the server: %q", m[1])
		}
	}
	return body
}

func mustContain(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("the page lacks %q", w)
		}
	}
}

func TestEveryPageOnBothEngines(t *testing.T) {
	for _, e := range []struct {
		name string
		loc  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return sqliteLocation(t) }},
		{"postgres", func(t *testing.T) string { return pgtest.Shared(t).NewDatabase(t) }},
	} {
		t.Run(e.name, func(t *testing.T) {
			fx := newFixture(t, e.loc(t))
			h := newTestHandler(t, fx)
			t.Run("overview", func(t *testing.T) { testOverview(t, h, fx) })
			t.Run("scope", func(t *testing.T) { testScope(t, h, fx) })
			t.Run("run", func(t *testing.T) { testRun(t, h, fx) })
			t.Run("finding", func(t *testing.T) { testFinding(t, h, fx) })
			t.Run("downloads", func(t *testing.T) { testDownloads(t, h, fx) })
			t.Run("not found", func(t *testing.T) { testNotFound(t, h, fx) })
		})
	}
}

func testOverview(t *testing.T, h http.Handler, fx *fixture) {
	body := checkPage(t, get(t, h, "GET", "/"), http.StatusOK)
	mustContain(t, body,
		"4 runs recorded, of 2 scopes",
		// every forest and domain, with its latest run
		">corp.example<", ">extern.test<", ">lab.test<", ">partner.test<",
		fmt.Sprintf(`href="/runs/%d">run %d<`, fx.seed3, fx.seed3), fmt.Sprintf(`href="/runs/%d">run %d<`, fx.lab, fx.lab),
		`href="/scopes/extern.test%2Clab.test%2Cpartner.test"`,
		// the trend chart, drawn here
		"<svg", "<polyline", fmt.Sprintf(`<a href="/runs/%d"><circle`, fx.seed1),
		// categories, new and resolved, baseline exceptions
		"Failed findings by category", "<th>SPN</th>",
		fmt.Sprintf("Compared with run <a href=\"/runs/%d\">%d</a>", fx.seed2, fx.seed2),
		"Resolved since run", "New since run",
		"&#34;&gt;&lt;script&gt;alert(&#39;owner&#39;)&lt;/script&gt;", // the owner, as text
		"expired 10 days ago", "in 41 days",
		"&lt;img src=x onerror=alert(1)&gt;", // the machine name, as text
	)
	if n := strings.Count(body, "<polyline"); n != 2 {
		t.Errorf("the trend has %d lines, want one per scope (2)", n)
	}
}

func testScope(t *testing.T, h http.Handler, fx *fixture) {
	body := checkPage(t, get(t, h, "GET", "/scopes/corp.example"), http.StatusOK)
	mustContain(t, body, "<h1>corp.example</h1>", "3 runs", "Failed findings by severity",
		fmt.Sprintf(`href="/runs/%d">run %d<`, fx.seed1, fx.seed1), "Since the previous run", "Baseline exceptions of run")
	if n := strings.Count(body, "<polyline"); n != 5 {
		t.Errorf("the severity trend has %d lines, want 5", n)
	}
	body = checkPage(t, get(t, h, "GET", "/scopes/extern.test%2Clab.test%2Cpartner.test"), http.StatusOK)
	mustContain(t, body, "<h1>extern.test,lab.test,partner.test</h1>", "1 run;", "Only one run of these forests")
	checkPage(t, get(t, h, "GET", "/scopes/nowhere.example"), http.StatusNotFound)
}

func testRun(t *testing.T, h http.Handler, fx *fixture) {
	body := checkPage(t, get(t, h, "GET", fmt.Sprintf("/runs/%d", fx.seed3)), http.StatusOK)
	mustContain(t, body, fmt.Sprintf("Run %d", fx.seed3), "baseline</th><td>accepted.json",
		fmt.Sprintf("/runs/%d/findings/%s", fx.seed3, fx.newFP),     // new: links into this run
		fmt.Sprintf("/runs/%d/findings/%s", fx.seed2, fx.resolveFP), // resolved: into the run that had it
		fmt.Sprintf("/runs/%d/findings/%s", fx.seed3, fx.accepted),
		"&lt;script&gt;alert(&#34;spn&#34;)&lt;/script&gt;",
	)
	for _, f := range reports.FormatNames() {
		mustContain(t, body, fmt.Sprintf(`href="/runs/%d/report/%s"`, fx.seed3, f))
	}
	// The severity filter and the not-evaluated list.
	for _, sev := range []string{"critical", "high", "medium", "low", "info", "not-evaluated"} {
		checkPage(t, get(t, h, "GET", fmt.Sprintf("/runs/%d?severity=%s", fx.seed3, sev)), http.StatusOK)
	}
	checkPage(t, get(t, h, "GET", fmt.Sprintf("/runs/%d?severity=bogus", fx.seed3)), http.StatusNotFound)
	checkPage(t, get(t, h, "GET", fmt.Sprintf("/runs/%d?page=99", fx.seed3)), http.StatusNotFound)
	// The first run has nothing to compare with.
	body = checkPage(t, get(t, h, "GET", fmt.Sprintf("/runs/%d", fx.seed1)), http.StatusOK)
	mustContain(t, body, "Only one run of these forests", "No finding of this run is covered by a baseline")
}

func testFinding(t *testing.T, h http.Handler, fx *fixture) {
	body := checkPage(t, get(t, h, "GET", fmt.Sprintf("/runs/%d/findings/%s", fx.seed3, fx.accepted)), http.StatusOK)
	mustContain(t, body, "Why it matters", "Evidence", "Affected objects", "Remediation", "Baseline acceptance",
		"CHG-1234 &lt;b&gt;until the migration&lt;/b&gt;", "2026-12-31", "in 41 days", fx.accepted)
	// Every failed finding's page renders, with its evidence and steps.
	run, err := fx.store.Run(t.Context(), fx.seed3)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := fx.store.Report(t.Context(), fx.seed3)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range run.Findings {
		body := checkPage(t, get(t, h, "GET", fmt.Sprintf("/runs/%d/findings/%s", fx.seed3, f.Fingerprint)), http.StatusOK)
		for _, full := range rep.Findings {
			if full.Fingerprint != f.Fingerprint {
				continue
			}
			for _, ev := range full.Evidence {
				mustContain(t, body, htmlText(ev.Key))
			}
			for _, o := range full.Remediation {
				for _, step := range o.Steps() {
					mustContain(t, body, htmlText(step))
				}
			}
		}
	}
	checkPage(t, get(t, h, "GET", fmt.Sprintf("/runs/%d/findings/%s", fx.seed3, "0123456789abcdef")), http.StatusNotFound)
}

// htmlText is s as html/template writes it in text.
func htmlText(s string) string {
	var b bytes.Buffer
	template.HTMLEscape(&b, []byte(s))
	return strings.NewReplacer("&#39;", "&#39;", "&#34;", "&#34;").Replace(b.String())
}

func testDownloads(t *testing.T, h http.Handler, fx *fixture) {
	rep, err := fx.store.Report(t.Context(), fx.seed3)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range reports.FormatNames() {
		rec := get(t, h, "GET", fmt.Sprintf("/runs/%d/report/%s", fx.seed3, name))
		if rec.Code != http.StatusOK {
			t.Errorf("%s: status %d: %s", name, rec.Code, rec.Body.String())
			continue
		}
		if cd := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=\"spntrust-run-") {
			t.Errorf("%s: Content-Disposition %q, want an attachment", name, cd)
		}
		if got := rec.Header().Get("Content-Security-Policy"); !strings.HasPrefix(got, "sandbox") {
			t.Errorf("%s: Content-Security-Policy %q, want a sandbox", name, got)
		}
		// The writer's own output for the stored report, byte for byte.
		w, _ := reports.ForFormat(name)
		var want bytes.Buffer
		if err := w.Write(&want, rep); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(rec.Body.Bytes(), want.Bytes()) {
			t.Errorf("%s: the download (%d bytes) is not the %s writer's output for the stored report (%d bytes)", name, rec.Body.Len(), name, want.Len())
		}
	}
	var doc map[string]any
	rec := get(t, h, "GET", fmt.Sprintf("/runs/%d/report/json", fx.seed3))
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Errorf("the JSON download does not parse: %v", err)
	}
	checkPage(t, get(t, h, "GET", fmt.Sprintf("/runs/%d/report/exe", fx.seed3)), http.StatusNotFound)
}

func testNotFound(t *testing.T, h http.Handler, fx *fixture) {
	for _, target := range []string{"/runs/999", "/runs/abc", "/runs/-1", "/runs/999/findings/x", "/runs/999/report/json", "/nothing"} {
		rec := get(t, h, "GET", target)
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", target, rec.Code)
		}
		if rec.Header().Get("Content-Security-Policy") != csp {
			t.Errorf("GET %s: no CSP on the error", target)
		}
	}
	body := checkPage(t, get(t, h, "GET", "/runs/999"), http.StatusNotFound)
	mustContain(t, body, "run 999", "no such run")
}

func TestOnlyGetAndHead(t *testing.T) {
	fx := newFixture(t, sqliteLocation(t))
	h := newTestHandler(t, fx)
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		for _, target := range []string{"/", fmt.Sprintf("/runs/%d", fx.seed1), "/static/style.css"} {
			if rec := get(t, h, m, target); rec.Code != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: status %d, want 405", m, target, rec.Code)
			}
		}
	}
	if rec := get(t, h, "HEAD", "/"); rec.Code != http.StatusOK {
		t.Errorf("HEAD /: status %d", rec.Code)
	}
}

func TestStaticFilesAreEmbedded(t *testing.T) {
	fx := newFixture(t, sqliteLocation(t))
	h := newTestHandler(t, fx)
	for target, ctype := range map[string]string{"/static/style.css": "text/css; charset=utf-8", "/static/favicon.svg": "image/svg+xml"} {
		rec := get(t, h, "GET", target)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != ctype || rec.Body.Len() < 100 {
			t.Errorf("GET %s: %d %q, %d bytes", target, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
		}
		if rec.Header().Get("Content-Security-Policy") != csp {
			t.Errorf("GET %s: no CSP", target)
		}
	}
	css := get(t, h, "GET", "/static/style.css").Body.String()
	if strings.Contains(css, "url(") || strings.Contains(css, "@import") {
		t.Error("the stylesheet loads something")
	}
	if rec := get(t, h, "GET", "/favicon.ico"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/static/favicon.svg" {
		t.Errorf("GET /favicon.ico: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestEveryReportFormatCanBeDownloaded(t *testing.T) {
	for _, f := range reports.FormatNames() {
		dl, ok := downloads[f]
		if !ok {
			t.Errorf("format %s has no download entry", f)
			continue
		}
		if got, _ := reports.FormatForPath("x" + dl.ext); got != f {
			t.Errorf("format %s downloads as %s, which --output reads as %q", f, dl.ext, got)
		}
	}
	_ = io.Discard
}

func TestChartScalesAndLabels(t *testing.T) {
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct{ in, want int }{{0, 4}, {3, 4}, {5, 8}, {37, 40}, {101, 200}, {50000, 50000}} {
		if got := niceMax(tt.in); got != tt.want || got%4 != 0 || got < tt.in {
			t.Errorf("niceMax(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
	pts := func(step time.Duration) []point {
		return []point{{T: day, V: 2, RunID: 1}, {T: day.Add(step), V: 9, RunID: 2}}
	}
	c := newChart("t", []series{{Name: "a", Class: "line0", Points: pts(72 * time.Hour)}})
	if c.Empty || len(c.Lines) != 1 || len(c.Lines[0].Dots) != 2 || c.XTicks[0].Label != "2026-11-01" || c.YTicks[4].Label != "12" {
		t.Errorf("days apart: %+v", c)
	}
	// The highest point touches the top of the scale's range, the lowest run is left.
	if c.Lines[0].Dots[0].X != num(float64(padL)) || c.Lines[0].Dots[1].X != num(float64(chartW-padR)) {
		t.Errorf("the runs do not span the plot: %+v", c.Lines[0].Dots)
	}
	if c := newChart("t", []series{{Points: pts(20 * time.Minute)}}); c.XTicks[0].Label != "11-01 00:00" {
		t.Errorf("minutes apart: x labels %+v, want times of day", c.XTicks)
	}
	if c := newChart("t", []series{{Points: pts(0)}}); len(c.XTicks) != 1 || c.Lines[0].Dots[0].X != c.Lines[0].Dots[1].X {
		t.Errorf("one instant: %+v", c.XTicks)
	}
	if c := newChart("t", nil); !c.Empty {
		t.Error("no runs, yet a chart")
	}
}
