package checks

import (
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/remediate/action"
	"github.com/spntrust/spntrust/spn"
)

// Shared by SPN-ACCOUNT-DISABLED, SPN-ACCOUNT-EXPIRED and SPN-ACCOUNT-STALE:
// an account that holds SPNs but cannot, or does not, run a service.

// accountStateFinding builds the finding for one account in a bad state.
// state says what is wrong ("disabled", "expired on 2026-01-01"); machine and
// user severities differ because a retired computer's HOST SPNs are routine.
func accountStateFinding(ix *view, a *audit.Account, state string, userSev, machineSev Severity, ev []Evidence, why string) Finding {
	who := qualifiedName(ix, a)
	sev := userSev
	if isMachineKind(a) {
		sev = machineSev
	}
	var ps []parsedSPN
	for _, raw := range a.SPNs {
		ps = append(ps, parsedSPN{Account: a, SPN: spnRaw(raw)})
	}
	remove := removeSPNOption(ix, "remove", fmt.Sprintf("If the service is retired, remove the SPN(s) from %s.", who), ps)
	move := Option{
		Name:    "move",
		Summary: "If the service still runs, move its SPN(s) to the account it runs as.",
	}
	for _, p := range ps {
		move.Actions = append(move.Actions, Action{Type: ActionRemoveSPN, AccountDN: a.DN, Account: who, Domain: a.Domain, SPN: p.Raw})
	}
	for _, p := range ps {
		move.Actions = append(move.Actions, Action{Type: ActionManual, Account: who, Domain: a.Domain, SPN: p.Raw,
			Note: "register the removed SPN on the account the service runs as",
			Say:  action.Say(action.CmdLine("setspn", "-S", action.D(p.Raw), `<DOMAIN\account the service runs as>`))})
	}
	ev = append([]Evidence{
		{Key: "account", Value: fmt.Sprintf("%s (%s, %s)", who, a.Kind, a.DN)},
		{Key: "spns", Value: strings.Join(a.SPNs, ", ")},
	}, ev...)
	return Finding{
		Severity:    sev,
		Title:       fmt.Sprintf("%s %s %s holds %d SPN(s)", state, a.Kind, a.SAMAccountName, len(a.SPNs)),
		Domain:      a.Domain,
		Subject:     strings.ToLower(a.Domain + `\` + a.SAMAccountName),
		Affected:    []Object{accountObject(a)},
		Evidence:    ev,
		Explanation: why,
		Remediation: []Option{remove, move},
	}
}

// spnRaw parses an SPN for remediation; malformed values keep their raw text.
func spnRaw(raw string) spn.SPN {
	v, _ := spn.Parse(raw)
	return v
}

// stateCandidates are the accounts the state checks look at: holding SPNs,
// not krbtgt (disabled by design), in snapshot order. An iterator, not a
// slice: three checks each built a slice of every account (40 MB of
// garbage on 300,000 accounts).
func stateCandidates(s *audit.Snapshot) iter.Seq[*audit.Account] {
	return func(yield func(*audit.Account) bool) {
		for i := range s.Accounts {
			a := &s.Accounts[i]
			if len(a.SPNs) == 0 || isKrbtgt(a) {
				continue
			}
			if !yield(a) {
				return
			}
		}
	}
}

// isExpired reports whether the account expired before now.
func isExpired(a *audit.Account, now time.Time) bool {
	return a.AccountExpires != nil && a.AccountExpires.Before(now)
}

// noTimeFinding is the not-evaluated finding of a time-based check run on a
// snapshot that does not record when it was taken.
func noTimeFinding(what string) []Finding {
	return []Finding{{
		Severity:    Info,
		Status:      NotEvaluated,
		Title:       "Snapshot has no collection time: " + what + " not checked",
		Subject:     "collection.finishedAt",
		Affected:    []Object{{Kind: "snapshot", Name: "collection.finishedAt"}},
		Evidence:    []Evidence{{Key: "collection.finishedAt", Value: "unset"}},
		Explanation: "Ages are measured from when the snapshot was taken (collection.finishedAt), which this snapshot does not record.",
	}}
}
