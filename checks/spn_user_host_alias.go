package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/spn"
)

var userHostAlias = Check{
	ID:       "SPN-USER-HOST-ALIAS",
	Title:    "Service SPN on a non-computer account shadows the computer's HOST SPN",
	Area:     "SPN",
	Severity: High,
	Explanation: `What is checked
  A service class that the forest's sPNMappings makes an alias of HOST (HTTP, and
  every other class listed there: read from the directory, not assumed) registered
  on a user, managed service account or other non-computer account, for a host
  whose computer account holds HOST/<host>.

Why it breaks Kerberos
  A client that wants HTTP/<host> asks the KDC for that SPN. If no account holds it
  explicitly, the KDC uses the sPNMappings alias and issues the ticket for the
  computer that holds HOST/<host>. As soon as another account registers
  HTTP/<host> explicitly, that account wins: the ticket is encrypted with its key.
  A service on <host> running as the computer (IIS as LocalSystem or
  ApplicationPoolIdentity, a ConfigMgr management point, SSRS) cannot decrypt it
  and rejects it (KRB_AP_ERR_MODIFIED, SEC_E_WRONG_PRINCIPAL); clients fall back to
  NTLM or fail. It looks random: only the service whose identity matches works.

How to fix it
  Either remove the SPN from the non-computer account (the computer's HOST SPN then
  covers the service again), or, when that account runs another site on the same
  host, move that site to its own port (default 81) and register
  HTTP/<host>:<port> on the account. Windows clients omit the port from the SPN
  unless configured to include it (Internet Explorer/Edge
  FEATURE_INCLUDE_PORT_IN_SPN_KB908209, Chrome EnableAuthNegotiatePort), so the
  moved site needs clients that include it, or a separate host name (its own A
  record) with its own SPN.

Sources
  [MS-ADTS] 6.1.1.2.2 (sPNMappings); [MS-KILE] 3.3.5.1.1; setspn documentation.`,
	Run: runUserHostAlias,
}

// shadowKey groups the shadowing SPNs of one account on one host.
type shadowKey struct {
	Account *audit.Account
	host    string
}

func runUserHostAlias(s *audit.Snapshot, opt Options) []Finding {
	opt.view = viewFor(s, opt) // one index for every forest's pass
	var out []Finding
	for _, forest := range s.Forests {
		if forest.SPNMappings == nil {
			out = append(out, Finding{
				Severity: Info,
				Status:   NotEvaluated,
				Title:    "sPNMappings not read: HOST aliases unknown",
				Domain:   forest.RootDomain,
				Subject:  "sPNMappings of " + forest.RootDomain,
				Affected: []Object{{Kind: "forest", Name: forest.RootDomain}},
				Evidence: []Evidence{{Key: "forest", Value: forest.RootDomain}},
				Explanation: "The forest's sPNMappings attribute could not be read, so which service " +
					"classes stand for HOST is unknown and no account of this forest was checked for " +
					"SPNs that shadow a computer's HOST SPN.",
			})
			continue
		}
		out = append(out, userHostAliasInForest(s, forest, opt)...)
	}
	return out
}

func userHostAliasInForest(s *audit.Snapshot, forest audit.Forest, opt Options) []Finding {
	ix := viewFor(s, opt)
	inForest := func(a *audit.Account) bool {
		root, ok := ix.ForestRoot(a.Domain)
		return ok && strings.EqualFold(root, forest.RootDomain)
	}
	// The SPNs that can shadow a computer's HOST SPN: an alias class of
	// HOST, without port or service name, on a non-computer of this forest.
	shadowing := func(p parsedSPN) bool {
		if p.Err != nil || p.Account.Kind == audit.KindComputer || p.Port != "" || p.ServiceName != "" || !inForest(p.Account) {
			return false
		}
		return p.Class() != "host" && forest.AliasesOf(p.Class(), "host")
	}
	// The first computer holding HOST/<host>, by normalised host, for the
	// hosts such SPNs name. (Only the first is ever reported; keeping every
	// holder and every computer's HOST SPNs cost a slice per computer on
	// large directories, and a map of every computer's HOST SPNs 40 MB.)
	hostHolders := map[string]*audit.Account{}
	ix.EachSPN(func(p parsedSPN) {
		if shadowing(p) {
			hostHolders[p.HostKey()] = nil
		}
	})
	if len(hostHolders) == 0 {
		return nil
	}
	var buf keyBuf
	ix.EachSPN(func(p parsedSPN) {
		if p.Err != nil || p.Account.Kind != audit.KindComputer || p.Class() != "host" || p.Port != "" || !inForest(p.Account) {
			return
		}
		key := audit.AppendHostKey(buf[:0], p.Host)
		if a, ok := hostHolders[string(key)]; ok && a == nil {
			hostHolders[string(key)] = p.Account
		}
	})

	shadows := map[shadowKey][]parsedSPN{}
	var order []shadowKey
	ix.EachSPN(func(p parsedSPN) {
		if !shadowing(p) {
			return
		}
		computer := hostHolders[p.HostKey()]
		if computer == nil {
			return
		}
		// Short and fully qualified forms of one host on one account are one
		// problem with one fix; group them by the computer they shadow.
		k := shadowKey{Account: p.Account, host: computer.DN}
		if _, seen := shadows[k]; !seen {
			order = append(order, k)
		}
		shadows[k] = append(shadows[k], p)
	})

	var out []Finding
	for _, k := range order {
		out = append(out, userHostAliasFinding(ix, forest, k.Account, shadows[k], hostHolders[shadows[k][0].HostKey()], opt))
	}
	return out
}

