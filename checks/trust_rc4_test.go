package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestTrustRC4(t *testing.T) {
	const fst, ext, mit = "lab.test -> partner.test", "lab.test -> extern.test", "lab.test -> mit.example"
	tests := []struct {
		name  string
		trust audit.Trust
		want  []string
	}{
		{"forest trust, encryption types unset", trustWith("partner.test", 2, 3, audit.TrustForestTransitive, nil), []string{fst}},
		{"forest trust, encryption types 0", trustWith("partner.test", 2, 3, audit.TrustForestTransitive, encTypes(0)), []string{fst}},
		{"forest trust, RC4 only", trustWith("partner.test", 2, 3, audit.TrustForestTransitive, encTypes(audit.EncRC4)), []string{fst}},
		{"external trust with USES_RC4_ENCRYPTION despite AES", trustWith("extern.test", 2, 3, audit.TrustQuarantined|audit.TrustUsesRC4, encTypes(24)), []string{ext}},
		{"MIT realm without AES", trustWith("MIT.EXAMPLE", 3, 3, 0, nil), []string{mit}},
		{"healthy twin: lab forest trust with AES (24)", trustWith("partner.test", 2, 3, audit.TrustForestTransitive, encTypes(24)), nil},
		{"healthy twin: RC4 and AES256", trustWith("extern.test", 2, 3, audit.TrustQuarantined, encTypes(audit.EncRC4|audit.EncAES256)), nil},
		{"within the forest: keyed by AD itself", trustWith("child.lab.test", 2, 3, audit.TrustWithinForest, nil), nil},
		{"Windows NT trust: no Kerberos", trustWith("NTDOM", 1, 3, 0, nil), nil},
		{"disabled trust", trustWith("partner.test", 2, 0, audit.TrustForestTransitive, nil), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runTrustRC4(oneTrust(tt.trust), DefaultOptions())
			if s := subjects(got, Fail); !reflect.DeepEqual(s, tt.want) {
				t.Errorf("subjects = %q, want %q", s, tt.want)
			}
		})
	}
}

func TestTrustRC4Remediation(t *testing.T) {
	f := runTrustRC4(oneTrust(trustWith("partner.test", 2, 3, audit.TrustForestTransitive|audit.TrustUsesRC4, nil)), DefaultOptions())[0]
	steps := stepsText(f)
	for _, want := range []string{
		"ksetup /setenctypeattr partner.test AES256-CTS-HMAC-SHA1-96 AES128-CTS-HMAC-SHA1-96",
		"@{'msDS-SupportedEncryptionTypes'=24}",
		"-Replace @{trustAttributes=8}",
	} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
	if a := f.Remediation[0].Actions[0]; a.Type != ActionSetEncTypes || a.Value != "24" || a.AccountDN != "CN=partner.test,CN=System,DC=lab,DC=test" {
		t.Errorf("action = %+v", a)
	}
	if !strings.Contains(f.Explanation, "unset, so the KDC assumes RC4") || !strings.Contains(f.Explanation, "USES_RC4_ENCRYPTION") {
		t.Errorf("explanation: %s", f.Explanation)
	}
	m := runTrustRC4(oneTrust(trustWith("MIT.EXAMPLE", 3, 3, 0, nil)), DefaultOptions())[0]
	if !strings.Contains(stepsText(m), "krbtgt/MIT.EXAMPLE@LAB.TEST and krbtgt/LAB.TEST@MIT.EXAMPLE") {
		t.Errorf("MIT steps:\n%s", stepsText(m))
	}
}
