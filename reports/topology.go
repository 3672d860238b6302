package reports

import (
	"sort"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/checks"
)

// Topology is what the snapshot saw of forests, domains and trusts, for the
// drawing in the HTML report. Reports only render it; checks judge trusts.
type Topology struct {
	Forests []TopologyForest `json:"forests"`
	Trusts  []TopologyTrust  `json:"trusts"`
}

// TopologyForest is one forest and the domains of it the snapshot holds.
type TopologyForest struct {
	Root            string           `json:"root"`
	FunctionalLevel int              `json:"functionalLevel"`
	Domains         []TopologyDomain `json:"domains"`
	// Seen is false for a forest known only as the far side of a trust.
	Seen bool `json:"seen"`
}

// TopologyDomain is one domain.
type TopologyDomain struct {
	DNSName         string `json:"dnsName"`
	NetBIOSName     string `json:"netbiosName,omitempty"`
	FunctionalLevel int    `json:"functionalLevel"`
	DCs             int    `json:"dcs"`
	// Seen is false for a domain known only as the partner of a trust.
	Seen bool `json:"seen"`
}

// TopologyTrust is one trustedDomain object, as seen from the domain that
// holds it (From). Direction is relative to From: outbound means From
// trusts To.
type TopologyTrust struct {
	From       string   `json:"from"`
	To         string   `json:"to"`
	Kind       string   `json:"kind"` // checks.ClassifyTrust: parent-child, tree-root, shortcut, forest, external, realm, other
	Transitive bool     `json:"transitive"`
	Type       string   `json:"type"` // trustType name
	Direction  string   `json:"direction"`
	Attributes []string `json:"attributes,omitempty"`
}

// withinForest reports whether a trust kind joins two domains of one forest.
func withinForest(kind checks.TrustKind) bool {
	switch kind {
	case checks.TrustParentChild, checks.TrustTreeRoot, checks.TrustShortcut:
		return true
	}
	return false
}

// NewTopology extracts the topology of a snapshot. Trust partners that are
// not among the snapshot's domains appear as unseen domains of an unseen
// forest named after them (their real forest is not known).
func NewTopology(s *audit.Snapshot) Topology {
	var t Topology
	byForest := map[string]*TopologyForest{}
	known := map[string]bool{}
	forest := func(root string, seen bool) *TopologyForest {
		key := strings.ToLower(root)
		if f, ok := byForest[key]; ok {
			return f
		}
		f := &TopologyForest{Root: root, Seen: seen}
		byForest[key] = f
		return f
	}
	for _, f := range s.Forests {
		tf := forest(f.RootDomain, true)
		tf.FunctionalLevel = f.FunctionalLevel
	}
	for _, d := range s.Domains {
		root := d.Forest
		if root == "" {
			root = d.DNSName
		}
		tf := forest(root, true)
		tf.Domains = append(tf.Domains, TopologyDomain{
			DNSName: d.DNSName, NetBIOSName: d.NetBIOSName,
			FunctionalLevel: d.FunctionalLevel, DCs: len(d.DCs), Seen: true,
		})
		known[strings.ToLower(d.DNSName)] = true
	}
	for _, d := range s.Domains {
		for _, tr := range d.Trusts {
			kind := checks.ClassifyTrust(s, d, tr)
			t.Trusts = append(t.Trusts, TopologyTrust{
				From: d.DNSName, To: tr.Partner, Kind: string(kind), Transitive: checks.TrustTransitive(kind, tr),
				Type:       audit.TrustTypeName(tr.Type),
				Direction:  audit.TrustDirectionName(tr.Direction),
				Attributes: audit.DecodeTrustAttributes(tr.Attributes),
			})
			key := strings.ToLower(tr.Partner)
			if known[key] || tr.Partner == "" {
				continue
			}
			known[key] = true
			root := tr.Partner
			if withinForest(kind) && d.Forest != "" {
				root = d.Forest
			}
			tf := forest(root, false)
			tf.Domains = append(tf.Domains, TopologyDomain{DNSName: tr.Partner, NetBIOSName: tr.FlatName})
		}
	}
	for _, f := range byForest {
		sort.Slice(f.Domains, func(i, j int) bool {
			// The root domain first, then by name.
			a, b := f.Domains[i], f.Domains[j]
			ra, rb := strings.EqualFold(a.DNSName, f.Root), strings.EqualFold(b.DNSName, f.Root)
			if ra != rb {
				return ra
			}
			return strings.ToLower(a.DNSName) < strings.ToLower(b.DNSName)
		})
		t.Forests = append(t.Forests, *f)
	}
	sort.Slice(t.Forests, func(i, j int) bool {
		a, b := t.Forests[i], t.Forests[j]
		if a.Seen != b.Seen {
			return a.Seen
		}
		return strings.ToLower(a.Root) < strings.ToLower(b.Root)
	})
	sort.SliceStable(t.Trusts, func(i, j int) bool {
		a, b := t.Trusts[i], t.Trusts[j]
		if !strings.EqualFold(a.From, b.From) {
			return strings.ToLower(a.From) < strings.ToLower(b.From)
		}
		return strings.ToLower(a.To) < strings.ToLower(b.To)
	})
	if t.Forests == nil {
		t.Forests = []TopologyForest{}
	}
	if t.Trusts == nil {
		t.Trusts = []TopologyTrust{}
	}
	return t
}
