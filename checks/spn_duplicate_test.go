package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestDuplicateSPN(t *testing.T) {
	sql := func(name string) audit.Account { return user(name, "MSSQLSvc/sql01.corp.example:1433") }
	twoForests := func(a, b audit.Account) *audit.Snapshot {
		return withForest(newSnapshot(a, in(b, "partner.example")), "partner.example", "PARTNER")
	}
	tests := []struct {
		name     string
		snap     *audit.Snapshot
		want     []string // subjects
		severity Severity
	}{
		{"two users in one domain", newSnapshot(sql("svc-a"), sql("svc-b")), []string{"mssqlsvc/sql01.corp.example:1433"}, Critical},
		{"case and trailing dot do not hide a duplicate", newSnapshot(sql("svc-a"), user("svc-b", "mssqlsvc/SQL01.corp.example.:1433")),
			[]string{"mssqlsvc/sql01.corp.example:1433"}, Critical},
		{"user and computer", newSnapshot(computer("web01", "HTTP/web01.corp.example"), user("svc-web", "HTTP/web01.corp.example")),
			[]string{"http/web01.corp.example"}, Critical},
		{"across domains of one forest", withChildDomain(newSnapshot(sql("svc-a"), in(sql("svc-b"), "child.corp.example")), "child.corp.example", "CHILD", "corp.example"),
			[]string{"mssqlsvc/sql01.corp.example:1433"}, Critical},
		{"across forests", twoForests(sql("svc-sql"), sql("svc-sql")), []string{"mssqlsvc/sql01.corp.example:1433"}, High},
		{"healthy twin: different ports", newSnapshot(sql("svc-a"), user("svc-b", "MSSQLSvc/sql01.corp.example:1434")), nil, ""},
		{"healthy twin: HOST and HTTP are different SPNs (alias is another check)", newSnapshot(computer("web01", "HOST/web01.corp.example"), user("svc-web", "HTTP/web01.corp.example")), nil, ""},
		{"one account listing the SPN twice is not a duplicate", newSnapshot(user("svc-a", "HTTP/x.corp.example", "http/X.corp.example.")), nil, ""},
		{"krbtgt of two forests both hold kadmin/changepw", twoForests(krbtgt(), krbtgt()), nil, ""},
		{"malformed values are left to SPN-MALFORMED", newSnapshot(user("svc-a", "HTTP/bad host"), user("svc-b", "HTTP/bad host")), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := runDuplicateSPN(tt.snap, DefaultOptions())
			got := subjects(fs, Fail)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("subjects = %q, want %q", got, tt.want)
			}
			if len(fs) > 0 && fs[0].Severity != tt.severity {
				t.Errorf("severity = %s, want %s", fs[0].Severity, tt.severity)
			}
		})
	}
}

func TestDuplicateSPNSaysWhichTicketAndHowToFix(t *testing.T) {
	snap := withForest(newSnapshot(user("svc-sql", "MSSQLSvc/sql01.partner.example:1433"),
		in(user("svc-sql", "MSSQLSvc/sql01.partner.example:1433"), "partner.example")), "partner.example", "PARTNER")
	fs := runDuplicateSPN(snap, DefaultOptions())
	if len(fs) != 1 {
		t.Fatalf("want 1 finding, got %d", len(fs))
	}
	f := fs[0]
	for _, want := range []string{`clients in corp.example get a ticket for CORP\svc-sql`, `clients in partner.example get a ticket for PARTNER\svc-sql`,
		"KRB_AP_ERR_MODIFIED", `most likely runs as PARTNER\svc-sql`} {
		if !strings.Contains(f.Explanation, want) {
			t.Errorf("explanation lacks %q:\n%s", want, f.Explanation)
		}
	}
	if f.Domain != "partner.example" {
		t.Errorf("domain = %q, want the host's domain partner.example", f.Domain)
	}
	// The likely owner's option comes first and removes the SPN from the other.
	if f.Remediation[0].Name != `keep-on-partner\svc-sql` {
		t.Errorf("first option = %s", f.Remediation[0].Name)
	}
	steps := strings.Join(f.Remediation[0].Steps(), "\n")
	for _, want := range []string{"setspn -X -F", `setspn -D MSSQLSvc/sql01.partner.example:1433 CORP\svc-sql`, "setspn -Q MSSQLSvc/sql01.partner.example:1433"} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
	var a []Action
	for _, x := range f.Remediation[0].Actions {
		if x.Type != ActionAdvice {
			a = append(a, x)
		}
	}
	if len(a) != 1 || a[0].Type != ActionRemoveSPN || a[0].Account != `CORP\svc-sql` {
		t.Errorf("actions = %+v", a)
	}
}

func TestDuplicateSPNWithinDomainNamesTheKDCError(t *testing.T) {
	fs := runDuplicateSPN(newSnapshot(user("svc-a", "HTTP/app.corp.example"), user("svc-b", "HTTP/app.corp.example")), DefaultOptions())
	if len(fs) != 1 || !strings.Contains(fs[0].Explanation, "KDC_ERR_S_PRINCIPAL_UNKNOWN") || !strings.Contains(fs[0].Explanation, "event 11") {
		t.Fatalf("findings = %+v", fs)
	}
	if len(fs[0].Remediation) != 2 {
		t.Errorf("want one keep-on option per holder, got %d", len(fs[0].Remediation))
	}
}

func TestDuplicateSPNUncollectedDomainIsNotEvaluated(t *testing.T) {
	snap := withForest(newSnapshot(user("svc-a", "HTTP/app.corp.example")), "partner.example", "PARTNER")
	snap.Domains[1].AccountsCollected = false
	fs := runDuplicateSPN(snap, DefaultOptions())
	if ne := notEvaluated(fs); len(ne) != 1 || !strings.Contains(ne[0].Title, "partner.example") {
		t.Fatalf("want one not-evaluated finding naming partner.example, got %+v", fs)
	}
}

func TestDuplicateSPNUnreadTrustedDomainIsNotEvaluated(t *testing.T) {
	snap := newSnapshot(user("svc-a", "HTTP/app.corp.example"))
	snap.Collection.Gaps = []audit.Gap{{Scope: "domain:partner.example", What: "trusted domain (--follow-trusts)", Error: "LDAP result 49"}}
	ne := notEvaluated(runDuplicateSPN(snap, DefaultOptions()))
	if len(ne) != 1 || !strings.Contains(ne[0].Title, "partner.example") || !strings.Contains(ne[0].Evidence[1].Value, "LDAP result 49") {
		t.Fatalf("want one not-evaluated finding naming partner.example and its error, got %+v", ne)
	}
}
