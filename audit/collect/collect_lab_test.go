package collect

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/spntrust/spntrust/internal/labenv"
	"github.com/spntrust/spntrust/ldapx"

	"github.com/spntrust/spntrust/audit"
)

// labConfig builds a collector configuration for the lab with a simple
// bind over LDAPS (the CLI tests cover every authentication method).
func labConfig(t *testing.T, env *labenv.Env) Config {
	t.Helper()
	pw, err := env.AdminPassword()
	if err != nil {
		t.Fatal(err)
	}
	resolver, err := ldapx.NewDNSResolver(env.DCs[0].IP, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	creds := ldapx.Credentials{Mechanism: ldapx.Mechanism("simple"), Principal: env.AdminUser + "@" + env.DCs[0].Realm, Password: pw}
	return Config{
		Domain:   env.DCs[0].Domain,
		Resolver: resolver,
		Timeout:  20 * time.Second,
		Connect: func(ctx context.Context, addr string) (Directory, error) {
			c, err := ldapx.Dial(ctx, ldapx.Options{Address: addr, Security: ldapx.SecurityLDAPS, CAFile: env.CAFile, Resolver: resolver, Timeout: 10 * time.Second})
			if err != nil {
				return nil, err
			}
			if err := c.Bind(ctx, creds); err != nil {
				c.Close()
				return nil, err
			}
			return c, nil
		},
	}
}

func TestLabCollectReadsForestDNSAndClocks(t *testing.T) {
	env := labenv.Require(t)
	snap, err := Collect(context.Background(), labConfig(t, env))
	if err != nil {
		t.Fatal(err)
	}
	if err := snap.Validate(); err != nil {
		t.Fatalf("collected snapshot does not validate: %v", err)
	}
	d, ok := snap.DomainByName("lab.test")
	// DC1, and DC4 when the lab has its second DC (LAB_SECOND_DC=1)
	labDCs := 0
	for _, dc := range env.DCs {
		if strings.EqualFold(dc.Domain, "lab.test") {
			labDCs++
		}
	}
	if !ok || len(d.DCs) != labDCs || d.DCs[0].FQDN != env.DCs[0].FQDN || !d.DCs[0].GlobalCatalog || len(d.DCs[0].Addresses) == 0 {
		t.Errorf("DCs of lab.test: %+v, want %d starting with %s", d.DCs, labDCs, env.DCs[0].FQDN)
	}
	var kinds []string
	for _, tr := range d.Trusts {
		kinds = append(kinds, tr.Partner)
	}
	if len(d.Trusts) != 2 {
		t.Errorf("trusts of lab.test = %v, want partner.test and extern.test", kinds)
	}
	if h, ok := snap.Host("portal.lab.test"); !ok || len(h.CNAMEs) == 0 {
		t.Errorf("CNAME of portal.lab.test not recorded: %+v", h)
	}
	if h, ok := snap.Host("ghost.lab.test"); !ok || h.Status != audit.DNSNXDomain {
		t.Errorf("ghost.lab.test should be NXDOMAIN: %+v", h)
	}
	var ldapClock, kdcClock bool
	for _, c := range snap.Clocks {
		ldapClock = ldapClock || strings.HasPrefix(c.Source, "ldap:")
		kdcClock = kdcClock || strings.HasPrefix(c.Source, "kdc:")
		if sk := c.Skew(); sk > time.Minute || sk < -time.Minute {
			t.Errorf("lab clock %s skewed by %v", c.Source, sk)
		}
	}
	if !ldapClock || !kdcClock {
		t.Errorf("clock samples: %+v", snap.Clocks)
	}
	var srvOK int
	for _, s := range snap.DNS.SRV {
		if s.Status == audit.DNSOK {
			srvOK++
		}
	}
	if srvOK < 5 {
		t.Errorf("only %d SRV lookups succeeded: %+v", srvOK, snap.DNS.SRV)
	}
	if snap.Collection.Partial() {
		t.Errorf("unexpected gaps: %+v", snap.Collection.Gaps)
	}
}

// TestLabDirectoryZonesAnswerAsTheDCsDNSServerDoes proves the zone reader
// and the store against Samba: every SPN and DC host of the lab (and its
// trusted forests) resolved from the AD-integrated zones read over LDAP
// gets exactly the answer the DC's DNS server gives on the wire — CNAME
// chains, NXDOMAIN, addresses and PTRs — and most names need no DNS
// question at all.
func TestLabDirectoryZonesAnswerAsTheDCsDNSServerDoes(t *testing.T) {
	env := labenv.Require(t)
	collect := func(source string) *audit.Snapshot {
		cfg := labConfig(t, env)
		cfg.FollowTrusts, cfg.SkipKDCClocks, cfg.DNSSource = true, true, source
		snap, err := Collect(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := snap.Validate(); err != nil {
			t.Fatalf("%s: snapshot invalid: %v", source, err)
		}
		return snap
	}
	fromZones, fromServer := collect(DNSSourceAuto), collect(DNSSourceServer)

	zones := map[string]bool{}
	for _, z := range fromZones.DNS.Zones {
		zones[z.Name] = true
	}
	wantZones := []string{"_msdcs.lab.test"} // the forest-wide zone
	for _, d := range fromZones.Domains {
		if d.AccountsCollected { // read through its own DC, zones included
			wantZones = append(wantZones, d.DNSName)
		}
	}
	for _, want := range wantZones {
		if !zones[want] {
			t.Errorf("zone %s not read from the directory; zones: %+v", want, fromZones.DNS.Zones)
		}
	}
	wire := map[string]audit.HostLookup{}
	for _, h := range fromServer.DNS.Hosts {
		wire[h.Name] = h
	}
	bySource := map[string]int{}
	for _, h := range fromZones.DNS.Hosts {
		bySource[h.Source]++
		w, ok := wire[h.Name]
		if !ok {
			t.Errorf("%s looked up only with the directory's zones", h.Name)
			continue
		}
		delete(wire, h.Name)
		got, want := h, w
		got.Source, got.Error, want.Error = "", "", ""
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s (source %q):\n zones: %+v\n DNS:   %+v", h.Name, h.Source, got, want)
		}
	}
	for name := range wire {
		t.Errorf("%s looked up only with the DNS server", name)
	}
	// NXDOMAIN, a CNAME, a DC with its PTR, the DCs' GUID aliases in the
	// forest-wide _msdcs zone (delegated from lab.test): every answer of
	// every lab.test host comes from the zones.
	for _, name := range []string{"ghost.lab.test", "portal.lab.test", env.DCs[0].FQDN} {
		if h, ok := fromZones.Host(name); !ok || h.Source != audit.SourceDirectory {
			t.Errorf("%s not answered from the directory: %+v", name, h)
		}
	}
	for _, h := range fromZones.DNS.Hosts {
		if n := firstNonEmpty(h.QueriedAs, h.Name); strings.HasSuffix(n, ".lab.test") && h.Source != audit.SourceDirectory {
			t.Errorf("%s: source %q, want %q (lab.test's zones were read)", n, h.Source, audit.SourceDirectory)
		}
	}
	t.Logf("%d hosts: %v; %d zones", len(fromZones.DNS.Hosts), bySource, len(fromZones.DNS.Zones))
}

// TestLabZoneEdgeCasesMatchTheDCsDNSServer reads lab.test's zones from DC1
// and resolves the seeded DNS edge cases (testdata/lab/seed.py EDGE_A,
// TOMBSTONED_A) through the zone store and through the DC's DNS server: the
// answers must agree, and the store must decline what only the server can
// answer (a wildcard, which Samba does synthesise; a name that exists only
// as the parent of another) rather than say NXDOMAIN.
func TestLabZoneEdgeCasesMatchTheDCsDNSServer(t *testing.T) {
	env := labenv.Require(t)
	cfg := labConfig(t, env)
	ctx := context.Background()
	dc := env.DCs[0]
	dir, err := cfg.Connect(ctx, dc.FQDN)
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	store := newZoneStore()
	tombstoned := false
	for _, container := range ldapx.DNSZoneContainers(dc.BaseDN(), dc.BaseDN()) {
		zones, err := dir.ReadDNSZones(ctx, container)
		if errors.Is(err, ldapx.ErrNoDNSContainer) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range zones {
			var nodes []ldapx.DNSNode
			if _, err := dir.ReadDNSNodes(ctx, z.DN, func(n ldapx.DNSNode) error {
				nodes = append(nodes, n)
				tombstoned = tombstoned || (n.Zone == "lab.test" && n.Name == "gone" && n.Tombstoned)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			store.add(dc.FQDN, container, nodes)
		}
	}
	if !tombstoned {
		t.Fatal("gone.lab.test is not a tombstoned node in the lab: the seed did not run (lab.sh up re-seeds)")
	}
	wire := cfg.Resolver
	zq := &zoneQuerier{store: store, wire: wire}
	isNX := func(err error) bool { return errors.Is(err, ldapx.ErrNotFound) }
	for _, tt := range []struct {
		name     string
		declined bool   // the store must leave it to the server
		status   string // what the DC's server answers
	}{
		{"gone.lab.test", false, audit.DNSNXDomain}, // tombstoned: absent
		{"x.wild.lab.test", true, audit.DNSOK},      // *.wild: Samba synthesises it
		{"deep.lab.test", true, audit.DNSNXDomain},  // only the parent of host.deep (Samba: NXDOMAIN)
		{"host.deep.lab.test", false, audit.DNSOK},  // a two-label node
		{"nothing-here.lab.test", false, audit.DNSNXDomain},
	} {
		_, ok, _ := store.answer(tt.name, dns.TypeA)
		if ok == tt.declined {
			t.Errorf("%s: answered by the store = %v, want %v", tt.name, ok, !tt.declined)
		}
		got := lookupHost(ctx, zq, HostQuery{Name: tt.name}, isNX)
		want := LookupHost(ctx, wire, HostQuery{Name: tt.name}, isNX)
		if want.Status != tt.status {
			t.Errorf("%s: the DC's DNS server answers %s, the lab should give %s", tt.name, want.Status, tt.status)
		}
		got.Source, got.Error, want.Error = "", "", ""
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n zones: %+v\n DNS:   %+v", tt.name, got, want)
		}
	}
}
