package checks

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
)

func TestKrbtgtKeys(t *testing.T) {
	krbtgt := withUAC(user("krbtgt", "kadmin/changepw"), audit.UACAccountDisable)
	dc := computer("dc1", "ldap/dc1.corp.example")
	dc.UserAccountControl = audit.UACServerTrust
	fresh := auditAt.Add(-30 * 24 * time.Hour)
	tests := []struct {
		name     string
		a        audit.Account
		want     []string
		severity Severity
	}{
		{"krbtgt without AES keys (live)", withPwdLastSet(withKeys(krbtgt, audit.KeysListed, 23), fresh), []string{`corp.example\krbtgt`}, High},
		{"krbtgt never rotated since before the AES marker", withPwdLastSet(krbtgt, before), []string{`corp.example\krbtgt`}, High},
		{"krbtgt with AES but two years old", withPwdLastSet(withKeys(krbtgt, audit.KeysListed, 18), auditAt.Add(-730*24*time.Hour)), []string{`corp.example\krbtgt`}, Medium},
		{"DC account without AES keys", withKeys(dc, audit.KeysListed, 23), []string{`corp.example\dc1$`}, High},
		{"healthy twin: krbtgt with AES, rotated this year", withPwdLastSet(withKeys(krbtgt, audit.KeysListed, 18), fresh), nil, ""},
		{"healthy twin: DC with AES", withKeys(dc, audit.KeysListed, 18), nil, ""},
		{"RODC krbtgt_12345 is its RODC's own", withPwdLastSet(withKeys(withUAC(user("krbtgt_12345", "kadmin/changepw"), audit.UACAccountDisable), audit.KeysListed, 23), fresh), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runKrbtgtKeys(aesSince(newSnapshot(tt.a), marker, auditAt), DefaultOptions())
			if s := subjects(got, Fail); !reflect.DeepEqual(s, tt.want) {
				t.Fatalf("subjects = %q, want %q", s, tt.want)
			}
			if len(got) > 0 && got[0].Severity != tt.severity {
				t.Errorf("severity %s, want %s", got[0].Severity, tt.severity)
			}
		})
	}
}

func TestKrbtgtKeysResetsTwiceWithTheReplicationWait(t *testing.T) {
	s := aesSince(newSnapshot(withPwdLastSet(withUAC(user("krbtgt", "kadmin/changepw"), audit.UACAccountDisable), before)), marker, auditAt)
	o := runKrbtgtKeys(s, DefaultOptions())[0].Remediation[0]
	if len(o.Actions) != 1 || o.Actions[0].Type != ActionResetPassword || o.Actions[0].Value != "twice" {
		t.Fatalf("actions %+v: want one reset-password action, twice", o.Actions)
	}
	step := o.Actions[0].Step()
	if strings.Count(step, "Set-ADAccountPassword") != 2 || !strings.Contains(step, "repadmin /syncall") ||
		strings.Index(step, "repadmin") < strings.Index(step, "Set-ADAccountPassword") {
		t.Fatalf("step %q: want two resets with the replication wait between", step)
	}
}
