package collect

import (
	"context"
	"net/netip"
	"sort"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/spntrust/spntrust/audit"
)

// DNSQuerier asks one DNS question and returns the answer message. A name
// that does not exist is an error for which IsNXDomain returns true.
// ldapx.DNSResolver implements it; tests may use a fake.
type DNSQuerier interface {
	Query(ctx context.Context, name string, qtype uint16) (*dns.Msg, error)
}

// maxCNAMEHops bounds CNAME chains, so a loop cannot hang the audit.
const maxCNAMEHops = 8

// HostQuery is a host name to resolve; Suffix is appended to a single-label
// name (the DNS suffix of the domain whose SPN names it).
type HostQuery struct {
	Name   string
	Suffix string
}

// LookupHost resolves a host as a Windows client would before building an
// SPN: follow the CNAME chain to the canonical name, then collect its A,
// AAAA and the PTR names of every address.
func LookupHost(ctx context.Context, q DNSQuerier, hq HostQuery, isNXDomain func(error) bool) audit.HostLookup {
	h := audit.HostLookup{Name: canonicalName(hq.Name)}
	current := h.Name
	if !strings.Contains(current, ".") && hq.Suffix != "" {
		current = current + "." + canonicalName(hq.Suffix)
		h.QueriedAs = current
	}
	seen := map[string]bool{current: true}
	for hop := 0; ; hop++ {
		msg, err := q.Query(ctx, current, dns.TypeA)
		if err != nil {
			if isNXDomain(err) {
				h.Status = audit.DNSNXDomain
			} else {
				h.Status = audit.DNSError
			}
			h.Error = err.Error()
			return h
		}
		next, a := followAnswer(msg, current)
		h.CNAMEs = append(h.CNAMEs, chainFrom(msg, current)...)
		h.A = append(h.A, a...)
		if len(a) > 0 || next == current {
			current = next
			break
		}
		// The server returned the chain but not the target's address: ask again.
		if hop >= maxCNAMEHops || seen[next] {
			h.Status = audit.DNSError
			h.Error = "CNAME chain too long or looping at " + next
			return h
		}
		seen[next] = true
		current = next
	}
	h.Canonical = current
	if msg, err := q.Query(ctx, current, dns.TypeAAAA); err == nil {
		_, h.AAAA = followAnswerType(msg, current, dns.TypeAAAA)
	}
	if len(h.A)+len(h.AAAA) == 0 {
		h.Status = audit.DNSNoData
		return h
	}
	h.Status = audit.DNSOK
	for _, addr := range append(append([]string(nil), h.A...), h.AAAA...) {
		rev, err := dns.ReverseAddr(addr)
		if _, dup := h.PTR.Lookup(addr); err != nil || dup {
			continue
		}
		var names []string // nil: the query failed or found no PTR
		if msg, err := q.Query(ctx, rev, dns.TypePTR); err == nil {
			for _, rr := range msg.Answer {
				if p, ok := rr.(*dns.PTR); ok {
					names = append(names, canonicalName(p.Ptr))
				}
			}
			sort.Strings(names)
		}
		h.PTR = append(h.PTR, audit.PTR{Addr: addr, Names: names})
		sort.Slice(h.PTR, func(i, j int) bool { return h.PTR[i].Addr < h.PTR[j].Addr })
	}
	return h
}

// chainFrom returns the CNAME targets reachable from name in the answer, in order.
func chainFrom(msg *dns.Msg, name string) []string {
	var chain []string
	current := name
	for i := 0; i <= maxCNAMEHops; i++ {
		found := false
		for _, rr := range msg.Answer {
			if c, ok := rr.(*dns.CNAME); ok && canonicalName(c.Hdr.Name) == current {
				current = canonicalName(c.Target)
				chain = append(chain, current)
				found = true
				break
			}
		}
		if !found {
			break
		}
	}
	return chain
}

// followAnswer returns the end of name's CNAME chain in msg and its A records.
func followAnswer(msg *dns.Msg, name string) (string, []string) {
	return followAnswerType(msg, name, dns.TypeA)
}

func followAnswerType(msg *dns.Msg, name string, qtype uint16) (string, []string) {
	end := name
	if chain := chainFrom(msg, name); len(chain) > 0 {
		end = chain[len(chain)-1]
	}
	var addrs []string
	for _, rr := range msg.Answer {
		if canonicalName(rr.Header().Name) != end {
			continue
		}
		switch v := rr.(type) {
		case *dns.A:
			if qtype == dns.TypeA {
				if a, ok := netip.AddrFromSlice(v.A.To4()); ok {
					addrs = append(addrs, a.String())
				}
			}
		case *dns.AAAA:
			if qtype == dns.TypeAAAA {
				if a, ok := netip.AddrFromSlice(v.AAAA); ok {
					addrs = append(addrs, a.String())
				}
			}
		}
	}
	sort.Strings(addrs)
	return end, addrs
}

