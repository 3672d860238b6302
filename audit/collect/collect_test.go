package collect

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/spntrust/spntrust/ldapx"

	"github.com/spntrust/spntrust/audit"
)

// fakeDirectory serves one domain's data; it stands in for a DC in tests of
// the collector's orchestration (the lab tests prove the real reads).
type fakeDirectory struct {
	domain      string
	trusts      []ldapx.Trust
	accounts    []ldapx.SPNAccount
	accountsErr error
	// zones are the dnsNode objects by CN=MicrosoftDNS container; a
	// container not listed does not exist.
	zones map[string][]ldapx.DNSNode
	// zoneErr fails the read of a zone, by zone name.
	zoneErr map[string]error
	// afterAccounts runs after the accounts are delivered, before the
	// account search returns (to observe what happens meanwhile).
	afterAccounts func()
	// aesSince is the whenCreated of the domain's Read-only Domain
	// Controllers group; zero: the group does not exist.
	aesSince time.Time
	// self is the DC's own name in its rootDSE (default dc1.<domain>);
	// dcs are the domain's DCs it lists (default: dc1.<domain> only).
	self string
	dcs  []string
	// trustsErr fails the trust read; accountReads counts account searches.
	trustsErr    error
	accountReads int
}

func dnOf(domain string) string { return "DC=" + strings.ReplaceAll(domain, ".", ",DC=") }

func (f *fakeDirectory) ReadRootDSE(context.Context) (*ldapx.RootDSE, error) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	self := f.self
	if self == "" {
		self = "dc1." + f.domain
	}
	return &ldapx.RootDSE{
		DNSHostName: self, DefaultNamingContext: dnOf(f.domain),
		ConfigurationNamingContext: "CN=Configuration," + dnOf(f.domain), RootDomainNamingContext: dnOf(f.domain),
		CurrentTime: now, LocalBefore: now, LocalAfter: now.Add(2 * time.Millisecond),
		DomainFunctionality: 4, ForestFunctionality: 4,
	}, nil
}
func (f *fakeDirectory) ReadSPNMappings(context.Context, string) (*ldapx.SPNMappings, error) {
	return &ldapx.SPNMappings{Aliases: map[string]string{"http": "host"}}, nil
}
func (f *fakeDirectory) ReadPartitions(context.Context, string) ([]ldapx.Partition, error) {
	return []ldapx.Partition{{NCName: dnOf(f.domain), DNSRoot: f.domain, NetBIOSName: strings.ToUpper(strings.Split(f.domain, ".")[0]), DomainSID: "S-1-5-21-1-2-3"}}, nil
}
func (f *fakeDirectory) ReadDCs(context.Context, string) ([]ldapx.DomainController, error) {
	names := f.dcs
	if len(names) == 0 {
		names = []string{"dc1." + f.domain}
	}
	var out []ldapx.DomainController
	for _, n := range names {
		cn := strings.ToUpper(strings.Split(n, ".")[0])
		out = append(out, ldapx.DomainController{DNSHostName: n, ServerReference: "CN=" + cn + ",OU=Domain Controllers," + dnOf(f.domain), IsGlobalCatalog: true, BehaviorVersion: 4})
	}
	return out, nil
}
func (f *fakeDirectory) ReadSPNAccounts(_ context.Context, _ string, fn func(ldapx.SPNAccount) error) (ldapx.SearchStats, error) {
	f.accountReads++
	for _, a := range f.accounts {
		if err := fn(a); err != nil {
			return ldapx.SearchStats{}, err
		}
	}
	if f.afterAccounts != nil {
		f.afterAccounts()
	}
	return ldapx.SearchStats{Entries: len(f.accounts)}, f.accountsErr
}
func (f *fakeDirectory) ReadTrusts(context.Context, string) ([]ldapx.Trust, error) {
	if f.trustsErr != nil {
		return nil, f.trustsErr
	}
	return f.trusts, nil
}
func (f *fakeDirectory) ReadAESKeysSince(context.Context, string, string) (time.Time, error) {
	if f.aesSince.IsZero() {
		return time.Time{}, errors.New("the domain has no Read-only Domain Controllers group")
	}
	return f.aesSince, nil
}

