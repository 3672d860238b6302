package reports

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/spntrust/spntrust/internal/browsertest"
)

// artifactDir keeps the browser test's screenshot and page (gitignored).
const artifactDir = "../artifacts"

// TestHTMLReportInChromium opens the HTML report in headless Chromium
// (Debian's chromium, installed by `make deps-browser`) and fails on any
// console error, uncaught exception, browser log error or request for
// anything but the file itself, or on an empty page; it exercises the
// filters and a copy button and keeps a screenshot in artifacts/.
func TestHTMLReportInChromium(t *testing.T) {
	var buf bytes.Buffer
	if err := (HTML{}).Write(&buf, richReport(t)); err != nil {
		t.Fatal(err)
	}
	ctx, pageURL, problems := browse(t, buf.Bytes())

	run, cancelRun := context.WithTimeout(ctx, 60*time.Second)
	defer cancelRun()
	if err := chromedp.Do(run, chromedp.Navigate(pageURL), chromedp.WaitVisible(chromedp.CSS("#findings-table"))); err != nil {
		t.Fatalf("load %s: %v", pageURL, err)
	}
	eval := func(js string) int {
		t.Helper()
		n, err := chromedp.Run(run, chromedp.Evaluate[int](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return n
	}
	text, err := chromedp.Run(run, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if len(strings.TrimSpace(text)) < 200 || !strings.Contains(text, "SPN-USER-HOST-ALIAS") || !strings.Contains(text, "Forests, domains and trusts") {
		t.Errorf("the page is empty or incomplete: %q", text)
	}
	if eval(`document.querySelectorAll("script").length`) != 1 {
		t.Errorf("a hostile value became a script element")
	}
	if n := eval(`document.querySelectorAll("#topology svg g.domain").length`); n != 3 {
		t.Errorf("the drawing shows %d domains, want 3 (corp.example, partner.test, extern.test)", n)
	}
	if n := eval(`document.querySelectorAll("#topology svg g.edge").length`); n != 2 {
		t.Errorf("the drawing shows %d trusts, want 2", n)
	}
	rows := eval(`document.querySelectorAll("tr.finding-row").length`)
	if rows != 4 {
		t.Errorf("findings table has %d rows, want 4", rows)
	}
	filter := func(id, value string) int {
		return eval(fmt.Sprintf(`(function () {
			var s = document.getElementById(%q); s.value = %q; s.dispatchEvent(new Event("change"));
			return document.querySelectorAll("tr.finding-row:not(.hidden)").length +
				100 * document.querySelectorAll("article.finding:not(.hidden)").length; })()`, id, value))
	}
	tests := []struct {
		id, value string
		want      int
	}{
		{"filter-severity", "high", 1},
		{"filter-severity", "not-evaluated", 2},
		{"filter-severity", "", 4},
		{"filter-check", "TEST-HOSTILE", 1},
		{"filter-check", "", 4},
		{"filter-domain", "partner.test", 2},
		{"filter-domain", "", 4},
		{"filter-baseline", "expired", 1},
		{"filter-baseline", "", 4},
	}
	for _, tt := range tests {
		// Rows and finding sections are filtered together.
		if got := filter(tt.id, tt.value); got != tt.want*101 {
			t.Errorf("filter %s=%q shows %d rows and %d sections, want %d", tt.id, tt.value, got%100, got/100, tt.want)
		}
	}
	if err := chromedp.Do(run, chromedp.Click(chromedp.CSS("button.copy"))); err != nil {
		t.Errorf("click copy: %v", err)
	}
	label, _ := chromedp.Run(run, chromedp.Evaluate[string](`document.querySelector("button.copy").textContent`))
	if label != "Copied" && label != "Selected: press Ctrl+C" {
		t.Errorf("copy button says %q after a click", label)
	}

	png, err := chromedp.Run(run, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll(artifactDir, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(artifactDir, "html-report.png"), png, 0o644)
		_ = os.WriteFile(filepath.Join(artifactDir, "html-report.html"), buf.Bytes(), 0o644)
		t.Logf("screenshot kept in %s", filepath.Join(artifactDir, "html-report.png"))
	}
	if len(png) < 10000 {
		t.Errorf("screenshot is %d bytes: the page rendered nothing", len(png))
	}
	for _, p := range problems() {
		t.Error(p)
	}
}

// TestBrowserCheckSeesBrokenPages proves the browser test would notice:
// a page with a console error, an exception and a fetch must be reported.
func TestBrowserCheckSeesBrokenPages(t *testing.T) {
	broken := []byte(`<!DOCTYPE html><html><body><p>broken</p><img src="missing.png">
<script>console.error("boom"); undefinedFunction();</script></body></html>`)
	ctx, pageURL, problems := browse(t, broken)
	run, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(run, chromedp.Navigate(pageURL), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(problems(), "\n")
	for _, want := range []string{"console.error", "uncaught exception", "missing.png"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems do not mention %q:\n%s", want, got)
		}
	}
}

// browse starts headless Chromium on a page holding html and returns the
// tab's context, the page URL and a func listing the problems seen so far
// (internal/browsertest): console errors and warnings, uncaught
// exceptions, browser log errors, failed loads and requests for anything
// but the page itself. It skips the test when chromium is missing, unless
// SPNTRUST_LAB_REQUIRED=1.
func browse(t *testing.T, html []byte) (context.Context, string, func() []string) {
	t.Helper()
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, html, 0o600); err != nil {
		t.Fatal(err)
	}
	pageURL := "file://" + page
	b := browsertest.Start(t, func(u string) bool { return u == pageURL || strings.HasPrefix(u, "data:") })
	return b.Ctx, pageURL, func() []string {
		var out []string
		for _, p := range b.Problems() {
			if strings.HasPrefix(p, "the page requested ") {
				p += ": a self-contained report fetches nothing"
			}
			out = append(out, p)
		}
		return out
	}
}
