package checks

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/spn"
)

// Helpers shared by the SPN-* checks.

// uacPartialSecrets is PARTIAL_SECRETS_ACCOUNT (0x4000000): a read-only DC.
const uacPartialSecrets uint32 = 0x4000000

// isDC reports whether a is a domain controller's computer account (writable
// or read-only). Its SPNs (replication GUIDs, _msdcs CNAMEs, ldap/GC) are
// managed by AD itself and are checked by the DNS-* and TRUST-* checks.
func isDC(a *audit.Account) bool {
	return a.UserAccountControl&(audit.UACServerTrust|uacPartialSecrets) != 0
}

// isKrbtgt reports whether a is the domain's krbtgt account (or an RODC's
// krbtgt_NNNNN): disabled by design and holding kadmin/changepw in every domain.
func isKrbtgt(a *audit.Account) bool { return a.IsKrbtgt() }

// isMachineKind reports whether a is a computer or a (group) managed service
// account: accounts whose password the system rotates.
func isMachineKind(a *audit.Account) bool {
	switch a.Kind {
	case audit.KindComputer, audit.KindMSA, audit.KindGMSA:
		return true
	}
	return false
}

// isDisabled reports whether the account is disabled.
func isDisabled(a *audit.Account) bool {
	return !a.Enabled || a.UserAccountControl&audit.UACAccountDisable != 0
}

// snapshotNow is "now" for checks: when collection finished. ok is false
// when the snapshot does not record it, so time-based checks cannot decide.
func snapshotNow(s *audit.Snapshot) (time.Time, bool) {
	t := s.Collection.FinishedAt
	return t, !t.IsZero()
}

// hostDomain returns the collected domain whose DNS namespace holds host
// (longest suffix match), or "".
func hostDomain(s *audit.Snapshot, host string) string {
	host = spn.NormalizeHost(host)
	best := ""
	for _, d := range s.Domains {
		name := spn.NormalizeHost(d.DNSName)
		if (host == name || strings.HasSuffix(host, "."+name)) && len(name) > len(best) {
			best = d.DNSName
		}
	}
	return best
}

// isIPAddress reports whether host is a literal address: not a DNS name.
func isIPAddress(host string) bool {
	h := strings.Trim(host, "[]")
	// An address net.ParseIP accepts holds only hex digits, dots and colons
	// (it refuses zones): a name with any other character is not one, and
	// is answered without ParseIP, which allocates for every name it
	// refuses (46 MB of garbage on a million SPNs).
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F', c == '.', c == ':':
		default:
			return false
		}
	}
	return net.ParseIP(h) != nil
}

// withHost returns p for another host, keeping class, port and service name.
func withHost(p spn.SPN, host string) spn.SPN {
	q := p
	q.Host = host
	var b strings.Builder
	b.WriteString(p.ServiceClass + "/" + host)
	if p.Port != "" {
		b.WriteString(":" + p.Port)
	}
	if p.ServiceName != "" {
		b.WriteString("/" + p.ServiceName)
	}
	q.Raw = b.String()
	return q
}

// names lists accounts as DOMAIN\name, in order.
func names(ix *view, accounts []*audit.Account) []string {
	out := make([]string, 0, len(accounts))
	for _, a := range accounts {
		out = append(out, qualifiedName(ix, a))
	}
	return out
}

// removeSPNOption removes each SPN from its account.
func removeSPNOption(ix *view, name, summary string, ps []parsedSPN) Option {
	o := Option{Name: name, Summary: summary}
	for _, p := range ps {
		who := qualifiedName(ix, p.Account)
		o.Actions = append(o.Actions, Action{Type: ActionRemoveSPN, AccountDN: p.Account.DN, Account: who, Domain: p.Account.Domain, SPN: p.Raw})
	}
	return o
}

