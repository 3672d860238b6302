package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/remediate/action"
	"github.com/spntrust/spntrust/spn"
	"github.com/spntrust/spntrust/statuscode"
)

var krbTicket = Check{
	ID:       "KRB-TICKET",
	Title:    "The KDC refused a service ticket for an audited SPN",
	Area:     "KRB",
	Severity: High,
	Explanation: `What is checked
  The live Kerberos probes of the audit (run with --probe-tickets): for each
  audited SPN the collector asked the KDC for a service ticket. Every probe the KDC
  refused is reported with the Kerberos error it returned. A probe that could not
  reach a KDC at all is reported as not evaluated, as is an audit without probes.
  A refusal across an external trust without a referral is left to
  KRB-CROSS-REALM-PATH.

Why it breaks Kerberos
  A client asking for the same SPN gets the same answer: with
  KDC_ERR_S_PRINCIPAL_UNKNOWN (7) no account holds the SPN, with
  KDC_ERR_PRINCIPAL_NOT_UNIQUE (8) two do, with KDC_ERR_ETYPE_NOSUPP (14) the
  account has no key of a type the client accepts, with KRB_AP_ERR_SKEW (37) the
  clocks differ too much, with KDC_ERR_POLICY (12) a policy (selective
  authentication, Protected Users, logon restrictions) refused it. No ticket
  means Negotiate falls back to NTLM, or fails where NTLM is blocked.

How to fix it
  Follow the steps for the error: register the SPN on the account that runs the
  service (setspn -S), remove duplicates (setspn -X -F, setspn -D), give the
  account AES keys (msDS-SupportedEncryptionTypes and a password reset), fix time
  (TIME-SKEW). The KDC's Security log records each refusal as event 4769 with the
  failure code.
  A refusal another check explains is linked to that finding (one root cause),
  which tells the fix: KDC_ERR_PRINCIPAL_NOT_UNIQUE to the SPN's SPN-DUPLICATE,
  KDC_ERR_ETYPE_NOSUPP to the holder's KRB-AES-KEYS, KRB-ETYPES-NO-AES or
  KRB-DES-ONLY.

Sources
  RFC 4120 7.5.9 (error codes); [MS-KILE] 3.3.5.7 (TGS exchange); setspn
  documentation; event 4769 (Kerberos service ticket operations).`,
	Run: runKRBTicket,
}

func runKRBTicket(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	if len(s.TicketProbes) == 0 {
		return []Finding{noTicketProbesFinding(s)}
	}
	var out []Finding
	var unreached []Evidence
	var unreachedObjs []Object
	for _, p := range s.TicketProbes {
		if p.Issued {
			continue
		}
		if _, _, ok := externalWithoutReferral(ix, p); ok {
			continue // reported by KRB-CROSS-REALM-PATH
		}
		if p.ErrorCode == 0 {
			unreached = append(unreached, Evidence{Key: p.SPN, Value: "no answer from a KDC: " + orUnknown(p.Error)})
			unreachedObjs = append(unreachedObjs, Object{Kind: "spn", Name: p.SPN, Domain: probeDomain(ix, p)})
			continue
		}
		out = append(out, krbTicketFinding(ix, p))
	}
	if len(unreached) > 0 {
		out = append(out, Finding{
			Severity: Info,
			Status:   NotEvaluated,
			Title:    fmt.Sprintf("%d ticket probe(s) got no answer from a KDC", len(unreached)),
			Subject:  "ticket probes without answer",
			Affected: unreachedObjs,
			Evidence: unreached,
			Explanation: "These probes failed before any KDC answered (network, DNS or credentials), so whether the SPNs get " +
				"tickets is unknown. Check that the KDCs are reachable on port 88 from the audit machine and re-run.",
		})
	}
	return out
}

// probeDomain is the collected domain the probed SPN's host belongs to, else
// the client realm's domain.
func probeDomain(ix *view, p audit.TicketProbe) string {
	s := ix.Snapshot()
	if v, err := spn.Parse(p.SPN); err == nil {
		if d := domainOfName(s, v.Host); d != "" {
			return d
		}
	}
	if d, ok := ix.DomainByName(p.ClientRealm); ok {
		return d.DNSName
	}
	return ""
}

