package audit

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/spntrust/spntrust/spn"
)

// View is a read-only index over one Snapshot: what the checks look up
// (DNS answers by name, domains by name and their forests, the parsed SPNs
// and their holders), computed once and shared by every check of one run
// (issue 10: on 1,000,000 SPNs the checks re-parsed every SPN about a dozen
// times, and each SPN host's DNS answer was found by a linear scan of every
// recorded answer, which is quadratic in the number of hosts). Each part is
// built on first use, at most once, and is safe for concurrent use, so a
// run of only the TRUST-* checks pays for none of the SPN parts.
//
// The view is kept small (issue 10's memory target: the snapshot itself
// takes ~400 MiB at 1,000,000 SPNs, snapshot and checks must stay under
// 1 GiB): it points into the snapshot instead of copying it. A parsed SPN is
// a 28-byte record of int32 positions and uint16 offsets into the value as
// stored; maps are keyed by 64-bit hashes of the lower-cased keys, not by
// key strings built per SPN, and every hash hit is confirmed against the
// real key, so a collision never changes an answer.
//
// The view assumes the snapshot does not change while it is in use.
type View struct {
	s    *Snapshot
	seed maphash.Seed

	spnOnce sync.Once
	recs    []spnRec           // every SPN of every account, parsed, in snapshot order
	spilled map[int32]SPNEntry // the few SPNs a record cannot describe (malformed, or a part that is not a plain substring)
	classes []classInfo        // service classes by classID

	holdersOnce sync.Once
	byHash      []hashPos               // holders index: sorted by hash, then position
	keyHash     func(key []byte) uint64 // tests force collisions with it; nil: maphash

	dnsOnce   sync.Once
	hostFirst firstIndex[string]    // normalised name → first answer with it (Snapshot.Host's choice)
	hostAsked firstIndex[[2]string] // normalised name and queriedAs → first such answer

	domOnce  sync.Once
	domains  map[string]int32 // lower-cased DNS name → first domain with it
	forests  map[string]int32 // lower-cased root domain → first forest with it
	nonASCII bool             // a domain or forest name outside ASCII: answer by scanning (EqualFold ≠ ToLower there)
}

// NewView returns the view of s. Nothing is computed until asked.
func NewView(s *Snapshot) *View {
	return &View{s: s, seed: maphash.MakeSeed()}
}

// Snapshot returns the snapshot the view indexes.
func (v *View) Snapshot() *Snapshot { return v.s }

// SPNEntry is one SPN of the snapshot, parsed, with the account holding it.
type SPNEntry struct {
	spn.SPN
	Account *Account
	Err     error // spn.Parse's error: the value is malformed
	// class caches SPN.Class() when the entry came from a View; "" means
	// "compute". (The key is not cached: a string per SPN was 60 MB on a
	// million SPNs; the view hashes keys without building them.)
	class string
}

// Class is SPN.Class, cached by the view.
func (p SPNEntry) Class() string {
	if p.class != "" {
		return p.class
	}
	return p.SPN.Class()
}

// classInfo is one service class as written, lower-cased once.
type classInfo struct {
	lower      string // SPN.Class()
	namesAHost bool   // SPN.NamesAHost() (which lower-cases the class on every call)
}

// spnRec is one SPN, parsed: where it is in the snapshot and where its
// parts are in the value (ServiceClass is raw[:classEnd], Host
// raw[hostOff:hostEnd], and so on). 28 bytes instead of the 136 of an
// SPNEntry with its cached key.
type spnRec struct {
	acct, n                                      int32 // s.Accounts[acct].SPNs[n]
	class                                        int32 // index in View.classes
	classEnd, hostOff, hostEnd, portOff, portEnd uint16
	snOff, snEnd                                 uint16
	spilled                                      bool // parsed form kept in View.spilled
}

// IsKrbtgt reports whether a is a domain's krbtgt account (or an RODC's
// krbtgt_NNNNN): disabled by design and holding kadmin/changepw in every domain.
func (a *Account) IsKrbtgt() bool {
	n := a.SAMAccountName // compared without lower-casing: no allocation per SPN
	return strings.EqualFold(n, "krbtgt") || (len(n) > 7 && strings.EqualFold(n[:7], "krbtgt_"))
}

