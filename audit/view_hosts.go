package audit

import (
	"hash/maphash"
	"slices"
	"strings"
)

// SPNHost is one SPN host with the SPNs naming it. A short (single-label)
// host is resolved the way a member of the account's domain resolves it, so
// short hosts are grouped per domain.
type SPNHost struct {
	Key    string // normalised host
	Domain string // for a short host: the accounts' domain (lower-case)
	// The SPNs' positions in the view are HostGroups.members[first:first+n];
	// their parsed forms are materialised by HostGroups.SPNs only for the
	// hosts a check reports.
	first, n int32
}

// Label names the host for people: "portal" or "portal (in lab.test)".
func (t SPNHost) Label() string {
	if t.Domain != "" {
		return t.Key + " (in " + t.Domain + ")"
	}
	return t.Key
}

// HostGroups are SPNs of a view grouped by host.
type HostGroups struct {
	v       *View
	Hosts   []SPNHost // sorted by host, then domain
	members []int32   // the hosts' SPNs, host after host
}

// Members returns the positions (for View.SPNAt) of t's SPNs.
func (g *HostGroups) Members(t SPNHost) []int32 { return g.members[t.first : t.first+t.n] }

// SPNs returns t's SPNs, parsed, in snapshot order.
func (g *HostGroups) SPNs(t SPNHost) []SPNEntry {
	out := make([]SPNEntry, t.n)
	for i, n := range g.Members(t) {
		out[i] = g.v.SPNAt(int(n))
	}
	return out
}

// GroupSPNsByHost groups the SPNs that keep accepts (given their position
// and parsed form) by host, sorted by host. The caller keeps the result: it
// is computed anew on every call.
//
// Two passes over the parsed SPNs: the first finds each SPN's host and counts
// the SPNs per host, the second fills every host's member list from one
// shared array. (A []SPNEntry grown per host cost half a gigabyte on a
// million SPNs; the checks need the SPNs of the few hosts they report.)
// Hosts are found through a map keyed by the hash of host and domain,
// confirmed against the host's first SPN, so no key string is built per
// SPN; the targets are allocated once their number is known.
func (v *View) GroupSPNsByHost(keep func(n int, p SPNEntry) bool) *HostGroups {
	type hostKey struct{ host, domain string }
	nspn := v.SPNCount()
	// Most hosts are named by two or more SPNs (HOST, RestrictedKrbHost, ...):
	// sizing for half as many hosts as SPNs avoids regrowing the map.
	guess := nspn / 2
	at := make(map[uint64]int32, guess) // index in firsts
	var spill map[hostKey]int32         // hosts whose hash another host took (never in practice)
	slot := make([]int32, nspn)
	firsts := make([]int32, 0, guess) // per host: its first SPN
	counts := make([]int32, 0, guess) // per host: its number of SPNs
	domainOf := func(p SPNEntry) string {
		if p.IsShortName() {
			return strings.ToLower(p.Account.Domain)
		}
		return ""
	}
	var buf, buf2 keyBuf
	var hash maphash.Hash
	hash.SetSeed(v.seed)
	for n := range slot {
		slot[n] = -1
		p := v.SPNAt(n)
		if !keep(n, p) {
			continue
		}
		key := AppendHostKey(buf[:0], p.Host)
		domain := domainOf(p)
		hash.Reset()
		hash.Write(key)
		hash.WriteByte(0)
		hash.WriteString(domain)
		h := hash.Sum64()
		i, ok := at[h]
		if ok {
			q := v.SPNAt(int(firsts[i]))
			if string(AppendHostKey(buf2[:0], q.Host)) != string(key) || domainOf(q) != domain {
				k := hostKey{host: string(key), domain: domain}
				if i, ok = spill[k]; !ok {
					if spill == nil {
						spill = map[hostKey]int32{}
					}
					i = int32(len(firsts))
					spill[k] = i
					firsts = append(firsts, int32(n))
					counts = append(counts, 0)
				}
			}
		} else {
			i = int32(len(firsts))
			at[h] = i
			firsts = append(firsts, int32(n))
			counts = append(counts, 0)
		}
		slot[n] = i
		counts[i]++
	}
	at = nil
	out := make([]SPNHost, len(firsts))
	start := int32(0)
	for i, c := range counts {
		p := v.SPNAt(int(firsts[i]))
		out[i] = SPNHost{Key: p.HostKey(), Domain: domainOf(p), first: start, n: c}
		firsts[i] = start // from here on: where the host's next member goes
		start += c
	}
	members := make([]int32, start)
	for n, i := range slot {
		if i >= 0 {
			members[firsts[i]] = int32(n)
			firsts[i]++
		}
	}
	// By host, then domain: the order of host + "\x00" + domain.
	slices.SortFunc(out, func(a, b SPNHost) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(a.Domain, b.Domain)
	})
	return &HostGroups{v: v, Hosts: out, members: members}
}

// LookupSPNHost returns the DNS answer for an SPN host. A short name is
// judged by the lookup recorded for it (the one asked with the accounts'
// domain as suffix, or one recorded without a suffix); without one, by the
// lookup of <name>.<domain>, which is what members of the domain resolve
// (their primary DNS suffix is the domain). A lookup of the short name in
// another domain is not used.
//
// The answers are found through the index (a map by name), not by scanning
// every recorded answer: that scan made the DNS checks quadratic.
func (v *View) LookupSPNHost(t SPNHost) (HostLookup, bool) {
	if t.Domain == "" {
		return v.Host(t.Key)
	}
	fqdn := t.Key + "." + t.Domain
	// asked with this domain's suffix, as the collector records it
	if h, ok := v.HostAskedAs(t.Key, fqdn); ok {
		return h, true
	}
	if h, ok := v.HostAskedAs(t.Key, ""); ok { // recorded without a suffix
		return h, true
	}
	return v.Host(fqdn)
}
