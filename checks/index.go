package checks

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

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
// The index is kept small (issue 10's memory target: the snapshot itself
// takes ~400 MiB at 1,000,000 SPNs, snapshot and checks must stay under
// 1 GiB): it points into the snapshot instead of copying it. A parsed SPN is
// a 28-byte record of int32 positions and uint16 offsets into the value as
// stored; maps are keyed by 64-bit hashes of the lower-cased keys, not by
// key strings built per SPN, and every hash hit is confirmed against the
// real key, so a collision never changes an answer.
//
// The index assumes the snapshot does not change while checks run (checks
// are pure functions of it).
type snapIndex struct {
	s    *audit.Snapshot
	seed maphash.Seed

	spnOnce sync.Once
	recs    []spnRec            // every SPN of every account, parsed, in snapshot order
	spilled map[int32]parsedSPN // the few SPNs a record cannot describe (malformed, or a part that is not a plain substring)
	classes []classInfo         // service classes by classID

	holdersOnce sync.Once
	holders     spnIndex

	hostsOnce   sync.Once
	hostTargets []hostTarget // spnHosts
	hostMembers []int32      // the hosts' SPNs, host after host

	dnsOnce   sync.Once
	hostFirst firstIndex[string]    // normalised name → first answer with it (audit.Snapshot.Host's choice)
	hostAsked firstIndex[[2]string] // normalised name and queriedAs → first such answer

	domOnce sync.Once
	forests map[string]forestOfResult // domain as written in accounts and domains → s.ForestOf(domain)
}

type forestOfResult struct {
	root string // the forest's RootDomain as recorded
	ok   bool
}

// classInfo is one service class as written, lower-cased once.
type classInfo struct {
	lower      string // SPN.Class()
	namesAHost bool   // SPN.NamesAHost() (which lower-cases the class on every call)
}

// spnRec is one SPN, parsed: where it is in the snapshot and where its
// parts are in the value (ServiceClass is raw[:classEnd], Host
// raw[hostOff:hostEnd], and so on). 28 bytes instead of the 136 of a
// parsedSPN with its cached key.
type spnRec struct {
	acct, n                                      int32 // s.Accounts[acct].SPNs[n]
	class                                        int32 // index in snapIndex.classes
	classEnd, hostOff, hostEnd, portOff, portEnd uint16
	snOff, snEnd                                 uint16
	spilled                                      bool // parsed form kept in snapIndex.spilled
}

// prebuild starts building, in the background, the parts of the index that
// do not depend on each other (parsed SPNs, DNS answers by name, domains'
// forests) when the list holds SPN checks, so they are ready, built on
// separate cores, by the time the checks ask. Run waits for it before
// returning: nothing reads the snapshot after Run.
func (ix *snapIndex) prebuild(list []Check, wg *sync.WaitGroup) {
	for _, c := range list {
		if c.Area == "SPN" {
			for _, f := range []func(){ix.parse, ix.buildDNS, ix.buildDomains} {
				wg.Add(1)
				go func() { defer wg.Done(); f() }()
			}
			return
		}
	}
}

func newSnapIndex(s *audit.Snapshot) *snapIndex {
	return &snapIndex{s: s, seed: maphash.MakeSeed()}
}

// indexFor returns the index Run built for s, or a new one when a check is
// called on its own (tests) or with another snapshot.
func indexFor(s *audit.Snapshot, opt Options) *snapIndex {
	if opt.index != nil && opt.index.s == s {
		return opt.index
	}
	return newSnapIndex(s)
}

// parse parses every SPN once per index.
func (ix *snapIndex) parse() {
	ix.spnOnce.Do(func() {
		n := 0
		for i := range ix.s.Accounts {
			n += len(ix.s.Accounts[i].SPNs)
		}
		ix.recs = make([]spnRec, 0, n)
		classID := map[string]int32{} // service classes are few: one entry each
		for i := range ix.s.Accounts {
			a := &ix.s.Accounts[i]
			for j, raw := range a.SPNs {
				v, err := spn.Parse(raw)
				c, ok := classID[v.ServiceClass]
				if !ok {
					c = int32(len(ix.classes))
					classID[v.ServiceClass] = c
					ix.classes = append(ix.classes, classInfo{lower: v.Class(), namesAHost: v.NamesAHost()})
				}
				r, ok := record(v)
				r.acct, r.n, r.class = int32(i), int32(j), c
				if err != nil || !ok {
					if ix.spilled == nil {
						ix.spilled = map[int32]parsedSPN{}
					}
					ix.spilled[int32(len(ix.recs))] = parsedSPN{SPN: v, account: a, err: err, class: ix.classes[c].lower}
					r.spilled = true
				}
				ix.recs = append(ix.recs, r)
			}
		}
	})
}

