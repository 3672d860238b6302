package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"
)

var levelDomain = Check{
	ID:       "LEVEL-DOMAIN",
	Title:    "Domain functional level below the minimum (default Windows Server 2008, for AES)",
	Area:     "LEVEL",
	Severity: High,
	Explanation: `What is checked
  The functional level (msDS-Behavior-Version) of every collected domain against
  the minimum (--min-functional-level, default 3 = Windows Server 2008). A level
  of 0 is read as Windows 2000 unless the collection recorded a gap for the
  domain, in which case the domain is reported as not evaluated.

Why it breaks Kerberos
  AES Kerberos keys exist only in domains at Windows Server 2008 level or higher:
  below it, accounts, the krbtgt account and the trusts have only RC4 (and DES)
  keys. RC4 is weak and is being disabled; a client or service that requires AES
  then gets no ticket (KDC_ERR_ETYPE_NOSUPP) and falls back to NTLM.

How to fix it
  Upgrade or demote every DC older than the target version, then raise the level:
  Set-ADDomainMode -Identity <domain> -DomainMode <mode> (Samba AD: samba-tool
  domain level raise --domain-level=<level>). AES keys are created when a password
  is next set: afterwards reset the krbtgt password (twice, letting replication
  finish between the resets) and the passwords of service accounts.

Sources
  [MS-ADTS] 6.1.4.2 (msDS-Behavior-Version); [MS-KILE] 3.1.5.2 (encryption types
  and keys); Set-ADDomainMode documentation.`,
	Run: runLevelDomain,
}

func runLevelDomain(s *audit.Snapshot, opt Options) []Finding {
	min := opt.withDefaults().MinFunctionalLevel
	var out []Finding
	for _, d := range s.Domains {
		if d.FunctionalLevel == 0 {
			if g, ok := findGap(s, d.DNSName, ""); ok {
				out = append(out, levelNotEvaluated("domain", d.DNSName, d.DN, g))
				continue
			}
		}
		if d.FunctionalLevel >= min {
			continue
		}
		var old []string
		for _, dc := range d.DCs {
			if dc.FunctionalLevel < min {
				old = append(old, fmt.Sprintf("%s (%d, %s)", dc.FQDN, dc.FunctionalLevel, audit.FunctionalLevelName(dc.FunctionalLevel)))
			}
		}
		ev := []Evidence{
			{Key: "domain functional level", Value: fmt.Sprintf("%d (%s)", d.FunctionalLevel, audit.FunctionalLevelName(d.FunctionalLevel))},
			{Key: "minimum", Value: fmt.Sprintf("%d (%s)", min, audit.FunctionalLevelName(min))},
		}
		steps := []Action{}
		if len(old) > 0 {
			ev = append(ev, Evidence{Key: "DCs below the minimum", Value: strings.Join(old, ", ")})
			steps = append(steps, Action{Type: ActionManual, Domain: d.DNSName, Note: "Upgrade or demote these DCs first: " + strings.Join(old, ", ")})
		}
		steps = append(steps, raiseLevelActions("domain", d.DNSName, domainModeName(min), sambaLevelName(min))...)
		steps = append(steps, Action{Type: ActionManual, Domain: d.DNSName, Note: "Reset the krbtgt password twice (let replication finish in between) and the passwords of service accounts, so they get AES keys."})
		out = append(out, Finding{
			Severity: High,
			Title:    fmt.Sprintf("Domain %s is at functional level %d (%s), below %d (%s)", d.DNSName, d.FunctionalLevel, audit.FunctionalLevelName(d.FunctionalLevel), min, audit.FunctionalLevelName(min)),
			Domain:   d.DNSName,
			Subject:  "domain functional level of " + normDNS(d.DNSName),
			Affected: []Object{{DN: d.DN, Kind: "domain", Name: d.DNSName, Domain: d.DNSName}},
			Evidence: ev,
			Explanation: fmt.Sprintf("%s is below the minimum functional level %d (%s).%s", d.DNSName, min, audit.FunctionalLevelName(min),
				aesLevelNote(d.FunctionalLevel)),
			Remediation: []Option{{
				Name:    "raise-domain-level",
				Summary: fmt.Sprintf("Raise %s to %s.", d.DNSName, domainModeName(min)),
				Actions: steps,
			}},
		})
	}
	return out
}

// aesLevelNote says what the level means for AES.
func aesLevelNote(level int) string {
	if level < 3 {
		return " Accounts, krbtgt and trusts of this domain have no AES keys: Kerberos uses RC4 and fails where RC4 is disabled."
	}
	return ""
}
