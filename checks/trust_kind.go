package checks

import (
	"github.com/spntrust/spntrust/audit"
)

// TrustKind classifies a trust the way Active Directory Domains and Trusts
// names it ([MS-ADTS] 6.1.6.7).
type TrustKind string

// Trust kinds.
const (
	TrustParentChild TrustKind = "parent-child" // within a forest: a domain and its parent
	TrustTreeRoot    TrustKind = "tree-root"    // within a forest: the forest root and another tree's root
	TrustShortcut    TrustKind = "shortcut"     // within a forest: any other pair of domains
	TrustExternal    TrustKind = "external"     // to a domain of another forest, or a Windows NT domain
	TrustForest      TrustKind = "forest"       // FOREST_TRANSITIVE: between two forest root domains
	TrustRealm       TrustKind = "realm"        // trustType 3: an MIT Kerberos realm
	TrustOther       TrustKind = "other"        // DCE, Azure AD or an unknown trustType
)

// ClassifyTrust classifies the trust t held by domain d (a trustedDomain
// object under CN=System of d). Trusts within a forest are told apart by DNS
// names and the forest's own domains: parent-child when one name is the other
// with one more label; tree-root when both domains are roots of trees of the
// forest and one of them is the forest root; otherwise shortcut. The forest's
// domains are the snapshot's domains of that forest plus the partners of
// their within-forest trusts, so a partly collected forest is still
// classified as well as its trusts allow. It is a pure function: the HTML
// report draws the trust graph with it.
func ClassifyTrust(s *audit.Snapshot, d audit.Domain, t audit.Trust) TrustKind {
	switch {
	case t.Type == 3:
		return TrustRealm
	case t.Type != 1 && t.Type != 2:
		return TrustOther
	case t.Type == 2 && t.Attributes&audit.TrustWithinForest != 0:
		return withinForestKind(s, d, t.Partner)
	case t.Type == 2 && t.Attributes&audit.TrustForestTransitive != 0:
		return TrustForest
	}
	return TrustExternal
}

// TrustTransitive reports whether a trust of the given kind can be used
// transitively: trusts within a forest always, forest trusts across the other
// forest's domains, realm trusts unless NON_TRANSITIVE; external trusts never.
func TrustTransitive(kind TrustKind, t audit.Trust) bool {
	if t.Attributes&audit.TrustNonTransitive != 0 {
		return false
	}
	switch kind {
	case TrustParentChild, TrustTreeRoot, TrustShortcut, TrustForest, TrustRealm:
		return true
	}
	return false
}

func withinForestKind(s *audit.Snapshot, d audit.Domain, partner string) TrustKind {
	a, b := normDNS(d.DNSName), normDNS(partner)
	if dnsParent(a) == b || dnsParent(b) == a {
		return TrustParentChild
	}
	root := normDNS(d.Forest)
	if root == "" {
		return TrustShortcut
	}
	doms := forestDomainNames(s, root)
	isTreeRoot := func(x string) bool { return !doms[dnsParent(x)] }
	if (a == root || b == root) && isTreeRoot(a) && isTreeRoot(b) {
		return TrustTreeRoot
	}
	return TrustShortcut
}

// forestDomainNames returns the normalised names of the forest's domains
// known to the snapshot.
func forestDomainNames(s *audit.Snapshot, root string) map[string]bool {
	doms := map[string]bool{root: true}
	for _, d := range s.Domains {
		if normDNS(d.Forest) != root {
			continue
		}
		doms[normDNS(d.DNSName)] = true
		for _, t := range d.Trusts {
			if t.Type == 2 && t.Attributes&audit.TrustWithinForest != 0 {
				doms[normDNS(t.Partner)] = true
			}
		}
	}
	return doms
}
