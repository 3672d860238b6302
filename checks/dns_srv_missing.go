package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/remediate/action"
)

var dnsSRVMissing = Check{
	ID:       "DNS-SRV-MISSING",
	Title:    "SRV record a domain needs for DC and KDC discovery is missing",
	Area:     "DNS",
	Severity: High,
	Explanation: `What is checked
  For every collected domain <d>: _ldap._tcp.<d>, _kerberos._tcp.<d>,
  _kerberos._udp.<d>, _kpasswd._tcp.<d> and _ldap._tcp.dc._msdcs.<d>; for every
  forest, _gc._tcp.<forest root>. A record is missing when the lookup answered
  NXDOMAIN, no data, or only the "service not available" target ".". An SRV name
  the snapshot holds no answer for, or whose lookup failed (timeout, SERVFAIL), is
  reported as not evaluated; so are the answers of a DNS server that does not
  serve the domain (it has no SOA for it, or denies SRV records the AD zones read
  over LDAP hold: a workstation's resolver, split horizon), which the collection
  lists as a gap.

Why it breaks Kerberos
  Clients find KDCs and DCs only through these records: Windows' DC locator asks
  for _ldap._tcp.dc._msdcs.<domain>, MIT and Heimdal clients and gokrb5 for
  _kerberos._udp/_tcp.<realm>, password changes go to _kpasswd, forest-wide
  searches to _gc._tcp. Without them a client cannot reach a KDC: no ticket, and
  Negotiate falls back to NTLM or logon fails.

How to fix it
  Let the DCs register their records again: on each DC, nltest /dsregdns (or
  restart the Netlogon service); on Samba AD, samba_dnsupdate --verbose
  --all-names. Check that the zone accepts dynamic updates from the DCs, that the
  DCs use an AD-integrated DNS server, and verify with
  Resolve-DnsName -Type SRV <name> (or dig SRV <name>); dcdiag /test:dns /v
  reports the details.

Sources
  [MS-ADTS] 6.3.2.3 (SRV records registered by DCs); RFC 2782 (SRV); RFC 4120
  7.2.3.2 (KDC location with SRV records); nltest and samba_dnsupdate documentation.`,
	Run: runDNSSRVMissing,
}

// requiredSRV is one SRV name a domain or forest needs.
type requiredSRV struct {
	name   string
	domain string
	role   string
}

// requiredSRVNames lists the SRV names the collected domains and forests
// need, in a stable order.
func requiredSRVNames(s *audit.Snapshot) []requiredSRV {
	var out []requiredSRV
	seen := map[string]bool{}
	add := func(name, domain, role string) {
		if !seen[name] {
			seen[name] = true
			out = append(out, requiredSRV{name: name, domain: domain, role: role})
		}
	}
	for _, d := range s.Domains {
		n := normDNS(d.DNSName)
		add("_ldap._tcp."+n, d.DNSName, "LDAP servers (DCs) of the domain")
		add("_kerberos._tcp."+n, d.DNSName, "KDCs of the realm, over TCP")
		add("_kerberos._udp."+n, d.DNSName, "KDCs of the realm, over UDP")
		add("_kpasswd._tcp."+n, d.DNSName, "Kerberos password change servers")
		add("_ldap._tcp.dc._msdcs."+n, d.DNSName, "DCs for the Windows DC locator")
	}
	roots := map[string]bool{}
	for _, f := range s.Forests {
		roots[normDNS(f.RootDomain)] = true
	}
	for _, d := range s.Domains {
		if d.Forest != "" {
			roots[normDNS(d.Forest)] = true
		}
	}
	var rl []string
	for r := range roots {
		rl = append(rl, r)
	}
	sort.Strings(rl)
	for _, r := range rl {
		add("_gc._tcp."+r, r, "global catalog servers of the forest")
	}
	return out
}

// srvLookup returns the SRV answer recorded for name (any case, trailing dot ignored).
func srvLookup(s *audit.Snapshot, name string) (audit.SRVLookup, bool) {
	name = normDNS(name)
	for _, r := range s.DNS.SRV {
		if normDNS(r.Name) == name {
			return r, true
		}
	}
	return audit.SRVLookup{}, false
}

