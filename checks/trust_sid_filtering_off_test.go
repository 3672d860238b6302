package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestTrustSIDFilteringOff(t *testing.T) {
	const ext, fst = "lab.test -> extern.test", "lab.test -> partner.test"
	tests := []struct {
		name  string
		trust audit.Trust
		want  []string
		sev   Severity
	}{
		{"external trust without QUARANTINED_DOMAIN", trustWith("extern.test", 2, 3, 0, encTypes(24)), []string{ext}, High},
		{"outbound-only external trust without it", trustWith("extern.test", 2, 2, 0, nil), []string{ext}, High},
		{"healthy twin: lab external trust (attributes 4)", trustWith("extern.test", 2, 3, audit.TrustQuarantined, encTypes(24)), nil, ""},
		{"inbound-only: the other side filters, not this one", trustWith("extern.test", 2, 1, 0, nil), nil, ""},
		{"forest trust with TREAT_AS_EXTERNAL", trustWith("partner.test", 2, 3, audit.TrustForestTransitive|audit.TrustTreatAsExternal, encTypes(24)), []string{fst}, Medium},
		{"healthy twin: lab forest trust (attributes 8)", trustWith("partner.test", 2, 3, audit.TrustForestTransitive, encTypes(24)), nil, ""},
		{"trust within the forest is not filtered", trustWith("child.lab.test", 2, 3, audit.TrustWithinForest, nil), nil, ""},
		{"MIT realm is not filtered this way", trustWith("MIT.EXAMPLE", 3, 3, 0, nil), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runTrustSIDFilteringOff(oneTrust(tt.trust), DefaultOptions())
			if s := subjects(got, Fail); !reflect.DeepEqual(s, tt.want) {
				t.Fatalf("subjects = %q, want %q", s, tt.want)
			}
			if len(got) == 1 && got[0].Severity != tt.sev {
				t.Errorf("severity %s, want %s", got[0].Severity, tt.sev)
			}
		})
	}
}

func TestTrustSIDFilteringOffRemediation(t *testing.T) {
	f := runTrustSIDFilteringOff(oneTrust(trustWith("extern.test", 2, 3, 0, nil)), DefaultOptions())[0]
	steps := stepsText(f)
	for _, want := range []string{
		"netdom trust lab.test /domain:extern.test /quarantine:yes",
		"Set-ADObject -Server 'lab.test' -Identity 'CN=extern.test,CN=System,DC=lab,DC=test' -Replace @{trustAttributes=4}",
	} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
	g := runTrustSIDFilteringOff(oneTrust(trustWith("partner.test", 2, 3, 0x48, nil)), DefaultOptions())[0]
	if !strings.Contains(stepsText(g), "netdom trust lab.test /domain:partner.test /EnableSIDHistory:no") ||
		!strings.Contains(stepsText(g), "trustAttributes=8}") {
		t.Errorf("forest trust steps:\n%s", stepsText(g))
	}
}
