package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spntrust/spntrust/serve"
)

const serveToken = "tok-0123456789abcdef0123456789"

func TestServeRefusesUnsafeListening(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "h.db")
	if code, _, stderr := run(t, "audit", "--from", seed, "--history", hist); code != ExitOK {
		t.Fatalf("audit --history: exit %d: %s", code, stderr)
	}
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(serveToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.db")
	tests := []struct {
		name string
		env  string // SPNTRUST_SERVE_TOKEN
		args []string
		want string
	}{
		{"a network address without TLS", "", []string{"--listen", "0.0.0.0:8443"}, "--tls-cert and --tls-key"},
		{"TLS without an access check", "", []string{"--listen", "0.0.0.0:8443", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, "--token-file FILE (or SPNTRUST_SERVE_TOKEN), or --client-ca"},
		{"a token without TLS", "", []string{"--listen", "192.0.2.1:8443", "--token-file", tokenFile}, "needs TLS"},
		{"the token from the environment without TLS", serveToken, []string{"--listen", "[::]:8443"}, "needs TLS"},
		{"a token is never a flag value", "", []string{"--token", serveToken}, "unknown flag: --token"},
		{"the token given twice", serveToken, []string{"--token-file", tokenFile}, "both --token-file and $SPNTRUST_SERVE_TOKEN"},
		{"an empty token file", "", []string{"--token-file", empty}, "is empty"},
		{"a short token", "short", nil, "has 5 characters"},
		{"a host name", "", []string{"--listen", "dashboard.corp.example:8080"}, "give an IP address"},
		{"a missing history, not created", "", []string{"--history", missing}, missing},
		{"listening is checked before the history is opened", "", []string{"--history", missing, "--listen", "0.0.0.0:80"}, "--tls-cert"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(serve.TokenEnv, tt.env)
			args := append([]string{"serve", "--history", hist}, tt.args...)
			code, _, stderr := run(t, args...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d saying %q", code, stderr, ExitUsage, tt.want)
			}
			if strings.Contains(stderr, serveToken) {
				t.Errorf("stderr repeats the token: %q", stderr)
			}
		})
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("serve created %s", missing)
	}
}

// TestServeShowsTheHistoryReadOnly runs the command for real on 127.0.0.1
// (port 0) with a token from the environment: pages need the token, the
// history file is left byte for byte as it was, and cancelling the
// context stops the server.
func TestServeShowsTheHistoryReadOnly(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "h.db")
	for _, day := range []string{"2026-11-01", "2026-11-02"} {
		now, _ := time.Parse("2006-01-02", day)
		var out, errOut bytes.Buffer
		app := &App{Version: "test", Stdout: &out, Stderr: &errOut, Now: func() time.Time { return now }}
		if code := app.Main([]string{"audit", "--from", seed, "--history", hist}); code != ExitOK {
			t.Fatalf("audit: exit %d: %s", code, errOut.String())
		}
	}
	sum := func() [32]byte {
		data, err := os.ReadFile(hist)
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(data)
	}
	before := sum()
	t.Setenv(serve.TokenEnv, serveToken)

	base, stop, log := startServe(t, "--history", hist, "--listen", "127.0.0.1:0")
	client := &http.Client{Timeout: 10 * time.Second}
	fetch := func(path string, withToken bool) (int, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		if withToken {
			req.SetBasicAuth("me", serveToken)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := fetch("/", false); code != http.StatusUnauthorized {
		t.Errorf("without the token: status %d, want 401", code)
	}
	code, body := fetch("/", true)
	if code != http.StatusOK || !strings.Contains(body, "corp.example") || !strings.Contains(body, "2 runs recorded") {
		t.Errorf("with the token: status %d:\n%s", code, body)
	}
	if code, body := fetch("/runs/2/report/json", true); code != http.StatusOK || !strings.Contains(body, `"checkId"`) {
		t.Errorf("report download: status %d", code)
	}
	stop()
	if sum() != before {
		t.Error("serving changed the history file")
	}
	if l := log(); !strings.Contains(l, "dashboard of "+hist+" on http://127.0.0.1:") || !strings.Contains(l, "token from $SPNTRUST_SERVE_TOKEN") {
		t.Errorf("stderr does not say where the dashboard is and how it is protected: %q", l)
	}
	if strings.Contains(log(), serveToken) {
		t.Error("stderr repeats the token")
	}
}

// syncWriter lets the server's goroutines and the test share a buffer.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// startServe runs `spntrust serve args...` in the background until stop,
// and returns its base URL (http://ADDR) once it listens, a stop function
// (which fails the test unless serve then returns nil) and its stderr.
func startServe(t *testing.T, args ...string) (base string, stop func(), stderr func() string) {
	t.Helper()
	var buf bytes.Buffer
	sw := &syncWriter{w: &buf}
	stderr = func() string {
		sw.mu.Lock()
		defer sw.mu.Unlock()
		return buf.String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	app := &App{Version: "test", Stdout: io.Discard, Stderr: sw, Now: time.Now}
	cmd := newCmdServe(app, func(ctx context.Context, o *serveOptions) error {
		o.ready = func(a net.Addr) { addr <- a }
		return serveRun(ctx, o)
	})
	cmd.SetArgs(args)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	select {
	case a := <-addr:
		base = "http://" + a.String()
	case err := <-done:
		cancel()
		t.Fatalf("serve ended: %v\n%s", err, stderr())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("serve did not listen within 30 s")
	}
	stopped := false
	stop = func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v after the cancel", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop within 30 s of the cancel")
		}
	}
	t.Cleanup(stop)
	return base, stop, stderr
}
