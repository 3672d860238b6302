package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var iisLogs = []string{
	"../../iislog/testdata/mp01/W3SVC1/u_ex261124.log",
	"../../iislog/testdata/web01/W3SVC2/u_ex261124.log",
	"../../iislog/testdata/app01/u_ex261124.log.gz",
}

func TestIISLogCommand(t *testing.T) {
	code, out, stderr := run(t, append([]string{"iislog"}, iisLogs...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"Kerberos failing: 83% of 401.1 with 0x80090322 SEC_E_WRONG_PRINCIPAL — a ticket for another account; run `spntrust audit` and see SPN-USER-HOST-ALIAS",
		"== mp01.corp.example (W3SVC1) ==",
		"Verdict [ok]: Windows authentication working",
		"3 malformed lines",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestIISLogJSONAndSince(t *testing.T) {
	// The test clock is 2026-11-25 12:00 UTC: 27h back is 2026-11-24 09:00.
	code, out, stderr := run(t, "iislog", "--format", "json", "--since", "27h", iisLogs[0], iisLogs[1])
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Since  time.Time
		Totals struct{ Requests, BeforeSince int }
		Hosts  []struct {
			Host    string
			Verdict struct{ Status string }
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	if !rep.Since.Equal(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)) || rep.Totals.BeforeSince != 219 {
		t.Errorf("since %v, totals %+v", rep.Since, rep.Totals)
	}
	if len(rep.Hosts) != 1 || rep.Hosts[0].Verdict.Status != "failing" {
		t.Errorf("hosts %+v", rep.Hosts)
	}
}

func TestIISLogErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"missing file names it", []string{"iislog", "/nonexistent/u_ex.log"}, "/nonexistent/u_ex.log"},
		{"bad format", []string{"iislog", "--format", "xml", iisLogs[0]}, "unknown --format"},
		{"bad since", []string{"iislog", "--since", "yesterday", iisLogs[0]}, "--since"},
		{"negative duration", []string{"iislog", "--since", "-5m", iisLogs[0]}, "positive"},
		{"no files", []string{"iislog"}, "requires at least 1 arg"},
		{"stdin without a terminal", []string{"iislog", "-"}, "standard input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, tt.args...)
			if code != ExitUsage || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d mentioning %q", code, stderr, ExitUsage, tt.wantErr)
			}
		})
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Time{
		"24h":                       time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
		"2026-11-24":                time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC),
		"2026-11-24 08:30:00":       time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC),
		"2026-11-24T08:30:00+01:00": time.Date(2026, 11, 24, 7, 30, 0, 0, time.UTC),
	}
	for in, want := range tests {
		got, err := parseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v %v, want %v", in, got, err, want)
		}
	}
}
