package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/remediate/action"
)

var dnsSRVTarget = Check{
	ID:       "DNS-SRV-TARGET",
	Title:    "SRV record points to a host name that does not resolve",
	Area:     "DNS",
	Severity: High,
	Explanation: `What is checked
  Every target of every SRV answer in the snapshot (the DC and KDC records of
  DNS-SRV-MISSING and any other collected): its A/AAAA lookup must succeed with
  at least one address. A target with no lookup in the snapshot, or whose lookup
  failed (timeout, SERVFAIL), is reported as not evaluated.

Why it breaks Kerberos
  A client that found a KDC or DC through SRV next resolves the target's name. A
  stale record (a demoted or renamed DC, a typo) sends it to a name that does not
  resolve: it tries the next record after a timeout, and when none resolves it
  cannot reach a KDC, so no ticket is issued and Negotiate falls back to NTLM.

How to fix it
  Remove SRV records of DCs that no longer exist (metadata cleanup of a demoted
  DC removes them: ntdsutil "metadata cleanup", or Remove-ADDomainController
  -ForceRemoval on the dead DC), and make sure every live DC has an A record
  (ipconfig /registerdns on it; Samba AD: samba_dnsupdate --verbose --all-names).
  A single record can be removed with Remove-DnsServerResourceRecord.

Sources
  RFC 2782 (SRV target must have an address record); [MS-ADTS] 6.3.2.3 (SRV
  records registered by DCs); Remove-DnsServerResourceRecord documentation.`,
	Run: runDNSSRVTarget,
}

// srvTargetUse is one SRV target and the SRV names pointing at it.
type srvTargetUse struct {
	target string
	srv    []string
	ports  []string
}

func runDNSSRVTarget(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	by := map[string]*srvTargetUse{}
	var order []string
	for _, r := range s.DNS.SRV {
		if r.Status != audit.DNSOK {
			continue
		}
		for _, t := range usableTargets(r) {
			k := normDNS(t.Target)
			u := by[k]
			if u == nil {
				u = &srvTargetUse{target: k}
				by[k] = u
				order = append(order, k)
			}
			u.srv = append(u.srv, normDNS(r.Name))
			u.ports = append(u.ports, fmt.Sprintf("%s:%d", normDNS(r.Name), t.Port))
		}
	}
	sort.Strings(order)
	var out []Finding
	var unknown []Evidence
	var unknownObjs []Object
	for _, k := range order {
		u := by[k]
		h, ok := ix.Host(k)
		switch {
		case !ok:
			unknown = append(unknown, Evidence{Key: k, Value: "no lookup in the snapshot; named by " + strings.Join(u.srv, ", ")})
			unknownObjs = append(unknownObjs, Object{Kind: "dns-name", Name: k, Domain: domainOfName(s, k)})
		case h.Status == audit.DNSError:
			unknown = append(unknown, Evidence{Key: k, Value: "lookup failed: " + orUnknown(h.Error) + "; named by " + strings.Join(u.srv, ", ")})
			unknownObjs = append(unknownObjs, Object{Kind: "dns-name", Name: k, Domain: domainOfName(s, k)})
		case h.Status == audit.DNSOK && len(h.A)+len(h.AAAA) > 0:
			// resolves
		default:
			out = append(out, srvTargetFinding(s, u, h))
		}
	}
	if len(unknown) > 0 {
		out = append(out, Finding{
			Severity: Info,
			Status:   NotEvaluated,
			Title:    fmt.Sprintf("%d SRV target(s) not looked up: not known whether they resolve", len(unknown)),
			Subject:  "srv targets without dns answer",
			Affected: unknownObjs,
			Evidence: append(unknown, Evidence{Key: "DNS server", Value: dnsServer(s)}),
			Explanation: "The snapshot holds no usable address lookup for these SRV targets, so whether clients can reach the DCs and " +
				"KDCs they name is unknown. Re-run the audit with a DNS server that answers for them (--dns-server).",
		})
	}
	return out
}

