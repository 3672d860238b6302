package collect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/spntrust/spntrust/ldapx"

	"github.com/spntrust/spntrust/audit"
)

func rec(t uint16, data string) ldapx.DNSRecord {
	return ldapx.DNSRecord{Type: t, TTL: 900, Data: data}
}

func node(zone, name string, recs ...ldapx.DNSRecord) ldapx.DNSNode {
	return ldapx.DNSNode{Zone: zone, Name: name, Records: recs}
}

// labZones is a forward and a reverse zone with every case the store must
// answer or decline.
func labZones() []ldapx.DNSNode {
	tomb := node("corp.example", "gone", ldapx.DNSRecord{Type: ldapx.DNSTypeZero})
	tomb.Tombstoned = true
	return []ldapx.DNSNode{
		node("corp.example", "@", rec(ldapx.DNSTypeA, "10.0.0.10"), rec(ldapx.DNSTypeNS, "dc1.corp.example")),
		node("corp.example", "web", rec(ldapx.DNSTypeA, "10.0.0.20"), rec(ldapx.DNSTypeA, "10.0.0.21")),
		node("corp.example", "v6", rec(ldapx.DNSTypeAAAA, "2001:db8::20")),
		node("corp.example", "alias", rec(ldapx.DNSTypeCNAME, "web.corp.example")),
		node("corp.example", "outside", rec(ldapx.DNSTypeCNAME, "www.elsewhere.example")),
		node("corp.example", "txtonly", ldapx.DNSRecord{Type: 16, TTL: 900}),
		tomb,
		node("corp.example", "sub", rec(ldapx.DNSTypeNS, "ns.sub.corp.example")),
		node("corp.example", "a.deep", rec(ldapx.DNSTypeA, "10.0.0.30")),
		node("corp.example", "hidden"), // listed, dnsRecord not readable
		{Zone: "corp.example", Name: "damaged", Records: []ldapx.DNSRecord{rec(ldapx.DNSTypeA, "10.0.0.50")},
			Problems: []ldapx.ParseProblem{{Attribute: "dnsRecord", Problem: "A record with 3 data bytes, want 4"}}},
		node("0.10.in-addr.arpa", "20.0", rec(ldapx.DNSTypePTR, "web.corp.example")),
		node("wild.example", "*", rec(ldapx.DNSTypeA, "10.9.9.9")),
		node("corp.example", "*.apps", rec(ldapx.DNSTypeA, "10.0.0.40")),
		node("..TrustAnchors", "@"),
	}
}