// The fake's zone DNs are "DC=<zone>,<container>".
func (f *fakeDirectory) ReadDNSZones(_ context.Context, container string) ([]ldapx.DNSZoneEntry, error) {
	nodes, ok := f.zones[container]
	if !ok {
		return nil, ldapx.ErrNoDNSContainer
	}
	seen := map[string]bool{}
	var out []ldapx.DNSZoneEntry
	for _, n := range nodes {
		if !seen[n.Zone] {
			seen[n.Zone] = true
			out = append(out, ldapx.DNSZoneEntry{DN: "DC=" + n.Zone + "," + container, Name: strings.ToLower(n.Zone)})
		}
	}
	return out, nil
}
func (f *fakeDirectory) ReadDNSNodes(_ context.Context, base string, fn func(ldapx.DNSNode) error) (ldapx.SearchStats, error) {
	zone, container, _ := strings.Cut(strings.TrimPrefix(base, "DC="), ",")
	if err := f.zoneErr[zone]; err != nil {
		return ldapx.SearchStats{}, err
	}
	n := 0
	for _, node := range f.zones[container] {
		if node.Zone != zone {
			continue
		}
		if err := fn(node); err != nil {
			return ldapx.SearchStats{}, err
		}
		n++
	}
	if n == 0 {
		return ldapx.SearchStats{}, ldapx.ErrNoDNSContainer
	}
	return ldapx.SearchStats{Entries: n}, nil
}
func (f *fakeDirectory) Close() error { return nil }

// fakeResolver answers SRV lookups for DC discovery from a map and every
// other DNS question with NXDOMAIN.
type fakeResolver struct{ srv map[string][]ldapx.SRV }

func (r fakeResolver) LookupSRV(_ context.Context, name string) ([]ldapx.SRV, error) {
	if s, ok := r.srv[name]; ok {
		return s, nil
	}
	return nil, ldapx.ErrNotFound
}
func (r fakeResolver) LookupHost(context.Context, string) ([]netip.Addr, error) {
	return nil, ldapx.ErrNotFound
}
func (r fakeResolver) Query(context.Context, string, uint16) (*dns.Msg, error) {
	return nil, ldapx.ErrNotFound
}