// record describes a parsed SPN by offsets into its value. ok is false when
// a part is not where a valid SPN has it (a malformed value, a value longer
// than 64 KiB): such SPNs are kept whole.
func record(v spn.SPN) (spnRec, bool) {
	raw := v.Raw
	classEnd := len(v.ServiceClass)
	hostOff := classEnd + 1
	hostEnd := hostOff + len(v.Host)
	end := hostEnd
	portOff, portEnd := 0, 0
	if v.Port != "" {
		portOff = end + 1
		portEnd = portOff + len(v.Port)
		end = portEnd
	}
	snOff, snEnd := 0, 0
	if v.ServiceName != "" {
		snOff = end + 1
		snEnd = snOff + len(v.ServiceName)
		end = snEnd
	}
	if end > len(raw) || end > 0xFFFF || raw[:classEnd] != v.ServiceClass || raw[hostOff:hostEnd] != v.Host ||
		raw[portOff:portEnd] != v.Port || raw[snOff:snEnd] != v.ServiceName {
		return spnRec{}, false
	}
	return spnRec{classEnd: uint16(classEnd), hostOff: uint16(hostOff), hostEnd: uint16(hostEnd),
		portOff: uint16(portOff), portEnd: uint16(portEnd), snOff: uint16(snOff), snEnd: uint16(snEnd)}, true
}

// spnCount is the number of SPNs in the index.
func (ix *snapIndex) spnCount() int {
	ix.parse()
	return len(ix.recs)
}

// at returns the SPN at position n, as spn.Parse gave it: its parts are
// substrings of the value in the snapshot, so this allocates nothing.
func (ix *snapIndex) at(n int) parsedSPN {
	r := &ix.recs[n]
	if r.spilled {
		return ix.spilled[int32(n)]
	}
	a := &ix.s.Accounts[r.acct]
	raw := a.SPNs[r.n]
	return parsedSPN{
		SPN: spn.SPN{Raw: raw, ServiceClass: raw[:r.classEnd], Host: raw[r.hostOff:r.hostEnd],
			Port: raw[r.portOff:r.portEnd], ServiceName: raw[r.snOff:r.snEnd]},
		account: a,
		class:   ix.classes[r.class].lower,
	}
}

// namesAHost is at(n).NamesAHost() without lower-casing the class again.
func (ix *snapIndex) namesAHost(n int) bool { return ix.classes[ix.recs[n].class].namesAHost }

// eachSPN calls fn for every SPN of every account, parsed once per index.
func (ix *snapIndex) eachSPN(fn func(p parsedSPN)) {
	ix.parse()
	for n := range ix.recs {
		fn(ix.at(n))
	}
}

// appendKey appends v.Key() to b without building a string: the bytes are
// the same (ASCII is lower-cased here; anything else goes through
// strings.ToLower, as Key does).
func appendKey(b []byte, v spn.SPN) []byte {
	b = appendLower(b, v.ServiceClass)
	b = append(b, '/')
	b = appendHostKey(b, v.Host)
	if v.Port != "" {
		b = append(b, ':')
		b = appendLower(b, v.Port)
	}
	if v.ServiceName != "" {
		b = append(b, '/')
		b = appendLower(b, v.ServiceName)
	}
	return b
}

// appendHostKey appends spn.NormalizeHost(host) to b.
func appendHostKey(b []byte, host string) []byte {
	start := len(b)
	b = appendLower(b, host)
	if len(b) > start && b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	return b
}

