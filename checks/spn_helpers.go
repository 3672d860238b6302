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
func isKrbtgt(a *audit.Account) bool {
	n := strings.ToLower(a.SAMAccountName)
	return n == "krbtgt" || strings.HasPrefix(n, "krbtgt_")
}

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

// forestKey names the forest of a domain: the forest root, or the domain
// itself (lower-cased) when the snapshot does not place it in a forest.
func forestKey(s *audit.Snapshot, domain string) string {
	if f, ok := s.ForestOf(domain); ok {
		return strings.ToLower(f.RootDomain)
	}
	return strings.ToLower(domain)
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
func isIPAddress(host string) bool { return net.ParseIP(strings.Trim(host, "[]")) != nil }

// spnIndex maps SPN keys to the accounts holding them (valid SPNs only, the
// krbtgt accounts left out).
type spnIndex map[string][]*audit.Account

func indexSPNs(s *audit.Snapshot) spnIndex {
	idx := spnIndex{}
	eachSPN(s, func(p parsedSPN) {
		if p.err != nil || isKrbtgt(p.account) {
			return
		}
		k := p.Key()
		for _, a := range idx[k] {
			if a == p.account {
				return
			}
		}
		idx[k] = append(idx[k], p.account)
	})
	return idx
}

// holdersIn returns the accounts of one forest holding the SPN key.
func (idx spnIndex) holdersIn(s *audit.Snapshot, forest, key string) []*audit.Account {
	var out []*audit.Account
	for _, a := range idx[key] {
		if forestKey(s, a.Domain) == forest {
			out = append(out, a)
		}
	}
	return out
}

// ticketOwner says which account of a forest a KDC issues a ticket for when
// a client asks for want: the account holding it explicitly, else the one
// holding the service class that sPNMappings maps it to ([MS-DRSR] 4.1.4.2.14
// LookupSPN). via is "" for an explicit holder, else the mapped SPN.
func ticketOwner(s *audit.Snapshot, idx spnIndex, forest string, want spn.SPN) (holders []*audit.Account, via string) {
	if h := idx.holdersIn(s, forest, want.Key()); len(h) > 0 {
		return h, ""
	}
	for _, f := range s.Forests {
		if strings.ToLower(f.RootDomain) != forest {
			continue
		}
		target := f.SPNMappings[want.Class()]
		if target == "" || target == want.Class() {
			return nil, ""
		}
		mapped := want
		mapped.ServiceClass = target
		mapped.Raw = target + strings.TrimPrefix(want.Raw, want.ServiceClass)
		if h := idx.holdersIn(s, forest, mapped.Key()); len(h) > 0 {
			return h, mapped.Raw
		}
	}
	return nil, ""
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

// shellArg quotes a value for cmd.exe and PowerShell when it holds a space.
func shellArg(v string) string {
	if strings.ContainsAny(v, " \t\"'") {
		return `"` + strings.ReplaceAll(v, `"`, `\"`) + `"`
	}
	return v
}

// psQuote quotes a value for a PowerShell single-quoted string.
func psQuote(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }

// names lists accounts as DOMAIN\name, in order.
func names(s *audit.Snapshot, accounts []*audit.Account) []string {
	out := make([]string, 0, len(accounts))
	for _, a := range accounts {
		out = append(out, qualifiedName(s, a))
	}
	return out
}

// removeSPNOption removes each SPN from its account.
func removeSPNOption(s *audit.Snapshot, name, summary string, ps []parsedSPN) Option {
	o := Option{Name: name, Summary: summary}
	for _, p := range ps {
		who := qualifiedName(s, p.account)
		o.Steps = append(o.Steps, fmt.Sprintf("setspn -D %s %s", shellArg(p.Raw), who))
		o.Actions = append(o.Actions, Action{Type: ActionRemoveSPN, AccountDN: p.account.DN, Account: who, Domain: p.account.Domain, SPN: p.Raw})
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

// hostTarget is one SPN host with the SPNs naming it. A short (single-label)
// host is resolved the way a member of the account's domain resolves it, so
// short hosts are grouped per domain.
type hostTarget struct {
	key    string // normalised host
	domain string // for a short host: the accounts' domain (lower-case)
	spns   []parsedSPN
}

// label names the host for people: "portal" or "portal (in lab.test)".
func (t hostTarget) label() string {
	if t.domain != "" {
		return t.key + " (in " + t.domain + ")"
	}
	return t.key
}

// spnHosts groups the valid SPNs of ordinary accounts (not DCs, not krbtgt)
// by host, sorted by host: the hosts whose DNS the DNS checks judge.
func spnHosts(s *audit.Snapshot) []hostTarget {
	by := map[string]*hostTarget{}
	var keys []string
	eachSPN(s, func(p parsedSPN) {
		if p.err != nil || !p.NamesAHost() || isDC(p.account) || isKrbtgt(p.account) || isIPAddress(p.Host) {
			return
		}
		t := hostTarget{key: p.HostKey()}
		if p.IsShortName() {
			t.domain = strings.ToLower(p.account.Domain)
		}
		k := t.key + "\x00" + t.domain
		if by[k] == nil {
			by[k] = &t
			keys = append(keys, k)
		}
		by[k].spns = append(by[k].spns, p)
	})
	sort.Strings(keys)
	out := make([]hostTarget, 0, len(keys))
	for _, k := range keys {
		out = append(out, *by[k])
	}
	return out
}

// lookupHost returns the DNS answer for an SPN host. A short name is judged
// by the lookup recorded for it (the one asked with the accounts' domain as
// suffix, or one recorded without a suffix); without one, by the lookup of
// <name>.<domain>, which is what members of the domain resolve (their primary
// DNS suffix is the domain). A lookup of the short name in another domain is
// not used.
func lookupHost(s *audit.Snapshot, t hostTarget) (audit.HostLookup, bool) {
	if t.domain == "" {
		return s.Host(t.key)
	}
	fqdn := t.key + "." + t.domain
	var bare *audit.HostLookup
	for i, h := range s.DNS.Hosts {
		if spn.NormalizeHost(h.Name) != t.key {
			continue
		}
		switch spn.NormalizeHost(h.QueriedAs) {
		case fqdn: // asked with this domain's suffix, as the collector records it
			return h, true
		case "":
			if bare == nil {
				bare = &s.DNS.Hosts[i]
			}
		}
	}
	if bare != nil {
		return *bare, true
	}
	return s.Host(fqdn)
}

// spnList describes SPNs with their holders: "HTTP/x on LAB\svc-x, ...".
func spnList(s *audit.Snapshot, ps []parsedSPN) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, p.Raw+" on "+qualifiedName(s, p.account))
	}
	return strings.Join(parts, ", ")
}

// accountsOf returns the distinct accounts of ps, in order.
func accountsOf(ps []parsedSPN) []*audit.Account {
	var out []*audit.Account
	seen := map[*audit.Account]bool{}
	for _, p := range ps {
		if !seen[p.account] {
			seen[p.account] = true
			out = append(out, p.account)
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
func unobservedHostsFinding(s *audit.Snapshot, what string, hosts []hostTarget, why map[string]string) []Finding {
	if len(hosts) == 0 {
		return nil
	}
	var affected []Object
	var ev []Evidence
	var list []string
	for _, h := range hosts {
		list = append(list, h.label())
		affected = append(affected, Object{Kind: "dns-name", Name: h.key, Domain: h.domain})
		ev = append(ev, Evidence{Key: h.label(), Value: why[h.label()] + "; named by " + spnList(s, h.spns)})
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
