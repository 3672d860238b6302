package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestAccountDisabled(t *testing.T) {
	tests := []struct {
		name     string
		snap     *audit.Snapshot
		want     []string
		severity Severity
	}{
		{"disabled service user", newSnapshot(disabled(user("svc-old", "HTTP/old.corp.example", "HTTP/old"))), []string{`corp.example\svc-old`}, Medium},
		{"disabled computer is low", newSnapshot(disabled(computer("old01", "HOST/old01", "HOST/old01.corp.example"))), []string{`corp.example\old01$`}, Low},
		{"disabled gMSA counts as machine", newSnapshot(disabled(withKind(user("gmsa-x$", "HTTP/x.corp.example"), audit.KindGMSA))), []string{`corp.example\gmsa-x$`}, Low},
		{"healthy twin: enabled", newSnapshot(user("svc-live", "HTTP/live.corp.example", "HTTP/live")), nil, ""},
		{"disabled account without SPNs", newSnapshot(disabled(user("bob"))), nil, ""},
		{"krbtgt is disabled by design", newSnapshot(krbtgt()), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := runAccountDisabled(tt.snap, DefaultOptions())
			if got := subjects(fs, Fail); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("subjects = %q, want %q", got, tt.want)
			}
			if len(fs) > 0 && fs[0].Severity != tt.severity {
				t.Errorf("severity = %s, want %s", fs[0].Severity, tt.severity)
			}
		})
	}
	fs := runAccountDisabled(newSnapshot(disabled(user("svc-old", "HTTP/old.corp.example"))), DefaultOptions())
	if steps := allSteps(fs[0]); !strings.Contains(steps, `setspn -D HTTP/old.corp.example CORP\svc-old`) {
		t.Errorf("steps:\n%s", steps)
	}
}

func TestAccountExpired(t *testing.T) {
	expired := func(a audit.Account, days int) audit.Account { a.AccountExpires = daysAgo(days); return a }
	tests := []struct {
		name string
		snap *audit.Snapshot
		want []string
	}{
		{"expired yesterday", at(newSnapshot(expired(user("svc-temp", "HTTP/temp.corp.example"), 1)), testNow), []string{`corp.example\svc-temp`}},
		{"healthy twin: expires tomorrow", at(newSnapshot(expired(user("svc-temp", "HTTP/temp.corp.example"), -1)), testNow), nil},
		{"healthy twin: never expires", at(newSnapshot(user("svc-live", "HTTP/live.corp.example")), testNow), nil},
		{"expired and disabled is reported as disabled only", at(newSnapshot(disabled(expired(user("svc-old", "HTTP/old.corp.example"), 10))), testNow), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := subjects(runAccountExpired(tt.snap, DefaultOptions()), Fail); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("subjects = %q, want %q", got, tt.want)
			}
		})
	}
	// Without a collection time the check cannot decide.
	fs := runAccountExpired(newSnapshot(expired(user("svc-temp", "HTTP/temp.corp.example"), 1)), DefaultOptions())
	if len(fs) != 1 || fs[0].Status != NotEvaluated {
		t.Errorf("no collection time: want one not-evaluated finding, got %+v", fs)
	}
}

func TestAccountStale(t *testing.T) {
	logon := func(a audit.Account, last, pwd int) audit.Account {
		if last >= 0 {
			a.LastLogon = daysAgo(last)
		}
		if pwd >= 0 {
			a.PwdLastSet = daysAgo(pwd)
		}
		return a
	}
	tests := []struct {
		name     string
		snap     *audit.Snapshot
		want     []string
		severity Severity
	}{
		{"user, last logon 200 days ago", at(newSnapshot(logon(user("svc-gone", "HTTP/gone.corp.example"), 200, 400)), testNow), []string{`corp.example\svc-gone`}, Low},
		{"computer, last logon 200 days ago is info", at(newSnapshot(logon(computer("old01", "HOST/old01"), 200, 230)), testNow), []string{`corp.example\old01$`}, Info},
		{"never logged on, password set 300 days ago", at(newSnapshot(logon(user("svc-idle", "HTTP/idle.corp.example"), -1, 300)), testNow), []string{`corp.example\svc-idle`}, Low},
		{"never logged on, password never set", at(newSnapshot(logon(user("svc-idle", "HTTP/idle.corp.example"), -1, -1)), testNow), []string{`corp.example\svc-idle`}, Low},
		{"healthy twin: logged on last week", at(newSnapshot(logon(user("svc-live", "HTTP/live.corp.example"), 7, 400)), testNow), nil, ""},
		{"healthy twin: new account, never logged on yet", at(newSnapshot(logon(user("svc-new", "HTTP/new.corp.example"), -1, 2)), testNow), nil, ""},
		{"disabled accounts are SPN-ACCOUNT-DISABLED's", at(newSnapshot(disabled(logon(user("svc-old", "HTTP/old.corp.example"), 500, 500))), testNow), nil, ""},
		{"DCs are left out", at(newSnapshot(logon(dc("dc01", "HOST/dc01.corp.example"), 200, 200)), testNow), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := runAccountStale(tt.snap, DefaultOptions())
			if got := subjects(fs, Fail); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("subjects = %q, want %q", got, tt.want)
			}
			if len(fs) > 0 && fs[0].Severity != tt.severity {
				t.Errorf("severity = %s, want %s", fs[0].Severity, tt.severity)
			}
		})
	}
	// The threshold is an option.
	snap := at(newSnapshot(logon(user("svc-x", "HTTP/x.corp.example"), 40, 400)), testNow)
	if got := runAccountStale(snap, Options{StaleDays: 30}); len(got) != 1 {
		t.Errorf("StaleDays 30: want 1 finding, got %d", len(got))
	}
	if got := runAccountStale(snap, Options{StaleDays: 90}); len(got) != 0 {
		t.Errorf("StaleDays 90: want none, got %d", len(got))
	}
}
