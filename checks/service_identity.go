package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/spn"
)

var serviceIdentity = Check{
	ID:       "SERVICE-IDENTITY",
	Title:    "Clients of a probed service get tickets for an account the service does not run as",
	Area:     "SERVICE",
	Severity: High,
	Explanation: `What is checked
  For a service given to spntrust probe with the identity it runs as
  (--service-account, --runs-as-computer; a ConfigMgr management point runs as
  its computer), the account the KDC issues its clients' tickets for — the
  holder of the SPN they request, explicitly or through sPNMappings — compared
  with that identity. A service whose identity was not declared is not
  evaluated: whether it can decrypt its tickets is unknown.

Why it breaks Kerberos
  The KDC encrypts the ticket with the key of the account holding the SPN. A
  service running as another account cannot decrypt it and rejects it
  (KRB_AP_ERR_MODIFIED, SEC_E_WRONG_PRINCIPAL): Kerberos fails for every client
  and browsers fall back to NTLM. The seed case: HTTP/<host> registered on a
  user shadows the computer's HOST/<host>, so a site running as the computer
  (a ConfigMgr management point, IIS as ApplicationPoolIdentity) gets tickets
  for the user.

How to fix it
  For a service running as the computer: remove every HTTP form of the host
  (short and fully qualified) from the other account; the computer's HOST SPN
  then covers the service (or move that account's own site to another port).
  For a service running as an account: register the SPN on it — but never
  HTTP/<host> on a user while the computer holds HOST/<host>, which shadows the
  computer's own sites: give the site port-including clients and a
  port-qualified SPN, its own host name, or run it as the computer on port 80.
  A site running as a service account needs useAppPoolCredentials=true in IIS.

Sources
  [MS-KILE] 3.3.5.1.1, 3.4.5.2 (ticket decryption); [MS-ADTS] 6.1.1.2.2
  (sPNMappings); IIS windowsAuthentication useAppPoolCredentials; setspn
  documentation.`,
	Run: runServiceIdentity,
}

func runServiceIdentity(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	opt = opt.withDefaults()
	var out []Finding
	for _, svc := range s.Services {
		t, ok := ticketFor(ix, svc)
		if !ok || len(t.owners) != 1 {
			continue // no SPN (SERVICE-DNS), nobody (SERVICE-NO-SPN), or several (SPN-DUPLICATE)
		}
		owner := t.owners[0]
		f := Finding{
			Domain:  svc.Domain,
			Subject: strings.ToLower(svc.URL),
			// The owner is evidence, not an affected object: the problem is
			// the service's, and stays one finding whoever holds the SPN.
			Affected: []Object{serviceObject(svc)},
			Evidence: append(serviceEvidence(svc), ownerEvidence(t, owner)...),
		}
		id := svc.Identity
		switch {
		case id == nil:
			f.Severity, f.Status = Info, NotEvaluated
			f.Title = fmt.Sprintf("Identity of %s not declared: whether it can decrypt tickets for %s is unknown", svc.URL, owner.SAMAccountName)
			f.Explanation = fmt.Sprintf("Tickets for %s are encrypted for %s, but the identity the service runs as was not given "+
				"(--service-account or --runs-as-computer), so whether it can decrypt them is unknown.", t.want.Raw, qualifiedName(ix, owner))
			out = append(out, f)
			continue
		case id.Computer && owner.Kind == audit.KindComputer && sameAccount(owner, hostComputer(ix, t)):
			continue // the computer serving the host (or the only computer there is)
		case !id.Computer && (strings.EqualFold(owner.SAMAccountName, id.AccountName()) || strings.EqualFold(owner.SAMAccountName, id.AccountName()+"$")):
			continue
		}
		if a := declaredAccount(ix, svc); a != nil {
			f.Affected = append(f.Affected, accountObject(a))
		}
		f.Title = fmt.Sprintf("%s runs as %s, but tickets for %s are encrypted for %s", svc.URL, declaredLabel(ix, svc), t.want.Raw, owner.SAMAccountName)
		f.Impact = fmt.Sprintf("clients of %s get tickets for %s; the service runs as %s and cannot decrypt them", svc.URL, qualifiedName(ix, owner), declaredLabel(ix, svc))
		f.Explanation = fmt.Sprintf("Clients of %s request %s; the KDC encrypts that ticket for %s (%s). The service runs as %s, so it "+
			"cannot decrypt it and rejects it (KRB_AP_ERR_MODIFIED, SEC_E_WRONG_PRINCIPAL): Kerberos fails for every client, which falls "+
			"back to NTLM.", svc.URL, t.want.Raw, qualifiedName(ix, owner), owner.Kind, declaredLabel(ix, svc))
		if id.Computer {
			f.Remediation = computerRunFix(ix, svc, t, owner, opt)
			// The site runs as the computer and the SPN sits on another
			// account that shadows the computer's HOST/<host>: the
			// shadowing, SPN-USER-HOST-ALIAS's finding, is the cause.
			if computer := hostComputer(ix, t); computer != nil && owner.Kind != audit.KindComputer {
				f.Cause = shadowedHostCause(owner.DN, computer.DN, false)
			}
		} else {
			f.Remediation = accountRunFix(ix, svc, t, owner)
		}
		out = append(out, f)
	}
	return out
}

