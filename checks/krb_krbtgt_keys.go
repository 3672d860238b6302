package checks

import (
	"fmt"
	"time"

	"github.com/spntrust/spntrust/audit"
)

// krbtgtMaxAgeDays is how old a krbtgt password may be before it is reported:
// Microsoft and the common hardening guides rotate it at least yearly.
const krbtgtMaxAgeDays = 365

var krbtgtKeys = Check{
	ID:       "KRB-KRBTGT-KEYS",
	Title:    "krbtgt or a DC account without AES keys, or a krbtgt password not rotated",
	Area:     "KRB",
	Severity: High,
	Explanation: `What is checked
  The domain's krbtgt account (whose keys encrypt every TGT) and every DC's
  computer account (whose keys encrypt the tickets for LDAP, SMB and the DC's
  other services): whether the KDC holds an AES key for each (the credential-free
  key probe, or the pwdLastSet heuristic where it was not run, as in
  KRB-AES-KEYS), and whether krbtgt's password is older than a year.

Why it breaks Kerberos
  A krbtgt without AES keys issues RC4 TGTs; a DC patched for CVE-2026-20833
  refuses RC4 where the default applies, and an RC4 TGT used for an AES-only
  service gets KDC_ERR_ETYPE_NOSUPP. A DC account without AES keys makes every
  ticket to that DC RC4, or none on a patched DC. krbtgt whose password has not
  changed since the domain reached the Windows Server 2008 level has no AES key
  at all; an old krbtgt password is also what a forged ("golden") ticket relies
  on.

How to fix it
  krbtgt: reset its password twice, waiting for replication (and at least the
  maximum ticket lifetime, 10 hours by default) in between, so both keys the KDC
  keeps are new (Microsoft's New-KrbtgtKeys.ps1 automates it; AD sets a random
  password whatever is typed). A DC account: restart the DC's Netlogon-driven
  password change (Reset-ComputerMachinePassword on the DC, or netdom resetpwd).

Sources
  KB5073381 (CVE-2026-20833); [MS-KILE] 3.3.5.7; Microsoft, "AD Forest Recovery -
  Resetting the krbtgt password"; microsoft/New-KrbtgtKeys.ps1.`,
	Run: runKrbtgtKeys,
}

func runKrbtgtKeys(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	out := accountsGapFinding(s, "krbtgt and DC account keys")
	now, haveNow := snapshotNow(s)
	for i := range s.Accounts {
		a := &s.Accounts[i]
		krbtgt := isKrbtgt(a) && !isRODCKrbtgt(a)
		if !krbtgt && !(isDCAccount(a) && !isDisabled(a)) {
			continue
		}
		who := qualifiedName(ix, a)
		k := accountAESKeys(ix, a)
		var problems []string
		ev := []Evidence{{Key: "account", Value: fmt.Sprintf("%s (%s)", who, a.DN)}}
		if k.known && !k.has {
			ev = append(ev, Evidence{Key: "keys (" + k.source + ")", Value: k.evidence})
			if krbtgt {
				problems = append(problems, "krbtgt has no AES key, so every TGT of the domain is RC4-encrypted; patched DCs refuse RC4 tickets for AES-default services")
			} else {
				problems = append(problems, "the DC's account has no AES key, so tickets to the DC's own services (LDAP, SMB, the DC locator) are RC4 or, on a patched DC, not issued")
			}
		}
		age := 0
		if krbtgt && haveNow && a.PwdLastSet != nil {
			age = daysBetween(*a.PwdLastSet, now)
			if now.Sub(*a.PwdLastSet) > krbtgtMaxAgeDays*24*time.Hour {
				problems = append(problems, fmt.Sprintf("krbtgt's password is %d days old (rotate at least every %d days)", age, krbtgtMaxAgeDays))
				ev = append(ev, Evidence{Key: "pwdLastSet", Value: fmt.Sprintf("%s (%d days before the snapshot)", day(*a.PwdLastSet), age)})
			}
		}
		if len(problems) == 0 {
			continue
		}
		sev := High
		if k.known && k.has {
			sev = Medium // only old: no ticket fails because of it
		}
		out = append(out, Finding{
			Severity:    sev,
			Title:       fmt.Sprintf("%s: %s", who, problems[0]),
			Domain:      a.Domain,
			Subject:     accountSubject(a),
			Affected:    []Object{accountObject(a)},
			Evidence:    ev,
			Explanation: fmt.Sprintf("%s: %s.", who, joinSentences(problems)),
			Remediation: []Option{resetPasswordOption(ix, a, krbtgt)},
		})
	}
	return out
}

// isRODCKrbtgt reports whether a is a read-only DC's krbtgt_NNNNN account,
// which that RODC alone uses.
func isRODCKrbtgt(a *audit.Account) bool {
	return len(a.SAMAccountName) > 7 && a.SAMAccountName[6] == '_'
}

func joinSentences(parts []string) string {
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += "; "
		}
		out += p
	}
	return out
}
