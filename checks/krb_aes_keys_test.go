package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestAESKeysMissing(t *testing.T) {
	svc := user("svc-web", "HTTP/web.corp.example")
	tests := []struct {
		name     string
		account  audit.Account
		want     []string
		severity Severity
		source   string
	}{
		{"live: only RC4, types unset (outage on a patched DC)", withKeys(svc, audit.KeysListed, 23), []string{`corp.example\svc-web`}, High, "live"},
		{"live: AES types set but no AES key", withEnc(withKeys(svc, audit.KeysListed, 23), 24), []string{`corp.example\svc-web`}, High, "live"},
		{"live: explicitly RC4 only, no AES key (works, exposed)", withEnc(withKeys(svc, audit.KeysListed, 23), 4), []string{`corp.example\svc-web`}, Medium, "live"},
		{"live: DES only key", withKeys(svc, audit.KeysListed, 3), []string{`corp.example\svc-web`}, High, "live"},
		{"heuristic: password set before the AES marker", withPwdLastSet(svc, before), []string{`corp.example\svc-web`}, High, "heuristic"},
		{"computer without AES keys", withKeys(computer("web02", "HOST/web02"), audit.KeysListed, 23), []string{`corp.example\web02$`}, High, "live"},
		{"healthy twin: live AES key", withKeys(svc, audit.KeysListed, 18), nil, "", ""},
		{"healthy twin: live beats an old password", withPwdLastSet(withKeys(svc, audit.KeysListed, 18), before), nil, "", ""},
		{"healthy twin: heuristic, password after the marker", withPwdLastSet(svc, after), nil, "", ""},
		{"heuristic: probe failed, password never set", withKeys(svc, audit.KeysError), []string{`corp.example\svc-web`}, High, "heuristic"},
		{"disabled: no tickets anyway", withUAC(withKeys(svc, audit.KeysListed, 23), audit.UACAccountDisable), nil, "", ""},
		{"krbtgt: KRB-KRBTGT-KEYS", withKeys(user("krbtgt", "kadmin/changepw"), audit.KeysListed, 23), nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := aesSince(newSnapshot(tt.account), marker, auditAt)
			got := runAESKeysMissing(s, DefaultOptions())
			if subj := subjects(got, Fail); !reflect.DeepEqual(subj, tt.want) {
				t.Fatalf("subjects = %q, want %q", subj, tt.want)
			}
			if len(got) == 0 {
				return
			}
			f := got[0]
			if f.Severity != tt.severity {
				t.Errorf("severity %s, want %s", f.Severity, tt.severity)
			}
			if !strings.Contains(evidenceKeys(f), "keys ("+tt.source+")") {
				t.Errorf("evidence %q does not say the %s source", evidenceKeys(f), tt.source)
			}
			if !strings.Contains(f.Title, "HTTP/web.corp.example") && !strings.Contains(f.Title, "HOST/web02") {
				t.Errorf("title does not name the services: %s", f.Title)
			}
			if len(f.Remediation) == 0 || f.Remediation[0].Name != "reset-password" {
				t.Errorf("remediation %+v, want reset-password", f.Remediation)
			}
			for _, step := range f.Remediation[0].Steps() {
				if strings.Contains(step, "-NewPassword '") || strings.Contains(step, "ConvertTo-SecureString") {
					t.Errorf("a step carries a password: %s", step)
				}
			}
		})
	}
}

func TestAESKeysMissingSaysWhatClientsSeeOnPatchedAndUnpatchedDCs(t *testing.T) {
	a := withKeys(user("svc-web", "HTTP/web.corp.example"), audit.KeysListed, 23)
	s := newSnapshot(a)
	s.TicketProbes = []audit.TicketProbe{{SPN: "HTTP/web.corp.example", Issued: true, TicketEtype: 23, SessionEtype: 18}}
	f := runAESKeysMissing(s, DefaultOptions())[0]
	for _, want := range []string{"patched for CVE-2026-20833", "no ticket", "unpatched DC still issues an RC4 ticket"} {
		if !strings.Contains(f.Explanation, want) {
			t.Errorf("explanation lacks %q: %s", want, f.Explanation)
		}
	}
	if !strings.Contains(evidenceKeys(f), "ticket probe HTTP/web.corp.example") {
		t.Errorf("the ticket probe's RC4 ticket is not evidence: %q", evidenceKeys(f))
	}
}

func evidenceKeys(f Finding) string {
	var b strings.Builder
	for _, e := range f.Evidence {
		b.WriteString(e.Key + "=" + e.Value + "\n")
	}
	return b.String()
}

func TestAESKeysMissingStaysSilentWithoutEvidence(t *testing.T) {
	// No key probe answer and no AES marker: nothing is known, nothing is claimed.
	s := newSnapshot(withPwdLastSet(withKeys(user("svc-web", "HTTP/web.corp.example"), audit.KeysError), before))
	if got := subjects(runAESKeysMissing(s, DefaultOptions()), Fail); len(got) != 0 {
		t.Fatalf("findings without evidence: %q", got)
	}
}
