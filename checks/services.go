package checks

// Helpers shared by the SERVICE-* checks, which judge the services a
// targeted collection (spntrust probe) declared (audit.Service), and the
// reading of any finding as a step of a service's readiness (ServiceStep),
// from which the probe's verdict is derived.

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/remediate/action"
	"github.com/spntrust/spntrust/spn"
)

// The steps of a service's readiness, in the order a client takes them.
// Every step is tested and passed, tested and failed, or not tested; the
// verdict is READY only when every step was tested and passed.
const (
	StepDNS         = "dns"          // the client resolves the host (SERVICE-DNS)
	StepHolder      = "holder"       // one account holds the SPN it requests (SERVICE-NO-SPN, SPN-DUPLICATE)
	StepIdentity    = "identity"     // that account is the one the service runs as (SERVICE-IDENTITY)
	StepTicket      = "ticket"       // the KDC issues the ticket (KRB-TICKET)
	StepClientRealm = "client realm" // clients of the declared realm reach it (SERVICE-CLIENT-REALM)
	StepClock       = "clock"        // the clocks agree (TIME-SKEW)
)

// ServiceSteps lists the steps of a service, in order; StepClientRealm only
// when the service declares a client realm.
func ServiceSteps(svc audit.Service) []string {
	steps := []string{StepDNS, StepHolder, StepIdentity, StepTicket}
	if svc.ClientRealm != "" {
		steps = append(steps, StepClientRealm)
	}
	return append(steps, StepClock)
}

// ServiceStep says which step of svc's readiness a finding decides, and
// whether it concerns svc at all. The SERVICE-* checks name the service
// among the affected objects. SPN-DUPLICATE and KRB-TICKET concern it when
// their subject is the SPN its clients request; a KRB-TICKET finding saying
// no ticket was asked for concerns every service; TIME-SKEW concerns every
// service (a skewed clock fails every ticket). Other checks judge the
// narrow snapshot as they judge a full one, but do not decide a service's
// readiness: SPN-USER-HOST-ALIAS, for one, is an outage of the host's
// services that run as the computer, which SERVICE-IDENTITY decides from
// the identity the service declared.
// StepChecks are the checks whose findings decide each step (those
// ServiceStep maps to it): a step whose check did not run (--checks,
// --skip) was not tested, whatever the snapshot holds.
var StepChecks = map[string][]string{
	StepDNS:         {"SERVICE-DNS"},
	StepHolder:      {"SERVICE-NO-SPN", "SPN-DUPLICATE"},
	StepIdentity:    {"SERVICE-IDENTITY"},
	StepTicket:      {"KRB-TICKET"},
	StepClientRealm: {"SERVICE-CLIENT-REALM"},
	StepClock:       {"TIME-SKEW"},
}

func ServiceStep(f Finding, svc audit.Service) (string, bool) {
	for _, o := range f.Affected {
		if o.Kind == serviceKind && o.Name == svc.URL {
			switch f.CheckID {
			case "SERVICE-DNS":
				return StepDNS, true
			case "SERVICE-NO-SPN":
				return StepHolder, true
			case "SERVICE-IDENTITY":
				return StepIdentity, true
			case "SERVICE-CLIENT-REALM":
				return StepClientRealm, true
			}
		}
	}
	want := strings.ToLower(svc.RequestedSPN)
	switch f.CheckID {
	case "SPN-DUPLICATE":
		if want != "" && subjectNames(f.Subject, want) {
			return StepHolder, true
		}
	case "KRB-TICKET":
		if want != "" && subjectNames(f.Subject, want) {
			return StepTicket, true
		}
		if f.Status == NotEvaluated {
			if f.Subject == noTicketProbesSubject {
				return StepTicket, true
			}
			for _, o := range f.Affected {
				if o.Kind == "spn" && strings.EqualFold(o.Name, want) {
					return StepTicket, true
				}
			}
		}
	case "TIME-SKEW":
		return StepClock, true
	}
	return "", false
}

// subjectNames reports whether a comma-separated subject names key.
func subjectNames(subject, key string) bool {
	for _, s := range strings.Split(strings.ToLower(subject), ",") {
		if strings.TrimSpace(s) == key {
			return true
		}
	}
	return false
}

const serviceKind = "service"

// serviceObject is the service as an affected object.
func serviceObject(svc audit.Service) Object {
	return Object{Kind: serviceKind, Name: svc.URL, Domain: svc.Domain}
}

