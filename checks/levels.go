package checks

// Functional levels: names, the levels trusts need and the findings for
// unread levels, shared by the LEVEL-* and TRUST-* checks.

import (
	"fmt"

	"github.com/spntrust/spntrust/audit"
)

// minForestTrustLevel is the forest functional level a forest trust needs on
// both sides: 2, Windows Server 2003.
const minForestTrustLevel = 2

func levelNotEvaluated(kind, name, dn string, g audit.Gap) Finding {
	return Finding{
		Severity: Info,
		Status:   NotEvaluated,
		Title:    fmt.Sprintf("Functional level of %s %s not known", kind, name),
		Domain:   name,
		Subject:  kind + " functional level of " + normDNS(name),
		Affected: []Object{{DN: dn, Kind: kind, Name: name, Domain: name}},
		Evidence: []Evidence{{Key: "gap " + g.Scope, Value: g.What + ": " + g.Error}},
		Explanation: fmt.Sprintf("The snapshot holds level 0 for %s, but collection recorded a gap for it, so the level may not have been read. "+
			"Re-run the audit so the rootDSE and the %s object can be read.", name, kind),
	}
}

// domainModeName is the Set-ADDomainMode name of a functional level.
func domainModeName(level int) string { return modeName(level, "Domain") }

// forestModeName is the Set-ADForestMode name of a functional level.
func forestModeName(level int) string { return modeName(level, "Forest") }

func modeName(level int, suffix string) string {
	names := map[int]string{0: "Windows2000", 2: "Windows2003", 3: "Windows2008", 4: "Windows2008R2",
		5: "Windows2012", 6: "Windows2012R2", 7: "Windows2016", 10: "Windows2025"}
	if n, ok := names[level]; ok {
		return n + suffix
	}
	return fmt.Sprintf("<level %d>", level)
}

// sambaLevelName is samba-tool's name for a functional level.
func sambaLevelName(level int) string {
	names := map[int]string{2: "2003", 3: "2008", 4: "2008_R2", 5: "2012", 6: "2012_R2", 7: "2016"}
	if n, ok := names[level]; ok {
		return n
	}
	return fmt.Sprintf("<level %d>", level)
}

// forestLevelText describes the functional level of the forest holding
// domain, or says why it is unknown.
func forestLevelText(ix *view, domain string) (text string, level int, known bool) {
	d, ok := ix.DomainByName(domain)
	if !ok {
		return fmt.Sprintf("not evaluated: %s was not collected, so its forest and level are unknown", domain), 0, false
	}
	f, ok := ix.ForestOf(domain)
	if !ok {
		return fmt.Sprintf("not evaluated: the forest of %s (%s) was not collected", domain, orUnknown(d.Forest)), 0, false
	}
	return fmt.Sprintf("%d (%s), forest %s", f.FunctionalLevel, audit.FunctionalLevelName(f.FunctionalLevel), f.RootDomain), f.FunctionalLevel, true
}
