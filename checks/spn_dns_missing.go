package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"

	"github.com/spntrust/spntrust/remediate/action"
)

var dnsMissing = Check{
	ID:       "SPN-DNS-MISSING",
	Title:    "SPN host does not resolve in DNS",
	Area:     "SPN",
	Severity: Medium,
	Explanation: `What is checked
  The host part of every well-formed SPN of ordinary accounts (domain
  controllers and krbtgt are left to the DNS-* checks; literal IP addresses are
  skipped), looked up in the DNS answers the audit recorded: a name that does not
  exist (NXDOMAIN) or exists without an address (NODATA) is a finding, with the
  answer as evidence. A short name is judged by the lookup recorded for it
  (asked with the account's domain as DNS suffix, as the domain's members ask),
  or else by the lookup of <name>.<domain>. Hosts with no recorded answer, or
  whose lookup failed (timeout, SERVFAIL), are listed in one not-evaluated
  finding: they are not known to be healthy.

Why it breaks Kerberos
  A client builds the SPN from the name it connects to. A name that does not
  resolve is never connected to, so the SPN serves nobody. Either it is left
  over from a retired server (it then blocks setspn -S from registering the same
  SPN on the right account, and if the name is later reused for another server,
  that server's clients get tickets for this old account), or clients reach the
  service by another name (an alias, a hosts file entry, an IP address) and ask
  for an SPN that nobody holds: KDC_ERR_S_PRINCIPAL_UNKNOWN, and a silent
  fallback to NTLM.

How to fix it
  If the service is retired, remove the SPN: setspn -D <SPN> DOMAIN\account.
  If it is alive under that name, publish the name: an A record for the server
  (Add-DnsServerResourceRecordA -ZoneName <zone> -Name <label> -IPv4Address
  <address>), then check with Resolve-DnsName <host>.

Sources
  [MS-KILE] 3.3.5.1.1 (server principal lookup); RFC 4120 7.5.9; setspn and
  DnsServer PowerShell module documentation.`,
	Run: runDNSMissing,
}

func runDNSMissing(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	out := accountsGapFinding(s, "SPN hosts' DNS")
	var unobserved []hostSPNs
	why := map[string]string{}
	for _, t := range spnHosts(ix) {
		h, ok := lookupHost(ix, t)
		switch {
		case !ok:
			unobserved = append(unobserved, ix.fill(t))
			why[t.Label()] = "no DNS lookup recorded"
		case h.Status == audit.DNSNXDomain || h.Status == audit.DNSNoData:
			out = append(out, dnsMissingFinding(ix, ix.fill(t), h))
		case h.Status != audit.DNSOK:
			unobserved = append(unobserved, ix.fill(t))
			why[t.Label()] = "lookup failed (" + h.Status + "): " + h.Error
		}
	}
	return append(out, unobservedHostsFinding(ix, "SPN hosts' DNS", unobserved, why)...)
}

func dnsMissingFinding(ix *view, t hostSPNs, h audit.HostLookup) Finding {
	s := ix.Snapshot()
	accounts := accountsOf(t.spns)
	severity := Low // a retired computer's leftovers
	for _, a := range accounts {
		if !isMachineKind(a) {
			severity = Medium
		}
	}
	answer := "the name does not exist (NXDOMAIN)"
	if h.Status == audit.DNSNoData {
		answer = "the name exists but has no A or AAAA record (NODATA)"
	}
	ev := []Evidence{
		{Key: "dns name", Value: h.Name},
		{Key: "dns status", Value: h.Status},
		dnsSourceEvidence(s, h),
		{Key: "spns", Value: spnList(ix, t.spns)},
	}
	if h.Error != "" {
		ev = append(ev, Evidence{Key: "dns error", Value: h.Error})
	}
	affected := []Object{{Kind: "dns-name", Name: t.Key}}
	for _, a := range accounts {
		affected = append(affected, accountObject(a))
	}

	zone := hostDomain(s, t.Key)
	label := strings.TrimSuffix(t.Key, "."+strings.ToLower(zone))
	if zone == "" {
		// A short name or a name outside the audited domains: the zone of
		// the account's domain is the likeliest home.
		zone = accounts[0].Domain
		label = t.Key
	}
	host := t.spns[0].Host
	addDNS := Option{
		Name:    "add-dns",
		Summary: fmt.Sprintf("If the service still answers as %s, publish the name in DNS.", host),
		Actions: []Action{
			{Type: ActionManual, Host: host, Domain: zone,
				Note: fmt.Sprintf("create an A record %s in zone %s for the server that runs the service", label, zone),
				Say:  action.Say(action.PS("Add-DnsServerResourceRecordA", "-ZoneName", action.D(zone), "-Name", action.D(label), "-IPv4Address", "<address of the server>"))},
			{Type: ActionAdvice, Host: host, Say: action.Say(action.PS("Resolve-DnsName", action.D(host)))},
		},
	}
	remove := removeSPNOption(ix, "remove", fmt.Sprintf("If %s is retired, remove its SPN(s).", host), t.spns)

	domain := zone
	return Finding{
		Severity: severity,
		Title:    fmt.Sprintf("SPN host %s does not resolve (%s)", host, h.Status),
		Domain:   domain,
		Subject:  t.Key,
		Affected: affected,
		Evidence: ev,
		Explanation: fmt.Sprintf("DNS answered for %s: %s. Clients never connect to a name that does not resolve, so %s "+
			"serves nobody: either it is left over from a retired server (and blocks registering it where it belongs), or "+
			"clients reach the service by another name and ask for an SPN nobody holds, falling back to NTLM.",
			h.Name, answer, spnList(ix, t.spns)),
		Remediation: []Option{remove, addDNS},
	}
}
