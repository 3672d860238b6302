package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/spn"

	"github.com/spntrust/spntrust/remediate/action"
)

var duplicateSPN = Check{
	ID:       "SPN-DUPLICATE",
	Title:    "The same SPN is registered on more than one account",
	Area:     "SPN",
	Severity: Critical,
	Explanation: `What is checked
  Every servicePrincipalName value, compared case-insensitively (a trailing dot
  on the host ignored), across all collected accounts: within one domain, across
  the domains of one forest, and across the collected forests. The krbtgt
  accounts are left out (each domain's holds kadmin/changepw by design).

Why it breaks Kerberos
  A ticket is encrypted with the key of the one account that holds the SPN. A
  KDC's lookup succeeds only when exactly one account matches ([MS-ADTS]
  3.1.1.13.6 GetUserLogonInfoByAttribute): when it sees two, a Windows KDC logs
  event 11 ("The KDC encountered duplicate names") and answers as if the SPN did
  not exist (KDC_ERR_S_PRINCIPAL_UNKNOWN; other KDCs answer
  KDC_ERR_PRINCIPAL_NOT_UNIQUE), so clients fall back to NTLM or fail. When the
  copies sit in different domains, a KDC that sees only its own domain's copy
  issues a ticket for that account: clients then get tickets for different keys
  depending on which KDC they ask, and the service rejects those encrypted for
  the wrong account (KRB_AP_ERR_MODIFIED, SEC_E_WRONG_PRINCIPAL).
  Across forests no KDC sees both copies: a client's own KDC finds its own
  forest's account and issues the ticket for it; it refers the client to the
  other forest (name suffix routing over a forest trust) only when its own
  forest holds no account for the SPN. Clients of one forest therefore get
  tickets for the wrong account. Windows Server 2012 R2 and later refuse to write
  a duplicate within a forest, but older data, other directory servers and
  cross-forest duplicates remain.

How to fix it
  Keep the SPN on the account the service actually runs as and remove it from
  every other account: setspn -D <SPN> DOMAIN\account. List a forest's
  duplicates with setspn -X -F (run it in each forest: it does not see across
  trusts) and confirm the single holder with setspn -Q <SPN>.

Sources
  [MS-ADTS] 3.1.1.13.6; [MS-KILE] 3.3.5.1.1; [MS-DRSR] 4.1.4.2.14 (LookupSPN);
  RFC 4120 7.5.9 (error codes); setspn documentation.`,
	Run: runDuplicateSPN,
}

// spnGroup is one SPN key with the accounts holding it, in snapshot order.
type spnGroup struct {
	key      string
	accounts []*audit.Account
	raw      map[*audit.Account]string
}

func runDuplicateSPN(s *audit.Snapshot, opt Options) []Finding {
	out := accountsGapFinding(s, "duplicate SPNs")
	// The shared index groups every SPN key's holders (malformed values are
	// SPN-MALFORMED's; krbtgt's are by design): only keys with more than
	// one holder get a group, not all million of them.
	var keys []string
	ix := viewFor(s, opt)
	dups := ix.DuplicateSPNs()
	for k := range dups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g := &spnGroup{key: k, accounts: dups[k].All(), raw: map[*audit.Account]string{}}
		for _, a := range g.accounts {
			g.raw[a] = rawWithKey(a, k)
		}
		out = append(out, duplicateFinding(s, ix, g))
	}
	return out
}

// rawWithKey returns a's first valid SPN value whose key is k, as written.
func rawWithKey(a *audit.Account, k string) string {
	for _, raw := range a.SPNs {
		if v, err := spn.Parse(raw); err == nil && v.Key() == k {
			return raw
		}
	}
	return ""
}