func TestCollectMovesPastAnUnreachableDCAndRecordsIt(t *testing.T) {
	res := fakeResolver{srv: map[string][]ldapx.SRV{
		"_ldap._tcp.dc._msdcs.corp.example": {{Target: "dead.corp.example", Port: 389, Priority: 0}, {Target: "dc1.corp.example", Port: 389, Priority: 10}},
	}}
	dir := &fakeDirectory{domain: "corp.example", accounts: []ldapx.SPNAccount{{DN: "CN=svc,DC=corp,DC=example", SAMAccountName: "svc", ObjectClasses: []string{"top", "person", "user"}, UserAccountControl: 512, SPNs: []string{"HTTP/web.corp.example"}}}}
	snap, err := Collect(context.Background(), Config{
		Domain: "corp.example", Resolver: res, SkipKDCClocks: true,
		Connect: func(_ context.Context, addr string) (Directory, error) {
			if addr == "dead.corp.example" {
				return nil, errors.New("dial tcp: connection refused")
			}
			return dir, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Accounts) != 1 || snap.Accounts[0].Kind != audit.KindUser {
		t.Errorf("accounts = %+v", snap.Accounts)
	}
	if len(snap.Collection.Gaps) == 0 || snap.Collection.Gaps[0].Scope != "dc:dead.corp.example" {
		t.Errorf("the unreachable DC is not recorded as a gap: %+v", snap.Collection.Gaps)
	}
	if err := snap.Validate(); err != nil {
		t.Errorf("snapshot invalid: %v", err)
	}
}

func TestCollectStopsOnRefusedCredentials(t *testing.T) {
	res := fakeResolver{srv: map[string][]ldapx.SRV{"_ldap._tcp.dc._msdcs.corp.example": {{Target: "dc1.corp.example"}, {Target: "dc2.corp.example"}}}}
	tried := 0
	_, err := Collect(context.Background(), Config{
		Domain: "corp.example", Resolver: res, SkipKDCClocks: true,
		Connect: func(context.Context, string) (Directory, error) {
			tried++
			return nil, &ldapx.AuthError{Principal: "auditor", Realm: "CORP.EXAMPLE", Err: errors.New("invalid credentials")}
		},
	})
	if !errors.Is(err, ErrNothingCollected) || tried != 1 {
		t.Errorf("err = %v after %d attempts; want ErrNothingCollected after one (other DCs refuse the same credentials)", err, tried)
	}
	if !strings.Contains(err.Error(), "auditor") {
		t.Errorf("error does not name the principal: %v", err)
	}
}

func TestCollectMarksPartialAccountReads(t *testing.T) {
	res := fakeResolver{srv: map[string][]ldapx.SRV{"_ldap._tcp.dc._msdcs.corp.example": {{Target: "dc1.corp.example"}}}}
	dir := &fakeDirectory{domain: "corp.example", accountsErr: &ldapx.PartialError{BaseDN: "DC=corp,DC=example", Reason: "size limit exceeded"}}
	snap, err := Collect(context.Background(), Config{Domain: "corp.example", Resolver: res, SkipKDCClocks: true,
		Connect: func(context.Context, string) (Directory, error) { return dir, nil }})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := snap.DomainByName("corp.example")
	if d.AccountsCollected {
		t.Error("a partial account read must not be marked as collected")
	}
	if !snap.Collection.Partial() {
		t.Error("snapshot does not say it is partial")
	}
}

func TestCollectFollowsTrustsAndRecordsRefusals(t *testing.T) {
	res := fakeResolver{srv: map[string][]ldapx.SRV{
		"_ldap._tcp.dc._msdcs.corp.example":    {{Target: "dc1.corp.example"}},
		"_ldap._tcp.dc._msdcs.partner.example": {{Target: "dc1.partner.example"}},
	}}
	corp := &fakeDirectory{domain: "corp.example", trusts: []ldapx.Trust{
		{TrustPartner: "partner.example", TrustType: 2, TrustDirection: 3, TrustAttributes: 8},
		{TrustPartner: "extern.example", TrustType: 2, TrustDirection: 3, TrustAttributes: 4},
	}}
	partner := &fakeDirectory{domain: "partner.example"}
	snap, err := Collect(context.Background(), Config{Domain: "corp.example", Resolver: res, SkipKDCClocks: true, FollowTrusts: true,
		Connect: func(_ context.Context, addr string) (Directory, error) {
			if strings.HasSuffix(addr, "partner.example") {
				return partner, nil
			}
			return corp, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Forests) != 2 || snap.Forests[1].RootDomain != "partner.example" {
		t.Errorf("forests = %+v", snap.Forests)
	}
	var gap bool
	for _, g := range snap.Collection.Gaps {
		gap = gap || g.Scope == "domain:extern.example"
	}
	if !gap {
		t.Errorf("the undiscoverable trusted domain is not a gap: %+v", snap.Collection.Gaps)
	}
}

func TestCollectWhenEveryDCFailsTheErrorNamesEachInOrder(t *testing.T) {
	res := fakeResolver{srv: map[string][]ldapx.SRV{"_ldap._tcp.dc._msdcs.corp.example": {
		{Target: "dc2.corp.example", Priority: 10}, {Target: "dc1.corp.example", Priority: 0}}}}
	var tried []string
	snap, err := Collect(context.Background(), Config{
		Domain: "corp.example", Resolver: res, SkipKDCClocks: true,
		Connect: func(_ context.Context, addr string) (Directory, error) {
			tried = append(tried, addr)
			return nil, fmt.Errorf("dial %s: connection refused", addr)
		},
	})
	if snap != nil || !errors.Is(err, ErrNothingCollected) {
		t.Fatalf("snapshot %v, err %v: want ErrNothingCollected", snap, err)
	}
	if strings.Join(tried, ",") != "dc1.corp.example,dc2.corp.example" {
		t.Errorf("tried %v, want dc1 then dc2 (SRV priority)", tried)
	}
	msg := err.Error()
	i1 := strings.Index(msg, "dc1.corp.example: dial dc1.corp.example: connection refused")
	i2 := strings.Index(msg, "dc2.corp.example: dial dc2.corp.example: connection refused")
	if !strings.Contains(msg, "no DC could be used (2 tried, in order)") || i1 < 0 || i2 < i1 {
		t.Errorf("error does not list each DC and its reason in order:\n%s", msg)
	}
}
