package checks

import (
	"fmt"

	"github.com/spntrust/spntrust/audit"

	"github.com/spntrust/spntrust/remediate/action"
)

var accountExpired = Check{
	ID:       "SPN-ACCOUNT-EXPIRED",
	Title:    "Expired account holds SPNs",
	Area:     "SPN",
	Severity: Medium,
	Explanation: `What is checked
  Enabled accounts holding SPNs whose accountExpires lies before the time the
  snapshot was taken (disabled accounts are reported by SPN-ACCOUNT-DISABLED).
  The krbtgt accounts are left out. Without a collection time in the snapshot the
  check is not evaluated.

Why it breaks Kerberos
  An expired account can no longer log on, so a service configured to run as it
  stops getting its credentials at the next restart or password refresh, while
  the account still claims its SPNs: clients are sent to an identity that no
  running service uses, and setspn -S refuses to register the SPNs on the
  account that does.

How to fix it
  If the service is retired, remove the SPNs (setspn -D <SPN> DOMAIN\account).
  If it still runs, extend the account (Set-ADAccountExpiration -Identity
  <account> -DateTime <date>, or Clear-ADAccountExpiration), or move the SPNs to
  the account the service runs as.

Sources
  [MS-ADTS] 2.2.16; [MS-ADA1] accountExpires; [MS-KILE] 3.3.5.1.1; setspn
  documentation.`,
	Run: runAccountExpired,
}

func runAccountExpired(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	out := accountsGapFinding(s, "expired accounts")
	now, ok := snapshotNow(s)
	if !ok {
		return append(out, noTimeFinding("account expiry")...)
	}
	for a := range stateCandidates(s) {
		if isDisabled(a) || !isExpired(a, now) {
			continue
		}
		ev := []Evidence{
			{Key: "accountExpires", Value: a.AccountExpires.UTC().Format("2006-01-02 15:04:05 UTC")},
			{Key: "snapshot taken", Value: now.UTC().Format("2006-01-02 15:04:05 UTC")},
		}
		why := fmt.Sprintf("%s expired on %s but still holds %d SPN(s). It can no longer log on, so no service can keep running "+
			"as it, yet clients asking for these SPNs are sent to it.", qualifiedName(ix, a), day(*a.AccountExpires), len(a.SPNs))
		f := accountStateFinding(ix, a, "expired", Medium, Low, ev, why)
		who := qualifiedName(ix, a)
		f.Remediation = append(f.Remediation, Option{
			Name:    "extend",
			Summary: fmt.Sprintf("If %s should still run the service, lift or extend its expiry.", who),
			Actions: []Action{{Type: ActionManual, AccountDN: a.DN, Account: who, Domain: a.Domain, Note: "clear or extend accountExpires",
				Say: action.Say(action.PS("Clear-ADAccountExpiration", "-Identity", action.D(a.SAMAccountName), "-Server", action.D(a.Domain)))}},
		})
		out = append(out, f)
	}
	return out
}
