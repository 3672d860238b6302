package checks

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
)

// Builders for the TRUST-*, LEVEL-*, DNS-*, TIME-* and KRB-* tests. The lab
// snapshot mirrors testdata/lab as validated: lab.test with a two-way forest
// trust to partner.test (trustType 2, direction 3, attributes 8) and a
// two-way external trust to extern.test (attributes 4, QUARANTINED_DOMAIN),
// AES on both trusts, every domain at level 4 (2008 R2), healthy DNS and clocks.

var labNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// encTypes is a msDS-SupportedEncryptionTypes value.
func encTypes(v uint32) *uint32 { return &v }

func labTrust(partner string, attrs uint32) audit.Trust {
	return audit.Trust{Partner: partner, FlatName: strings.ToUpper(strings.Split(partner, ".")[0]), Type: 2, Direction: 3,
		Attributes: attrs, SupportedEncryptionTypes: encTypes(audit.EncAES128 | audit.EncAES256)}
}

func labDomain(name, ip string, trusts ...audit.Trust) audit.Domain {
	label := strings.Split(name, ".")[0]
	return audit.Domain{
		DNSName: name, NetBIOSName: strings.ToUpper(label), DN: "DC=" + label + ",DC=test", Forest: name,
		FunctionalLevel: 4, AccountsCollected: true, Trusts: trusts,
		DCs: []audit.DC{{FQDN: dcName(name), Addresses: []string{ip}, GlobalCatalog: true, FunctionalLevel: 4}},
	}
}

// dcName is the lab's DC of a domain: dc1.lab.test, dc2.partner.test, dc3.extern.test.
func dcName(domain string) string {
	switch domain {
	case "partner.test":
		return "dc2.partner.test"
	case "extern.test":
		return "dc3.extern.test"
	}
	return "dc1." + domain
}

// healthyDNS answers every SRV name a domain needs with its DC, and the DC's
// A and PTR records agree.
func healthyDNS(s *audit.Snapshot) {
	s.DNS.Server = "127.0.0.11"
	for _, d := range s.Domains {
		dc := d.DCs[0]
		for _, req := range []string{"_ldap._tcp.", "_kerberos._tcp.", "_kerberos._udp.", "_kpasswd._tcp.", "_ldap._tcp.dc._msdcs.", "_gc._tcp."} {
			port := map[string]int{"_ldap._tcp.": 389, "_kerberos._tcp.": 88, "_kerberos._udp.": 88, "_kpasswd._tcp.": 464, "_ldap._tcp.dc._msdcs.": 389, "_gc._tcp.": 3268}[req]
			s.DNS.SRV = append(s.DNS.SRV, audit.SRVLookup{Name: req + d.DNSName, Status: audit.DNSOK,
				Targets: []audit.SRVTarget{{Target: dc.FQDN + ".", Port: port, Weight: 100}}})
		}
		s.DNS.Hosts = append(s.DNS.Hosts, audit.HostLookup{Name: dc.FQDN, Canonical: dc.FQDN, A: dc.Addresses, Status: audit.DNSOK,
			PTR: audit.PTRs{{Addr: dc.Addresses[0], Names: []string{dc.FQDN + "."}}}})
	}
}

// labSnapshot is the healthy lab: three forests of one domain each.
func labSnapshot() *audit.Snapshot {
	s := &audit.Snapshot{
		SchemaVersion: audit.SchemaVersion,
		Collection:    audit.Collection{StartedAt: labNow.Add(-10 * time.Second), FinishedAt: labNow, Host: "auditor", Target: "lab.test"},
		Forests: []audit.Forest{
			{RootDomain: "lab.test", FunctionalLevel: 4, SPNMappings: defaultMappings()},
			{RootDomain: "partner.test", FunctionalLevel: 4, SPNMappings: defaultMappings()},
			{RootDomain: "extern.test", FunctionalLevel: 4, SPNMappings: defaultMappings()},
		},
		Domains: []audit.Domain{
			labDomain("lab.test", "127.0.0.11", labTrust("partner.test", audit.TrustForestTransitive), labTrust("extern.test", audit.TrustQuarantined)),
			labDomain("partner.test", "127.0.0.12", labTrust("lab.test", audit.TrustForestTransitive)),
			labDomain("extern.test", "127.0.0.13", labTrust("lab.test", audit.TrustQuarantined)),
		},
	}
	healthyDNS(s)
	// As the collector writes them: LDAP samples name the DC, KDC samples
	// the address and port it asked.
	for i, dc := range []string{"dc1.lab.test", "dc2.partner.test", "dc3.extern.test"} {
		local := labNow.Add(-time.Duration(5-i) * time.Second)
		s.Clocks = append(s.Clocks,
			audit.ClockSample{Source: "ldap:" + dc, LocalTime: local, RemoteTime: local.Add(time.Duration(i*300) * time.Millisecond), RoundTripMs: 2},
			audit.ClockSample{Source: "kdc:" + s.Domains[i].DCs[0].Addresses[0] + ":88", LocalTime: local,
				RemoteTime: local.Add(time.Duration(i*300)*time.Millisecond + 20*time.Millisecond), RoundTripMs: 1.5},
		)
	}
	s.TicketProbes = []audit.TicketProbe{{SPN: "HTTP/web01.lab.test", ClientRealm: "LAB.TEST", Issued: true, Realm: "LAB.TEST", Path: []string{"LAB.TEST"}}}
	return s
}

