package checks

import (
	"testing"

	"github.com/spntrust/spntrust/audit"
)

// forestOfTrees is one forest (root corp.example) with a child, a grandchild
// and a second tree other.example with its own child.
func forestOfTrees() *audit.Snapshot {
	dom := func(name string, trusts ...audit.Trust) audit.Domain {
		return audit.Domain{DNSName: name, Forest: "corp.example", FunctionalLevel: 7, Trusts: trusts}
	}
	wf := func(partner string) audit.Trust {
		return audit.Trust{Partner: partner, Type: 2, Direction: 3, Attributes: audit.TrustWithinForest}
	}
	return &audit.Snapshot{
		Forests: []audit.Forest{{RootDomain: "corp.example", FunctionalLevel: 7}},
		Domains: []audit.Domain{
			dom("corp.example", wf("emea.corp.example"), wf("other.example"), wf("a.emea.corp.example")),
			dom("emea.corp.example", wf("corp.example"), wf("a.emea.corp.example")),
			dom("a.emea.corp.example", wf("emea.corp.example"), wf("corp.example")),
			dom("other.example", wf("corp.example"), wf("sub.other.example"), wf("third.example")),
			dom("sub.other.example", wf("other.example"), wf("emea.corp.example")),
			dom("third.example", wf("other.example")),
		},
	}
}

func TestClassifyTrust(t *testing.T) {
	trees := forestOfTrees()
	lab := labSnapshot()
	// The root alone: its within-forest partners still tell tree roots apart.
	rootOnly := &audit.Snapshot{Domains: []audit.Domain{{DNSName: "corp.example", Forest: "corp.example", Trusts: []audit.Trust{
		{Partner: "emea.corp.example", Type: 2, Direction: 3, Attributes: audit.TrustWithinForest},
		{Partner: "newtree.example", Type: 2, Direction: 3, Attributes: audit.TrustWithinForest},
	}}}}
	tests := []struct {
		name    string
		snap    *audit.Snapshot
		domain  string
		partner string
		want    TrustKind
	}{
		{"lab forest trust (attributes 8)", lab, "lab.test", "partner.test", TrustForest},
		{"lab forest trust seen from partner.test", lab, "partner.test", "lab.test", TrustForest},
		{"lab external trust (attributes 4)", lab, "lab.test", "extern.test", TrustExternal},
		{"parent to child", trees, "corp.example", "emea.corp.example", TrustParentChild},
		{"child to parent", trees, "emea.corp.example", "corp.example", TrustParentChild},
		{"grandchild to its parent", trees, "a.emea.corp.example", "emea.corp.example", TrustParentChild},
		{"forest root to another tree's root", trees, "corp.example", "other.example", TrustTreeRoot},
		{"tree root back to the forest root", trees, "other.example", "corp.example", TrustTreeRoot},
		{"grandchild to the forest root is a shortcut", trees, "a.emea.corp.example", "corp.example", TrustShortcut},
		{"across trees below the roots is a shortcut", trees, "sub.other.example", "emea.corp.example", TrustShortcut},
		{"two tree roots neither of which is the forest root", trees, "other.example", "third.example", TrustShortcut},
		{"root collected alone: child", rootOnly, "corp.example", "emea.corp.example", TrustParentChild},
		{"root collected alone: other tree root", rootOnly, "corp.example", "newtree.example", TrustTreeRoot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := tt.snap.DomainByName(tt.domain)
			if !ok {
				t.Fatalf("no domain %s", tt.domain)
			}
			var tr *audit.Trust
			for i := range d.Trusts {
				if d.Trusts[i].Partner == tt.partner {
					tr = &d.Trusts[i]
				}
			}
			if tr == nil {
				t.Fatalf("%s has no trust to %s", tt.domain, tt.partner)
			}
			if got := ClassifyTrust(tt.snap, d, *tr); got != tt.want {
				t.Errorf("ClassifyTrust = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestClassifyTrustByTypeAndAttributes(t *testing.T) {
	d := audit.Domain{DNSName: "lab.test", Forest: "lab.test"}
	tests := []struct {
		name       string
		trust      audit.Trust
		want       TrustKind
		transitive bool
	}{
		{"forest trust", trustWith("partner.test", 2, 3, audit.TrustForestTransitive, nil), TrustForest, true},
		{"external trust without NON_TRANSITIVE", trustWith("extern.test", 2, 3, audit.TrustQuarantined, nil), TrustExternal, false},
		{"external trust with no attributes", trustWith("extern.test", 2, 2, 0, nil), TrustExternal, false},
		{"downlevel (Windows NT) trust", trustWith("NTDOM", 1, 3, 0, nil), TrustExternal, false},
		{"MIT realm, transitive", trustWith("MIT.EXAMPLE", 3, 3, 0, nil), TrustRealm, true},
		{"MIT realm, NON_TRANSITIVE", trustWith("MIT.EXAMPLE", 3, 3, audit.TrustNonTransitive, nil), TrustRealm, false},
		{"DCE trust", trustWith("dce.example", 4, 3, 0, nil), TrustOther, false},
		{"FOREST_TRANSITIVE on an MIT trust is still a realm", trustWith("MIT.EXAMPLE", 3, 3, audit.TrustForestTransitive, nil), TrustRealm, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ClassifyTrust(&audit.Snapshot{Domains: []audit.Domain{d}}, d, tt.trust)
			if got != tt.want {
				t.Errorf("ClassifyTrust = %s, want %s", got, tt.want)
			}
			if tr := TrustTransitive(got, tt.trust); tr != tt.transitive {
				t.Errorf("TrustTransitive = %v, want %v", tr, tt.transitive)
			}
		})
	}
}
