package iislog

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"testing"
	"time"
)

const shortFields = "#Fields: date time cs-host c-ip cs-uri-stem cs-username sc-status sc-substatus sc-win32-status"

// req is one request line under shortFields.
func req(host, ip, user string, status, sub int, win32 uint64) string {
	if user == "" {
		user = "-"
	}
	return fmt.Sprintf("2026-11-24 08:00:00 %s %s /app/ %s %d %d %d", host, ip, user, status, sub, win32)
}

// kerberosOK is the Kerberos handshake: challenge, then success.
func kerberosOK(host, ip, user string) []string {
	return []string{req(host, ip, "", 401, 2, 5), req(host, ip, user, 200, 0, 0)}
}

// ntlmOK is the NTLM handshake: challenge, 401.1 0x8009030E leg, success.
func ntlmOK(host, ip, user string) []string {
	return []string{req(host, ip, "", 401, 2, 5), req(host, ip, "", 401, 1, 2148074254), req(host, ip, user, 200, 0, 0)}
}

func analyzeText(t *testing.T, opt Options, lines ...string) *Report {
	t.Helper()
	a := New(opt)
	if err := a.Add("test.log", strings.NewReader(shortFields+"\n"+strings.Join(lines, "\n")+"\n")); err != nil {
		t.Fatal(err)
	}
	return a.Report()
}

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestVerdicts(t *testing.T) {
	const h = "web01.corp.example"
	tests := []struct {
		name       string
		lines      []string
		wantStatus string
		wantText   string
		wantChecks string
	}{
		{"seed failure: 401.1 with SEC_E_WRONG_PRINCIPAL",
			[]string{req(h, "10.0.0.1", "", 401, 2, 5), req(h, "10.0.0.1", "", 401, 1, 2148074274),
				req(h, "10.0.0.2", "", 401, 2, 5), req(h, "10.0.0.2", "", 401, 1, 2148074274)},
			VerdictFailing, "Kerberos failing: 100% of 401.1 with 0x80090322 SEC_E_WRONG_PRINCIPAL — a ticket for another account",
			"SPN-USER-HOST-ALIAS,SPN-DUPLICATE"},
		{"healthy twin: the same clients with Kerberos",
			concat(kerberosOK(h, "10.0.0.1", `CORP\a`), kerberosOK(h, "10.0.0.2", `CORP\b`)),
			VerdictOK, "Windows authentication working: all 2 challenged clients", ""},
		{"clock skew is a Kerberos failure pointing at TIME-SKEW",
			[]string{req(h, "10.0.0.1", "", 401, 1, 0x80090324)},
			VerdictFailing, "Kerberos failing: 100% of 401.1 with 0x80090324 SEC_E_TIME_SKEW", "TIME-SKEW"},
		{"a wrong password is an authentication failure without a check",
			[]string{req(h, "10.0.0.1", "", 401, 1, 1326)},
			VerdictFailing, "Authentication failing: 100% of 401.1 with 1326 ERROR_LOGON_FAILURE — wrong user name or password; `spntrust explain ERROR_LOGON_FAILURE`", ""},
		{"an unknown code says how to decode it",
			[]string{req(h, "10.0.0.1", "", 401, 1, 12345)},
			VerdictFailing, "certutil -error 0x00003039", ""},
		{"the dominant failure wins and its share is of all 401.1",
			[]string{req(h, "10.0.0.1", "", 401, 1, 2148074274), req(h, "10.0.0.1", "", 401, 1, 2148074274),
				req(h, "10.0.0.1", "", 401, 1, 2148074252), req(h, "10.0.0.1", "", 401, 1, 2148074254)},
			VerdictFailing, "50% of 401.1 with 0x80090322", "SPN-USER-HOST-ALIAS,SPN-DUPLICATE"},
		{"NTLM leg before success: authenticating without Kerberos",
			concat(ntlmOK(h, "10.0.0.1", `CORP\a`), kerberosOK(h, "10.0.0.2", `CORP\b`)),
			VerdictWarning, "not with Kerberos for 1 of 2 clients", "SPN-USER-HOST-ALIAS,SPN-DUPLICATE,SPN-DNS-CNAME,SPN-SHORTNAME-PAIR"},
		{"a client that never gets past the challenge",
			concat(kerberosOK(h, "10.0.0.1", `CORP\a`), []string{req(h, "10.0.0.9", "", 401, 2, 5), req(h, "10.0.0.9", "", 401, 1, 2148074254)}),
			VerdictWarning, "Clients not authenticating: 1 of 2 challenged clients never authenticated", ""},
		{"only ACL denials",
			[]string{req(h, "10.0.0.1", `CORP\a`, 200, 0, 0), req(h, "10.0.0.1", "", 401, 3, 5)},
			VerdictWarning, "denied by ACLs (401.3)", ""},
		{"authenticated without challenges in the period",
			[]string{req(h, "10.0.0.1", `CORP\a`, 200, 0, 0)},
			VerdictOK, "Authenticated requests without 401 challenges", ""},
		{"anonymous only",
			[]string{req(h, "10.0.0.1", "", 200, 0, 0), req(h, "10.0.0.1", "", 404, 0, 2)},
			VerdictInfo, "No Windows authentication seen: 2 requests", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := analyzeText(t, Options{}, tt.lines...)
			if len(r.Hosts) != 1 {
				t.Fatalf("%d hosts, want 1", len(r.Hosts))
			}
			v := r.Hosts[0].Verdict
			if v.Status != tt.wantStatus || !strings.Contains(v.Text, tt.wantText) {
				t.Errorf("verdict = [%s] %s\nwant [%s] containing %q", v.Status, v.Text, tt.wantStatus, tt.wantText)
			}
			if got := strings.Join(v.Checks, ","); got != tt.wantChecks {
				t.Errorf("checks = %q, want %q", got, tt.wantChecks)
			}
		})
	}
}

