package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestEtypesNoAES(t *testing.T) {
	svc := user("svc-web", "HTTP/web.corp.example")
	tests := []struct {
		name string
		a    audit.Account
		want []string
	}{
		{"RC4 only (0x4)", withEnc(svc, 4), []string{`corp.example\svc-web`}},
		{"RC4 and DES (0x7)", withEnc(svc, 7), []string{`corp.example\svc-web`}},
		{"computer set to RC4 only", withEnc(computer("old01", "HOST/old01"), 4), []string{`corp.example\old01$`}},
		{"healthy twin: AES only (0x18)", withEnc(svc, 24), nil},
		{"healthy twin: RC4 and AES (0x1C)", withEnc(svc, 28), nil},
		{"unset: the DC's default, judged by KRB-AES-KEYS", svc, nil},
		{"DES only: KRB-DES-ONLY", withEnc(svc, 3), nil},
		{"disabled", withUAC(withEnc(svc, 4), audit.UACAccountDisable), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runEtypesNoAES(newSnapshot(tt.a), DefaultOptions())
			if s := subjects(got, Fail); !reflect.DeepEqual(s, tt.want) {
				t.Fatalf("subjects = %q, want %q", s, tt.want)
			}
		})
	}
}

func TestEtypesNoAESOffersAESAndTheTransitionalValueAndAResetWithoutAESKeys(t *testing.T) {
	s := newSnapshot(withKeys(withEnc(user("svc-web", "HTTP/web.corp.example"), 4), audit.KeysListed, 23))
	f := runEtypesNoAES(s, DefaultOptions())[0]
	var values, names []string
	for _, o := range f.Remediation {
		names = append(names, o.Name)
		for _, a := range o.Actions {
			if a.Type == ActionSetEncTypes {
				values = append(values, a.Value)
			}
		}
	}
	if !reflect.DeepEqual(values, []string{"24", "60"}) || !reflect.DeepEqual(names, []string{"allow-aes", "add-aes", "reset-password"}) {
		t.Fatalf("options %q with values %q", names, values)
	}
	if !strings.Contains(f.Explanation, "patched for CVE-2026-20833 or not") || !strings.Contains(f.Explanation, "no AES keys yet") {
		t.Errorf("explanation: %s", f.Explanation)
	}
}