func runDNSSRVMissing(s *audit.Snapshot, _ Options) []Finding {
	var out []Finding
	unknown := map[string][]Evidence{} // domain → not evaluated names
	var unknownOrder []string
	unreliable := map[string]bool{} // domain → the DNS server's answers are no evidence
	for _, req := range requiredSRVNames(s) {
		r, ok := srvLookup(s, req.name)
		why := ""
		switch {
		case !ok:
			why = "no lookup in the snapshot"
		case r.Unreliable != "":
			// The DNS server does not serve the domain (or denies what
			// its zones hold): its NXDOMAIN is no evidence of absence.
			why = "answer is no evidence: " + r.Unreliable
			unreliable[req.domain] = true
		case r.Status == audit.DNSError:
			why = "lookup failed: " + orUnknown(r.Error)
		}
		if why != "" {
			if _, seen := unknown[req.domain]; !seen {
				unknownOrder = append(unknownOrder, req.domain)
			}
			unknown[req.domain] = append(unknown[req.domain], Evidence{Key: req.name, Value: why})
			continue
		}
		if r.Status == audit.DNSOK && len(usableTargets(r)) > 0 {
			continue
		}
		answer := r.Status
		if r.Status == audit.DNSOK {
			answer = "only the target \".\" (service not available)"
		}
		out = append(out, srvMissingFinding(s, req, answer))
	}
	for _, dom := range unknownOrder {
		ev := unknown[dom]
		var list []string
		var affected []Object
		for _, e := range ev {
			list = append(list, e.Key)
			affected = append(affected, Object{Kind: "dns-name", Name: e.Key, Domain: dom})
		}
		title := fmt.Sprintf("%d SRV record(s) of %s not looked up: not known whether they exist", len(ev), dom)
		if unreliable[dom] {
			title = fmt.Sprintf("%d SRV record(s) of %s not evaluated: DNS server %s does not serve the domain", len(ev), dom, dnsServer(s))
		}
		out = append(out, Finding{
			Severity: Info,
			Status:   NotEvaluated,
			Title:    title,
			Domain:   dom,
			Subject:  "srv records of " + normDNS(dom),
			Affected: affected,
			Evidence: append(ev, Evidence{Key: "DNS server", Value: dnsServer(s)}),
			Explanation: fmt.Sprintf("The snapshot holds no usable answer for %s, so whether clients can find the DCs and KDCs of %s "+
				"through them is unknown. Re-run the audit with a DNS server that answers for the domain (--dns-server).", strings.Join(list, ", "), dom),
		})
	}
	return out
}

func srvMissingFinding(s *audit.Snapshot, req requiredSRV, answer string) Finding {
	n := normDNS(req.domain)
	server := action.Value(resolverOrDC(s))
	at := action.Value("@" + resolverOrDC(s))
	if _, placeholder := server.(string); placeholder {
		at = "@" + resolverOrDC(s)
	}
	steps := []Action{
		{Type: ActionManual, Domain: req.domain, Host: req.name, Note: "re-register DC SRV records (nltest /dsregdns, samba_dnsupdate --all-names)",
			Say: action.Say("On each DC of "+req.domain+": ", action.CmdLine("nltest", "/dsregdns"), " (or ", action.PS("Restart-Service", "Netlogon"), "), so it registers its SRV records again.")},
		{Type: ActionManual, Domain: req.domain, Host: req.name,
			Say: action.Say("On Samba AD DCs instead: ", action.ShLine("samba_dnsupdate", "--verbose", "--all-names"))},
		{Type: ActionManual, Domain: req.domain, Note: fmt.Sprintf("Make sure the zone %s (and _msdcs.%s for forest records) accepts secure dynamic updates from the DCs, and that the DCs use an AD-integrated DNS server.", n, n)},
		{Type: ActionAdvice, Host: req.name, Say: action.Say("Verify: ", action.PS("Resolve-DnsName", "-Type", "SRV", action.D(req.name), "-Server", server),
			"   (or: ", action.ShLine("dig", "SRV", action.D(req.name), at), ")")},
	}
	return Finding{
		Severity: High,
		Title:    fmt.Sprintf("SRV record %s is missing (%s)", req.name, answer),
		Impact:   fmt.Sprintf("clients of %s that look its DCs and KDCs up through %s find none (%s)", req.domain, req.name, answer),
		Domain:   req.domain,
		Subject:  req.name,
		Affected: []Object{{Kind: "dns-name", Name: req.name, Domain: req.domain}},
		Evidence: []Evidence{
			{Key: "SRV name", Value: req.name},
			{Key: "answer", Value: answer},
			{Key: "purpose", Value: req.role},
			{Key: "DNS server", Value: dnsServer(s)},
		},
		Explanation: fmt.Sprintf("%s locates the %s. Without it clients of %s cannot find a KDC or DC this way: "+
			"no Kerberos ticket, and Negotiate falls back to NTLM or logon fails.", req.name, req.role, req.domain),
		Remediation: []Option{{
			Name:    "register-dc-records",
			Summary: "Have the DCs register their SRV records again.",
			Actions: steps,
		}},
	}
}