func TestGroupsByHostThenServerAddress(t *testing.T) {
	log := "#Fields: s-ip s-port cs-host c-ip sc-status\n" +
		"10.0.0.1 80 WEB01.corp.example 10.0.9.1 200\n" +
		"10.0.0.1 80 web01.corp.example 10.0.9.1 200\n" +
		"10.0.0.1 81 - 10.0.9.1 200\n" +
		"#Fields: s-ip s-port c-ip sc-status\n" +
		"10.0.0.1 81 10.0.9.1 200\n"
	a := New(Options{})
	if err := a.Add("x.log", strings.NewReader(log)); err != nil {
		t.Fatal(err)
	}
	r := a.Report()
	var got []string
	for _, h := range r.Hosts {
		got = append(got, fmt.Sprintf("%s=%d", h.Host, h.Requests))
	}
	if strings.Join(got, " ") != "10.0.0.1:81=2 web01.corp.example=2" {
		t.Errorf("hosts = %v", got)
	}
}

func TestMalformedLinesAreCountedNotFatal(t *testing.T) {
	log := "2026-11-24 08:00:00 before any header\n" +
		shortFields + "\n" +
		req("h", "10.0.0.1", "", 200, 0, 0) + "\n" +
		"2026-11-24 08:00:00 h 10.0.0.1 /app/\n" +
		strings.Repeat("x", maxLine+10) + "\n" +
		"\x00\x00\x00\x00\n" +
		"#Fields:\n" +
		req("h", "10.0.0.1", "", 200, 0, 0) + "\n" + // no valid header any more
		shortFields + "\n" +
		req("h", "10.0.0.1", "", 200, 0, 0) + "\n" +
		"\n"
	a := New(Options{})
	if err := a.Add("bad.log", strings.NewReader(log)); err != nil {
		t.Fatal(err)
	}
	r := a.Report()
	if r.Totals.Requests != 2 {
		t.Errorf("requests = %d, want 2", r.Totals.Requests)
	}
	want := map[string]int{ReasonNoHeader: 2, ReasonFieldCount: 2, ReasonTooLong: 1, ReasonDirective: 1}
	for k, v := range want {
		if r.Malformed.ByReason[k] != v {
			t.Errorf("malformed[%q] = %d, want %d (all: %v)", k, r.Malformed.ByReason[k], v, r.Malformed.ByReason)
		}
	}
	if r.Totals.Malformed != 6 || r.Totals.Lines != 11 {
		t.Errorf("totals %+v", r.Totals)
	}
	if len(r.Malformed.Examples) == 0 || r.Malformed.Examples[0].Line != 1 {
		t.Errorf("examples %+v", r.Malformed.Examples)
	}
}