func krbTicketFinding(ix *view, p audit.TicketProbe) Finding {
	label := krbErrorLabel(p)
	ev := []Evidence{
		{Key: "SPN", Value: p.SPN},
		{Key: "client realm", Value: p.ClientRealm},
		{Key: "error", Value: label},
	}
	if len(p.Path) > 0 {
		ev = append(ev, Evidence{Key: "referral path", Value: strings.Join(p.Path, " -> ")})
	}
	if p.Error != "" {
		ev = append(ev, Evidence{Key: "error text", Value: p.Error})
	}
	steps, why := krbErrorAdvice(p)
	return Finding{
		Cause:       ticketRefusalCause(ix, p),
		Severity:    High,
		Title:       fmt.Sprintf("No service ticket for %s: %s", p.SPN, label),
		Impact:      fmt.Sprintf("clients of %s (realm %s) get no ticket: the KDC answers %s", servicesText([]string{p.SPN}), strings.ToUpper(p.ClientRealm), label),
		Domain:      probeDomain(ix, p),
		Subject:     strings.ToLower(p.SPN),
		Affected:    []Object{{Kind: "spn", Name: p.SPN, Domain: probeDomain(ix, p)}},
		Evidence:    ev,
		Explanation: fmt.Sprintf("The KDC refused a service ticket for %s to a client of %s with %s. %s", p.SPN, p.ClientRealm, label, why),
		Remediation: []Option{{
			Name:    "fix-" + strings.ToLower(strings.ReplaceAll(orDefault(p.ErrorName, "kerberos-error"), "_", "-")),
			Summary: "Fix what the KDC refused, then ask for the ticket again.",
			Actions: append(steps,
				Action{Type: ActionAdvice, SPN: p.SPN, Say: action.Say("Verify from a client: ", action.CmdLine("klist", "get", action.D(p.SPN)), "   (Linux: ", action.ShLine("kvno", action.D(p.SPN)), ")")},
				Action{Type: ActionAdvice, Note: "Details: event 4769 in the Security log of the KDC that answered, with this failure code."}),
		}},
	}
}