// oneTrust is a one-domain snapshot of lab.test holding only trust t (the
// partner not collected).
func oneTrust(t audit.Trust) *audit.Snapshot {
	s := labSnapshot()
	s.Forests = s.Forests[:1]
	s.Domains = []audit.Domain{s.Domains[0]}
	s.Domains[0].Trusts = []audit.Trust{t}
	return s
}

func trustWith(partner string, typ, dir int, attrs uint32, enc *uint32) audit.Trust {
	return audit.Trust{Partner: partner, Type: typ, Direction: dir, Attributes: attrs, SupportedEncryptionTypes: enc}
}

// ofStatus keeps findings with the given status.
func ofStatus(fs []Finding, st Status) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Status == st || (st == Fail && f.Status == "") {
			out = append(out, f)
		}
	}
	return out
}

// evidence returns the value of the first evidence with key.
func evidence(f Finding, key string) string {
	for _, e := range f.Evidence {
		if e.Key == key {
			return e.Value
		}
	}
	return ""
}

// stepsText joins every remediation step of a finding.
func stepsText(f Finding) string {
	var b strings.Builder
	for _, o := range f.Remediation {
		for _, st := range o.Steps() {
			b.WriteString(st + "\n")
		}
	}
	return b.String()
}

// infraChecks are the checks of issue 6.
var infraChecks = []Check{trustInventory, trustExternalKerberos, trustSIDFilteringOff, trustTGTDelegation, trustSelectiveAuth, trustRC4,
	levelDomain, levelForest, dnsSRVMissing, dnsSRVTarget, dnsDCPTR, timeSkew, krbTicket, krbCrossRealmPath}

// The lab as validated: the forest trust yields only its inventory entry; the
// external trust (attributes 4) yields TRUST-EXTERNAL-KERBEROS but not
// TRUST-SID-FILTERING-OFF; DNS, clocks and levels are healthy.
func TestLabTrustsAsValidated(t *testing.T) {
	fs := Run(labSnapshot(), infraChecks, DefaultOptions())
	about := map[string][]string{} // trust side → check IDs
	count := map[string]int{}
	for _, f := range fs {
		count[f.CheckID+" "+string(f.Status)]++
		for _, o := range f.Affected {
			if o.Kind == "trust" {
				about[o.Name] = append(about[o.Name], f.CheckID)
			}
		}
	}
	want := map[string]int{
		"TRUST-INVENTORY fail":               4,
		"TRUST-EXTERNAL-KERBEROS fail":       1,
		"KRB-CROSS-REALM-PATH not-evaluated": 1, // the lab snapshot holds no probe across extern.test
	}
	if !reflect.DeepEqual(count, want) {
		t.Errorf("findings by check = %v\nwant %v", count, want)
	}
	for _, side := range []string{"lab.test -> partner.test", "partner.test -> lab.test"} {
		if got := about[side]; !reflect.DeepEqual(got, []string{"TRUST-INVENTORY"}) {
			t.Errorf("forest trust %s: %v, want only TRUST-INVENTORY", side, got)
		}
	}
	for _, side := range []string{"lab.test -> extern.test", "extern.test -> lab.test"} {
		got := strings.Join(about[side], ",")
		if !strings.Contains(got, "TRUST-EXTERNAL-KERBEROS") || strings.Contains(got, "TRUST-SID-FILTERING-OFF") {
			t.Errorf("external trust %s: %v", side, got)
		}
	}
}

// Every issue-6 check explains itself and says how to fix what it finds.
func TestInfraFindingsCarryRemediation(t *testing.T) {
	s := labSnapshot()
	s.Domains[0].FunctionalLevel = 2
	s.Forests[0].FunctionalLevel = 2
	s.Domains[0].Trusts = []audit.Trust{
		trustWith("partner.test", 2, 3, audit.TrustForestTransitive|audit.TrustTreatAsExternal|audit.TrustCrossOrg|audit.TrustEnableTGTDeleg, nil),
		trustWith("extern.test", 2, 3, 0, nil),
	}
	setSRV(s, "_kerberos._tcp.lab.test", audit.DNSNXDomain)
	pointSRV(s, "dc9.lab.test", "_ldap._tcp.lab.test")
	addHosts(s, audit.HostLookup{Name: "dc9.lab.test", Status: audit.DNSNXDomain})
	setPTR(&s.DNS.Hosts[0], "127.0.0.11", "other.lab.test.")
	shiftClock(s, "dc2.partner.test", 10*time.Minute)
	s.TicketProbes = []audit.TicketProbe{
		refused("HTTP/web99.lab.test", "LAB.TEST", 7, "KDC_ERR_S_PRINCIPAL_UNKNOWN", "LAB.TEST"),
		refused("HTTP/web03.extern.test", "LAB.TEST", 7, "KDC_ERR_S_PRINCIPAL_UNKNOWN", "LAB.TEST"),
	}
	seen := map[string]bool{}
	for _, f := range Run(s, infraChecks, DefaultOptions()) {
		if f.Status != Fail {
			continue
		}
		seen[f.CheckID] = true
		if f.Explanation == "" || len(f.Evidence) == 0 || len(f.Affected) == 0 {
			t.Errorf("%s %s: explanation, evidence and affected objects are required", f.CheckID, f.Subject)
		}
		if f.CheckID != "TRUST-INVENTORY" && (len(f.Remediation) == 0 || len(f.Remediation[0].Steps()) == 0 || len(f.Remediation[0].Actions) == 0) {
			t.Errorf("%s %s: no remediation steps or actions", f.CheckID, f.Subject)
		}
	}
	for _, c := range infraChecks {
		if !seen[c.ID] {
			t.Errorf("%s found nothing in the broken lab", c.ID)
		}
	}
}
