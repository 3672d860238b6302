package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/spn"

	"github.com/spntrust/spntrust/remediate/action"
)

var shortnamePair = Check{
	ID:       "SPN-SHORTNAME-PAIR",
	Title:    "HTTP SPN registered for the short name or the FQDN but not both",
	Area:     "SPN",
	Severity: Medium,
	Explanation: `What is checked
  Every well-formed HTTP SPN of an ordinary account (domain controllers and
  krbtgt left out) registered for one form of a host name, the short name
  (HTTP/intra) or the fully qualified one (HTTP/intra.example), where the other
  form also resolves in DNS to the same host, and a client asking for the other
  form would not get a ticket for this account (neither explicitly nor through
  sPNMappings, as a computer's HOST SPN covers both of its own forms). A short
  name resolves when its recorded lookup does, or, without one, when the name in
  the account's own domain does (members of a domain resolve short names with
  the domain as DNS suffix). When DNS says nothing about the other form, nothing
  is flagged.

Why it breaks Kerberos
  Browsers build the SPN from the name in the URL. Users who type http://intra/
  ask for HTTP/intra; those who follow a link to http://intra.example/ ask for
  HTTP/intra.example. If only one is registered on the service account, the other
  half of the clients get KDC_ERR_S_PRINCIPAL_UNKNOWN and fall back to NTLM, or,
  when a computer holds HOST/<that form>, a ticket for the computer that the
  service cannot decrypt (KRB_AP_ERR_MODIFIED). It works for some users and not
  for others.

How to fix it
  Register the missing form on the same account: setspn -S HTTP/<other form>
  DOMAIN\account (setspn -S refuses it if another account holds it: resolve that
  first). Or have everyone use one name (redirect the other to it) and leave the
  SPN as it is.

Sources
  [MS-KILE] 3.3.5.1.1; [MS-DRSR] 4.1.4.2.14 (LookupSPN, sPNMappings); setspn
  documentation.`,
	Run: runShortnamePair,
}

func runShortnamePair(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	out := accountsGapFinding(s, "short name / FQDN SPN pairs")

	held := accountKeys{}
	var missing []pairGap
	seen := map[string]bool{}
	var buf keyBuf
	ix.EachSPN(func(p parsedSPN) {
		if p.Err != nil || p.Class() != "http" || isDC(p.Account) || isKrbtgt(p.Account) || isIPAddress(p.Host) {
			return
		}
		// No pair to suggest: on a disabled account (SPN-ACCOUNT-DISABLED
		// says to remove its SPNs, not to add more) or for a port form
		// (browsers ask for HTTP/<host> without the port unless told to).
		if isDisabled(p.Account) || p.Port != "" {
			return
		}
		other, dns, ok := otherForm(ix, p)
		if !ok || len(dns.h.CNAMEs) > 0 {
			return // an alias: clients ask for the canonical name's SPN (SPN-DNS-CNAME)
		}
		other1 := p.SPN // the other form's key, before building its value
		other1.Host = other
		if held.holds(p.Account, audit.AppendSPNKey(buf[:0], other1)) {
			return
		}
		want := withHost(p.SPN, other)
		holders, via := ix.TicketOwner(ix.ForestKey(p.Account.Domain), want)
		if len(holders) == 1 && holders[0] == p.Account {
			return // a computer's HOST SPN covers both forms
		}
		k := p.Account.DN + "\x00" + want.Key()
		if seen[k] {
			return
		}
		seen[k] = true
		missing = append(missing, pairGap{have: p, want: want, holders: holders, via: via, dns: dns.evidence()})
	})
	for _, g := range missing {
		out = append(out, shortnameFinding(ix, g))
	}
	return out
}

// pairGap is one SPN whose other host form is missing on its account.
type pairGap struct {
	have    parsedSPN
	want    spn.SPN
	holders []*audit.Account
	via     string
	dns     []Evidence
}

// accountKeys answers whether an account holds an SPN key. Most accounts
// hold a few SPNs, which are compared one by one; the keys of an account
// with many are kept in a set (a set per account cost 30 MB on a million
// SPNs).
type accountKeys map[*audit.Account]map[string]bool