func TestZoneStoreAnswersWhatADCWouldAndDeclinesTheRest(t *testing.T) {
	s := newZoneStore()
	s.add("dc1.corp.example", "CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example", labZones())
	tests := []struct {
		name  string
		qtype uint16
		// want: "declined", "nxdomain", or the answer's records in text.
		want []string
	}{
		{"web.corp.example", dns.TypeA, []string{"web.corp.example. A 10.0.0.20", "web.corp.example. A 10.0.0.21"}},
		{"WEB.Corp.Example.", dns.TypeA, []string{"web.corp.example. A 10.0.0.20", "web.corp.example. A 10.0.0.21"}},
		{"web.corp.example", dns.TypeAAAA, nil}, // NODATA
		{"v6.corp.example", dns.TypeAAAA, []string{"v6.corp.example. AAAA 2001:db8::20"}},
		{"corp.example", dns.TypeA, []string{"corp.example. A 10.0.0.10"}},
		{"alias.corp.example", dns.TypeA, []string{"alias.corp.example. CNAME web.corp.example."}},
		{"alias.corp.example", dns.TypeAAAA, []string{"alias.corp.example. CNAME web.corp.example."}},
		{"outside.corp.example", dns.TypeA, []string{"outside.corp.example. CNAME www.elsewhere.example."}},
		{"txtonly.corp.example", dns.TypeA, nil},
		{"a.deep.corp.example", dns.TypeA, []string{"a.deep.corp.example. A 10.0.0.30"}},
		{"20.0.0.10.in-addr.arpa", dns.TypePTR, []string{"20.0.0.10.in-addr.arpa. PTR web.corp.example."}},
		{"missing.corp.example", dns.TypeA, []string{"nxdomain"}},
		{"gone.corp.example", dns.TypeA, []string{"nxdomain"}},             // tombstoned
		{"99.0.0.10.in-addr.arpa", dns.TypePTR, []string{"nxdomain"}},      // in the reverse zone, absent
		{"host.sub.corp.example", dns.TypeA, []string{"declined"}},         // delegated
		{"deep.corp.example", dns.TypeA, []string{"declined"}},             // only the parent of a.deep
		{"x.wild.example", dns.TypeA, []string{"declined"}},                // wildcard at the apex
		{"a.b.apps.corp.example", dns.TypeA, []string{"declined"}},         // under *.apps
		{"apps2.corp.example", dns.TypeA, []string{"nxdomain"}},            // not under *.apps
		{"www.elsewhere.example", dns.TypeA, []string{"declined"}},         // no zone read
		{"_ldap._tcp.corp.example", dns.TypeSRV, []string{"declined"}},     // SRV: the server
		{"web.corp.example", dns.TypeMX, []string{"declined"}},             // types the store does not keep
		{"..trustanchors", dns.TypeA, []string{"declined"}},                // not a served zone
		{"9.9.10.in-addr.arpa.example", dns.TypePTR, []string{"declined"}}, // no zone
	}
	for _, tt := range tests {
		msg, ok, err := s.answer(tt.name, tt.qtype)
		var got []string
		switch {
		case !ok:
			got = []string{"declined"}
		case err != nil:
			if !errors.Is(err, ldapx.ErrNotFound) {
				t.Errorf("%s %s: error %v does not wrap ldapx.ErrNotFound", tt.name, dns.TypeToString[tt.qtype], err)
			}
			got = []string{"nxdomain"}
		default:
			for _, rr := range msg.Answer {
				f := strings.Fields(rr.String())
				got = append(got, f[0]+" "+f[3]+" "+f[4])
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s %s = %q, want %q", tt.name, dns.TypeToString[tt.qtype], got, tt.want)
		}
	}
}

func TestZoneStoreAnswersAChildZonesApexFromTheChildNotTheDelegation(t *testing.T) {
	// As on every DC: lab.test delegates _msdcs.lab.test (NS at its
	// "_msdcs" node), and the forest-wide zone _msdcs.lab.test holds the
	// DCs' GUID aliases.
	s := newZoneStore()
	s.add("dc1", "CN=MicrosoftDNS,DC=DomainDnsZones,DC=lab,DC=test", []ldapx.DNSNode{
		node("lab.test", "@", rec(ldapx.DNSTypeNS, "dc1.lab.test")),
		node("lab.test", "dc1", rec(ldapx.DNSTypeA, "127.0.0.11")),
		node("lab.test", "_msdcs", rec(ldapx.DNSTypeNS, "dc1.lab.test")),
	})
	s.add("dc1", "CN=MicrosoftDNS,DC=ForestDnsZones,DC=lab,DC=test", []ldapx.DNSNode{
		node("_msdcs.lab.test", "@", rec(ldapx.DNSTypeNS, "dc1.lab.test")),
		node("_msdcs.lab.test", "guid", rec(ldapx.DNSTypeCNAME, "dc1.lab.test")),
	})
	for _, q := range []struct {
		name string
		want string
	}{
		{"guid._msdcs.lab.test", "CNAME dc1.lab.test."},
		{"_msdcs.lab.test", "nodata"},
		{"dc1.lab.test", "A 127.0.0.11"},
	} {
		msg, ok, err := s.answer(q.name, dns.TypeA)
		got := "declined"
		switch {
		case ok && err != nil:
			got = err.Error()
		case ok && len(msg.Answer) == 0:
			got = "nodata"
		case ok:
			f := strings.Fields(msg.Answer[0].String())
			got = f[3] + " " + f[4]
		}
		if got != q.want {
			t.Errorf("%s A = %s, want %s", q.name, got, q.want)
		}
	}
}

func TestZoneStoreDeclinesNamesOfAZoneThatCouldNotBeRead(t *testing.T) {
	s := newZoneStore()
	s.add("dc1", "CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example", []ldapx.DNSNode{node("corp.example", "web", rec(ldapx.DNSTypeA, "10.0.0.20"))})
	s.unread("sub.corp.example") // a child zone, no delegation in the parent
	if _, ok, err := s.answer("host.sub.corp.example", dns.TypeA); ok {
		t.Errorf("a name of an unread zone was answered from its parent zone (err %v)", err)
	}
	if _, ok, _ := s.answer("web.corp.example", dns.TypeA); !ok {
		t.Error("the parent zone's own names must still be answered")
	}
}

func TestZoneStoreDeclinesAZoneStoredTwice(t *testing.T) {
	s := newZoneStore()
	s.add("dc1", "CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example", []ldapx.DNSNode{node("corp.example", "web", rec(ldapx.DNSTypeA, "10.0.0.20"))})
	s.add("dc1", "CN=MicrosoftDNS,CN=System,DC=corp,DC=example", []ldapx.DNSNode{node("corp.example", "web", rec(ldapx.DNSTypeA, "10.0.0.99"))})
	if _, ok, _ := s.answer("web.corp.example", dns.TypeA); ok {
		t.Error("a zone found in two containers must be left to the DNS server (which copy it serves is its choice)")
	}
}

// countingResolver answers from fixed A records and counts the questions.
type countingResolver struct {
	fakeResolver
	a  map[string]string
	mu sync.Mutex
	n  map[string]int
}

func (r *countingResolver) Query(_ context.Context, name string, qtype uint16) (*dns.Msg, error) {
	name = canonicalName(name)
	r.mu.Lock()
	r.n[name]++
	r.mu.Unlock()
	addr, ok := r.a[name]
	if !ok {
		return nil, ldapx.ErrNotFound
	}
	m := new(dns.Msg)
	if qtype == dns.TypeA {
		m.Answer = append(m.Answer, &dns.A{Hdr: header(name, dns.TypeA, 60), A: net.ParseIP(addr).To4()})
	}
	return m, nil
}

func TestCollectAnswersSPNHostsFromDirectoryZonesAndAsksDNSForTheRest(t *testing.T) {
	spns := []string{"HTTP/web.corp.example", "HTTP/alias.corp.example", "HTTP/web", "HTTP/missing.corp.example",
		"HTTP/ext.partner.example", "HTTP/outside.corp.example"}
	dir := &fakeDirectory{domain: "corp.example",
		accounts: []ldapx.SPNAccount{{DN: "CN=svc,DC=corp,DC=example", SAMAccountName: "svc", ObjectClasses: []string{"user"}, UserAccountControl: 512, SPNs: spns}},
		zones:    map[string][]ldapx.DNSNode{"CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example": labZones()},
	}
	collect := func(source string) (*audit.Snapshot, *countingResolver) {
		res := &countingResolver{
			fakeResolver: fakeResolver{srv: map[string][]ldapx.SRV{"_ldap._tcp.dc._msdcs.corp.example": {{Target: "dc1.corp.example"}}}},
			a:            map[string]string{"ext.partner.example": "192.0.2.5", "www.elsewhere.example": "192.0.2.6", "web.corp.example": "10.0.0.20"},
			n:            map[string]int{},
		}
		snap, err := Collect(context.Background(), Config{Domain: "corp.example", Resolver: res, SkipKDCClocks: true, DNSSource: source,
			Connect: func(context.Context, string) (Directory, error) { return dir, nil }})
		if err != nil {
			t.Fatal(err)
		}
		if err := snap.Validate(); err != nil {
			t.Fatalf("snapshot invalid: %v", err)
		}
		return snap, res
	}

	snap, res := collect("")
	want := map[string]struct {
		source, status, a string
	}{
		"web.corp.example":     {audit.SourceDirectory, audit.DNSOK, "10.0.0.20 10.0.0.21"},
		"web":                  {audit.SourceDirectory, audit.DNSOK, "10.0.0.20 10.0.0.21"},
		"alias.corp.example":   {audit.SourceDirectory, audit.DNSOK, "10.0.0.20 10.0.0.21"},
		"missing.corp.example": {audit.SourceDirectory, audit.DNSNXDomain, ""},
		"ext.partner.example":  {"", audit.DNSOK, "192.0.2.5"},
		"outside.corp.example": {audit.SourceDirectoryAndDNS, audit.DNSOK, "192.0.2.6"},
		"dc1.corp.example":     {audit.SourceDirectory, audit.DNSNXDomain, ""},
	}
	for _, h := range snap.DNS.Hosts {
		w, ok := want[h.Name]
		if !ok {
			t.Errorf("unexpected host %s", h.Name)
			continue
		}
		if h.Source != w.source || h.Status != w.status || strings.Join(h.A, " ") != w.a {
			t.Errorf("%s: source %q status %s A %v; want %q %s %s", h.Name, h.Source, h.Status, h.A, w.source, w.status, w.a)
		}
		delete(want, h.Name)
	}
	for name := range want {
		t.Errorf("host %s not looked up", name)
	}
	for _, name := range []string{"web.corp.example", "alias.corp.example", "missing.corp.example"} {
		if res.n[name] != 0 {
			t.Errorf("%s is in a zone read from the directory, yet the DNS server was asked %d times", name, res.n[name])
		}
	}
	if len(snap.DNS.Zones) != 3 || snap.DNS.Zones[0].Name != "0.10.in-addr.arpa" || snap.DNS.Zones[1].Name != "corp.example" || snap.DNS.Zones[1].Nodes != 12 {
		t.Errorf("zones = %+v", snap.DNS.Zones)
	}

	// --dns-source dns: the directory's zones are not read, every name is asked.
	snap, res = collect(DNSSourceServer)
	if len(snap.DNS.Zones) != 0 {
		t.Errorf("zones read with the DNS server as the only source: %+v", snap.DNS.Zones)
	}
	for _, h := range snap.DNS.Hosts {
		if h.Source != "" {
			t.Errorf("%s: source %q with the DNS server as the only source", h.Name, h.Source)
		}
	}
	if res.n["web.corp.example"] == 0 {
		t.Error("web.corp.example was not asked of the DNS server")
	}
}

func TestCollectRefusesAnUnknownDNSSource(t *testing.T) {
	_, err := Collect(context.Background(), Config{Domain: "corp.example", DNSSource: "zones"})
	if err == nil || !strings.Contains(err.Error(), `"zones"`) || !strings.Contains(err.Error(), DNSSourceServer) {
		t.Errorf("err = %v; want one naming the bad value and the choices", err)
	}
}

func TestCollectAsksDNSForTheNamesOfAZoneThatFailedToRead(t *testing.T) {
	dir := &fakeDirectory{domain: "corp.example",
		accounts: []ldapx.SPNAccount{{DN: "CN=svc,DC=corp,DC=example", SAMAccountName: "svc", ObjectClasses: []string{"user"}, UserAccountControl: 512,
			SPNs: []string{"HTTP/web.corp.example", "HTTP/v6.corp.example"}}},
		zones:   map[string][]ldapx.DNSNode{"CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example": labZones()},
		zoneErr: map[string]error{"corp.example": errors.New("connection reset")},
	}
	res := &countingResolver{
		fakeResolver: fakeResolver{srv: map[string][]ldapx.SRV{"_ldap._tcp.dc._msdcs.corp.example": {{Target: "dc1.corp.example"}}}},
		a:            map[string]string{"web.corp.example": "10.0.0.20"},
		n:            map[string]int{},
	}
	snap, err := Collect(context.Background(), Config{Domain: "corp.example", Resolver: res, SkipKDCClocks: true,
		Connect: func(context.Context, string) (Directory, error) { return dir, nil }})
	if err != nil {
		t.Fatal(err)
	}
	var gap bool
	for _, g := range snap.Collection.Gaps {
		gap = gap || strings.Contains(g.Scope, "DC=corp.example") && strings.Contains(g.Error, "connection reset")
	}
	if !gap {
		t.Errorf("the failed zone read is not a gap: %+v", snap.Collection.Gaps)
	}
	for _, name := range []string{"web.corp.example", "v6.corp.example"} {
		h, ok := snap.Host(name)
		// (web's PTR still comes from the reverse zone, which was read.)
		if !ok || h.Source == audit.SourceDirectory || res.n[name] == 0 {
			t.Errorf("%s must be asked of the DNS server when its zone could not be read: %+v (asked %d times)", name, h, res.n[name])
		}
	}
	for _, z := range snap.DNS.Zones {
		if z.Name == "corp.example" {
			t.Errorf("the zone that failed to read is listed as read: %+v", z)
		}
	}
}

// TestCollectAsksDNSDuringThePagingWhenNoZoneIsInAD: where the domains'
// DNS is not AD-integrated (no zones to read), the SPN hosts are still
// asked of the DNS server while the accounts are paging, not after.
func TestCollectAsksDNSDuringThePagingWhenNoZoneIsInAD(t *testing.T) {
	res := &countingResolver{
		fakeResolver: fakeResolver{srv: map[string][]ldapx.SRV{"_ldap._tcp.dc._msdcs.corp.example": {{Target: "dc1.corp.example"}}}},
		a:            map[string]string{"web.corp.example": "10.0.0.20"},
		n:            map[string]int{},
	}
	askedDuringPaging := false
	dir := &fakeDirectory{domain: "corp.example",
		accounts: []ldapx.SPNAccount{{DN: "CN=svc,DC=corp,DC=example", SAMAccountName: "svc", ObjectClasses: []string{"user"}, UserAccountControl: 512,
			SPNs: []string{"HTTP/web.corp.example"}}},
		afterAccounts: func() { // the last page: wait (bounded) for the question
			for range 200 {
				res.mu.Lock()
				asked := res.n["web.corp.example"] > 0
				res.mu.Unlock()
				if asked {
					askedDuringPaging = true
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		},
	}
	snap, err := Collect(context.Background(), Config{Domain: "corp.example", Resolver: res, SkipKDCClocks: true,
		Connect: func(context.Context, string) (Directory, error) { return dir, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if !askedDuringPaging {
		t.Error("web.corp.example was not asked of the DNS server while the accounts were paging")
	}
	if h, ok := snap.Host("web.corp.example"); !ok || h.Status != audit.DNSOK || h.Source != "" || res.n["web.corp.example"] != 2 {
		t.Errorf("web.corp.example: %+v, asked %d times (want twice: A and AAAA, once each)", h, res.n["web.corp.example"])
	}
}

// countingZoneReads counts the zone reads of a fakeDirectory.
type countingZoneReads struct {
	*fakeDirectory
	reads *atomic.Int32
}

func (c countingZoneReads) ReadDNSNodes(ctx context.Context, base string, fn func(ldapx.DNSNode) error) (ldapx.SearchStats, error) {
	c.reads.Add(1)
	return c.fakeDirectory.ReadDNSNodes(ctx, base, fn)
}

// The zone readers' connections are not waited for: here they never
// connect, the accounts' connection reads every zone once the accounts are
// read, and then their connection attempts are called off.
func TestZoneReadDoesNotWaitForAReaderStillConnecting(t *testing.T) {
	fake := &fakeDirectory{domain: "corp.example",
		accounts: []ldapx.SPNAccount{{DN: "CN=svc,DC=corp,DC=example", SAMAccountName: "svc", ObjectClasses: []string{"user"}, UserAccountControl: 512,
			SPNs: []string{"HTTP/web.corp.example"}}},
		zones: map[string][]ldapx.DNSNode{"CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example": labZones()},
	}
	var reads atomic.Int32
	dir := countingZoneReads{fake, &reads}
	res := &countingResolver{
		fakeResolver: fakeResolver{srv: map[string][]ldapx.SRV{"_ldap._tcp.dc._msdcs.corp.example": {{Target: "dc1.corp.example"}}}},
		n:            map[string]int{},
	}
	var calls atomic.Int32
	var mu sync.Mutex
	var readsAtCallOff []int32
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // bounds a regression
	defer cancel()
	snap, err := Collect(ctx, Config{Domain: "corp.example", Resolver: res, SkipKDCClocks: true,
		Connect: func(ctx context.Context, _ string) (Directory, error) {
			if calls.Add(1) == 1 { // the accounts' connection
				return dir, nil
			}
			<-ctx.Done()
			mu.Lock()
			readsAtCallOff = append(readsAtCallOff, reads.Load())
			mu.Unlock()
			return nil, ctx.Err()
		}})
	if err != nil {
		t.Fatal(err)
	}
	all := reads.Load()
	if calls.Load() != 1+zoneReaders || all == 0 || fmt.Sprint(readsAtCallOff) != fmt.Sprint([]int32{all, all}) {
		t.Fatalf("%d connections; zones read when the readers' connections were called off: %v, want all %d read before both",
			calls.Load(), readsAtCallOff, all)
	}
	if h, ok := snap.Host("web.corp.example"); !ok || h.Source != audit.SourceDirectory {
		t.Fatalf("web.corp.example not answered from the zones: %+v", h)
	}
	for _, g := range snap.Collection.Gaps {
		if strings.HasPrefix(g.Scope, "dc:") || strings.HasPrefix(g.Scope, "dns-zone") {
			t.Errorf("calling off an unneeded connection left a gap: %+v", g)
		}
	}
}
