package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/remediate/action"
)

var serviceNoSPN = Check{
	ID:       "SERVICE-NO-SPN",
	Title:    "Nobody holds the SPN clients of a probed service request",
	Area:     "SERVICE",
	Severity: High,
	Explanation: `What is checked
  For a service given to spntrust probe, the SPN a Windows client of its URL
  requests (HTTP/<host as DNS answered>, with the port only for clients that
  include it): which account of the service's forest holds it, explicitly or
  through the forest's sPNMappings (HTTP is an alias of HOST, so a computer
  holding HOST/<host> gets the tickets). Nobody holding it is reported.

Why it breaks Kerberos
  The KDC answers KDC_ERR_S_PRINCIPAL_UNKNOWN for an SPN no account holds, so
  the client gets no ticket and Negotiate falls back to NTLM (or fails where
  NTLM is blocked). A CNAME makes clients ask for the SPN of the canonical
  name, which is often not the one registered.

How to fix it
  Register the SPN on the account the service runs as (setspn -S, which refuses
  a duplicate), or, for a service running as the computer, make sure the
  computer holds HOST/<host> (a domain join registers it). For a name that is a
  CNAME, register the SPN of the canonical name, or make the alias an A record.

Sources
  [MS-KILE] 3.3.5.1.1; [MS-ADTS] 6.1.1.2.2 (sPNMappings); RFC 4120 7.5.9
  (KDC_ERR_S_PRINCIPAL_UNKNOWN); setspn documentation.`,
	Run: runServiceNoSPN,
}

func runServiceNoSPN(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	var out []Finding
	for _, svc := range s.Services {
		t, ok := ticketFor(ix, svc)
		if !ok || len(t.owners) > 0 {
			continue // no SPN derived (SERVICE-DNS), or somebody holds it
		}
		f := Finding{
			Domain:   svc.Domain,
			Subject:  strings.ToLower(svc.URL),
			Affected: []Object{serviceObject(svc)},
			Evidence: serviceEvidence(svc),
		}
		if g, partial := findGap(s, svc.GapScope(), "holders"); partial {
			// Not every account that could hold it was read (another domain
			// of the forest, a failed search): "nobody" is not proven, and
			// registering the SPN could duplicate it or shadow a computer.
			f.Severity, f.Status = Info, NotEvaluated
			f.Title = fmt.Sprintf("No holder of %s found, but not every domain was searched: whether anybody holds it is unknown", t.want.Raw)
			f.Explanation = fmt.Sprintf("No account read holds %s or HOST/%s, but %s. Probe from a DC of the other domains too, "+
				"or run spntrust audit of the forest.", t.want.Raw, t.want.Host, g.Error)
			out = append(out, f)
			continue
		}
		if !t.mappings {
			f.Severity, f.Status = Info, NotEvaluated
			f.Title = fmt.Sprintf("No account holds %s explicitly; sPNMappings not read, so whether a HOST SPN covers it is unknown", t.want.Raw)
			f.Explanation = fmt.Sprintf("No account holds %s, and the forest's sPNMappings could not be read, so whether the KDC maps it to "+
				"HOST/%s is unknown.", t.want.Raw, t.want.Host)
			out = append(out, f)
			continue
		}
		host := "HOST/" + t.want.Host
		f.Title = fmt.Sprintf("No account holds %s or %s: the KDC answers KDC_ERR_S_PRINCIPAL_UNKNOWN", t.want.Raw, host)
		f.Impact = fmt.Sprintf("clients of %s ask for %s and get no ticket (KDC_ERR_S_PRINCIPAL_UNKNOWN): they fall back to NTLM", svc.URL, t.want.Raw)
		f.Evidence = append(f.Evidence, Evidence{Key: "holders", Value: fmt.Sprintf("none of %s or %s in forest %s", t.want.Raw, host, t.forest.RootDomain)})
		why := fmt.Sprintf("No account of forest %s holds %s, and none holds %s, which sPNMappings would map it to. The KDC answers "+
			"KDC_ERR_S_PRINCIPAL_UNKNOWN: clients of %s get no ticket and fall back to NTLM.", t.forest.RootDomain, t.want.Raw, host, svc.URL)
		if h, ok := s.ServiceHost(svc); ok && len(h.CNAMEs) > 0 {
			why += fmt.Sprintf(" %s is an alias (CNAME) of %s: clients request the SPN of the canonical name.", svc.Host, h.Canonical)
		}
		f.Explanation = why
		f.Remediation = disabledIdentity(ix, svc)
		if f.Remediation == nil {
			f.Remediation = []Option{noSPNFix(ix, svc, t)}
		}
		out = append(out, f)
	}
	return out
}

// noSPNFix registers the SPN where the declared identity says.
func noSPNFix(ix *view, svc audit.Service, t serviceTicket) Option {
	switch id := svc.Identity; {
	case id != nil && id.Computer:
		computer := strings.ToUpper(strings.SplitN(t.want.Host, ".", 2)[0]) + "$"
		if nb := ix.NetBIOSOf(svc.Domain); nb != "" {
			computer = nb + `\` + computer
		}
		return Option{Name: "register-host-spn",
			Summary: fmt.Sprintf("The computer serving %s must hold HOST/%s (a domain join registers it).", svc.URL, t.want.Host),
			Actions: []Action{{Type: ActionAddSPN, Account: computer, Domain: svc.Domain, SPN: "HOST/" + t.want.Host}}}
	case id != nil:
		return Option{Name: "register-spn",
			Summary: fmt.Sprintf("Register %s on the account the service runs as, %s.", t.want.Raw, declaredName(ix, svc)),
			Actions: append(append(registerForms(ix, svc, t.want.Raw), hardenServiceUser(ix, svc)...), appPoolAdvice())}
	}
	return Option{Name: "register-spn",
		Summary: fmt.Sprintf("Register %s on the account the service runs as (probe with --service-account or --runs-as-computer for the exact command).", t.want.Raw),
		Actions: []Action{{Type: ActionManual, SPN: t.want.Raw, Note: "register the SPN on the account the service runs as",
			Say: action.Say("Register it on the account the service runs as: ", action.CmdLine("setspn", "-S", action.D(t.want.Raw), `<DOMAIN\account>`))}}}
}