func (c accountKeys) holds(a *audit.Account, key []byte) bool {
	if len(a.SPNs) <= 16 {
		var buf keyBuf
		for _, raw := range a.SPNs {
			if v, err := spn.Parse(raw); err == nil && string(audit.AppendSPNKey(buf[:0], v)) == string(key) {
				return true
			}
		}
		return false
	}
	set := c[a]
	if set == nil {
		set = map[string]bool{}
		for _, raw := range a.SPNs {
			if v, err := spn.Parse(raw); err == nil {
				set[v.Key()] = true
			}
		}
		c[a] = set
	}
	return set[string(key)]
}

func shortnameFinding(ix *view, g pairGap) Finding {
	acct := g.have.Account
	who := qualifiedName(ix, acct)
	var today string
	switch {
	case len(g.holders) == 0:
		today = "nobody holds it, so the KDC answers KDC_ERR_S_PRINCIPAL_UNKNOWN and clients fall back to NTLM"
	case g.via != "":
		today = fmt.Sprintf("the KDC issues the ticket for %s (it holds %s, an sPNMappings alias), which the service running as %s cannot decrypt (KRB_AP_ERR_MODIFIED)",
			strings.Join(names(ix, g.holders), ", "), g.via, who)
	default:
		today = fmt.Sprintf("the ticket is for %s, not for %s (KRB_AP_ERR_MODIFIED if the service runs as %s)",
			strings.Join(names(ix, g.holders), ", "), who, who)
	}

	add := Option{Name: "add-other-form", Summary: fmt.Sprintf("Register %s on %s too.", g.want.Raw, who)}
	switch {
	case g.via == "" && len(g.holders) > 0:
		add.Actions = append(add.Actions,
			Action{Type: ActionAdvice, SPN: g.want.Raw, Say: action.Say(action.CmdLine("setspn", "-Q", action.D(g.want.Raw)))},
			Action{Type: ActionManual, Account: who, Domain: acct.Domain, SPN: g.want.Raw,
				Note: "already held by " + strings.Join(names(ix, g.holders), ", "),
				Say: action.Say(fmt.Sprintf("%s is held by %s: if the service on %s runs as %s, remove it there first (",
					g.want.Raw, strings.Join(names(ix, g.holders), ", "), g.want.Host, who), action.CmdLine("setspn", "-D", action.D(g.want.Raw), "<holder>"), ").")})
	case g.via != "":
		add.Actions = append(add.Actions, Action{Type: ActionAdvice, Note: fmt.Sprintf("Caution: %s then no longer goes to %s through %s; do this only if no service on %s runs as that account (see SPN-USER-HOST-ALIAS).",
			g.want.Raw, strings.Join(names(ix, g.holders), ", "), g.via, g.want.Host)})
	}
	if !(g.via == "" && len(g.holders) > 0) {
		add.Actions = append(add.Actions, Action{Type: ActionAddSPN, AccountDN: acct.DN, Account: who, Domain: acct.Domain, SPN: g.want.Raw})
	}
	oneName := Option{
		Name:    "one-name",
		Summary: fmt.Sprintf("Make everyone use %s (redirect %s to it) and leave the SPNs as they are.", g.have.Host, g.want.Host),
		Actions: []Action{{Type: ActionManual, Host: g.want.Host, Note: "redirect to " + g.have.Host,
			Say: action.Say(fmt.Sprintf("Redirect requests for http://%s/ to http://%s/ (IIS: HTTP Redirect on a site bound to %s).", g.want.Host, g.have.Host, g.want.Host))}},
	}

	ev := append([]Evidence{
		{Key: "registered", Value: g.have.Raw + " on " + who},
		{Key: "missing", Value: g.want.Raw},
		{Key: "account", Value: acct.DN},
		{Key: "clients asking for " + g.want.Raw, Value: today},
	}, g.dns...)
	return Finding{
		Title:    fmt.Sprintf("%s on %s lacks %s", g.have.Raw, acct.SAMAccountName, g.want.Raw),
		Domain:   acct.Domain,
		Subject:  g.want.Key(),
		Affected: []Object{accountObject(acct)},
		Evidence: ev,
		Explanation: fmt.Sprintf("%s resolves to the same host as %s, so clients reach the site by both names. Those who use %s "+
			"ask for %s: %s.", g.want.Host, g.have.Host, g.want.Host, g.want.Raw, today),
		Impact:      fmt.Sprintf("clients of %s ask for %s, which %s does not hold: %s", servicesText([]string{g.want.Raw}), g.want.Raw, who, today),
		Remediation: []Option{add, oneName},
	}
}
