package collect

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/spntrust/spntrust/ldapx"

	"github.com/spntrust/spntrust/audit"
)

// DNS sources (Config.DNSSource).
const (
	// DNSSourceAuto answers host lookups from the AD-integrated zones read
	// over LDAP where a zone holds the name, and asks the DNS server for
	// the rest (the default).
	DNSSourceAuto = "auto"
	// DNSSourceServer asks the DNS server for every name.
	DNSSourceServer = "dns"
)

// zoneStore holds AD-integrated zones read from the directory and answers
// the questions a DNS server on a DC would answer from them: A, AAAA, CNAME
// and PTR. Where its answer could differ from the server's — a name under
// a delegation, under a wildcard, a name that exists only as the
// parent of deeper names, a name whose records the auditor may not read,
// the same zone stored twice — it declines, and the question goes to the
// DNS server.
type zoneStore struct {
	mu    sync.Mutex
	zones map[string]*storedZone // by zone name
	read  []audit.DNSZone        // what was read, for the snapshot
}

// storedZone is one zone's names. A parent zone's delegation to a child
// zone and the child's apex share a name, so nodes are kept per zone.
type storedZone struct {
	container string
	decline   bool                   // leave every name to the DNS server: stored twice, or not read
	wildcards map[string]bool        // parents of "*" nodes: the server synthesises answers below them
	nodes     map[string]*storedNode // by full name
	ancestors map[string]bool        // names that have nodes below them
}

type storedNode struct {
	tombstoned bool
	records    []ldapx.DNSRecord
	// damaged: a dnsRecord value could not be decoded (it is a gap), so
	// the records known are not all of them.
	damaged bool
}

func newZoneStore() *zoneStore {
	return &zoneStore{zones: map[string]*storedZone{}}
}

// add records the nodes read from one container of one DC.
func (s *zoneStore) add(server, container string, nodes []ldapx.DNSNode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	counts := map[string]int{}
	var order []string
	for _, n := range nodes {
		if !ldapx.ServedZone(n.Zone) {
			continue
		}
		z := s.zones[n.Zone]
		if z == nil {
			z = &storedZone{container: container, nodes: map[string]*storedNode{}, ancestors: map[string]bool{}, wildcards: map[string]bool{}}
			s.zones[n.Zone] = z
		} else if !strings.EqualFold(z.container, container) {
			z.decline = true
		}
		if _, ok := counts[n.Zone]; !ok {
			order = append(order, n.Zone)
		}
		counts[n.Zone]++
		fqdn := n.FQDN()
		if n.Name == "*" || strings.HasPrefix(n.Name, "*.") {
			z.wildcards[parentName(fqdn)] = true
		}
		if prev := z.nodes[fqdn]; prev != nil {
			// The same name twice in one zone ("host" and "host.zone."
			// style names): the server's choice, not ours.
			z.decline = true
			prev.records = append(prev.records, n.Records...)
			continue
		}
		z.nodes[fqdn] = &storedNode{tombstoned: n.Tombstoned, records: n.Records, damaged: len(n.Problems) > 0}
		for p := parentName(fqdn); p != "" && len(p) > len(n.Zone); p = parentName(p) {
			z.ancestors[p] = true
		}
	}
	for _, zone := range order {
		s.read = append(s.read, audit.DNSZone{Name: zone, Container: container, Server: server, Nodes: counts[zone]})
	}
}

// unread records a zone that exists but could not be read: names in it
// must go to the DNS server, not get NXDOMAIN from a parent zone that was
// read.
func (s *zoneStore) unread(zone string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if z := s.zones[zone]; z != nil {
		z.decline = true
		return
	}
	s.zones[zone] = &storedZone{decline: true, nodes: map[string]*storedNode{}, ancestors: map[string]bool{}, wildcards: map[string]bool{}}
}

// holds reports whether a zone read (or known and declined) holds name.
func (s *zoneStore) holds(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, z := s.zoneOf(canonicalName(name))
	return z != nil
}

// empty reports whether no zone was read.
func (s *zoneStore) empty() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.zones) == 0
}

func parentName(name string) string {
	_, rest, ok := strings.Cut(name, ".")
	if !ok {
		return ""
	}
	return rest
}

// zoneOf returns the longest zone holding name.
func (s *zoneStore) zoneOf(name string) (string, *storedZone) {
	for n := name; n != ""; n = parentName(n) {
		if z := s.zones[n]; z != nil {
			return n, z
		}
	}
	return "", nil
}