// Prebuild starts building, in the background, the parts of the view that
// do not depend on each other (parsed SPNs, DNS answers by name, domains by
// name), so they are ready, built on separate cores, by the time they are
// asked for. The caller waits on wg before it stops using the snapshot.
func (v *View) Prebuild(wg *sync.WaitGroup) {
	for _, f := range []func(){v.parse, v.buildDNS, v.buildDomains} {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
}

// parse parses every SPN once per view.
func (v *View) parse() {
	v.spnOnce.Do(func() {
		n := 0
		for i := range v.s.Accounts {
			n += len(v.s.Accounts[i].SPNs)
		}
		v.recs = make([]spnRec, 0, n)
		classID := map[string]int32{} // service classes are few: one entry each
		for i := range v.s.Accounts {
			a := &v.s.Accounts[i]
			for j, raw := range a.SPNs {
				p, err := spn.Parse(raw)
				c, ok := classID[p.ServiceClass]
				if !ok {
					c = int32(len(v.classes))
					classID[p.ServiceClass] = c
					v.classes = append(v.classes, classInfo{lower: p.Class(), namesAHost: p.NamesAHost()})
				}
				r, ok := record(p)
				r.acct, r.n, r.class = int32(i), int32(j), c
				if err != nil || !ok {
					if v.spilled == nil {
						v.spilled = map[int32]SPNEntry{}
					}
					v.spilled[int32(len(v.recs))] = SPNEntry{SPN: p, Account: a, Err: err, class: v.classes[c].lower}
					r.spilled = true
				}
				v.recs = append(v.recs, r)
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

// SPNCount is the number of SPNs in the snapshot.
func (v *View) SPNCount() int {
	v.parse()
	return len(v.recs)
}

// SPNAt returns the SPN at position n (0 ≤ n < SPNCount, snapshot order),
// as spn.Parse gave it: its parts are substrings of the value in the
// snapshot, so this allocates nothing.
func (v *View) SPNAt(n int) SPNEntry {
	v.parse()
	r := &v.recs[n]
	if r.spilled {
		return v.spilled[int32(n)]
	}
	a := &v.s.Accounts[r.acct]
	raw := a.SPNs[r.n]
	return SPNEntry{
		SPN: spn.SPN{Raw: raw, ServiceClass: raw[:r.classEnd], Host: raw[r.hostOff:r.hostEnd],
			Port: raw[r.portOff:r.portEnd], ServiceName: raw[r.snOff:r.snEnd]},
		Account: a,
		class:   v.classes[r.class].lower,
	}
}

// SPNNamesAHost is SPNAt(n).NamesAHost() without lower-casing the class again.
func (v *View) SPNNamesAHost(n int) bool {
	v.parse()
	return v.classes[v.recs[n].class].namesAHost
}

// EachSPN calls fn for every SPN of every account, in snapshot order.
func (v *View) EachSPN(fn func(p SPNEntry)) {
	v.parse()
	for n := range v.recs {
		fn(v.SPNAt(n))
	}
}

// Seed is the view's hash seed.
func (v *View) Seed() maphash.Seed { return v.seed }

// AppendSPNKey appends p.Key() to b without building a string: the bytes are
// the same (ASCII is lower-cased here; anything else goes through
// strings.ToLower, as Key does).
func AppendSPNKey(b []byte, p spn.SPN) []byte {
	b = appendLower(b, p.ServiceClass)
	b = append(b, '/')
	b = AppendHostKey(b, p.Host)
	if p.Port != "" {
		b = append(b, ':')
		b = appendLower(b, p.Port)
	}
	if p.ServiceName != "" {
		b = append(b, '/')
		b = appendLower(b, p.ServiceName)
	}
	return b
}

// AppendHostKey appends spn.NormalizeHost(host) to b.
func AppendHostKey(b []byte, host string) []byte {
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

// Holders are the accounts holding one SPN key, in snapshot order.
// Almost every SPN has one holder, kept inline.
type Holders struct {
	First *Account
	More  []*Account // further holders, in order; nil for a unique SPN
}

// Add returns h with a added (once).
func (h Holders) Add(a *Account) Holders {
	if h.First == nil {
		h.First = a
		return h
	}
	if h.First == a {
		return h
	}
	for _, b := range h.More {
		if b == a {
			return h
		}
	}
	h.More = append(h.More, a)
	return h
}

// All returns the holders in order.
func (h Holders) All() []*Account {
	if h.First == nil {
		return nil
	}
	return append([]*Account{h.First}, h.More...)
}

// hashPos is one valid SPN in the holders index: the hash of its key and
// its position. 16 bytes per SPN instead of a map entry and a key string
// (a map[string] of a million keys cost 112 MiB).
type hashPos struct {
	h   uint64
	pos int32
}

func cmpHashPos(a, b hashPos) int {
	switch {
	case a.h < b.h:
		return -1
	case a.h > b.h:
		return 1
	}
	return int(a.pos - b.pos)
}

func (v *View) buildHolders() {
	v.holdersOnce.Do(func() {
		v.parse()
		var buf keyBuf
		out := make([]hashPos, 0, len(v.recs))
		for n := range v.recs {
			p := v.SPNAt(n)
			if p.Err != nil || p.Account.IsKrbtgt() {
				continue
			}
			out = append(out, hashPos{h: v.hashKey(AppendSPNKey(buf[:0], p.SPN)), pos: int32(n)})
		}
		slices.SortFunc(out, cmpHashPos)
		v.byHash = out
	})
}

func (v *View) hashKey(key []byte) uint64 {
	if v.keyHash != nil {
		return v.keyHash(key)
	}
	return maphash.Bytes(v.seed, key)
}

// Holders returns the accounts holding the SPN whose Key is key (valid SPNs
// only; the krbtgt accounts, which hold kadmin/changepw in every domain, are
// left out), in snapshot order.
func (v *View) Holders(key string) Holders {
	v.buildHolders()
	var h uint64
	if v.keyHash != nil {
		h = v.keyHash([]byte(key))
	} else {
		h = maphash.String(v.seed, key) // the same as maphash.Bytes of the key's bytes
	}
	i, _ := slices.BinarySearchFunc(v.byHash, h, func(e hashPos, h uint64) int {
		switch {
		case e.h < h:
			return -1
		case e.h > h:
			return 1
		}
		return 0
	})
	var out Holders
	var buf keyBuf
	for ; i < len(v.byHash) && v.byHash[i].h == h; i++ {
		p := v.SPNAt(int(v.byHash[i].pos))
		if string(AppendSPNKey(buf[:0], p.SPN)) == key {
			out = out.Add(p.Account)
		}
	}
	return out
}

// HoldersIn returns the accounts of one forest (ForestKey) holding the SPN
// whose Key is key.
func (v *View) HoldersIn(forest, key string) []*Account {
	var out []*Account
	for _, a := range v.Holders(key).All() {
		if v.ForestKey(a.Domain) == forest {
			out = append(out, a)
		}
	}
	return out
}

// TicketOwner says which account of a forest (ForestKey) a KDC issues a
// ticket for when a client asks for want: the account holding it
// explicitly, else the one holding the service class that the forest's
// sPNMappings map it to ([MS-DRSR] 4.1.4.2.14 LookupSPN). via is "" for an
// explicit holder, else the mapped SPN.
func (v *View) TicketOwner(forest string, want spn.SPN) (holders []*Account, via string) {
	if h := v.HoldersIn(forest, want.Key()); len(h) > 0 {
		return h, ""
	}
	for _, f := range v.s.Forests {
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
		if h := v.HoldersIn(forest, mapped.Key()); len(h) > 0 {
			return h, mapped.Raw
		}
	}
	return nil, ""
}

// DuplicateSPNs returns the SPN keys held by more than one account, with
// their holders.
func (v *View) DuplicateSPNs() map[string]Holders {
	v.buildHolders()
	out := map[string]Holders{}
	for i := 0; i < len(v.byHash); {
		j := i + 1
		for j < len(v.byHash) && v.byHash[j].h == v.byHash[i].h {
			j++
		}
		if j-i > 1 { // the same key more than once, or (never in practice) a collision
			groups := map[string]Holders{}
			for _, e := range v.byHash[i:j] {
				p := v.SPNAt(int(e.pos))
				k := p.SPN.Key()
				groups[k] = groups[k].Add(p.Account)
			}
			for k, g := range groups {
				if len(g.More) > 0 {
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

func (v *View) buildDNS() {
	v.dnsOnce.Do(func() {
		hosts := v.s.DNS.Hosts
		v.hostFirst = firstIndex[string]{seed: v.seed, hash: hashName, first: make(map[uint64]int32, len(hosts)),
			keyOf: func(i int32) string { return spn.NormalizeHost(hosts[i].Name) }}
		v.hostAsked = firstIndex[[2]string]{seed: v.seed, hash: hashNamePair, first: make(map[uint64]int32, len(hosts)),
			keyOf: func(i int32) [2]string {
				return [2]string{spn.NormalizeHost(hosts[i].Name), spn.NormalizeHost(hosts[i].QueriedAs)}
			}}
		for i, h := range hosts {
			name := spn.NormalizeHost(h.Name)
			v.hostFirst.add(name, int32(i))
			v.hostAsked.add([2]string{name, spn.NormalizeHost(h.QueriedAs)}, int32(i))
		}
	})
}

// Host is Snapshot.Host through the index: the first answer recorded for
// name (any case, trailing dot ignored).
func (v *View) Host(name string) (HostLookup, bool) {
	v.buildDNS()
	if i, ok := v.hostFirst.get(spn.NormalizeHost(name)); ok {
		return v.s.DNS.Hosts[i], true
	}
	return HostLookup{}, false
}

// HostAskedAs returns the first answer recorded for name that was asked as
// queriedAs ("" = asked as itself); both must be normalised
// (spn.NormalizeHost).
func (v *View) HostAskedAs(name, queriedAs string) (HostLookup, bool) {
	v.buildDNS()
	if i, ok := v.hostAsked.get([2]string{name, queriedAs}); ok {
		return v.s.DNS.Hosts[i], true
	}
	return HostLookup{}, false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func (v *View) buildDomains() {
	v.domOnce.Do(func() {
		v.domains = make(map[string]int32, len(v.s.Domains))
		for i, d := range v.s.Domains {
			if !isASCII(d.DNSName) {
				v.nonASCII = true
			}
			if k := strings.ToLower(d.DNSName); !mapHas(v.domains, k) {
				v.domains[k] = int32(i)
			}
		}
		v.forests = make(map[string]int32, len(v.s.Forests))
		for i, f := range v.s.Forests {
			if !isASCII(f.RootDomain) {
				v.nonASCII = true
			}
			if k := strings.ToLower(f.RootDomain); !mapHas(v.forests, k) {
				v.forests[k] = int32(i)
			}
		}
	})
}

func mapHas(m map[string]int32, k string) bool { _, ok := m[k]; return ok }

// DomainByName is Snapshot.DomainByName through the index: the domain with
// the given DNS name (any case).
func (v *View) DomainByName(name string) (Domain, bool) {
	v.buildDomains()
	if v.nonASCII || !isASCII(name) {
		return v.s.DomainByName(name)
	}
	if i, ok := v.domains[strings.ToLower(name)]; ok {
		return v.s.Domains[i], true
	}
	return Domain{}, false
}

// ForestOf is Snapshot.ForestOf through the index: the forest the named
// domain belongs to.
func (v *View) ForestOf(domain string) (Forest, bool) {
	d, ok := v.DomainByName(domain)
	if !ok {
		return Forest{}, false
	}
	if v.nonASCII || !isASCII(d.Forest) {
		return v.s.ForestOf(domain)
	}
	if i, ok := v.forests[strings.ToLower(d.Forest)]; ok {
		return v.s.Forests[i], true
	}
	return Forest{}, false
}

// NetBIOSOf is Snapshot.NetBIOSOf through the index: the NetBIOS name of
// the named domain, or "" if unknown.
func (v *View) NetBIOSOf(domain string) string {
	d, _ := v.DomainByName(domain)
	return d.NetBIOSName
}

// ForestKey names the forest of a domain: the forest root, or the domain
// itself (lower-cased) when the snapshot does not place it in a forest.
func (v *View) ForestKey(domain string) string {
	if root, ok := v.ForestRoot(domain); ok {
		return strings.ToLower(root)
	}
	return strings.ToLower(domain)
}

// ForestRoot returns the root domain of the forest the named domain belongs
// to, as recorded (ForestOf without copying the forest).
func (v *View) ForestRoot(domain string) (string, bool) {
	d, ok := v.DomainByName(domain)
	if !ok {
		return "", false
	}
	if v.nonASCII || !isASCII(d.Forest) {
		f, ok := v.s.ForestOf(domain)
		return f.RootDomain, ok
	}
	if i, ok := v.forests[strings.ToLower(d.Forest)]; ok {
		return v.s.Forests[i].RootDomain, true
	}
	return "", false
}
