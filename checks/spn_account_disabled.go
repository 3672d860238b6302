package checks

import (
	"fmt"

	"github.com/spntrust/spntrust/audit"
)

var accountDisabled = Check{
	ID:       "SPN-ACCOUNT-DISABLED",
	Title:    "Disabled account holds SPNs",
	Area:     "SPN",
	Severity: Medium,
	Explanation: `What is checked
  Accounts holding SPNs whose userAccountControl has ACCOUNTDISABLE (0x2). The
  krbtgt accounts (disabled by design) are left out. A disabled service user or
  managed service account is medium; a disabled computer keeping its HOST SPNs is
  routine after decommissioning and is low.

Why it breaks Kerberos
  No service can run as a disabled account, yet it still claims its SPNs: a
  client asking for one of them is sent to this account (the KDC refuses or
  issues a ticket no running service can use) instead of the account that really
  runs the service, and setspn -S refuses to register the SPN on the right
  account while the disabled one holds it. If the account is re-enabled by
  mistake, or its SPNs are reused, tickets go to a forgotten identity.

How to fix it
  If the service is retired, remove the SPNs (setspn -D <SPN> DOMAIN\account)
  or delete the account. If the service still runs under another identity, move
  the SPNs there (setspn -D from the disabled account, setspn -S on the right
  one).

Sources
  [MS-ADTS] 2.2.16 (userAccountControl ACCOUNTDISABLE); [MS-KILE] 3.3.5.1.1;
  setspn documentation.`,
	Run: runAccountDisabled,
}

func runAccountDisabled(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	out := accountsGapFinding(s, "disabled accounts")
	for a := range stateCandidates(s) {
		if !isDisabled(a) {
			continue
		}
		ev := []Evidence{{Key: "userAccountControl", Value: fmt.Sprintf("0x%x %v", a.UserAccountControl, audit.DecodeUAC(a.UserAccountControl))}}
		why := fmt.Sprintf("%s is disabled but still holds %d SPN(s). No service runs as it, yet clients asking for these SPNs "+
			"are sent to it instead of the account that runs the service, and the SPNs cannot be registered where they belong "+
			"while it holds them.", qualifiedName(ix, a), len(a.SPNs))
		out = append(out, accountStateFinding(ix, a, "disabled", Medium, Low, ev, why))
	}
	return out
}