// appendLower appends strings.ToLower(s) to b.
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return append(b, strings.ToLower(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// keyBuf is room for a typical key on the stack.
type keyBuf [96]byte

// spnIndex maps SPN keys to the accounts holding them (valid SPNs only, the
// krbtgt accounts left out), in snapshot order. It is the hash of every
// such SPN's key with the SPN's position, sorted: 16 bytes per SPN instead
// of a map entry and a key string (a map[string] of a million keys cost
// 112 MiB). SPNs whose hashes are equal are told apart by their keys.
type spnIndex struct {
	ix     *snapIndex
	byHash []hashPos // sorted by hash, then position
	hash   func(key string) uint64
}

type hashPos struct {
	h   uint64
	pos int32
}

// spnIndex returns the SPN key → holders index.
func (ix *snapIndex) spnIndex() spnIndex {
	ix.holdersOnce.Do(func() {
		ix.parse()
		var buf keyBuf
		out := make([]hashPos, 0, len(ix.recs))
		for n := range ix.recs {
			p := ix.at(n)
			if p.err != nil || isKrbtgt(p.account) {
				continue
			}
			out = append(out, hashPos{h: maphash.Bytes(ix.seed, appendKey(buf[:0], p.SPN)), pos: int32(n)})
		}
		slices.SortFunc(out, func(a, b hashPos) int {
			switch {
			case a.h < b.h:
				return -1
			case a.h > b.h:
				return 1
			}
			return int(a.pos - b.pos)
		})
		ix.holders = spnIndex{ix: ix, byHash: out, hash: func(key string) uint64 { return maphash.String(ix.seed, key) }}
	})
	return ix.holders
}

// get returns the holders of key.
func (idx spnIndex) get(key string) spnHolders {
	h := idx.hash(key)
	i, _ := slices.BinarySearchFunc(idx.byHash, h, func(e hashPos, h uint64) int {
		switch {
		case e.h < h:
			return -1
		case e.h > h:
			return 1
		}
		return 0
	})
	var out spnHolders
	var buf keyBuf
	for ; i < len(idx.byHash) && idx.byHash[i].h == h; i++ {
		p := idx.ix.at(int(idx.byHash[i].pos))
		if string(appendKey(buf[:0], p.SPN)) == key {
			out = out.add(p.account)
		}
	}
	return out
}

// duplicates returns the keys held by more than one account, with their
// holders.
func (idx spnIndex) duplicates() map[string]spnHolders {
	out := map[string]spnHolders{}
	for i := 0; i < len(idx.byHash); {
		j := i + 1
		for j < len(idx.byHash) && idx.byHash[j].h == idx.byHash[i].h {
			j++
		}
		if j-i > 1 { // the same key more than once, or (never in practice) a collision
			groups := map[string]spnHolders{}
			for _, e := range idx.byHash[i:j] {
				p := idx.ix.at(int(e.pos))
				k := p.SPN.Key()
				groups[k] = groups[k].add(p.account)
			}
			for k, g := range groups {
				if len(g.more) > 0 {
					out[k] = g
				}
			}
		}
		i = j
	}
	return out
}

// firstIndex maps keys to the first value added with them, through a map
// keyed by the keys' 64-bit hashes: the keys stay where they are (the
// snapshot). A hash hit is confirmed with keyOf; a key whose hash another
// key took goes to spill.
type firstIndex[K comparable] struct {
	seed  maphash.Seed
	hash  func(maphash.Seed, K) uint64
	keyOf func(v int32) K
	first map[uint64]int32
	spill map[K]int32
}

func (x *firstIndex[K]) add(k K, v int32) {
	h := x.hash(x.seed, k)
	w, ok := x.first[h]
	switch {
	case !ok:
		x.first[h] = v
	case x.keyOf(w) == k: // not the first with this key
	default:
		if _, ok := x.spill[k]; !ok {
			if x.spill == nil {
				x.spill = map[K]int32{}
			}
			x.spill[k] = v
		}
	}
}

func (x *firstIndex[K]) get(k K) (int32, bool) {
	if w, ok := x.first[x.hash(x.seed, k)]; ok && x.keyOf(w) == k {
		return w, true
	}
	w, ok := x.spill[k]
	return w, ok
}

func hashName(seed maphash.Seed, name string) uint64 { return maphash.String(seed, name) }

func hashNamePair(seed maphash.Seed, k [2]string) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(k[0])
	h.WriteByte(0)
	h.WriteString(k[1])
	return h.Sum64()
}

func (ix *snapIndex) buildDNS() {
	ix.dnsOnce.Do(func() {
		hosts := ix.s.DNS.Hosts
		ix.hostFirst = firstIndex[string]{seed: ix.seed, hash: hashName, first: make(map[uint64]int32, len(hosts)),
			keyOf: func(v int32) string { return spn.NormalizeHost(hosts[v].Name) }}
		ix.hostAsked = firstIndex[[2]string]{seed: ix.seed, hash: hashNamePair, first: make(map[uint64]int32, len(hosts)),
			keyOf: func(v int32) [2]string {
				return [2]string{spn.NormalizeHost(hosts[v].Name), spn.NormalizeHost(hosts[v].QueriedAs)}
			}}
		for i, h := range hosts {
			name := spn.NormalizeHost(h.Name)
			ix.hostFirst.add(name, int32(i))
			ix.hostAsked.add([2]string{name, spn.NormalizeHost(h.QueriedAs)}, int32(i))
		}
	})
}

// host is audit.Snapshot.Host through the index: the first answer recorded
// for name (any case, trailing dot ignored).
func (ix *snapIndex) host(name string) (audit.HostLookup, bool) {
	ix.buildDNS()
	if i, ok := ix.hostFirst.get(spn.NormalizeHost(name)); ok {
		return ix.s.DNS.Hosts[i], true
	}
	return audit.HostLookup{}, false
}

// hostAskedAs returns the first answer recorded for name that was asked as
// queriedAs ("" = asked as itself); both normalised.
func (ix *snapIndex) hostAskedAs(name, queriedAs string) (audit.HostLookup, bool) {
	ix.buildDNS()
	if i, ok := ix.hostAsked.get([2]string{name, queriedAs}); ok {
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
