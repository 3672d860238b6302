package checks

import (
	"fmt"
	"time"

	"github.com/spntrust/spntrust/audit"
)

var accountStale = Check{
	ID:       "SPN-ACCOUNT-STALE",
	Title:    "Account holding SPNs has not logged on for a long time",
	Area:     "SPN",
	Severity: Low,
	Explanation: `What is checked
  Enabled, unexpired accounts holding SPNs whose lastLogonTimestamp is older
  than --stale-days (default 90) before the snapshot was taken, or that never
  logged on and whose password was set longer ago than that (or never). The
  krbtgt accounts and domain controllers are left out. lastLogonTimestamp
  replicates only every 9 to 14 days (ms-DS-Logon-Time-Sync-Interval), so keep
  the threshold well above two weeks. A stale service user is low; a stale
  computer is info.

Why it breaks Kerberos
  A service account that has not logged on for months most likely runs nothing
  any more, but still claims its SPNs: clients asking for them are sent to an
  identity no running service uses, setspn -S refuses to register them on the
  account that does, and the account's key (often an old password) stays
  available to anyone who requests a ticket for it and tries to crack it offline.

How to fix it
  Confirm the service is gone (the SPN's host, the service's configured
  identity), then remove the SPNs (setspn -D <SPN> DOMAIN\account) and disable or
  delete the account; if another account now runs the service, move the SPNs
  there.

Sources
  [MS-ADA1] lastLogonTimestamp, ms-DS-Logon-Time-Sync-Interval; [MS-ADA3]
  pwdLastSet; setspn documentation.`,
	Run: runAccountStale,
}

func runAccountStale(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	out := accountsGapFinding(s, "stale accounts")
	now, ok := snapshotNow(s)
	if !ok {
		return append(out, noTimeFinding("account staleness")...)
	}
	limit := time.Duration(opt.StaleDays) * 24 * time.Hour
	for a := range stateCandidates(s) {
		if isDisabled(a) || isExpired(a, now) || isDC(a) {
			continue
		}
		var ev []Evidence
		var why string
		switch {
		case a.LastLogon != nil:
			if now.Sub(*a.LastLogon) <= limit {
				continue
			}
			ev = append(ev, Evidence{Key: "lastLogonTimestamp", Value: fmt.Sprintf("%s (%d days before the snapshot)", day(*a.LastLogon), daysBetween(*a.LastLogon, now))})
			why = fmt.Sprintf("%s last logged on %s, %d days before the snapshot (threshold %d days)", qualifiedName(ix, a), day(*a.LastLogon), daysBetween(*a.LastLogon, now), opt.StaleDays)
		case a.PwdLastSet == nil:
			ev = append(ev, Evidence{Key: "lastLogonTimestamp", Value: "never"}, Evidence{Key: "pwdLastSet", Value: "never"})
			why = fmt.Sprintf("%s has never logged on and its password was never set", qualifiedName(ix, a))
		case now.Sub(*a.PwdLastSet) > limit:
			ev = append(ev, Evidence{Key: "lastLogonTimestamp", Value: "never"},
				Evidence{Key: "pwdLastSet", Value: fmt.Sprintf("%s (%d days before the snapshot)", day(*a.PwdLastSet), daysBetween(*a.PwdLastSet, now))})
			why = fmt.Sprintf("%s has never logged on since its password was set on %s, %d days before the snapshot (threshold %d days)",
				qualifiedName(ix, a), day(*a.PwdLastSet), daysBetween(*a.PwdLastSet, now), opt.StaleDays)
		default:
			continue // new account, not used yet
		}
		ev = append(ev, Evidence{Key: "snapshot taken", Value: day(now)})
		why += fmt.Sprintf(", yet it holds %d SPN(s): most likely nothing runs as it any more, but clients asking for these SPNs are still sent to it.", len(a.SPNs))
		out = append(out, accountStateFinding(ix, a, "stale", Low, Info, ev, why))
	}
	return out
}
