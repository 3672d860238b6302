package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/audit/collect"
	"github.com/spntrust/spntrust/audit/pipeline"
	"github.com/spntrust/spntrust/remediate"
)

// auditFingerprints runs audit --format json with args and returns the
// fingerprints of its failed findings.
func auditFingerprints(t *testing.T, args ...string) []string {
	t.Helper()
	code, stdout, stderr := run(t, append([]string{"audit", "--from", seed, "--format", "json"}, args...)...)
	if code != ExitOK {
		t.Fatalf("audit %v: exit %d: %s", args, code, stderr)
	}
	var rep struct {
		Findings []struct{ Fingerprint, Status string }
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("audit JSON: %v", err)
	}
	var fps []string
	for _, f := range rep.Findings {
		if f.Status == "fail" {
			fps = append(fps, f.Fingerprint)
		}
	}
	sort.Strings(fps)
	return fps
}

// TestEveryCommandSeesTheAuditsFindings proves that audit, baseline create,
// remediate and fix judge a snapshot with the same settings when given the
// same flags: before the shared settings, remediate and fix ran the checks
// with the default thresholds whatever audit had been told.
func TestEveryCommandSeesTheAuditsFindings(t *testing.T) {
	flags := []string{"--password-age-days", "30", "--stale-days", "30", "--move-port", "8080", "--skip", "SPN-DNS-PTR"}
	want := auditFingerprints(t, flags...)
	if slices.Equal(want, auditFingerprints(t)) {
		t.Fatalf("the flags %v change no finding of %s: the test proves nothing", flags, seed)
	}
	if len(want) < 2 {
		t.Fatalf("audit found %v: want several findings", want)
	}
	dir := t.TempDir()

	t.Run("baseline create accepts exactly the audit's findings", func(t *testing.T) {
		out := filepath.Join(dir, "baseline.json")
		code, _, stderr := run(t, append([]string{"baseline", "create", "--from", seed, "--out", out, "--owner", "ops", "--reason", "CHG-1"}, flags...)...)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		data, _ := os.ReadFile(out)
		var file struct {
			Accepted []struct{ Fingerprint string }
		}
		if err := json.Unmarshal(data, &file); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range file.Accepted {
			got = append(got, e.Fingerprint)
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("baseline accepts %v, audit reports %v", got, want)
		}
	})

	t.Run("remediate plans from the audit's findings with its move port", func(t *testing.T) {
		out := filepath.Join(dir, "rem")
		code, _, stderr := run(t, append([]string{"remediate", "--from", seed, "--out", out}, flags...)...)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		plan, _ := os.ReadFile(filepath.Join(out, "PLAN.md"))
		for _, fp := range want {
			if !strings.Contains(string(plan), fp) {
				t.Errorf("PLAN.md does not mention finding %s", fp)
			}
		}
		if !strings.Contains(string(plan), ":8080") || strings.Contains(string(plan), ":81`") {
			t.Errorf("PLAN.md does not move the site to --move-port 8080:\n%s", plan)
		}
	})

	t.Run("fix plans from the audit's findings with its move port", func(t *testing.T) {
		code, stdout, stderr := run(t, append([]string{"fix", "--from", seed}, flags...)...)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, fp := range want {
			if !strings.Contains(stdout, fp) {
				t.Errorf("fix's plan does not mention finding %s:\n%s", fp, stdout)
			}
		}
		if !strings.Contains(stdout, "HTTP/mp01.corp.example:8080") {
			t.Errorf("fix does not register the --move-port 8080 SPN:\n%s", stdout)
		}
	})
}

func TestPortAndMovePortAreOneSetting(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string // in stdout (the plan) or stderr
	}{
		{"--port still names the move port", []string{"--port", "8081"}, ExitOK, "HTTP/mp01:8081"},
		{"--move-port names it too", []string{"--move-port", "8082"}, ExitOK, "HTTP/mp01:8082"},
		{"both with one value", []string{"--port", "8083", "--move-port", "8083"}, ExitOK, "HTTP/mp01:8083"},
		{"both with two values is an error", []string{"--port", "8084", "--move-port", "8085"}, ExitUsage, "give one of them"},
		{"a bad --port names --port", []string{"--port", "0"}, ExitUsage, "--port 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, append([]string{"fix", "--from", seed}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d: %s", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stdout+stderr, tt.want) {
				t.Errorf("output does not contain %q:\n%s%s", tt.want, stdout, stderr)
			}
		})
	}
}

// fakeConnector is a directory without sockets: collection returns a
// fixed snapshot and fixes change an in-memory directory.
type fakeConnector struct {
	snap    *audit.Snapshot
	dir     *memDirectory
	targets []string // the --domain/--server of each connection asked for
	queries []collect.ServiceQuery
}

func (f *fakeConnector) Collector(t *targetOptions) pipeline.Collector {
	f.targets = append(f.targets, t.domain+t.server)
	return pipeline.CollectorFunc(func(context.Context) (*audit.Snapshot, error) {
		if f.snap == nil {
			return nil, errors.New("dc1.corp.example: connection refused")
		}
		return f.snap, nil
	})
}

func (f *fakeConnector) FixDirectory(_ context.Context, t *targetOptions) (remediate.Directory, string, func(), error) {
	f.targets = append(f.targets, t.domain+t.server)
	return f.dir, "dc1.corp.example", func() {}, nil
}