func duplicateFinding(s *audit.Snapshot, ix *view, g *spnGroup) Finding {
	// Group the holders by forest, in order of appearance.
	byForest := map[string][]*audit.Account{}
	var forests []string
	domains := map[string]bool{}
	for _, a := range g.accounts {
		f := ix.ForestKey(a.Domain)
		if _, ok := byForest[f]; !ok {
			forests = append(forests, f)
		}
		byForest[f] = append(byForest[f], a)
		domains[strings.ToLower(a.Domain)] = true
	}
	withinForest := false
	for _, f := range forests {
		if len(byForest[f]) > 1 {
			withinForest = true
		}
	}
	crossForest := len(forests) > 1

	first := g.raw[g.accounts[0]]
	host := ""
	if p, err := spn.Parse(first); err == nil {
		host = p.Host
	}
	ownerDomain := hostDomain(s, host)
	ownerForest := ""
	if ownerDomain != "" {
		ownerForest = ix.ForestKey(ownerDomain)
	}

	var scope string
	switch {
	case len(domains) == 1:
		scope = "within domain " + g.accounts[0].Domain
	case !crossForest:
		scope = "across domains of forest " + forests[0]
	case withinForest:
		scope = "within a forest and across forests " + strings.Join(forests, ", ")
	default:
		scope = "across forests " + strings.Join(forests, ", ")
	}
	severity := High
	if withinForest {
		severity = Critical
	}

	holders := names(ix, g.accounts)
	var why strings.Builder
	if withinForest {
		for _, f := range forests {
			if len(byForest[f]) < 2 {
				continue
			}
			fmt.Fprintf(&why, "In forest %s, %s all hold %s. A KDC that sees more than one of them refuses to choose "+
				"(Windows logs KDC event 11 and answers KDC_ERR_S_PRINCIPAL_UNKNOWN; other KDCs KDC_ERR_PRINCIPAL_NOT_UNIQUE), "+
				"so clients fall back to NTLM or fail; a KDC that sees only one issues a ticket for that account, which a "+
				"service running as another of them rejects (KRB_AP_ERR_MODIFIED). ",
				f, strings.Join(names(ix, byForest[f]), ", "), first)
		}
	}
	if crossForest {
		var per []string
		for _, f := range forests {
			per = append(per, fmt.Sprintf("clients in %s get a ticket for %s", f, strings.Join(names(ix, byForest[f]), " or ")))
		}
		fmt.Fprintf(&why, "Across forests each client's own KDC issues the ticket for its own forest's holder and never "+
			"refers the client over the trust while it holds the SPN itself: %s. The service runs as one account; "+
			"clients whose ticket is for another fail (KRB_AP_ERR_MODIFIED). ", strings.Join(per, "; "))
	}
	var preferred *audit.Account
	if ownerForest != "" && len(byForest[ownerForest]) == 1 {
		preferred = byForest[ownerForest][0]
		if crossForest {
			fmt.Fprintf(&why, "%s is in %s's DNS namespace, so the service most likely runs as %s; check before removing. ",
				host, ownerDomain, qualifiedName(ix, preferred))
		}
	}

	// Remediation: one option per holder, the likely one first.
	order := append([]*audit.Account(nil), g.accounts...)
	if preferred != nil {
		sort.SliceStable(order, func(i, j int) bool { return order[i] == preferred && order[j] != preferred })
	}
	var options []Option
	for _, keep := range order {
		keepName := qualifiedName(ix, keep)
		o := Option{
			Name:    "keep-on-" + strings.ToLower(keepName),
			Summary: fmt.Sprintf("Keep %s on %s (if the service runs as %s) and remove it from the other account(s).", first, keepName, keepName),
			Actions: []Action{{Type: ActionAdvice, Say: action.Say(action.CmdLine("setspn", "-X", "-F"))}},
		}
		for _, other := range g.accounts {
			if other == keep {
				continue
			}
			otherName := qualifiedName(ix, other)
			if ix.ForestKey(other.Domain) != ix.ForestKey(keep.Domain) {
				o.Actions = append(o.Actions, Action{Type: ActionAdvice, Note: fmt.Sprintf("Run the next command as an administrator of %s (forest %s).", other.Domain, ix.ForestKey(other.Domain))})
			}
			o.Actions = append(o.Actions, Action{Type: ActionRemoveSPN, AccountDN: other.DN, Account: otherName, Domain: other.Domain, SPN: g.raw[other]})
		}
		o.Actions = append(o.Actions, Action{Type: ActionAdvice, SPN: first, Say: action.Say(action.CmdLine("setspn", "-Q", action.D(first)))})
		options = append(options, o)
	}

	ev := []Evidence{{Key: "spn", Value: first}, {Key: "scope", Value: scope}}
	var affected []Object
	for _, a := range g.accounts {
		ev = append(ev, Evidence{Key: "holder", Value: fmt.Sprintf("%s (%s, %s) as %s", qualifiedName(ix, a), a.Kind, a.DN, g.raw[a])})
		affected = append(affected, accountObject(a))
	}
	domain := ownerDomain
	if domain == "" {
		domain = g.accounts[0].Domain
	}
	return Finding{
		Severity:    severity,
		Title:       fmt.Sprintf("%s is registered on %d accounts (%s): %s", first, len(g.accounts), scope, strings.Join(holders, ", ")),
		Domain:      domain,
		Subject:     g.key,
		Affected:    affected,
		Evidence:    ev,
		Explanation: strings.TrimSpace(why.String()),
		Remediation: options,
		Cause:       causeOf(CauseDuplicateSPN, g.key, true),
		Impact: fmt.Sprintf("clients of %s get a ticket for one of %d accounts (%s), or none: the service fails Kerberos unless it runs as that one",
			servicesText([]string{first}), len(g.accounts), strings.Join(holders, ", ")),
	}
}