func declaredLabel(ix *view, svc audit.Service) string {
	if svc.Identity != nil && svc.Identity.Computer {
		return "the computer"
	}
	return declaredName(ix, svc)
}

func ownerEvidence(t serviceTicket, owner *audit.Account) []Evidence {
	ev := []Evidence{{Key: "tickets encrypted for", Value: fmt.Sprintf("%s (%s, %s)", owner.SAMAccountName, owner.Kind, owner.DN)}}
	if t.via != "" {
		ev = append(ev, Evidence{Key: "through sPNMappings", Value: fmt.Sprintf("no account holds %s; %s is an alias of %s in forest %s, so the ticket is for the holder of %s",
			t.want.Raw, t.want.Class(), strings.SplitN(t.via, "/", 2)[0], t.forest.RootDomain, t.via)})
	} else {
		ev = append(ev, Evidence{Key: "held explicitly", Value: t.want.Raw + " by " + owner.SAMAccountName})
	}
	return ev
}

// computerRunFix takes every shadowing form off the account holding the
// SPN (the computer's HOST SPN then covers the service), or moves that
// account's own site to another port with port-qualified SPNs, as
// SPN-USER-HOST-ALIAS advises.
func computerRunFix(ix *view, svc audit.Service, t serviceTicket, owner *audit.Account, opt Options) []Option {
	host := t.want.Host
	canonical := host
	if h, ok := ix.Snapshot().ServiceHost(svc); ok && h.Canonical != "" {
		canonical = h.Canonical
	}
	forms := shadowingForms(t.forest, owner, host, canonical)
	if len(forms) == 0 {
		forms = []string{t.want.Raw}
	}
	who := qualifiedName(ix, owner)
	remove := Option{Name: "remove", Summary: fmt.Sprintf("Remove %s from %s; the computer's HOST SPN then covers %s.", strings.Join(forms, " and "), who, svc.URL),
		Actions: removeForms(ix, owner, forms)}
	if hostComputer(ix, t) == nil {
		remove.Actions = append(remove.Actions, Action{Type: ActionAdvice, Note: fmt.Sprintf("Make sure the computer serving %s holds HOST/%s (a domain join registers it); no computer of the snapshot holds it.", svc.URL, host)})
	}
	move := Option{Name: "move-port", Summary: fmt.Sprintf("Keep %s's own site on %s but move it to port %d with port-qualified SPNs.", who, host, opt.MovePort),
		Actions: []Action{{Type: ActionMoveSitePort, AccountDN: owner.DN, Account: who, Domain: owner.Domain, Host: host, Port: opt.MovePort}}}
	move.Actions = append(move.Actions, removeForms(ix, owner, forms)...)
	for _, v := range forms {
		p, err := spn.Parse(v)
		if err != nil {
			continue
		}
		move.Actions = append(move.Actions, Action{Type: ActionAddSPN, AccountDN: owner.DN, Account: who, Domain: owner.Domain, SPN: p.WithPort(opt.MovePort).Raw})
	}
	move.Actions = append(move.Actions, Action{Type: ActionAdvice, Note: fmt.Sprintf("Clients of the moved site must include the port in the SPN (see spntrust checks explain SPN-USER-HOST-ALIAS), or give it its own host name (A record) with HTTP/<that name> on %s.", who)})
	return []Option{remove, move}
}

