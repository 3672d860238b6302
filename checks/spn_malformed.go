package checks

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/spn"

	"github.com/spntrust/spntrust/remediate/action"
)

var malformedSPN = Check{
	ID:       "SPN-MALFORMED",
	Title:    "Malformed SPN value",
	Area:     "SPN",
	Severity: Medium,
	Explanation: `What is checked
  Every servicePrincipalName value of every collected account against the form
  serviceclass/host[:port][/servicename]: a URL written as an SPN
  (HTTP/http://web01, http://web01), whitespace, a port that is not a number
  (MSSQLSvc/host:instance is allowed: SQL Server's named instances), more than
  three components, empty parts, and host names that are not DNS or NetBIOS
  names.

Why it breaks Kerberos
  Clients build the SPN they request from the service class and the host name
  (class/host, or class/host:port): a malformed value never equals any SPN a
  client asks for, so it serves nobody. The service it was meant for has no
  usable SPN: clients get KDC_ERR_S_PRINCIPAL_UNKNOWN and fall back to NTLM, or,
  through sPNMappings, a ticket for the computer holding HOST/<host>, which a
  service running as another account cannot decrypt. Such values usually come
  from typing a URL into setspn or a script that builds SPNs wrongly.

How to fix it
  Remove the value (setspn -D "<value>" DOMAIN\account; if setspn refuses to
  parse it, Set-ADObject -Identity '<DN>' -Remove
  @{servicePrincipalName='<value>'}) and register the intended SPN with
  setspn -S serviceclass/host[:port] DOMAIN\account.

Sources
  [MS-ADTS] 5.1.1.4 (SPN syntax); RFC 4120 6.2 (principal names); setspn
  documentation.`,
	Run: runMalformed,
}

func runMalformed(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	out := accountsGapFinding(s, "SPN syntax")
	bad := map[*audit.Account][]parsedSPN{}
	var order []*audit.Account
	viewFor(s, opt).EachSPN(func(p parsedSPN) {
		if p.Err == nil {
			return
		}
		if _, seen := bad[p.Account]; !seen {
			order = append(order, p.Account)
		}
		bad[p.Account] = append(bad[p.Account], p)
	})
	for _, a := range order {
		out = append(out, malformedFinding(ix, a, bad[a]))
	}
	return out
}

func malformedFinding(ix *view, a *audit.Account, ps []parsedSPN) Finding {
	who := qualifiedName(ix, a)
	var values, reasons []string
	ev := []Evidence{{Key: "account", Value: fmt.Sprintf("%s (%s, %s)", who, a.Kind, a.DN)}}
	fix := Option{Name: "replace", Summary: fmt.Sprintf("Remove the malformed value(s) from %s and register the intended SPN(s).", who)}
	for _, p := range ps {
		reason := p.Err.Error()
		var se *spn.SyntaxError
		if errors.As(p.Err, &se) {
			reason = se.Reason
		}
		values = append(values, p.Raw)
		reasons = append(reasons, fmt.Sprintf("%q: %s", p.Raw, reason))
		ev = append(ev, Evidence{Key: "malformed", Value: fmt.Sprintf("%q: %s", p.Raw, reason)})

		fix.Actions = append(fix.Actions, Action{Type: ActionRemoveSPN, AccountDN: a.DN, Account: who, Domain: a.Domain, SPN: p.Raw},
			Action{Type: ActionAdvice, AccountDN: a.DN, Domain: a.Domain, SPN: p.Raw, Say: action.Say("If setspn refuses the value: ",
				action.PS("Set-ADObject", "-Identity", action.D(a.DN), "-Server", action.D(a.Domain), "-Remove", "@{servicePrincipalName="+action.PowerShellQuote(p.Raw)+"}"))})
		if intended := intendedSPN(p); intended != "" && !holds(a, intended) {
			fix.Actions = append(fix.Actions, Action{Type: ActionAddSPN, AccountDN: a.DN, Account: who, Domain: a.Domain, SPN: intended,
				Note: "guessed from " + p.Raw + "; confirm it is the intended SPN"})
			// Clients reach an HTTP host by its short name and its FQDN
			// alike: register the other form too where DNS resolves it,
			// or SPN-SHORTNAME-PAIR reports the half that is missing.
			if v, err := spn.Parse(intended); err == nil && v.Class() == "http" && !isIPAddress(v.Host) {
				if other, _, ok := otherForm(ix, parsedSPN{SPN: v, Account: a}); ok {
					if o := withHost(v, other).Raw; !holds(a, o) {
						fix.Actions = append(fix.Actions, Action{Type: ActionAddSPN, AccountDN: a.DN, Account: who, Domain: a.Domain, SPN: o,
							Note: "the other form of " + intended + ", which resolves to the same host"})
					}
				}
			}
		} else if intended == "" {
			fix.Actions = append(fix.Actions, Action{Type: ActionManual, AccountDN: a.DN, Account: who, Domain: a.Domain,
				Note: fmt.Sprintf("register the SPN %q was meant to be", p.Raw),
				Say:  action.Say(fmt.Sprintf("Register the SPN %q was meant to be: ", p.Raw), action.CmdLine("setspn", "-S", "<serviceclass>/<host>[:<port>]", action.D(who)))})
		}
	}
	return Finding{
		Title:    fmt.Sprintf("%d malformed SPN value(s) on %s: %s", len(ps), a.SAMAccountName, strings.Join(values, ", ")),
		Domain:   a.Domain,
		Subject:  strings.ToLower(strings.Join(values, ",")),
		Affected: []Object{accountObject(a)},
		Evidence: ev,
		Explanation: fmt.Sprintf("%s holds SPN values no client will ever request: %s. The service they were meant for has no "+
			"usable SPN, so clients fall back to NTLM or get a ticket for another account.", who, strings.Join(reasons, "; ")),
		Remediation: []Option{fix},
	}
}

// intendedSPN guesses the SPN a URL-shaped value meant: http://web01:8080/x
// → HTTP/web01:8080. Other malformed values are not guessed.
func intendedSPN(p parsedSPN) string {
	raw := p.Raw
	if i := strings.Index(raw, "://"); i >= 0 {
		// HTTP/http://host or http://host: take the URL part.
		start := strings.LastIndex(raw[:i], "/") + 1
		u, err := url.Parse(raw[start:])
		if err != nil || u.Hostname() == "" || strings.ContainsAny(u.Hostname(), " \t") {
			return ""
		}
		class := strings.ToUpper(u.Scheme)
		if class == "HTTPS" {
			class = "HTTP"
		}
		if start > 0 {
			class = raw[:strings.Index(raw, "/")]
		}
		out := class + "/" + u.Hostname()
		if port := u.Port(); port != "" && !(port == "80" && u.Scheme == "http") && !(port == "443" && u.Scheme == "https") {
			out += ":" + port
		}
		if _, err := spn.Parse(out); err != nil {
			return ""
		}
		return out
	}
	return ""
}

// holds reports whether the account already holds the SPN (any case).
func holds(a *audit.Account, value string) bool {
	want, err := spn.Parse(value)
	if err != nil {
		return false
	}
	for _, raw := range a.SPNs {
		if v, err := spn.Parse(raw); err == nil && v.Key() == want.Key() {
			return true
		}
	}
	return false
}