func srvTargetFinding(s *audit.Snapshot, u *srvTargetUse, h audit.HostLookup) Finding {
	answer := h.Status
	if h.Status == audit.DNSOK {
		answer = "no address"
	}
	dom := domainOfName(s, u.target)
	if dom == "" && len(u.srv) > 0 {
		dom = domainOfName(s, u.srv[0])
	}
	var steps []Action
	for _, name := range dedupeStrings(u.srv) {
		zone, rel := srvZone(name, dom)
		steps = append(steps, Action{Type: ActionManual, Domain: dom, Host: u.target, Value: name, Note: "remove the stale SRV records naming " + u.target,
			Say: action.Say(fmt.Sprintf("If %s is gone: ", u.target),
				action.PS("Get-DnsServerResourceRecord", "-ZoneName", action.Value(zone), "-Name", action.D(rel), "-RRType", "Srv",
					"|", "Where-Object", "{", "$_.RecordData.DomainName", "-eq", action.D(u.target+"."), "}",
					"|", "Remove-DnsServerResourceRecord", "-ZoneName", action.Value(zone), "-Force"))})
	}
	steps = append(steps,
		Action{Type: ActionManual, Host: u.target, Note: "clean up the metadata of a demoted DC",
			Say: action.Say(fmt.Sprintf("If %s is a demoted DC, clean up its metadata instead (", u.target),
				action.PS("Remove-ADDomainController", "-Identity", "<DC>", "-ForceRemoval"), ", or ", action.CmdLine("ntdsutil", `"metadata cleanup"`), "): that removes its records.")},
		Action{Type: ActionManual, Host: u.target, Note: "register the live DC's A record",
			Say: action.Say(fmt.Sprintf("If %s is a live DC: ", u.target), action.CmdLine("ipconfig", "/registerdns"), " on it (Samba AD: ",
				action.ShLine("samba_dnsupdate", "--verbose", "--all-names"), "), then ", action.PS("Resolve-DnsName", action.D(u.target), "-Server", action.Value(resolverOrDC(s))))},
	)
	return Finding{
		Severity: High,
		Title:    fmt.Sprintf("SRV target %s does not resolve (%s)", u.target, answer),
		Impact:   fmt.Sprintf("clients of %s that pick %s from %s cannot reach it: its name does not resolve (%s)", dom, u.target, strings.Join(u.ports, ", "), answer),
		Domain:   dom,
		Subject:  u.target,
		Affected: []Object{{Kind: "dns-name", Name: u.target, Domain: dom}},
		Evidence: []Evidence{
			{Key: "target", Value: u.target},
			{Key: "address lookup", Value: answer},
			{Key: "named by", Value: strings.Join(u.ports, ", ")},
			{Key: "DNS server", Value: dnsServer(s)},
		},
		Explanation: fmt.Sprintf("The SRV records %s point clients to %s as a DC or KDC, but %s has no address (%s). Clients that pick this "+
			"record time out and try the next; when no record resolves they cannot reach a KDC and fall back to NTLM.",
			strings.Join(dedupeStrings(u.srv), ", "), u.target, u.target, answer),
		Remediation: []Option{{
			Name:    "fix-srv-target",
			Summary: fmt.Sprintf("Remove the stale SRV records naming %s, or give %s its A record.", u.target, u.target),
			Actions: steps,
		}},
	}
}

// srvZone guesses the zone holding an SRV name and the name relative to it:
// _msdcs records usually live in their own zone _msdcs.<forest root>.
func srvZone(name, domain string) (zone, rel string) {
	if i := strings.Index(name, "._msdcs."); i >= 0 {
		return name[i+1:], name[:i]
	}
	zone = normDNS(domain)
	if zone == "" {
		return "<zone>", name
	}
	return zone, strings.TrimSuffix(strings.TrimSuffix(name, zone), ".")
}