// answer returns what the zone data says about (name, qtype), or ok=false
// when the DNS server must be asked instead.
func (s *zoneStore) answer(name string, qtype uint16) (msg *dns.Msg, ok bool, err error) {
	switch qtype {
	case dns.TypeA, dns.TypeAAAA, dns.TypeCNAME, dns.TypePTR:
	default:
		return nil, false, nil // SRV and the rest: ask the server
	}
	name = canonicalName(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	zoneName, z := s.zoneOf(name)
	if z == nil || z.decline {
		return nil, false, nil
	}
	// A delegation (NS records below the apex) hands the name to other servers.
	for n := name; n != zoneName && n != ""; n = parentName(n) {
		if node := z.nodes[n]; node != nil && !node.tombstoned && hasType(node.records, ldapx.DNSTypeNS) {
			return nil, false, nil
		}
	}
	msg = new(dns.Msg)
	msg.SetQuestion(dns.Fqdn(name), qtype)
	msg.Authoritative = true
	node := z.nodes[name]
	if node != nil && !node.tombstoned && (len(node.records) == 0 || node.damaged) {
		// Listed but no dnsRecord readable (the records are hidden from
		// the auditor by the node's ACL, as adidnsdump meets too), or one
		// could not be decoded: only the server knows.
		return nil, false, nil
	}
	if node == nil || node.tombstoned || !hasLiveRecords(node.records) {
		if z.ancestors[name] || z.wildcardAbove(name, zoneName) {
			return nil, false, nil
		}
		return nil, true, fmt.Errorf("%s %s: %w (no such name in zone %s, read from the directory)",
			dns.TypeToString[qtype], name, ldapx.ErrNotFound, zoneName)
	}
	if qtype != dns.TypeCNAME {
		for _, r := range node.records {
			if r.Type == ldapx.DNSTypeCNAME {
				msg.Answer = append(msg.Answer, &dns.CNAME{Hdr: header(name, dns.TypeCNAME, r.TTL), Target: dns.Fqdn(r.Data)})
				return msg, true, nil
			}
		}
	}
	for _, r := range node.records {
		if r.Type != qtype {
			continue
		}
		switch qtype {
		case dns.TypeA:
			if ip := net.ParseIP(r.Data).To4(); ip != nil {
				msg.Answer = append(msg.Answer, &dns.A{Hdr: header(name, qtype, r.TTL), A: ip})
			}
		case dns.TypeAAAA:
			if ip := net.ParseIP(r.Data); ip != nil {
				msg.Answer = append(msg.Answer, &dns.AAAA{Hdr: header(name, qtype, r.TTL), AAAA: ip})
			}
		case dns.TypeCNAME:
			msg.Answer = append(msg.Answer, &dns.CNAME{Hdr: header(name, qtype, r.TTL), Target: dns.Fqdn(r.Data)})
		case dns.TypePTR:
			msg.Answer = append(msg.Answer, &dns.PTR{Hdr: header(name, qtype, r.TTL), Ptr: dns.Fqdn(r.Data)})
		}
	}
	return msg, true, nil
}

// wildcardAbove reports whether a "*" node of the zone could answer name:
// one whose parent is an ancestor of name within the zone.
func (z *storedZone) wildcardAbove(name, zoneName string) bool {
	for p := parentName(name); p != ""; p = parentName(p) {
		if z.wildcards[p] {
			return true
		}
		if p == zoneName {
			break
		}
	}
	return false
}

func header(name string, qtype uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: dns.Fqdn(name), Rrtype: qtype, Class: dns.ClassINET, Ttl: ttl}
}

func hasType(records []ldapx.DNSRecord, t uint16) bool {
	for _, r := range records {
		if r.Type == t {
			return true
		}
	}
	return false
}

func hasLiveRecords(records []ldapx.DNSRecord) bool {
	for _, r := range records {
		if r.Type != ldapx.DNSTypeZero {
			return true
		}
	}
	return false
}

// zoneQuerier answers from the zone store and asks the DNS server what the
// store declines.
type zoneQuerier struct {
	store *zoneStore
	wire  DNSQuerier
}

// Query implements DNSQuerier.
func (z *zoneQuerier) Query(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	msg, _, err := z.query(ctx, name, qtype)
	return msg, err
}

func (z *zoneQuerier) query(ctx context.Context, name string, qtype uint16) (*dns.Msg, bool, error) {
	if msg, ok, err := z.store.answer(name, qtype); ok {
		return msg, true, err
	}
	msg, err := z.wire.Query(ctx, name, qtype)
	return msg, false, err
}

// sourceRecorder notes where the answers of one host lookup came from.
type sourceRecorder struct {
	z         *zoneQuerier
	dir, wire bool
}

func (r *sourceRecorder) Query(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	msg, fromDirectory, err := r.z.query(ctx, name, qtype)
	if fromDirectory {
		r.dir = true
	} else {
		r.wire = true
	}
	return msg, err
}

func (r *sourceRecorder) source() string {
	switch {
	case r.dir && r.wire:
		return audit.SourceDirectoryAndDNS
	case r.dir:
		return audit.SourceDirectory
	}
	return ""
}

// lookupHost is LookupHost recording, when q answers from zone data, where
// the answers came from.
func lookupHost(ctx context.Context, q DNSQuerier, hq HostQuery, isNXDomain func(error) bool) audit.HostLookup {
	z, ok := q.(*zoneQuerier)
	if !ok {
		return LookupHost(ctx, q, hq, isNXDomain)
	}
	rec := &sourceRecorder{z: z}
	h := LookupHost(ctx, rec, hq, isNXDomain)
	h.Source = rec.source()
	return h
}
