package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/remediate/action"
	"github.com/spntrust/spntrust/spn"
)

var dnsCNAME = Check{
	ID:       "SPN-DNS-CNAME",
	Title:    "SPN host is a DNS alias (CNAME): clients ask for the canonical name",
	Area:     "SPN",
	Severity: High,
	Explanation: `What is checked
  The host part of every well-formed SPN of ordinary accounts (domain
  controllers and krbtgt left out) whose recorded DNS answer followed a CNAME
  chain to another, canonical name. Hosts without a usable DNS answer are listed
  in one not-evaluated finding.

Why it breaks Kerberos
  Windows clients (and MIT/Heimdal with rdns or dns_canonicalize_hostname) build
  the SPN from the canonical name after CNAME resolution: a client browsing
  http://portal.example/ where portal is a CNAME for app04 asks the KDC for
  HTTP/app04.example, not HTTP/portal.example. The alias SPN is never requested.
  The ticket goes to whoever holds the canonical SPN: explicitly, or through
  sPNMappings the computer holding HOST/<canonical>; a service running as the
  account that holds the alias SPN cannot decrypt it (KRB_AP_ERR_MODIFIED), or,
  if nobody holds it, the KDC answers KDC_ERR_S_PRINCIPAL_UNKNOWN and clients fall
  back to NTLM.

How to fix it
  Either register the canonical name on the service account and remove the alias
  SPN (setspn -S HTTP/<canonical> DOMAIN\account; setspn -D HTTP/<alias>
  DOMAIN\account), when no other account holds the canonical SPN and no other
  service on that host needs it; or replace the CNAME by an A record for the alias
  name, so that the alias is itself the canonical name and the existing SPN is
  right.

Sources
  [MS-KILE] 3.3.5.1.1; [MS-DRSR] 4.1.4.2.14 (LookupSPN, sPNMappings); RFC 4120
  1.3 (host name canonicalization); setspn documentation.`,
	Run: runDNSCNAME,
}

// cnameKey groups one account's alias SPNs that lead to one canonical name.
type cnameKey struct {
	Account   *audit.Account
	canonical string
}

func runDNSCNAME(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	out := accountsGapFinding(s, "SPN hosts' CNAMEs")
	var unobserved []hostSPNs
	why := map[string]string{}
	groups := map[cnameKey][]parsedSPN{}
	lookups := map[cnameKey]audit.HostLookup{}
	var order []cnameKey
	for _, t := range spnHosts(ix) {
		h, ok := lookupHost(ix, t)
		switch {
		case !ok:
			unobserved = append(unobserved, ix.fill(t))
			why[t.Label()] = "no DNS lookup recorded"
			continue
		case h.Status == audit.DNSNXDomain || h.Status == audit.DNSNoData:
			continue // SPN-DNS-MISSING
		case h.Status != audit.DNSOK:
			unobserved = append(unobserved, ix.fill(t))
			why[t.Label()] = "lookup failed (" + h.Status + "): " + h.Error
			continue
		}
		canonical := canonicalOf(h)
		if len(h.CNAMEs) == 0 || canonical == "" || canonical == t.Key {
			continue
		}
		// A short name expanded by the resolver's search list to its own
		// FQDN is not an alias.
		if !strings.Contains(t.Key, ".") && strings.SplitN(canonical, ".", 2)[0] == t.Key {
			continue
		}
		for _, p := range ix.fill(t).spns {
			k := cnameKey{Account: p.Account, canonical: canonical}
			if _, seen := groups[k]; !seen {
				order = append(order, k)
				lookups[k] = h
			}
			groups[k] = append(groups[k], p)
		}
	}
	for _, k := range order {
		out = append(out, cnameFinding(s, ix, k, groups[k], lookups[k]))
	}
	return append(out, unobservedHostsFinding(ix, "CNAMEs of SPN hosts", unobserved, why)...)
}

