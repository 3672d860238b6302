package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestLevelDomain(t *testing.T) {
	tests := []struct {
		name  string
		level int
		min   int
		gap   bool
		want  []string
		ne    []string
	}{
		{"Windows Server 2003 domain, default minimum 2008", 2, 0, false, []string{"domain functional level of lab.test"}, nil},
		{"Windows 2000 domain", 0, 0, false, []string{"domain functional level of lab.test"}, nil},
		{"healthy twin: lab at 2008 R2", 4, 0, false, nil, nil},
		{"healthy twin: exactly the minimum", 3, 0, false, nil, nil},
		{"raised minimum 2016 flags the lab's 2008 R2", 4, 7, false, []string{"domain functional level of lab.test"}, nil},
		{"level 0 with a collection gap is not evaluated", 0, 0, true, nil, []string{"domain functional level of lab.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := oneTrust(trustWith("partner.test", 2, 3, 8, encTypes(24)))
			s.Domains[0].FunctionalLevel = tt.level
			if tt.gap {
				s.Collection.Gaps = []audit.Gap{{Scope: "lab.test", What: "rootDSE", Error: "connection refused"}}
			}
			got := runLevelDomain(s, Options{MinFunctionalLevel: tt.min})
			if g := subjects(got, Fail); !reflect.DeepEqual(g, tt.want) {
				t.Errorf("failed = %q, want %q", g, tt.want)
			}
			if g := subjects(got, NotEvaluated); !reflect.DeepEqual(g, tt.ne) {
				t.Errorf("not evaluated = %q, want %q", g, tt.ne)
			}
		})
	}
}

func TestLevelDomainNamesBlockingDCsAndCommands(t *testing.T) {
	s := labSnapshot()
	s.Domains[0].FunctionalLevel = 2
	s.Domains[0].DCs[0].FunctionalLevel = 2
	f := runLevelDomain(s, DefaultOptions())[0]
	if f.Severity != High || !strings.Contains(evidence(f, "DCs below the minimum"), "dc1.lab.test (2, Windows Server 2003)") {
		t.Errorf("finding: %+v", f)
	}
	steps := stepsText(f)
	for _, want := range []string{"Set-ADDomainMode -Identity 'lab.test' -DomainMode Windows2008Domain", "samba-tool domain level raise --domain-level=2008", "krbtgt password twice"} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
	if !strings.Contains(f.Explanation, "no AES keys") {
		t.Errorf("explanation: %s", f.Explanation)
	}
}
