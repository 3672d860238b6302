package checks

import (
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestTrustInventory(t *testing.T) {
	got := runTrustInventory(labSnapshot(), DefaultOptions())
	want := map[string]struct{ kind, transitivity string }{
		"lab.test -> partner.test": {"forest", "transitive"},
		"lab.test -> extern.test":  {"external", "non-transitive"},
		"partner.test -> lab.test": {"forest", "transitive"},
		"extern.test -> lab.test":  {"external", "non-transitive"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d findings, want %d: %v", len(got), len(want), subjects(got, Fail))
	}
	for _, f := range got {
		w, ok := want[f.Subject]
		if !ok {
			t.Errorf("unexpected subject %q", f.Subject)
			continue
		}
		if f.Severity != Info || f.Status != "" {
			t.Errorf("%s: severity %s status %q, want info fail", f.Subject, f.Severity, f.Status)
		}
		if k := evidence(f, "kind"); k != w.kind {
			t.Errorf("%s: kind %q, want %q", f.Subject, k, w.kind)
		}
		if tr := evidence(f, "transitivity"); tr != w.transitivity {
			t.Errorf("%s: transitivity %q, want %q", f.Subject, tr, w.transitivity)
		}
		if !strings.Contains(evidence(f, "trustDirection"), "bidirectional") {
			t.Errorf("%s: direction evidence %q", f.Subject, evidence(f, "trustDirection"))
		}
	}
}

func TestTrustInventoryDirectionFromEachSide(t *testing.T) {
	got := runTrustInventory(oneTrust(trustWith("extern.test", 2, 1, audit.TrustQuarantined, nil)), DefaultOptions())
	if len(got) != 1 || !strings.Contains(evidence(got[0], "trustDirection"), "inbound: extern.test trusts lab.test") {
		t.Fatalf("inbound trust: %+v", got)
	}
}

func TestTrustInventoryWithoutTrustsIsEmpty(t *testing.T) {
	s := labSnapshot()
	for i := range s.Domains {
		s.Domains[i].Trusts = nil
	}
	if got := runTrustInventory(s, DefaultOptions()); len(got) != 0 {
		t.Errorf("no trusts: %d findings", len(got))
	}
}

func TestTrustChecksReportUncollectedTrustsAsNotEvaluated(t *testing.T) {
	s := labSnapshot()
	s.Domains[0].Trusts = nil
	s.Collection.Gaps = []audit.Gap{{Scope: "lab.test", What: "trusts", Error: "insufficient access rights (50)"}}
	for _, c := range []Check{trustInventory, trustExternalKerberos, trustSIDFilteringOff, trustTGTDelegation, trustSelectiveAuth, trustRC4} {
		ne := ofStatus(c.Run(s, DefaultOptions()), NotEvaluated)
		if len(ne) != 1 || ne[0].Subject != "trusts of lab.test" {
			t.Errorf("%s: not-evaluated findings %v, want one for lab.test", c.ID, subjects(ne, NotEvaluated))
		}
	}
}