// serviceEvidence is what every SERVICE-* finding shows of the service.
func serviceEvidence(svc audit.Service) []Evidence {
	ev := []Evidence{{Key: "service", Value: svc.URL}}
	if svc.Note != "" {
		ev = append(ev, Evidence{Key: "declared by", Value: svc.Note})
	}
	if svc.RequestedSPN != "" {
		ev = append(ev, Evidence{Key: "SPN clients request", Value: svc.RequestedSPN})
	}
	ev = append(ev, Evidence{Key: "runs as", Value: svc.Identity.Label()})
	if !svc.DefaultPort() && !svc.IncludePort {
		ev = append(ev, Evidence{Key: "port", Value: fmt.Sprintf("%d, left out of the SPN: Windows clients omit it unless configured to include it "+
			"(Edge/IE FEATURE_INCLUDE_PORT_IN_SPN_KB908209, Chrome EnableAuthNegotiatePort; probe with --include-port if yours do)", svc.Port)})
	}
	return ev
}

// serviceTicket is who gets the tickets clients of svc request: the
// accounts the KDC would pick (explicit holders, else through the forest's
// sPNMappings), the mapped SPN when it went through sPNMappings, and
// whether the forest's sPNMappings were read (when not, an SPN nobody holds
// explicitly has an unknown owner).
type serviceTicket struct {
	want     spn.SPN
	forest   audit.Forest
	mappings bool
	owners   []*audit.Account
	via      string
}

func ticketFor(ix *view, svc audit.Service) (serviceTicket, bool) {
	want, err := spn.Parse(svc.RequestedSPN)
	if svc.RequestedSPN == "" || err != nil {
		return serviceTicket{}, false
	}
	t := serviceTicket{want: want}
	t.forest, _ = ix.ForestOf(svc.Domain)
	t.mappings = t.forest.SPNMappings != nil
	t.owners, t.via = ix.TicketOwner(ix.ForestKey(svc.Domain), want)
	return t, true
}

// hostComputer is the computer of svc's forest holding HOST/<host>, whose
// tickets an HTTP request for host gets through sPNMappings; nil when
// there is none or HTTP is not an alias of HOST.
func hostComputer(ix *view, t serviceTicket) *audit.Account {
	if !t.forest.AliasesOf(t.want.Class(), "host") {
		return nil
	}
	host := spn.SPN{Raw: "HOST/" + t.want.Host, ServiceClass: "HOST", Host: t.want.Host}
	for _, a := range ix.HoldersIn(ix.ForestKey(t.forest.RootDomain), host.Key()) {
		if a.Kind == audit.KindComputer {
			return a
		}
	}
	return nil
}

// shadowingForms are the SPNs of holder that clients of the service's host
// get the holder's tickets for: HTTP (or a class the forest's sPNMappings
// make an alias of HOST) for the short and the fully qualified name,
// without a port. Every form must go, or the clients using the other name
// keep getting the holder's tickets.
func shadowingForms(forest audit.Forest, holder *audit.Account, hosts ...string) []string {
	names := map[string]bool{}
	for _, h := range hosts {
		h = spn.NormalizeHost(h)
		if h == "" {
			continue
		}
		names[h] = true
		names[strings.SplitN(h, ".", 2)[0]] = true
	}
	var out []string
	for _, raw := range holder.SPNs {
		v, err := spn.Parse(raw)
		if err != nil || v.Port != "" || v.ServiceName != "" || !names[v.HostKey()] {
			continue
		}
		if c := v.Class(); c == "http" || (c != "host" && forest.AliasesOf(c, "host")) {
			out = append(out, raw)
		}
	}
	return out
}

// removeForms are the remove-spn actions taking forms off holder.
func removeForms(ix *view, holder *audit.Account, forms []string) []Action {
	who := qualifiedName(ix, holder)
	var out []Action
	for _, f := range forms {
		out = append(out, Action{Type: ActionRemoveSPN, AccountDN: holder.DN, Account: who, Domain: holder.Domain, SPN: f})
	}
	return out
}

// declaredAccount is the account svc declares it runs as, when the
// collection read it (Snapshot.Accounts), else nil.
func declaredAccount(ix *view, svc audit.Service) *audit.Account {
	name := svc.Identity.AccountName()
	if name == "" {
		return nil
	}
	s := ix.Snapshot()
	for i := range s.Accounts {
		a := &s.Accounts[i]
		if strings.EqualFold(a.SAMAccountName, name) || strings.EqualFold(a.SAMAccountName, name+"$") {
			return a
		}
	}
	return nil
}

