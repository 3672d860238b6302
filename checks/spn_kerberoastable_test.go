package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestKerberoastable(t *testing.T) {
	svc := func(enc *uint32, pwdDays, adminCount int) audit.Account {
		a := user("svc-x", "HTTP/x.corp.example")
		a.SupportedEncryptionTypes = enc
		a.PwdLastSet = daysAgo(pwdDays)
		a.AdminCount = adminCount
		return a
	}
	tests := []struct {
		name     string
		acct     audit.Account
		severity Severity // "" = not flagged
		title    string
	}{
		{"encryption types unset", svc(nil, 10, 0), High, "RC4 allowed"},
		{"encryption types 0 means unset", svc(u32(0), 10, 0), High, "RC4 allowed"},
		{"RC4 only (svc-rc4)", svc(u32(0x4), 10, 0), High, "RC4 allowed"},
		{"RC4 and AES", svc(u32(0x1c), 10, 0), High, "RC4 allowed"},
		{"DES only: no AES", svc(u32(0x3), 10, 0), High, "no AES"},
		{"AES only, old password", svc(u32(0x18), 400, 0), Medium, "old password"},
		{"AES only, privileged", svc(u32(0x18), 10, 1), Medium, "privileged"},
		{"privileged with RC4", svc(nil, 10, 1), Critical, "privileged"},
		{"privileged with an old password", svc(u32(0x18), 400, 1), Critical, "old password"},
		{"healthy twin: AES only, fresh password (svc-aes)", svc(u32(0x18), 10, 0), "", ""},
		{"healthy twin: AES256 only", svc(u32(0x10), 10, 0), "", ""},
		{"computers are not service users", withKind(svc(nil, 400, 0), audit.KindComputer), "", ""},
		{"gMSA is not a service user", withKind(svc(nil, 400, 0), audit.KindGMSA), "", ""},
		{"disabled user", disabled(svc(nil, 400, 0)), "", ""},
		{"krbtgt", krbtgt(), "", ""},
		{"user without SPNs", func() audit.Account { a := svc(nil, 400, 1); a.SPNs = nil; return a }(), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := runKerberoastable(at(newSnapshot(tt.acct), testNow), DefaultOptions())
			if tt.severity == "" {
				if len(fs) != 0 {
					t.Fatalf("flagged: %+v", fs)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("want 1 finding, got %d", len(fs))
			}
			if fs[0].Severity != tt.severity || !strings.Contains(fs[0].Title, tt.title) {
				t.Errorf("severity %s title %q, want %s and %q", fs[0].Severity, fs[0].Title, tt.severity, tt.title)
			}
		})
	}
}

func TestKerberoastableRemediation(t *testing.T) {
	a := user("svc-sql", "MSSQLSvc/sql01.corp.example:1433")
	a.PwdLastSet = daysAgo(10)
	fs := runKerberoastable(at(newSnapshot(a), testNow), DefaultOptions())
	if len(fs) != 1 {
		t.Fatalf("want 1 finding, got %d", len(fs))
	}
	var names []string
	for _, o := range fs[0].Remediation {
		names = append(names, o.Name)
	}
	if !reflect.DeepEqual(names, []string{"gmsa", "aes-only"}) {
		t.Errorf("options = %v", names)
	}
	steps := allSteps(fs[0])
	for _, want := range []string{"New-ADServiceAccount -Name 'gmsa-sql'", "Set-ADUser -Identity 'svc-sql' -Server 'corp.example' -KerberosEncryptionType AES128,AES256", "Set-ADAccountPassword"} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
	var set *Action
	for i, act := range fs[0].Remediation[1].Actions {
		if act.Type == ActionSetEncTypes {
			set = &fs[0].Remediation[1].Actions[i]
		}
	}
	if set == nil || set.Value != "24" || set.Account != `CORP\svc-sql` {
		t.Errorf("set-encryption-types action = %+v", set)
	}
}

func TestKerberoastablePasswordAgeNeedsTheCollectionTime(t *testing.T) {
	a := user("svc-x", "HTTP/x.corp.example")
	a.SupportedEncryptionTypes = u32(0x18)
	a.PwdLastSet = daysAgo(4000)
	if fs := runKerberoastable(newSnapshot(a), DefaultOptions()); len(fs) != 0 {
		t.Errorf("judged password age without a collection time: %+v", fs)
	}
	if fs := runKerberoastable(at(newSnapshot(a), testNow), Options{PasswordAgeDays: 5000}); len(fs) != 0 {
		t.Errorf("PasswordAgeDays 5000: flagged %+v", fs)
	}
}

// The gMSA option moves the user's SPNs to the new account, but not one that
// would carry another check's problem there (issue 17): an HTTP SPN shadowing
// a computer's HOST SPN, a duplicate, a host without DNS.
func TestKerberoastableGMSALeavesOutSPNsThatWouldMoveAProblem(t *testing.T) {
	s := newSnapshot(
		computer("mp01", "HOST/mp01", "HOST/mp01.corp.example"),
		user("other", "MSSQLSvc/db01.corp.example:1433"),
		user("svc-mpweb", "HTTP/mp01.corp.example", "MSSQLSvc/db01.corp.example:1433", "HTTP/gone.corp.example", "HTTP/ok.corp.example"),
	)
	s.DNS.Hosts = append(s.DNS.Hosts,
		audit.HostLookup{Name: "gone.corp.example", Status: audit.DNSNXDomain},
		audit.HostLookup{Name: "ok.corp.example", Canonical: "ok.corp.example", A: []string{"10.0.0.9"}, Status: audit.DNSOK})
	var gmsa *Option
	for _, f := range runKerberoastable(s, DefaultOptions()) {
		if f.Subject == `corp.example\svc-mpweb` {
			for i := range f.Remediation {
				if f.Remediation[i].Name == "gmsa" {
					gmsa = &f.Remediation[i]
				}
			}
		}
	}
	if gmsa == nil {
		t.Fatal("no gmsa option for svc-mpweb")
	}
	moved := map[string]bool{}
	left := map[string]string{}
	for _, a := range gmsa.Actions {
		switch {
		case a.Type == ActionManual && a.SPN != "":
			moved[a.SPN] = true
		case a.Type == ActionAdvice && a.SPN != "":
			left[a.SPN] = a.Note
		}
	}
	if !reflect.DeepEqual(moved, map[string]bool{"HTTP/ok.corp.example": true}) {
		t.Errorf("moved to the gMSA: %v, want only HTTP/ok.corp.example", moved)
	}
	for spn, want := range map[string]string{
		"HTTP/mp01.corp.example":          "computer CORP\\MP01$ holds HOST/mp01.corp.example",
		"MSSQLSvc/db01.corp.example:1433": "CORP\\other holds it too",
		"HTTP/gone.corp.example":          "has no DNS answer",
	} {
		if !strings.Contains(left[spn], want) {
			t.Errorf("left out %s: %q, want it to say %q", spn, left[spn], want)
		}
	}
}