// accountsGapFinding reports, once per check, the domains whose accounts were
// not collected: nothing is known about their SPNs. what says what was not
// checked there.
func accountsGapFinding(s *audit.Snapshot, what string) []Finding {
	var missing []string
	var affected []Object
	seen := map[string]bool{}
	for _, d := range s.Domains {
		seen[strings.ToLower(d.DNSName)] = true
		if !d.AccountsCollected {
			missing = append(missing, d.DNSName)
			affected = append(affected, Object{DN: d.DN, Kind: "domain", Name: d.DNSName, Domain: d.DNSName})
		}
	}
	// Domains the collector knew of (a trusted domain it was asked to
	// follow) but could not read at all are not in s.Domains; their gap's
	// scope is "domain:<name>".
	var ev []Evidence
	for _, g := range s.Collection.Gaps {
		name, isDomain := strings.CutPrefix(g.Scope, "domain:")
		lname := strings.ToLower(name)
		switch {
		case isDomain && !seen[lname]:
			seen[lname] = true
			missing = append(missing, name)
			affected = append(affected, Object{Kind: "domain", Name: name, Domain: name})
			ev = append(ev, Evidence{Key: "gap " + g.Scope, Value: g.What + ": " + g.Error})
		case strings.Contains(strings.ToLower(g.What), "account"):
			ev = append(ev, Evidence{Key: "gap " + g.Scope, Value: g.What + ": " + g.Error})
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	ev = append([]Evidence{{Key: "domains without accounts", Value: strings.Join(missing, ", ")}}, ev...)
	return []Finding{{
		Severity:    Info,
		Status:      NotEvaluated,
		Title:       fmt.Sprintf("Accounts of %s not collected: %s not checked there", strings.Join(missing, ", "), what),
		Domain:      missing[0],
		Subject:     "accounts of " + strings.ToLower(strings.Join(missing, ",")),
		Affected:    affected,
		Evidence:    ev,
		Explanation: "The accounts of these domains could not be read, so their SPNs are unknown and were not checked. Re-run the audit with an identity that can read them.",
	}}
}

// hostTarget is one SPN host with the SPNs naming it (see audit.SPNHost).
type hostTarget = audit.SPNHost

// hostSPNs is a host with its SPNs.
type hostSPNs struct {
	hostTarget
	spns []parsedSPN
}

// fill returns t with its SPNs.
func (ix *view) fill(t hostTarget) hostSPNs {
	return hostSPNs{hostTarget: t, spns: ix.hostGroups().SPNs(t)}
}

// hostGroups groups the valid SPNs of ordinary accounts (not DCs, not
// krbtgt, not naming a literal address) by host: the hosts whose DNS the
// DNS checks judge. The view computes it once for all the checks of a Run.
func (ix *view) hostGroups() *audit.HostGroups {
	ix.hostsOnce.Do(func() {
		ix.hosts = ix.GroupSPNsByHost(func(n int, p parsedSPN) bool {
			return p.Err == nil && ix.SPNNamesAHost(n) && !isDC(p.Account) && !isKrbtgt(p.Account) && !isIPAddress(p.Host)
		})
	})
	return ix.hosts
}

// spnHosts are the hosts of hostGroups, sorted by host, then domain.
func spnHosts(ix *view) []hostTarget { return ix.hostGroups().Hosts }

// lookupHost returns the DNS answer for an SPN host (audit.View.LookupSPNHost).
func lookupHost(ix *view, t hostTarget) (audit.HostLookup, bool) { return ix.LookupSPNHost(t) }

// spnList describes SPNs with their holders: "HTTP/x on LAB\svc-x, ...".
func spnList(ix *view, ps []parsedSPN) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, p.Raw+" on "+qualifiedName(ix, p.Account))
	}
	return strings.Join(parts, ", ")
}

// accountsOf returns the distinct accounts of ps, in order.
func accountsOf(ps []parsedSPN) []*audit.Account {
	var out []*audit.Account
	seen := map[*audit.Account]bool{}
	for _, p := range ps {
		if !seen[p.Account] {
			seen[p.Account] = true
			out = append(out, p.Account)
		}
	}
	return out
}

// dnsServer names the resolver the snapshot's DNS answers came from.
func dnsServer(s *audit.Snapshot) string {
	if s.DNS.Server == "" {
		return "system resolver"
	}
	return s.DNS.Server
}

// unobservedHostsFinding is the one not-evaluated finding for SPN hosts
// without a usable DNS answer. why maps host → reason.
func unobservedHostsFinding(ix *view, what string, hosts []hostSPNs, why map[string]string) []Finding {
	if len(hosts) == 0 {
		return nil
	}
	var affected []Object
	var ev []Evidence
	var list []string
	for _, h := range hosts {
		list = append(list, h.Label())
		affected = append(affected, Object{Kind: "dns-name", Name: h.Key, Domain: h.Domain})
		ev = append(ev, Evidence{Key: h.Label(), Value: why[h.Label()] + "; named by " + spnList(ix, h.spns)})
	}
	return []Finding{{
		Severity: Info,
		Status:   NotEvaluated,
		Title:    fmt.Sprintf("No usable DNS answer for %d SPN host(s): %s not checked", len(hosts), what),
		Subject:  "spn hosts without dns answer",
		Affected: affected,
		Evidence: ev,
		Explanation: "The snapshot holds no usable DNS answer for these SPN hosts (" + strings.Join(list, ", ") +
			"), so whether they resolve, and to what, is unknown. Re-run the audit with a DNS server that " +
			"answers for these names (--dns-server); short names are resolved with the audited domain as suffix.",
	}}
}