func cnameFinding(s *audit.Snapshot, ix *view, k cnameKey, aliases []parsedSPN, h audit.HostLookup) Finding {
	acct := k.Account
	who := qualifiedName(ix, acct)
	forest := ix.ForestKey(acct.Domain)

	register := Option{Name: "register-canonical", Summary: fmt.Sprintf("Register the canonical name %s on %s and remove the alias SPN(s).", k.canonical, who)}
	var now []string
	var aliasNames []string
	seen := map[string]bool{}
	for _, p := range aliases {
		aliasNames = append(aliasNames, p.Raw)
		want := withHost(p.SPN, k.canonical)
		if seen[want.Key()] {
			continue
		}
		seen[want.Key()] = true
		holders, via := ix.TicketOwner(forest, want)
		switch {
		case len(holders) == 0:
			now = append(now, fmt.Sprintf("%s: nobody holds it (KDC_ERR_S_PRINCIPAL_UNKNOWN, NTLM fallback)", want.Raw))
		case via != "":
			now = append(now, fmt.Sprintf("%s: ticket for %s (holds %s, sPNMappings alias)", want.Raw, strings.Join(names(ix, holders), ", "), via))
		default:
			now = append(now, fmt.Sprintf("%s: ticket for %s", want.Raw, strings.Join(names(ix, holders), ", ")))
		}
		switch {
		case len(holders) == 1 && holders[0] == acct:
			// Tickets already go to this account: only the alias needs to go.
		case via == "" && len(holders) > 0:
			register.Actions = append(register.Actions, Action{Type: ActionManual, Account: who, Domain: acct.Domain, SPN: want.Raw,
				Note: "canonical SPN already held by " + strings.Join(names(ix, holders), ", "),
				Say: action.Say(fmt.Sprintf("%s is already held by %s: decide which account runs the service on %s; "+
					"if it is %s, first run ", want.Raw, strings.Join(names(ix, holders), ", "), k.canonical, who),
					action.CmdLine("setspn", "-D", action.D(want.Raw), "<current holder>"), " on the current holder.")})
		default:
			if via != "" {
				register.Actions = append(register.Actions, Action{Type: ActionAdvice, Note: fmt.Sprintf("Caution: %s then no longer goes to %s (which holds %s); do this only if no service on %s runs as that account.",
					want.Raw, strings.Join(names(ix, holders), ", "), via, k.canonical)})
			}
			register.Actions = append(register.Actions, Action{Type: ActionAddSPN, AccountDN: acct.DN, Account: who, Domain: acct.Domain, SPN: want.Raw})
		}
	}
	for _, p := range aliases {
		register.Actions = append(register.Actions, Action{Type: ActionRemoveSPN, AccountDN: acct.DN, Account: who, Domain: acct.Domain, SPN: p.Raw})
	}

	alias := spn.NormalizeHost(h.Name) // the name looked up: for a short SPN host, its FQDN
	zone := hostDomain(s, alias)
	label := strings.TrimSuffix(alias, "."+strings.ToLower(zone))
	if zone == "" {
		zone, label = acct.Domain, alias
	}
	address := "<address of " + k.canonical + ">"
	addressArg := any(address)
	if len(h.A) > 0 {
		address = h.A[0]
		addressArg = action.D(address)
	}
	aRecord := Option{
		Name:    "a-record",
		Summary: fmt.Sprintf("Replace the CNAME %s → %s by an A record, so %s is itself canonical and the SPN is right.", alias, k.canonical, alias),
		Actions: []Action{
			{Type: ActionManual, Host: alias, Domain: zone,
				Note: fmt.Sprintf("replace CNAME %s -> %s in zone %s by an A record (%s)", label, k.canonical, zone, address),
				Say:  action.Say(action.PS("Remove-DnsServerResourceRecord", "-ZoneName", action.D(zone), "-RRType", "CNAME", "-Name", action.D(label), "-Force"))},
			{Type: ActionManual, Host: alias, Domain: zone,
				Say: action.Say(action.PS("Add-DnsServerResourceRecordA", "-ZoneName", action.D(zone), "-Name", action.D(label), "-IPv4Address", addressArg))},
			{Type: ActionAdvice, Host: alias, Say: action.Say(action.PS("Resolve-DnsName", action.D(alias)))},
		},
	}

	ev := []Evidence{
		{Key: "alias spns on " + string(acct.Kind), Value: strings.Join(aliasNames, ", ")},
		{Key: "account", Value: acct.DN},
		{Key: "dns name", Value: h.Name},
		{Key: "cname chain", Value: strings.Join(append([]string{h.Name}, h.CNAMEs...), " → ")},
		{Key: "canonical name", Value: k.canonical},
		dnsSourceEvidence(s, h),
		{Key: "clients ask for", Value: strings.Join(now, "; ")},
	}
	if len(h.A) > 0 {
		ev = append(ev, Evidence{Key: "addresses", Value: strings.Join(h.A, ", ")})
	}
	return Finding{
		Severity: High,
		Title:    fmt.Sprintf("%s on %s names a CNAME: clients ask for %s", strings.Join(aliasNames, ", "), acct.SAMAccountName, withHost(aliases[0].SPN, k.canonical).Raw),
		Domain:   acct.Domain,
		Subject:  strings.ToLower(strings.Join(aliasNames, ",")),
		Affected: []Object{accountObject(acct), {Kind: "dns-name", Name: alias}},
		Evidence: ev,
		Explanation: fmt.Sprintf("%s is a CNAME for %s. Clients resolve it and ask the KDC for the SPN of the canonical name, "+
			"so %s on %s is never used. Today: %s.", alias, k.canonical, strings.Join(aliasNames, ", "), who, strings.Join(now, "; ")),
		Impact: fmt.Sprintf("clients of %s ask for %s, not for %s on %s: %s", servicesText(aliasNames), withHost(aliases[0].SPN, k.canonical).Raw,
			strings.Join(aliasNames, ", "), who, strings.Join(now, "; ")),
		Remediation: []Option{register, aRecord},
	}
}
