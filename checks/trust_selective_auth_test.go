package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestTrustSelectiveAuth(t *testing.T) {
	tests := []struct {
		name  string
		trust audit.Trust
		want  []string
	}{
		{"forest trust with CROSS_ORGANIZATION", trustWith("partner.test", 2, 3, audit.TrustForestTransitive|audit.TrustCrossOrg, encTypes(24)), []string{"lab.test -> partner.test"}},
		{"outbound external trust with it", trustWith("extern.test", 2, 2, audit.TrustQuarantined|audit.TrustCrossOrg, nil), []string{"lab.test -> extern.test"}},
		{"healthy twin: lab forest trust (attributes 8)", trustWith("partner.test", 2, 3, audit.TrustForestTransitive, encTypes(24)), nil},
		{"inbound only: the other side authorises", trustWith("partner.test", 2, 1, audit.TrustForestTransitive|audit.TrustCrossOrg, nil), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runTrustSelectiveAuth(oneTrust(tt.trust), DefaultOptions())
			if s := subjects(got, Fail); !reflect.DeepEqual(s, tt.want) {
				t.Errorf("subjects = %q, want %q", s, tt.want)
			}
			for _, f := range got {
				if f.Severity != Info {
					t.Errorf("severity %s, want info", f.Severity)
				}
			}
		})
	}
}

func TestTrustSelectiveAuthExplainsAllowedToAuthenticate(t *testing.T) {
	tr := trustWith("partner.test", 2, 3, 0x18, nil)
	tr.FlatName = "PARTNER"
	f := runTrustSelectiveAuth(oneTrust(tr), DefaultOptions())[0]
	if !strings.Contains(f.Explanation, `"Allowed to Authenticate"`) || !strings.Contains(f.Explanation, "KDC_ERR_POLICY") {
		t.Errorf("explanation: %s", f.Explanation)
	}
	steps := stepsText(f)
	for _, want := range []string{`PARTNER\<group>:CA;Allowed to Authenticate`, "netdom trust lab.test /domain:partner.test /SelectiveAUTH:No"} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
}
