package checks

import (
	"strings"
	"sync"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/spn"
)

// snapIndex holds what the SPN-* checks derive from one snapshot, computed
// once and shared by every check of one Run (issue 10: on 1,000,000 SPNs the
// checks re-parsed every SPN about a dozen times, and each SPN host's DNS
// answer was found by a linear scan of every recorded answer, which is
// quadratic in the number of hosts). Each part is built on first use, so a
// Run of only the TRUST-* checks pays for none of it.
//
// The index assumes the snapshot does not change while checks run (checks
// are pure functions of it).
type snapIndex struct {
	s *audit.Snapshot

	spnOnce sync.Once
	spns    []parsedSPN // every SPN of every account, parsed, in snapshot order

	holdersOnce sync.Once
	holders     spnIndex

	hostsOnce   sync.Once
	hostTargets []hostTarget // spnHosts

	dnsOnce   sync.Once
	hostFirst map[string]int    // normalised name → first answer with it (audit.Snapshot.Host's choice)
	hostAsked map[[2]string]int // normalised name and queriedAs → first such answer

	domOnce sync.Once
	forests map[string]forestOfResult // domain as written in accounts and domains → s.ForestOf(domain)
}

type forestOfResult struct {
	root string // the forest's RootDomain as recorded
	ok   bool
}

// prebuild starts building, in the background, the parts of the index that
// do not depend on each other (parsed SPNs, DNS answers by name, domains'
// forests) when the list holds SPN checks, so they are ready, built on
// separate cores, by the time the checks ask. Run waits for it before
// returning: nothing reads the snapshot after Run.
func (ix *snapIndex) prebuild(list []Check, wg *sync.WaitGroup) {
	for _, c := range list {
		if c.Area == "SPN" {
			for _, f := range []func(){func() { ix.eachSPN(func(parsedSPN) {}) }, ix.buildDNS, ix.buildDomains} {
				wg.Add(1)
				go func() { defer wg.Done(); f() }()
			}
			return
		}
	}
}

// indexFor returns the index Run built for s, or a new one when a check is
// called on its own (tests) or with another snapshot.
func indexFor(s *audit.Snapshot, opt Options) *snapIndex {
	if opt.index != nil && opt.index.s == s {
		return opt.index
	}
	return &snapIndex{s: s}
}

// eachSPN calls fn for every SPN of every account, parsed once per index.
func (ix *snapIndex) eachSPN(fn func(p parsedSPN)) {
	ix.spnOnce.Do(func() {
		n := 0
		for i := range ix.s.Accounts {
			n += len(ix.s.Accounts[i].SPNs)
		}
		ix.spns = make([]parsedSPN, 0, n)
		classes := map[string]string{} // service classes are few: share their lower-cased forms
		eachSPN(ix.s, func(p parsedSPN) {
			c, ok := classes[p.ServiceClass]
			if !ok {
				c = strings.ToLower(p.ServiceClass)
				classes[p.ServiceClass] = c
			}
			p.class = c
			p.key = p.SPN.Key()
			ix.spns = append(ix.spns, p)
		})
	})
	for _, p := range ix.spns {
		fn(p)
	}
}

// spnIndex returns the SPN key → holders map (valid SPNs, krbtgt left out).
func (ix *snapIndex) spnIndex() spnIndex {
	ix.holdersOnce.Do(func() {
		ix.eachSPN(func(parsedSPN) {}) // parse first, to size the map
		idx := make(spnIndex, len(ix.spns))
		for _, p := range ix.spns {
			if p.err != nil || isKrbtgt(p.account) {
				continue
			}
			idx[p.key] = idx[p.key].add(p.account)
		}
		ix.holders = idx
	})
	return ix.holders
}

func (ix *snapIndex) buildDNS() {
	ix.dnsOnce.Do(func() {
		hosts := ix.s.DNS.Hosts
		ix.hostFirst = make(map[string]int, len(hosts))
		ix.hostAsked = make(map[[2]string]int, len(hosts))
		for i, h := range hosts {
			name := spn.NormalizeHost(h.Name)
			if _, ok := ix.hostFirst[name]; !ok {
				ix.hostFirst[name] = i
			}
			k := [2]string{name, spn.NormalizeHost(h.QueriedAs)}
			if _, ok := ix.hostAsked[k]; !ok {
				ix.hostAsked[k] = i
			}
		}
	})
}

// host is audit.Snapshot.Host through the index: the first answer recorded
// for name (any case, trailing dot ignored).
func (ix *snapIndex) host(name string) (audit.HostLookup, bool) {
	ix.buildDNS()
	if i, ok := ix.hostFirst[spn.NormalizeHost(name)]; ok {
		return ix.s.DNS.Hosts[i], true
	}
	return audit.HostLookup{}, false
}

// hostAskedAs returns the first answer recorded for name that was asked as
// queriedAs ("" = asked as itself); both normalised.
func (ix *snapIndex) hostAskedAs(name, queriedAs string) (audit.HostLookup, bool) {
	ix.buildDNS()
	if i, ok := ix.hostAsked[[2]string{name, queriedAs}]; ok {
		return ix.s.DNS.Hosts[i], true
	}
	return audit.HostLookup{}, false
}

func (ix *snapIndex) buildDomains() {
	ix.domOnce.Do(func() {
		ix.forests = map[string]forestOfResult{}
		add := func(domain string) {
			if _, done := ix.forests[domain]; !done {
				f, ok := ix.s.ForestOf(domain)
				ix.forests[domain] = forestOfResult{root: f.RootDomain, ok: ok}
			}
		}
		for _, d := range ix.s.Domains {
			add(d.DNSName)
		}
		for i := range ix.s.Accounts {
			add(ix.s.Accounts[i].Domain)
		}
	})
}

// forestOf is s.ForestOf(domain) through the index: the forest's root domain.
func (ix *snapIndex) forestOf(domain string) (string, bool) {
	ix.buildDomains()
	if r, ok := ix.forests[domain]; ok {
		return r.root, r.ok
	}
	f, ok := ix.s.ForestOf(domain)
	return f.RootDomain, ok
}

// forestKey is forestKey(s, domain) through the index.
func (ix *snapIndex) forestKey(domain string) string {
	if root, ok := ix.forestOf(domain); ok {
		return strings.ToLower(root)
	}
	return strings.ToLower(domain)
}