func TestMalformedExamplesNeverCarryTheLine(t *testing.T) {
	// A query string can carry a token: reports name file, line and reason only.
	a := New(Options{})
	a.Add("x.log", strings.NewReader(shortFields+"\n2026-11-24 08:00:00 h 10.0.0.1 /app/?access_token=SECRET\n"))
	var buf bytes.Buffer
	r := a.Report()
	WriteJSON(&buf, r)
	WriteText(&buf, r)
	if strings.Contains(buf.String(), "SECRET") {
		t.Errorf("report leaks line content:\n%s", buf.String())
	}
}

func TestSinceDropsOlderRequests(t *testing.T) {
	lines := []string{
		strings.Replace(req("h", "10.0.0.1", "", 401, 1, 2148074274), "08:00:00", "07:59:59", 1),
		req("h", "10.0.0.1", `CORP\a`, 200, 0, 0),
	}
	r := analyzeText(t, Options{Since: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)}, lines...)
	if r.Totals.Requests != 1 || r.Totals.BeforeSince != 1 || r.Hosts[0].Unauthorized != 0 {
		t.Errorf("totals %+v, host %+v", r.Totals, r.Hosts[0])
	}
}

func TestGzipAndTruncatedGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	fmt.Fprintf(zw, "%s\n%s\n", shortFields, req("h", "10.0.0.1", "", 200, 0, 0))
	zw.Close()
	a := New(Options{})
	if err := a.Add("x.log.gz", bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if r := a.Report(); r.Totals.Requests != 1 || !r.Files[0].Gzip {
		t.Errorf("gzip: %+v", r.Totals)
	}
	// A truncated archive is an error naming the file, after what could be read.
	err := New(Options{}).Add("cut.log.gz", bytes.NewReader(buf.Bytes()[:buf.Len()-10]))
	if err == nil || !strings.Contains(err.Error(), "cut.log.gz") {
		t.Errorf("truncated gzip: %v", err)
	}
}

func TestSiteFromPath(t *testing.T) {
	tests := map[string]string{
		`/logs/W3SVC1/u_ex261124.log`:            "W3SVC1",
		`C:/inetpub/logs/LogFiles/w3svc12/x.log`: "W3SVC12",
		`u_ex261124.log`:                         "",
		`/logs/W3SVCx/u.log`:                     "",
	}
	for p, want := range tests {
		if got := siteFromPath(p); got != want {
			t.Errorf("siteFromPath(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestCapsKeepMemoryBounded(t *testing.T) {
	var lines []string
	for i := 0; i < 50; i++ {
		lines = append(lines, strings.Replace(req("h", fmt.Sprintf("10.0.1.%d", i), "", 401, 2, 5), "/app/", fmt.Sprintf("/u%d", i), 1))
	}
	r := analyzeText(t, Options{MaxURIs: 10, MaxClients: 20}, lines...)
	h := r.Hosts[0]
	if len(h.URIs) != 11 || !strings.HasPrefix(h.URIs[10].URI, "(other URIs") || h.URIs[10].Requests != 40 {
		t.Errorf("URIs: %d, last %+v", len(h.URIs), h.URIs[len(h.URIs)-1])
	}
	if h.Clients.Seen != 20 || h.Clients.UntrackedRequests != 30 || h.Requests != 50 {
		t.Errorf("clients %+v, requests %d", h.Clients, h.Requests)
	}
	if len(h.Notes) == 0 || !strings.Contains(h.Notes[len(h.Notes)-1], "beyond the first 20") {
		t.Errorf("notes %v", h.Notes)
	}
}

func TestGroups401ByNamedUser(t *testing.T) {
	r := analyzeText(t, Options{},
		req("h", "10.0.0.1", `CORP\old`, 401, 1, 1326), req("h", "10.0.0.1", `CORP\old`, 401, 1, 1326),
		req("h", "10.0.0.2", `CORP\bob`, 401, 1, 1326), req("h", "10.0.0.3", "", 401, 2, 5))
	got := fmt.Sprint(r.Hosts[0].Users401)
	if got != `[{CORP\old 2} {CORP\bob 1}]` {
		t.Errorf("users401 = %s", got)
	}
	var buf bytes.Buffer
	WriteText(&buf, r)
	if !strings.Contains(buf.String(), "2  CORP\\old") {
		t.Errorf("text lacks the user table:\n%s", buf.String())
	}
}
