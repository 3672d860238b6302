// Package browsertest drives Debian's chromium headless for the tests of
// what spntrust shows in a browser (the HTML report, the dashboard), and
// collects everything a page should never do: console errors and
// warnings, uncaught exceptions, browser log errors (a Content-Security-
// Policy violation is one), failed loads, and requests to anywhere the
// test did not allow.
//
// `make deps-browser` installs chromium. Without it the tests skip,
// unless SPNTRUST_LAB_REQUIRED=1, when they fail.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Browser is one headless chromium with one tab.
type Browser struct {
	Ctx context.Context // the tab: pass it (or a context with a deadline made from it) to chromedp

	mu       sync.Mutex
	problems []string
}

// Start launches chromium with a fresh profile in a temporary directory
// and no network beyond what pages ask for (no QUIC, background
// networking, component updates or sync). allowed says which request URLs
// are expected; any other is a problem. It skips the test when chromium is
// missing, unless SPNTRUST_LAB_REQUIRED=1.
func Start(t testing.TB, allowed func(url string) bool) *Browser {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		msg := "chromium is not installed: `make deps-browser` (apt-get install chromium) installs it"
		if os.Getenv("SPNTRUST_LAB_REQUIRED") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg + "; skipping the browser test")
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
		chromedp.WindowSize(1280, 1000),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	// Start the browser with no deadline (a deadline on the first call
	// would end the browser), then bound the rest.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b := &Browser{Ctx: ctx}
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				b.problem("console.%s: %s", e.Type, strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			b.problem("uncaught exception at line %d: %s", d.LineNumber, text)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				b.problem("browser log %s (%s): %s", e.Entry.Level, e.Entry.Source, e.Entry.Text)
			}
		case *network.EventRequestWillBeSent:
			if u := e.Request.URL; !allowed(u) {
				b.problem("the page requested %s", u)
			}
		case *network.EventLoadingFailed:
			b.problem("loading failed: %s", e.ErrorText)
		}
	}); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *Browser) problem(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

// Problems lists what went wrong so far.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// Reset forgets the problems seen so far (between pages).
func (b *Browser) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = nil
}
