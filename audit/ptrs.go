package audit

import (
	"bytes"
	"encoding/json"
	"sort"
)

// PTRs are the PTR names of each address of a host lookup, sorted by
// address. In JSON it is an object from address to names (null when the
// PTR query failed), exactly as a map[string][]string encodes, so snapshot
// files are unchanged; in memory a slice, because a map per DNS answer cost
// ~330 bytes more each (~175 MiB on a 1,000,000-SPN snapshot; issue 10).
type PTRs []PTR

// PTR is the answer for one address: its PTR names, sorted; nil when the
// PTR query failed or found none.
type PTR struct {
	Addr  string
	Names []string
}

// Lookup returns the names recorded for addr and whether addr was asked.
func (p PTRs) Lookup(addr string) ([]string, bool) {
	i := sort.Search(len(p), func(i int) bool { return p[i].Addr >= addr })
	if i < len(p) && p[i].Addr == addr {
		return p[i].Names, true
	}
	return nil, false
}

// PTRsOf builds PTRs from a map (for callers and tests that think in maps).
func PTRsOf(m map[string][]string) PTRs {
	if m == nil {
		return nil
	}
	out := make(PTRs, 0, len(m))
	for a, n := range m {
		out = append(out, PTR{Addr: a, Names: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Addr < out[j].Addr })
	return out
}

// MarshalJSON writes the object a map[string][]string would: keys sorted.
func (p PTRs) MarshalJSON() ([]byte, error) {
	if p == nil {
		return []byte("null"), nil
	}
	sorted := p
	if !sort.SliceIsSorted(p, func(i, j int) bool { return p[i].Addr < p[j].Addr }) {
		sorted = append(PTRs(nil), p...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Addr < sorted[j].Addr })
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range sorted {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(e.Addr)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(e.Names)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads the object form (a repeated address keeps the last
// value, as a map would).
func (p *PTRs) UnmarshalJSON(data []byte) error {
	var m map[string][]string
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*p = PTRsOf(m)
	return nil
}