// krbErrorAdvice gives the steps and the meaning for the common refusals,
// by the class the one table of codes (statuscode) gives the KRB-ERROR code.
func krbErrorAdvice(p audit.TicketProbe) (steps []Action, why string) {
	spnArg := action.D(p.SPN)
	switch statuscode.ClassifyKerberos(int32(p.ErrorCode)).Problem {
	case statuscode.KerberosUnknownService:
		return []Action{
			{Type: ActionAdvice, SPN: p.SPN, Say: action.Say("Find whether any account holds it: ", action.CmdLine("setspn", "-Q", spnArg))},
			{Type: ActionManual, SPN: p.SPN, Note: "register the SPN on the account that runs the service",
				Say: action.Say("Register it on the account that runs the service: ", action.CmdLine("setspn", "-S", spnArg, `<DOMAIN\account>`))},
			{Type: ActionAdvice, Note: "If the client reached the service through a DNS alias (CNAME), register the SPN for the name the client uses, or make the alias an A record."},
		}, "No account in the realm holds this SPN, so clients get no ticket and fall back to NTLM."
	case statuscode.KerberosDuplicateService:
		return []Action{
			{Type: ActionAdvice, SPN: p.SPN, Say: action.Say("List the holders: ", action.CmdLine("setspn", "-Q", spnArg), "   (all duplicates: ", action.CmdLine("setspn", "-X", "-F"), ")")},
			{Type: ActionManual, SPN: p.SPN, Note: "remove the SPN from the accounts that do not run the service",
				Say: action.Say("Keep it on the account that runs the service and remove it from the others: ", action.CmdLine("setspn", "-D", spnArg, `<DOMAIN\other account>`))},
		}, "More than one account holds this SPN, so the KDC cannot tell whose key to use."
	case statuscode.KerberosEncType:
		return []Action{
			{Type: ActionAdvice, SPN: p.SPN, Say: action.Say("Check the service account's msDS-SupportedEncryptionTypes: ",
				action.PS("Get-ADObject", "-Filter", action.D("servicePrincipalName -eq "+action.PowerShellQuote(p.SPN)), "-Properties", "msDS-SupportedEncryptionTypes"))},
			{Type: ActionManual, SPN: p.SPN, Note: "allow AES on the service account and reset its password",
				Say: action.Say("Allow AES (", action.PS("Set-ADUser", "<account>", "-KerberosEncryptionType", "AES128,AES256"), "; for computers Set-ADComputer) and reset the account's password so AES keys exist.")},
		}, "The service account has no key of an encryption type the client offered (often: no AES key, RC4 disabled)."
	case statuscode.KerberosPolicy:
		return []Action{
			{Type: ActionManual, Note: "If the client comes across a selective-authentication trust, grant it \"Allowed to Authenticate\" on the service's account (see TRUST-SELECTIVE-AUTH)."},
			{Type: ActionAdvice, Note: "Check the client account's restrictions: Protected Users membership, logon workstations, authentication policies and silos."},
		}, "A KDC policy refused the ticket."
	case statuscode.KerberosClockSkew:
		return []Action{{Type: ActionManual, Note: "synchronise the clocks",
				Say: action.Say("Synchronise the clocks (see TIME-SKEW): ", action.CmdLine("w32tm", "/resync", "/rediscover"), " on the client and the DCs.")}},
			"The clocks of the client and the KDC differ by more than the allowed skew."
	case statuscode.KerberosWrongRealm:
		return []Action{{Type: ActionAdvice, Say: action.Say("Ask the realm that holds the service: an AD realm is the domain's DNS name in upper case; check the client's realm mapping (krb5.conf [domain_realm], ",
				action.CmdLine("ksetup", "/addhosttorealmmap"), ").")}},
			"The KDC says the principal belongs to another realm."
	}
	return []Action{{Type: ActionAdvice, Note: "Look the error code up in RFC 4120 7.5.9 and in event 4769 on the KDC that answered."}}, "The KDC refused the request."
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// noTicketProbesFinding says why the snapshot holds no ticket probes: not
// asked for (--probe-tickets), asked for but the Kerberos client could not
// start (the gap says why), or not recorded (an older snapshot).
func noTicketProbesFinding(s *audit.Snapshot) Finding {
	f := Finding{
		Severity: Info,
		Status:   NotEvaluated,
		Title:    "No Kerberos ticket probes: service tickets not requested",
		Subject:  noTicketProbesSubject,
		Affected: []Object{{Kind: "kdc", Name: "all KDCs"}},
	}
	switch s.Collection.TicketProbeState {
	case audit.TicketProbesSkipped:
		f.Title = "Ticket probes not run (--probe-tickets not given): service tickets not requested"
		f.Evidence = []Evidence{{Key: "ticket probes", Value: "not run: the audit was made without --probe-tickets"}}
		f.Explanation = "The audit was run without --probe-tickets, so no KDC was asked for service tickets and whether the audited " +
			"SPNs get tickets is unknown. Re-run the audit with --probe-tickets (it needs --auth kerberos: the tickets are requested with the audit's credentials)."
		return f
	case audit.TicketProbesFailed:
		why := "see the collection gaps"
		for _, g := range s.Collection.Gaps {
			if g.What == "ticket probes" {
				why = g.Error
			}
		}
		f.Title = "Ticket probes could not start: service tickets not requested"
		f.Evidence = []Evidence{{Key: "ticket probes", Value: "--probe-tickets was given, but the Kerberos client could not start: " + why}}
		f.Explanation = "The audit was asked to probe tickets, but its Kerberos client could not start (" + why + "), so whether the " +
			"audited SPNs get tickets is unknown. Fix that (credentials, KDC reachability, DNS) and re-run the audit with --probe-tickets."
		return f
	}
	f.Evidence = []Evidence{{Key: "ticket probes", Value: "none in the snapshot (it does not record whether --probe-tickets was given)"}}
	f.Explanation = "The snapshot holds no ticket probes, so whether the audited SPNs get tickets is unknown. The audit requests " +
		"service tickets only with --probe-tickets (and --auth kerberos): re-run it so."
	return f
}