// accountRunFix is the advice for a service running as an account that
// does not get its clients' tickets. Only an SPN the owner holds
// explicitly can be taken off it (a computer reached through the HOST
// alias holds no HTTP SPN). Where the host's computer holds HOST/<host>,
// HTTP/<host> on a user would shadow it — the seed problem — so it is
// never advised there: port-including clients (a port-qualified SPN), the
// site's own host name, or the site on port 80 as the computer.
func accountRunFix(ix *view, svc audit.Service, t serviceTicket, owner *audit.Account) []Option {
	var take []Action
	if t.via == "" {
		canonical := t.want.Host
		if h, ok := ix.Snapshot().ServiceHost(svc); ok && h.Canonical != "" {
			canonical = h.Canonical
		}
		forms := shadowingForms(t.forest, owner, t.want.Host, canonical)
		if len(forms) == 0 {
			forms = []string{t.want.Raw}
		}
		take = removeForms(ix, owner, forms)
	}
	if opts := disabledIdentity(ix, svc); opts != nil {
		return opts
	}
	svcName := declaredName(ix, svc)
	computer := hostComputer(ix, t)
	if computer == nil || strings.HasSuffix(svc.Identity.AccountName(), "$") {
		return []Option{{Name: "register-spn", Summary: fmt.Sprintf("Register %s on %s, the account the service runs as.", t.want.Raw, svcName),
			Actions: append(append(append(take, registerForms(ix, svc, t.want.Raw)...), hardenServiceUser(ix, svc)...), appPoolAdvice())}}
	}
	hostName := qualifiedName(ix, computer)
	never := Action{Type: ActionAdvice, Note: fmt.Sprintf("Do not register HTTP/%s on %s: %s holds HOST/%s, and an HTTP SPN on a user shadows it for every site on the host that runs as the computer (SPN-USER-HOST-ALIAS).",
		t.want.Host, svcName, hostName, t.want.Host)}
	var opts []Option
	if !svc.DefaultPort() {
		port := fmt.Sprintf("HTTP/%s:%d", t.want.Host, svc.Port)
		opts = append(opts, Option{Name: "port-in-spn",
			Summary: fmt.Sprintf("Have the clients put port %d in the SPN and register %s on %s.", svc.Port, port, svcName),
			Actions: append(append(append(append([]Action{never}, take...), addToDeclared(ix, svc, port)), hardenServiceUser(ix, svc)...), includePortAdvice(svc), appPoolAdvice())})
	} else {
		opts = append(opts, Option{Name: "own-host-name",
			Summary: fmt.Sprintf("Give the site its own host name (an A record, not a CNAME) and register HTTP/<that name> on %s.", svcName),
			Actions: append(append([]Action{never}, take...), Action{Type: ActionManual, Note: fmt.Sprintf("give the site its own host name (an A record, not a CNAME) and register HTTP/<that name> on %s", svcName)})})
	}
	opts = append(opts, Option{Name: "run-as-computer",
		Summary: fmt.Sprintf("Run the site on port 80 as the computer (application pool identity ApplicationPoolIdentity or NetworkService): %s's HOST/%s then covers it.", hostName, t.want.Host),
		Actions: append(append([]Action{never}, take...), Action{Type: ActionManual, Host: t.want.Host,
			Note: fmt.Sprintf("run the site on port 80 as the computer (ApplicationPoolIdentity or NetworkService); %s's HOST/%s then covers it", hostName, t.want.Host)})})
	return opts
}

// sameAccount reports whether a is b, or b is unknown (no computer of the
// snapshot holds the host's HOST SPN, so a computer holding the service's
// SPN is the only one it can be).
func sameAccount(a, b *audit.Account) bool {
	return b == nil || strings.EqualFold(a.DN, b.DN)
}
