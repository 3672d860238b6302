package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestTrustExternalKerberos(t *testing.T) {
	tests := []struct {
		name string
		snap *audit.Snapshot
		want []string
	}{
		{"lab: external trust, both sides collected, is one finding", labSnapshot(), []string{"extern.test <-> lab.test"}},
		{"external trust, other side not collected", oneTrust(trustWith("extern.test", 2, 3, audit.TrustQuarantined, encTypes(24))), []string{"extern.test <-> lab.test"}},
		{"external trust without SID filtering", oneTrust(trustWith("extern.test", 2, 2, 0, nil)), []string{"extern.test <-> lab.test"}},
		{"downlevel (Windows NT) trust", oneTrust(trustWith("NTDOM", 1, 3, 0, nil)), []string{"lab.test <-> ntdom"}},
		{"healthy twin: forest trust", oneTrust(trustWith("partner.test", 2, 3, audit.TrustForestTransitive, encTypes(24))), nil},
		{"healthy twin: trust within the forest", oneTrust(trustWith("child.lab.test", 2, 3, audit.TrustWithinForest, nil)), nil},
		{"healthy twin: MIT realm", oneTrust(trustWith("MIT.EXAMPLE", 3, 3, 0, nil)), nil},
		{"disabled external trust is not used", oneTrust(trustWith("extern.test", 2, 0, audit.TrustQuarantined, nil)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runTrustExternalKerberos(tt.snap, DefaultOptions())
			if s := subjects(got, Fail); !reflect.DeepEqual(s, tt.want) {
				t.Errorf("subjects = %q, want %q", s, tt.want)
			}
			for _, f := range got {
				if f.Severity != High {
					t.Errorf("severity %s, want high", f.Severity)
				}
			}
		})
	}
}

func TestTrustExternalKerberosStatesForestLevels(t *testing.T) {
	f := runTrustExternalKerberos(labSnapshot(), DefaultOptions())[0]
	if len(f.Affected) != 2 {
		t.Errorf("both trustedDomain objects should be affected, got %+v", f.Affected)
	}
	for _, d := range []string{"lab.test", "extern.test"} {
		if v := evidence(f, "forest functional level of "+d); !strings.HasPrefix(v, "4 (Windows Server 2008 R2)") {
			t.Errorf("level of %s: %q", d, v)
		}
	}
	if !strings.Contains(evidence(f, "forest trust needs"), "2 (Windows Server 2003)") {
		t.Errorf("requirement evidence: %q", evidence(f, "forest trust needs"))
	}
	if !strings.Contains(f.Explanation, "Both forests meet it") {
		t.Errorf("explanation: %s", f.Explanation)
	}
	// Both ends are forest roots: the external trust must go before the
	// forest trust can be created (one trustedDomain object per partner).
	steps := stepsText(f)
	remove := strings.Index(steps, "netdom trust lab.test /domain:extern.test /remove /twoway")
	create := strings.Index(steps, "Create a two-way forest trust between lab.test and extern.test")
	if remove < 0 || create < 0 || remove > create {
		t.Errorf("want removal before creation:\n%s", steps)
	}
}

func TestTrustExternalKerberosOtherSideNotCollected(t *testing.T) {
	f := runTrustExternalKerberos(oneTrust(trustWith("extern.test", 2, 3, audit.TrustQuarantined, nil)), DefaultOptions())[0]
	if v := evidence(f, "forest functional level of extern.test"); !strings.HasPrefix(v, "not evaluated: extern.test was not collected") {
		t.Errorf("other side's level: %q", v)
	}
	if !strings.Contains(f.Explanation, "not known") {
		t.Errorf("explanation should say readiness is unknown: %s", f.Explanation)
	}
	if !strings.Contains(stepsText(f), "Get-ADForest <forest root of extern.test>") {
		t.Errorf("steps should ask to check the unknown level:\n%s", stepsText(f))
	}
}

func TestTrustExternalKerberosLowForestLevel(t *testing.T) {
	s := labSnapshot()
	s.Forests[2].FunctionalLevel = 0 // extern.test at Windows 2000
	f := runTrustExternalKerberos(s, DefaultOptions())[0]
	if !strings.Contains(f.Explanation, "raise its functional level first") {
		t.Errorf("explanation: %s", f.Explanation)
	}
	if !strings.Contains(stepsText(f), "Set-ADForestMode -Identity 'extern.test' -ForestMode Windows2003Forest") {
		t.Errorf("steps:\n%s", stepsText(f))
	}
}
