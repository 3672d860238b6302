package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestShortnamePair(t *testing.T) {
	intra := okHost("intra.corp.example", "10.0.0.25")
	tests := []struct {
		name string
		run  func() []Finding
		want []string // subjects: the missing SPN
	}{
		{"FQDN only, short name resolves in the account's domain", func() []Finding {
			return runShortnamePair(withHosts(newSnapshot(user("svc-intra", "HTTP/intra.corp.example")), intra), DefaultOptions())
		}, []string{"http/intra"}},
		{"FQDN only, the short name is a CNAME of it: clients ask for the canonical name, no pair", func() []Finding {
			return runShortnamePair(withHosts(newSnapshot(user("svc-intra", "HTTP/intra.corp.example")), intra, cnameHost("intra", "intra.corp.example", "10.0.0.25")), DefaultOptions())
		}, nil},
		{"short only, FQDN resolves", func() []Finding {
			return runShortnamePair(withHosts(newSnapshot(user("svc-intra", "HTTP/intra")), intra), DefaultOptions())
		}, []string{"http/intra.corp.example"}},
		{"port form: browsers never ask for HTTP/web02:81, no pair", func() []Finding {
			return runShortnamePair(withHosts(newSnapshot(user("svc-web02", "HTTP/web02.corp.example:81")), okHost("web02.corp.example", "10.0.0.23")), DefaultOptions())
		}, nil},
		{"disabled account: no SPN to add", func() []Finding {
			u := user("svc-intra", "HTTP/intra")
			u.Enabled = false
			u.UserAccountControl |= audit.UACAccountDisable
			return runShortnamePair(withHosts(newSnapshot(u), intra), DefaultOptions())
		}, nil},
		{"other form goes to a computer through HOST: flagged", func() []Finding {
			return runShortnamePair(withHosts(newSnapshot(computer("intra", "HOST/intra"), user("svc-intra", "HTTP/intra.corp.example")), intra), DefaultOptions())
		}, []string{"http/intra"}},
		{"healthy twin: both forms", func() []Finding {
			return runShortnamePair(withHosts(newSnapshot(user("svc-app03", "HTTP/app03.corp.example", "HTTP/APP03")), okHost("app03.corp.example", "10.0.0.3")), DefaultOptions())
		}, nil},
		{"healthy twin: both port-qualified forms", func() []Finding {
			return runShortnamePair(withHosts(newSnapshot(user("svc-web02", "HTTP/web02.corp.example:81", "HTTP/web02:81")), okHost("web02.corp.example", "10.0.0.23")), DefaultOptions())
		}, nil},
		{"no DNS answer for the other form: not flagged", func() []Finding {
			return runShortnamePair(newSnapshot(user("svc-intra", "HTTP/intra.corp.example")), DefaultOptions())
		}, nil},
		{"other form does not resolve: not flagged", func() []Finding {
			return runShortnamePair(withHosts(newSnapshot(user("svc-ghost", "HTTP/ghost.corp.example")), nxHost("ghost.corp.example")), DefaultOptions())
		}, nil},
		{"short name resolves to another host: not flagged", func() []Finding {
			return runShortnamePair(withHosts(newSnapshot(user("svc-intra", "HTTP/intra.corp.example")), intra, okHost("intra", "10.9.9.9")), DefaultOptions())
		}, nil},
		{"FQDN in another namespace, no short lookup: not flagged", func() []Finding {
			return runShortnamePair(withHosts(newSnapshot(user("svc-x", "HTTP/www.public.example")), okHost("www.public.example", "192.0.2.1")), DefaultOptions())
		}, nil},
		{"computer's HTTP SPN: HOST covers the other form", func() []Finding {
			return runShortnamePair(withHosts(newSnapshot(computer("web01", "HOST/web01", "HOST/web01.corp.example", "HTTP/web01.corp.example")), okHost("web01.corp.example", "10.0.0.22")), DefaultOptions())
		}, nil},
		{"not HTTP", func() []Finding {
			return runShortnamePair(withHosts(newSnapshot(user("svc-sql", "MSSQLSvc/sql01.corp.example:1433")), okHost("sql01.corp.example", "10.0.0.14")), DefaultOptions())
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := subjects(tt.run(), Fail)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("subjects = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestShortnamePairRemediation(t *testing.T) {
	intra := okHost("intra.corp.example", "10.0.0.25")
	fs := runShortnamePair(withHosts(newSnapshot(user("svc-intra", "HTTP/intra.corp.example")), intra), DefaultOptions())
	if len(fs) != 1 {
		t.Fatalf("want 1 finding, got %+v", fs)
	}
	if got := strings.Join(fs[0].Remediation[0].Steps(), "\n"); got != `setspn -S HTTP/intra CORP\svc-intra` {
		t.Errorf("add steps = %q", got)
	}
	if a := fs[0].Remediation[0].Actions; len(a) != 1 || a[0].Type != ActionAddSPN || a[0].SPN != "HTTP/intra" {
		t.Errorf("actions = %+v", a)
	}
	// Held by someone else: no blind setspn -S.
	fs = runShortnamePair(withHosts(newSnapshot(user("svc-intra", "HTTP/intra.corp.example"), user("svc-other", "HTTP/intra")), intra), DefaultOptions())
	if len(fs) != 2 {
		t.Fatalf("want both sides flagged, got %+v", fs)
	}
	for _, f := range fs {
		if steps := strings.Join(f.Remediation[0].Steps(), "\n"); strings.Contains(steps, "setspn -S") {
			t.Errorf("setspn -S for an SPN held elsewhere:\n%s", steps)
		}
	}
}