// LookupSRV queries one SRV name.
func LookupSRV(ctx context.Context, q DNSQuerier, name string, isNXDomain func(error) bool) audit.SRVLookup {
	l := audit.SRVLookup{Name: canonicalName(name)}
	msg, err := q.Query(ctx, l.Name, dns.TypeSRV)
	if err != nil {
		l.Status = audit.DNSError
		if isNXDomain(err) {
			l.Status = audit.DNSNXDomain
		}
		l.Error = err.Error()
		return l
	}
	for _, rr := range msg.Answer {
		if s, ok := rr.(*dns.SRV); ok {
			l.Targets = append(l.Targets, audit.SRVTarget{Target: canonicalName(s.Target), Port: int(s.Port), Priority: int(s.Priority), Weight: int(s.Weight)})
		}
	}
	sort.Slice(l.Targets, func(i, j int) bool {
		a, b := l.Targets[i], l.Targets[j]
		if a.Priority != b.Priority {
			return a.Priority < b.Priority
		}
		return a.Target < b.Target
	})
	l.Status = audit.DNSOK
	if len(l.Targets) == 0 {
		l.Status = audit.DNSNoData
	}
	return l
}

// CollectDNS looks up every host and SRV name with at most workers queries
// in flight, and returns the answers sorted by name.
func CollectDNS(ctx context.Context, q DNSQuerier, isNXDomain func(error) bool, hostQueries []HostQuery, srvNames []string, workers int) audit.DNS {
	return collectDNS(ctx, q, isNXDomain, hostQueries, srvNames, workers, nil)
}

// collectDNS is CollectDNS taking answers already looked up (by queried
// name, see hostPrefetch) instead of asking again.
func collectDNS(ctx context.Context, q DNSQuerier, isNXDomain func(error) bool, hostQueries []HostQuery, srvNames []string, workers int, known map[string]audit.HostLookup) audit.DNS {
	if workers < 1 {
		workers = 1
	}
	hosts, srvNames := uniqueHosts(hostQueries), uniqueNames(srvNames)
	// A short name asked with its domain's suffix is the same question as
	// that FQDN, and computers register both (HOST/<short>, HOST/<fqdn>):
	// ask each distinct name once and record its answer under every host
	// that asks it (issue 10: this halves the queries of a large directory).
	asked := map[string]int{} // queried name → index in questions
	var questions []HostQuery
	which := make([]int, len(hosts))
	for i, h := range hosts {
		qn := queriedName(h)
		j, ok := asked[qn]
		if !ok {
			j = len(questions)
			asked[qn] = j
			questions = append(questions, HostQuery{Name: qn})
		}
		which[i] = j
	}
	answers := make([]audit.HostLookup, len(questions))
	out := audit.DNS{Hosts: make([]audit.HostLookup, len(hosts)), SRV: make([]audit.SRVLookup, len(srvNames))}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			f()
		}()
	}
	for i, h := range questions {
		if a, ok := known[h.Name]; ok && a.Status != audit.DNSError {
			answers[i] = a
			continue
		}
		run(func() { answers[i] = lookupHost(ctx, q, h, isNXDomain) })
	}
	for i, s := range srvNames {
		run(func() { out.SRV[i] = LookupSRV(ctx, q, s, isNXDomain) })
	}
	wg.Wait()
	for i, h := range hosts {
		a := answers[which[i]] // shares the answer's slices: read-only from here on
		a.Name, a.QueriedAs = h.Name, ""
		if qn := queriedName(h); qn != h.Name {
			a.QueriedAs = qn
		}
		out.Hosts[i] = a
	}
	return out
}

// queriedName is the name LookupHost asks for hq: the name itself, or a
// single-label name with the suffix appended.
func queriedName(hq HostQuery) string {
	name := canonicalName(hq.Name)
	if !strings.Contains(name, ".") && hq.Suffix != "" {
		return name + "." + canonicalName(hq.Suffix)
	}
	return name
}

// uniqueHosts drops repeated names (the first suffix given for a short name
// wins) and sorts by name.
func uniqueHosts(in []HostQuery) []HostQuery {
	seen := map[string]bool{}
	var out []HostQuery
	for _, h := range in {
		n := canonicalName(h.Name)
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, HostQuery{Name: n, Suffix: h.Suffix})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func uniqueNames(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range in {
		n = canonicalName(n)
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func canonicalName(n string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(n)), ".")
}
