package ldapx

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// An Active-Directory-integrated DNS zone is a dnsZone object under
// CN=MicrosoftDNS in one of three places (MS-DNSP 2.3): the domain's and
// the forest's DNS application partitions, and the legacy container in the
// domain partition's CN=System. Each name in the zone is a dnsNode child
// whose multi-valued dnsRecord attribute holds its records, one
// DNS_RPC_RECORD blob per value (MS-DNSP 2.3.2.2). The DNS servers on the
// DCs answer from exactly these objects.

// DNSZoneContainers returns the CN=MicrosoftDNS containers that may hold
// the zones of the domain domainDN; forestRootDN adds the forest-wide one
// (pass "" when domainDN is not the forest root, or it is listed already).
func DNSZoneContainers(domainDN, forestRootDN string) []string {
	out := []string{"CN=MicrosoftDNS,DC=DomainDnsZones," + domainDN}
	if forestRootDN != "" {
		out = append(out, "CN=MicrosoftDNS,DC=ForestDnsZones,"+forestRootDN)
	}
	return append(out, "CN=MicrosoftDNS,CN=System,"+domainDN)
}

// DNS record types as stored in dnsRecord (the wire types, MS-DNSP 2.2.2.1.1).
const (
	DNSTypeZero  uint16 = 0 // a tombstone's placeholder
	DNSTypeA     uint16 = 1
	DNSTypeNS    uint16 = 2
	DNSTypeCNAME uint16 = 5
	DNSTypeSOA   uint16 = 6
	DNSTypePTR   uint16 = 12
	DNSTypeAAAA  uint16 = 28
)

// dnsRecordHeader is the fixed part of a DNS_RPC_RECORD blob before its data.
const dnsRecordHeader = 24

// DNSRecord is one dnsRecord value.
type DNSRecord struct {
	Type uint16
	Rank uint8
	TTL  uint32 // seconds
	// TimeStamp is the aging time stamp in hours since 1601-01-01 UTC; 0 for
	// a static record (one that scavenging never removes).
	TimeStamp uint32
	// Data is the record's data in text: an address for A and AAAA, a
	// lower-case name without the final dot for CNAME, PTR and NS; empty for
	// the other types (which the audit does not read).
	Data string
}

// ParseDNSRecord decodes one dnsRecord value.
func ParseDNSRecord(b []byte) (DNSRecord, error) {
	if len(b) < dnsRecordHeader {
		return DNSRecord{}, fmt.Errorf("dnsRecord of %d bytes: shorter than its %d-byte header", len(b), dnsRecordHeader)
	}
	dataLen := int(binary.LittleEndian.Uint16(b[0:2]))
	r := DNSRecord{
		Type:      binary.LittleEndian.Uint16(b[2:4]),
		Rank:      b[5],
		TTL:       binary.BigEndian.Uint32(b[12:16]),
		TimeStamp: binary.LittleEndian.Uint32(b[20:24]),
	}
	if v := b[4]; v != 5 {
		return r, fmt.Errorf("dnsRecord version %d, want 5", v)
	}
	data := b[dnsRecordHeader:]
	if len(data) < dataLen {
		return r, fmt.Errorf("dnsRecord type %d: %d data bytes announced, %d present", r.Type, dataLen, len(data))
	}
	data = data[:dataLen]
	switch r.Type {
	case DNSTypeA:
		if len(data) != 4 {
			return r, fmt.Errorf("A record with %d data bytes, want 4", len(data))
		}
		r.Data = netip.AddrFrom4([4]byte(data)).String()
	case DNSTypeAAAA:
		if len(data) != 16 {
			return r, fmt.Errorf("AAAA record with %d data bytes, want 16", len(data))
		}
		r.Data = netip.AddrFrom16([16]byte(data)).String()
	case DNSTypeCNAME, DNSTypePTR, DNSTypeNS:
		name, err := parseCountName(data)
		if err != nil {
			return r, fmt.Errorf("record type %d: %w", r.Type, err)
		}
		r.Data = name
	}
	return r, nil
}

// parseCountName decodes a DNS_COUNT_NAME (MS-DNSP 2.2.2.2.2): the length of
// the raw name, its label count, then length-prefixed labels ending with a
// zero byte.
func parseCountName(b []byte) (string, error) {
	if len(b) < 2 {
		return "", errors.New("name shorter than its 2-byte header")
	}
	size, count := int(b[0]), int(b[1])
	raw := b[2:]
	if len(raw) < size {
		return "", fmt.Errorf("name of %d bytes announced, %d present", size, len(raw))
	}
	raw = raw[:size]
	labels := make([]string, 0, count)
	for i := 0; i < len(raw); {
		n := int(raw[i])
		i++
		if n == 0 {
			break
		}
		if i+n > len(raw) {
			return "", fmt.Errorf("label of %d bytes runs past the name", n)
		}
		labels = append(labels, string(raw[i:i+n]))
		i += n
	}
	if len(labels) != count {
		return "", fmt.Errorf("name has %d labels, its header says %d", len(labels), count)
	}
	return strings.ToLower(strings.Join(labels, ".")), nil
}