func userHostAliasFinding(ix *view, forest audit.Forest, user *audit.Account, spns []parsedSPN,
	computer *audit.Account, opt Options) Finding {
	// The computer's HOST SPNs (without a port), for the evidence.
	var computerHostSPNs []string
	for _, raw := range computer.SPNs {
		if v, err := spn.Parse(raw); err == nil && v.Class() == "host" && v.Port == "" {
			computerHostSPNs = append(computerHostSPNs, raw)
		}
	}
	who := qualifiedName(ix, user)

	var names, classes []string
	for _, p := range spns {
		names = append(names, p.Raw)
		classes = append(classes, p.Class())
	}
	sort.Strings(names)
	sort.Strings(computerHostSPNs)

	remove := Option{Name: "remove", Summary: fmt.Sprintf("Remove the SPN(s) from %s; the computer's HOST SPN then covers the service again.", who)}
	move := Option{Name: "move-port", Summary: fmt.Sprintf("Keep %s's site on %s but move it to port %d and register the port-qualified SPN.", who, spns[0].Host, opt.MovePort)}
	for _, p := range spns {
		remove.Actions = append(remove.Actions, Action{Type: ActionRemoveSPN, AccountDN: user.DN, Account: who, Domain: user.Domain, SPN: p.Raw})
	}
	move.Actions = append(move.Actions, Action{Type: ActionMoveSitePort, AccountDN: user.DN, Account: who, Domain: user.Domain, Host: spns[0].Host, Port: opt.MovePort})
	for _, p := range spns {
		move.Actions = append(move.Actions, Action{Type: ActionRemoveSPN, AccountDN: user.DN, Account: who, Domain: user.Domain, SPN: p.Raw})
	}
	for _, p := range spns {
		moved := p.WithPort(opt.MovePort).Raw
		move.Actions = append(move.Actions, Action{Type: ActionAddSPN, AccountDN: user.DN, Account: who, Domain: user.Domain, SPN: moved})
	}
	move.Actions = append(move.Actions, Action{Type: ActionAdvice, Note: fmt.Sprintf("Clients must include the port in the SPN they request (Edge/IE FEATURE_INCLUDE_PORT_IN_SPN_KB908209, Chrome EnableAuthNegotiatePort), or give the moved site its own host name (A record) and register HTTP/<that name> on %s instead.", who)})

	return Finding{
		Severity: High,
		Title:    fmt.Sprintf("%s on %s shadows HOST/%s of computer %s", strings.Join(names, ", "), user.SAMAccountName, spns[0].Host, computer.SAMAccountName),
		Domain:   user.Domain,
		Subject:  strings.ToLower(strings.Join(names, ",")),
		Affected: []Object{accountObject(user), accountObject(computer)},
		Evidence: []Evidence{
			{Key: "spns on " + string(user.Kind), Value: strings.Join(names, ", ")},
			{Key: "account", Value: user.DN},
			{Key: "computer holding HOST", Value: computer.DN},
			{Key: "computer HOST spns", Value: strings.Join(computerHostSPNs, ", ")},
			{Key: "sPNMappings", Value: fmt.Sprintf("%s are aliases of host in forest %s", strings.Join(dedupeStrings(classes), ", "), forest.RootDomain)},
		},
		Explanation: fmt.Sprintf("A client asking for %s gets a ticket encrypted for %s, not for the computer %s. "+
			"A service on that host running as the computer (IIS as LocalSystem, a ConfigMgr management point) "+
			"cannot decrypt it and rejects it, so Kerberos fails and clients fall back to NTLM or stay unauthenticated.",
			names[0], who, computer.SAMAccountName),
		Impact: fmt.Sprintf("clients of %s get tickets for %s; a service there running as the computer %s (a site as LocalSystem, a management point) cannot decrypt them",
			servicesText(names), who, computer.SAMAccountName),
		Remediation: []Option{move, remove},
	}
}