// declaredName is DOMAIN\name of the declared account, as setspn takes it.
func declaredName(ix *view, svc audit.Service) string {
	if a := declaredAccount(ix, svc); a != nil {
		return qualifiedName(ix, a)
	}
	acct := svc.Identity.Label()
	if strings.Contains(acct, `\`) {
		return acct
	}
	if nb := ix.NetBIOSOf(svc.Domain); nb != "" {
		return nb + `\` + acct
	}
	return acct
}

// addToDeclared is the add-spn action registering v on the declared account.
func addToDeclared(ix *view, svc audit.Service, v string) Action {
	a := Action{Type: ActionAddSPN, Account: declaredName(ix, svc), Domain: svc.Domain, SPN: v}
	if acct := declaredAccount(ix, svc); acct != nil {
		a.AccountDN, a.Domain = acct.DN, acct.Domain
	}
	return a
}

// includePortAdvice says what clients must do for a port-qualified SPN.
func includePortAdvice(svc audit.Service) Action {
	return Action{Type: ActionAdvice, Note: fmt.Sprintf("Clients must put the port in the SPN (Edge/IE FEATURE_INCLUDE_PORT_IN_SPN_KB908209, "+
		"Chrome EnableAuthNegotiatePort); then probe again with --include-port: spntrust probe %s --include-port", svc.URL)}
}

// appPoolAdvice is the IIS setting a site running as a service account needs.
func appPoolAdvice() Action {
	return Action{Type: ActionAdvice, Say: action.Say("In IIS set useAppPoolCredentials=true for a site running as a service account (",
		action.CmdLine(`%windir%\system32\inetsrv\appcmd`, "set", "config", `"<site>"`, "-section:system.webServer/security/authentication/windowsAuthentication", "/useAppPoolCredentials:true", "/commit:apphost"), ").")}
}

// hardenServiceUser are the steps that keep a user account from becoming
// Kerberoastable once it holds an SPN (SPN-KERBEROASTABLE): a long random
// password first (it creates the AES keys), then AES only. Nil when the
// account is not a user, or the snapshot does not hold it, or it already
// allows AES only.
func hardenServiceUser(ix *view, svc audit.Service) []Action {
	a := declaredAccount(ix, svc)
	if a == nil || a.Kind != audit.KindUser {
		return nil
	}
	if et := a.SupportedEncryptionTypes; et != nil && *et&audit.EncRC4 == 0 && *et&(audit.EncAES128|audit.EncAES256) != 0 {
		return nil
	}
	who, ident, server := qualifiedName(ix, a), action.D(a.SAMAccountName), action.D(a.Domain)
	return []Action{
		{Type: ActionResetPassword, AccountDN: a.DN, Account: who, Domain: a.Domain, Note: "reset the password to a long random value and update the service",
			Say: action.Say("A user holding an SPN can be Kerberoasted (SPN-KERBEROASTABLE): ", action.PS("Set-ADAccountPassword", "-Identity", ident, "-Server", server, "-Reset"),
				" (a random password of 25+ characters; creates the AES keys), then update the service's configured password")},
		{Type: ActionSetEncTypes, AccountDN: a.DN, Account: who, Domain: a.Domain, Value: "24", Note: "AES128-CTS-HMAC-SHA1-96 + AES256-CTS-HMAC-SHA1-96",
			Say: action.Say(action.PS("Set-ADUser", "-Identity", ident, "-Server", server, "-KerberosEncryptionType", "AES128,AES256"))},
	}
}

// disabledIdentity is, when the declared account exists but is disabled,
// the one option to offer instead of registering an SPN on it: a disabled
// account cannot log on, so the site does not run as it, and an SPN there is
// what SPN-ACCOUNT-DISABLED reports. nil when the account is not disabled.
func disabledIdentity(ix *view, svc audit.Service) []Option {
	a := declaredAccount(ix, svc)
	if a == nil || !isDisabled(a) {
		return nil
	}
	who := qualifiedName(ix, a)
	return []Option{{Name: "check-identity",
		Summary: fmt.Sprintf("%s is disabled, so %s cannot run as it: find the identity the site really runs as, then probe again with it.", who, svc.URL),
		Actions: []Action{{Type: ActionManual, AccountDN: a.DN, Account: who, Domain: a.Domain,
			Note: fmt.Sprintf("%s is disabled: find the site's real identity (IIS: its application pool's identity) and probe again with --service-account or --runs-as-computer; register no SPN on a disabled account", who)}}}}
}

// registerForms are the add-spn actions registering v on the declared
// account, with its short form beside a fully qualified one without a port
// (clients using either name request their own, SPN-SHORTNAME-PAIR).
func registerForms(ix *view, svc audit.Service, v string) []Action {
	out := []Action{addToDeclared(ix, svc, v)}
	if p, err := spn.Parse(v); err == nil && p.Port == "" && !p.IsShortName() {
		out = append(out, addToDeclared(ix, svc, withHost(p, strings.SplitN(p.Host, ".", 2)[0]).Raw))
	}
	return out
}
