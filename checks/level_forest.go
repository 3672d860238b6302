package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"
)

var levelForest = Check{
	ID:       "LEVEL-FOREST",
	Title:    "Forest functional level below the minimum (default Windows Server 2008)",
	Area:     "LEVEL",
	Severity: Medium,
	Explanation: `What is checked
  The forest functional level (msDS-Behavior-Version of the Partitions container)
  of every collected forest against the minimum (--min-functional-level, default
  3 = Windows Server 2008). A level of 0 is read as Windows 2000 unless the
  collection recorded a gap for the forest root, in which case it is reported as
  not evaluated.

Why it breaks Kerberos
  The forest level caps every domain's: a forest below Windows Server 2008 lets
  domains without AES keys join it. Below Windows Server 2003 (level 2) the forest
  cannot hold a forest trust, so Kerberos to other forests is limited to external
  trusts, which give no referrals (clients fall back to NTLM).

How to fix it
  Raise every domain of the forest first (LEVEL-DOMAIN), then the forest:
  Set-ADForestMode -Identity <forest root> -ForestMode <mode> (Samba AD:
  samba-tool domain level raise --forest-level=<level>).

Sources
  [MS-ADTS] 6.1.4.2 (msDS-Behavior-Version); [MS-ADTS] 6.1.6.7 (forest trusts);
  Set-ADForestMode documentation.`,
	Run: runLevelForest,
}

func runLevelForest(s *audit.Snapshot, opt Options) []Finding {
	min := opt.withDefaults().MinFunctionalLevel
	var out []Finding
	for _, f := range s.Forests {
		if f.FunctionalLevel == 0 {
			if g, ok := findGap(s, f.RootDomain, ""); ok {
				out = append(out, levelNotEvaluated("forest", f.RootDomain, "", g))
				continue
			}
		}
		if f.FunctionalLevel >= min {
			continue
		}
		var low []string
		for _, d := range s.Domains {
			if normDNS(d.Forest) == normDNS(f.RootDomain) && d.FunctionalLevel < min {
				low = append(low, fmt.Sprintf("%s (%d, %s)", d.DNSName, d.FunctionalLevel, audit.FunctionalLevelName(d.FunctionalLevel)))
			}
		}
		ev := []Evidence{
			{Key: "forest functional level", Value: fmt.Sprintf("%d (%s)", f.FunctionalLevel, audit.FunctionalLevelName(f.FunctionalLevel))},
			{Key: "minimum", Value: fmt.Sprintf("%d (%s)", min, audit.FunctionalLevelName(min))},
		}
		var steps []Action
		if len(low) > 0 {
			ev = append(ev, Evidence{Key: "domains below the minimum", Value: strings.Join(low, ", ")})
			steps = append(steps, Action{Type: ActionManual, Domain: f.RootDomain, Note: "Raise these domains first (see LEVEL-DOMAIN): " + strings.Join(low, ", ")})
		}
		steps = append(steps, raiseLevelActions("forest", f.RootDomain, forestModeName(min), sambaLevelName(min))...)
		why := fmt.Sprintf("The forest %s is below the minimum functional level %d (%s).", f.RootDomain, min, audit.FunctionalLevelName(min))
		if f.FunctionalLevel < minForestTrustLevel {
			why += " Below Windows Server 2003 it cannot hold a forest trust: Kerberos to other forests has no referrals."
		}
		out = append(out, Finding{
			Severity:    Medium,
			Title:       fmt.Sprintf("Forest %s is at functional level %d (%s), below %d (%s)", f.RootDomain, f.FunctionalLevel, audit.FunctionalLevelName(f.FunctionalLevel), min, audit.FunctionalLevelName(min)),
			Domain:      f.RootDomain,
			Subject:     "forest functional level of " + normDNS(f.RootDomain),
			Affected:    []Object{{Kind: "forest", Name: f.RootDomain, Domain: f.RootDomain}},
			Evidence:    ev,
			Explanation: why,
			Remediation: []Option{{
				Name:    "raise-forest-level",
				Summary: fmt.Sprintf("Raise the forest %s to %s.", f.RootDomain, forestModeName(min)),
				Actions: steps,
			}},
		})
	}
	return out
}
