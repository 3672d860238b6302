package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestLevelForest(t *testing.T) {
	tests := []struct {
		name  string
		level int
		min   int
		gap   bool
		want  []string
		ne    []string
	}{
		{"Windows Server 2003 forest", 2, 0, false, []string{"forest functional level of extern.test"}, nil},
		{"healthy twin: the lab's 2008 R2", 4, 0, false, nil, nil},
		{"raised minimum flags every forest below it", 4, 5, false,
			[]string{"forest functional level of lab.test", "forest functional level of partner.test", "forest functional level of extern.test"}, nil},
		{"level 0 with a gap for the root is not evaluated", 0, 0, true, nil, []string{"forest functional level of extern.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := labSnapshot()
			s.Forests[2].FunctionalLevel = tt.level
			if tt.gap {
				s.Collection.Gaps = []audit.Gap{{Scope: "extern.test", What: "forest", Error: "timeout"}}
			}
			got := runLevelForest(s, Options{MinFunctionalLevel: tt.min})
			if g := subjects(got, Fail); !reflect.DeepEqual(g, tt.want) {
				t.Errorf("failed = %q, want %q", g, tt.want)
			}
			if g := subjects(got, NotEvaluated); !reflect.DeepEqual(g, tt.ne) {
				t.Errorf("not evaluated = %q, want %q", g, tt.ne)
			}
		})
	}
}

func TestLevelForestBelow2003CannotHoldForestTrust(t *testing.T) {
	s := labSnapshot()
	s.Forests[2].FunctionalLevel = 0
	s.Domains[2].FunctionalLevel = 0
	f := runLevelForest(s, DefaultOptions())[0]
	if !strings.Contains(f.Explanation, "cannot hold a forest trust") {
		t.Errorf("explanation: %s", f.Explanation)
	}
	steps := stepsText(f)
	for _, want := range []string{"extern.test (0, Windows 2000)", "Set-ADForestMode -Identity 'extern.test' -ForestMode Windows2008Forest"} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
}