// DNSNode is one name of an AD-integrated zone.
type DNSNode struct {
	DN   string
	Zone string // the zone's name, lower case (from the parent dnsZone's DN)
	// Name is the node's name relative to the zone, lower case: "@" for the
	// zone's apex, "host", or several labels ("host.sub") for a deeper name.
	Name string
	// Tombstoned is dNSTombstoned: the name was deleted and the DNS server
	// treats it as absent until the object is removed.
	Tombstoned bool
	Records    []DNSRecord
	Problems   []ParseProblem
}

// FQDN is the node's full name, lower case, without the final dot.
func (n DNSNode) FQDN() string {
	if n.Name == "@" || n.Name == "" {
		return n.Zone
	}
	return n.Name + "." + n.Zone
}

// DNSZoneEntry is a dnsZone object: one zone stored in a container.
type DNSZoneEntry struct {
	DN   string
	Name string // lower case, without the final dot
}

// Served reports whether a DNS server answers from the zone: not the root
// hints ("RootDNSServers"), the trust anchors ("..TrustAnchors") or a zone
// being created or deleted ("..InProgress-x", "..Deleted-x").
func (z DNSZoneEntry) Served() bool { return ServedZone(z.Name) }

// ServedZone is DNSZoneEntry.Served for a lower-case zone name.
func ServedZone(name string) bool {
	return name != "" && !strings.HasPrefix(name, "..") && name != "rootdnsservers"
}

// ReadDNSZones lists the zones stored in container (one of
// DNSZoneContainers). A container that does not exist gives an error
// wrapping ErrNoDNSContainer.
func (c *Conn) ReadDNSZones(ctx context.Context, container string) ([]DNSZoneEntry, error) {
	if container == "" {
		return nil, errors.New("read DNS zones: no container DN")
	}
	var out []DNSZoneEntry
	_, err := c.Search(ctx, SearchRequest{
		BaseDN: container, Scope: ScopeOneLevel, Filter: "(objectClass=dnsZone)", Attributes: []string{"name"},
	}, func(e *Entry) error {
		name := e.Value("name")
		if name == "" {
			if dn, err := ldap.ParseDN(e.DN); err == nil && len(dn.RDNs) > 0 {
				name = rdnValue(dn.RDNs[0])
			}
		}
		out = append(out, DNSZoneEntry{DN: e.DN, Name: strings.TrimSuffix(strings.ToLower(name), ".")})
		return nil
	})
	if err != nil {
		return nil, dnsReadError("zones", container, err)
	}
	return out, nil
}

// dnsReadError wraps a failed read of base, mapping noSuchObject to
// ErrNoDNSContainer.
func dnsReadError(what, base string, err error) error {
	var le *ldap.Error
	if errors.As(err, &le) && le.ResultCode == ldap.LDAPResultNoSuchObject {
		err = ErrNoDNSContainer
	}
	return fmt.Errorf("read DNS %s of %s: %w", what, base, err)
}

// DNSNodeAttributes are the only attributes ReadDNSNodes requests.
var DNSNodeAttributes = []string{"name", "dnsRecord", "dNSTombstoned"}

// ErrNoDNSContainer means a CN=MicrosoftDNS container does not exist on this
// DC (no DNS application partition there, or zones kept elsewhere).
var ErrNoDNSContainer = errors.New("no such DNS container")

// ReadDNSNodes streams every dnsNode under base to fn: a zone's (its
// DNSZoneEntry.DN), or every zone's of a container (one of
// DNSZoneContainers). A base that does not exist gives an error wrapping
// ErrNoDNSContainer.
func (c *Conn) ReadDNSNodes(ctx context.Context, base string, fn func(DNSNode) error) (SearchStats, error) {
	if base == "" {
		return SearchStats{}, errors.New("read DNS nodes: no base DN")
	}
	st, err := c.Search(ctx, SearchRequest{
		BaseDN: base, Scope: ScopeSubtree, Filter: "(objectClass=dnsNode)", Attributes: DNSNodeAttributes,
	}, func(e *Entry) error { return fn(ParseDNSNode(e)) })
	if err != nil {
		return st, dnsReadError("nodes", base, err)
	}
	return st, nil
}

// ParseDNSNode turns a dnsNode entry into a DNSNode. Values that cannot be
// decoded are reported as problems and left out.
func ParseDNSNode(e *Entry) DNSNode {
	n := DNSNode{DN: e.DN, Tombstoned: strings.EqualFold(e.Value("dNSTombstoned"), "TRUE")}
	if dn, err := ldap.ParseDN(e.DN); err == nil && len(dn.RDNs) >= 2 {
		n.Name = strings.ToLower(rdnValue(dn.RDNs[0]))
		n.Zone = strings.TrimSuffix(strings.ToLower(rdnValue(dn.RDNs[1])), ".")
	} else {
		n.Problems = append(n.Problems, ParseProblem{DN: e.DN, Attribute: "distinguishedName",
			Problem: "not DC=<name>,DC=<zone>,...: the node's zone is unknown"})
	}
	if v := e.Value("name"); v != "" {
		n.Name = strings.ToLower(v)
	}
	for _, raw := range e.Raw("dnsRecord") {
		r, err := ParseDNSRecord(raw)
		if err != nil {
			n.Problems = append(n.Problems, ParseProblem{DN: e.DN, Attribute: "dnsRecord", Problem: err.Error()})
			continue
		}
		n.Records = append(n.Records, r)
	}
	return n
}

func rdnValue(r *ldap.RelativeDN) string {
	if len(r.Attributes) == 0 {
		return ""
	}
	return r.Attributes[0].Value
}