// ServiceCollector returns the fixed snapshot too: a probe's, with its
// declared services (the query is recorded for the test to read).
func (f *fakeConnector) ServiceCollector(t *targetOptions, q collect.ServiceQuery) pipeline.Collector {
	f.queries = append(f.queries, q)
	return f.Collector(t)
}

// memDirectory holds servicePrincipalName by DN.
type memDirectory struct{ spns map[string][]string }

func (d *memDirectory) ReadSPNs(_ context.Context, dn string) ([]string, error) {
	v, ok := d.spns[dn]
	if !ok {
		return nil, errors.New("no such object " + dn)
	}
	return slices.Clone(v), nil
}

func (d *memDirectory) ModifySPNs(_ context.Context, dn string, remove, add []string) error {
	var kept []string
	for _, s := range d.spns[dn] {
		if !slices.ContainsFunc(remove, func(r string) bool { return strings.EqualFold(r, s) }) {
			kept = append(kept, s)
		}
	}
	d.spns[dn] = append(kept, add...)
	return nil
}

func (d *memDirectory) SPNHolders(_ context.Context, spn string) ([]string, error) {
	var out []string
	for dn, v := range d.spns {
		if slices.ContainsFunc(v, func(s string) bool { return strings.EqualFold(s, spn) }) {
			out = append(out, dn)
		}
	}
	return out, nil
}

func runWith(t *testing.T, c Connector, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{Version: "test", Stdout: &out, Stderr: &errOut, Connector: c,
		Now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }}
	code = app.Main(args)
	return code, out.String(), errOut.String()
}

func TestLiveCommandsRunOverAnInjectedConnector(t *testing.T) {
	snap, err := audit.Load(seed)
	if err != nil {
		t.Fatal(err)
	}
	dir := &memDirectory{spns: map[string][]string{}}
	for _, a := range snap.Accounts {
		dir.spns[a.DN] = slices.Clone(a.SPNs)
	}
	const svc = "CN=svc-appweb,OU=Service Accounts,DC=corp,DC=example"
	fake := &fakeConnector{snap: snap, dir: dir}

	t.Run("audit --domain reports what the connector collected", func(t *testing.T) {
		code, stdout, stderr := runWith(t, fake, "audit", "--domain", "corp.example", "--fail-on", "high")
		if code != ExitFindings || !strings.Contains(stdout, "SPN-USER-HOST-ALIAS") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
	})
	t.Run("a collection that fails is an incomplete audit", func(t *testing.T) {
		code, _, stderr := runWith(t, &fakeConnector{}, "audit", "--domain", "corp.example")
		if code != ExitIncomplete || !strings.Contains(stderr, "connection refused") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("fix --apply changes the directory the connector opened", func(t *testing.T) {
		backups := t.TempDir()
		code, _, stderr := runWith(t, fake, "fix", "--domain", "corp.example", "--move-port", "8080", "--apply", "--backup-dir", backups)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if got := strings.Join(dir.spns[svc], " "); got != "HTTP/mp01.corp.example:8080 HTTP/mp01:8080" {
			t.Errorf("svc-appweb holds %q after the fix", got)
		}
		if entries, _ := os.ReadDir(backups); len(entries) == 0 {
			t.Error("no backup written before the change")
		}
		code, _, stderr = runWith(t, fake, "fix", "--domain", "corp.example", "--move-port", "8080", "--apply", "--backup-dir", backups)
		if code != ExitOK || !strings.Contains(stderr, "already in the target state") {
			t.Errorf("second run: exit %d: %s", code, stderr)
		}
	})
	if !slices.Equal(fake.targets[:2], []string{"corp.example", "corp.example"}) {
		t.Errorf("connections asked for %v", fake.targets)
	}
}

// TestCommandsParseIntoOptions drives the commands as cli/cli's tests do:
// the run function is replaced, so flags are checked without running.
func TestCommandsParseIntoOptions(t *testing.T) {
	f := &App{Version: "test", Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	var got *auditOptions
	cmd := newCmdAudit(f, func(_ context.Context, o *auditOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--from", "snap.json", "--stale-days", "30", "--skip", "SPN-DNS-PTR", "--fail-on", "high", "-o", "json=r.json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	set, err := got.settings.settings()
	if err != nil {
		t.Fatal(err)
	}
	if got.from != "snap.json" || set.Options.StaleDays != 30 || !slices.Equal(set.Skip, []string{"SPN-DNS-PTR"}) ||
		got.report.failOn != "high" || !slices.Equal(got.report.outputs, []string{"json=r.json"}) {
		t.Errorf("options = %+v, settings %+v", got, set)
	}
	if got.Connector == nil || got.Now == nil {
		t.Error("the run function gets no connector or clock from the factory")
	}

	var fix *fixOptions
	cmd = newCmdFix(f, func(_ context.Context, o *fixOptions) error { fix = o; return nil })
	cmd.SetArgs([]string{"--from", "snap.json", "--port", "8080", "--password-age-days", "10", "--finding", "abc"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	set, err = fix.plan.settings.settings()
	if err != nil {
		t.Fatal(err)
	}
	if set.Options.MovePort != 8080 || set.Options.PasswordAgeDays != 10 || !slices.Equal(fix.findings, []string{"abc"}) {
		t.Errorf("fix settings %+v, findings %v", set, fix.findings)
	}
}
