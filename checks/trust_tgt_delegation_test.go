package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestTrustTGTDelegation(t *testing.T) {
	tests := []struct {
		name  string
		trust audit.Trust
		want  []string
	}{
		{"forest trust with ENABLE_TGT_DELEGATION", trustWith("partner.test", 2, 3, audit.TrustForestTransitive|audit.TrustEnableTGTDeleg, encTypes(24)), []string{"lab.test -> partner.test"}},
		{"inbound forest trust with it", trustWith("partner.test", 2, 1, audit.TrustForestTransitive|audit.TrustEnableTGTDeleg, nil), []string{"lab.test -> partner.test"}},
		{"external trust with it", trustWith("extern.test", 2, 3, audit.TrustQuarantined|audit.TrustEnableTGTDeleg, nil), []string{"lab.test -> extern.test"}},
		{"healthy twin: lab forest trust (attributes 8)", trustWith("partner.test", 2, 3, audit.TrustForestTransitive, encTypes(24)), nil},
		{"healthy twin: NO_TGT_DELEGATION", trustWith("partner.test", 2, 3, audit.TrustForestTransitive|audit.TrustNoTGTDelegation, nil), nil},
		{"outbound only: this forest's users are not delegated", trustWith("partner.test", 2, 2, audit.TrustForestTransitive|audit.TrustEnableTGTDeleg, nil), nil},
		{"within the forest: no boundary to cross", trustWith("child.lab.test", 2, 3, audit.TrustWithinForest|audit.TrustEnableTGTDeleg, nil), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runTrustTGTDelegation(oneTrust(tt.trust), DefaultOptions())
			if s := subjects(got, Fail); !reflect.DeepEqual(s, tt.want) {
				t.Errorf("subjects = %q, want %q", s, tt.want)
			}
		})
	}
}

func TestTrustTGTDelegationRemediation(t *testing.T) {
	f := runTrustTGTDelegation(oneTrust(trustWith("partner.test", 2, 3, 0x808, nil)), DefaultOptions())[0]
	steps := stepsText(f)
	for _, want := range []string{"netdom trust partner.test /domain:lab.test /EnableTGTDelegation:No", "-Replace @{trustAttributes=8}"} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
}
