package collect

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/ldapx"
)

// Failover during the collection: the first DC of a domain stops answering
// while its accounts (or zones) are read; the collector reads the domain
// from the next DC the directory lists, keeps nothing partial of the first,
// and says so in a "failover" gap. (The lab measurement with a real second
// DC behind a fault proxy is in bench/RESULTS.md.)

const failDomain = "corp.example"

func failAccounts(n int) []ldapx.SPNAccount {
	var out []ldapx.SPNAccount
	for i := range n {
		out = append(out, ldapx.SPNAccount{DN: fmt.Sprintf("CN=svc%d,DC=corp,DC=example", i), SAMAccountName: fmt.Sprintf("svc%d", i),
			ObjectClasses: []string{"top", "person", "user"}, UserAccountControl: 512, SPNs: []string{fmt.Sprintf("HTTP/web%d.corp.example", i)}})
	}
	return out
}

func failZone(host string) map[string][]ldapx.DNSNode {
	c := "CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example"
	return map[string][]ldapx.DNSNode{c: {
		{DN: "DC=@,DC=corp.example," + c, Zone: "corp.example", Name: "@", Records: []ldapx.DNSRecord{{Type: ldapx.DNSTypeA, Data: "127.0.9.1"}}},
		{DN: "DC=" + host + ",DC=corp.example," + c, Zone: "corp.example", Name: host, Records: []ldapx.DNSRecord{{Type: ldapx.DNSTypeA, Data: "127.0.9.2"}}},
	}}
}

type failoverCase struct {
	first, second *fakeDirectory
	secondDown    bool
}

func (fc failoverCase) collect(t *testing.T) (*audit.Snapshot, []string) {
	t.Helper()
	var dialled []string
	snap, err := Collect(context.Background(), Config{
		Server: "dc1." + failDomain, Resolver: fakeResolver{}, SkipKDCClocks: true,
		Connect: func(_ context.Context, addr string) (Directory, error) {
			dialled = append(dialled, addr)
			switch addr {
			case "dc1." + failDomain:
				return fc.first, nil
			case "dc2." + failDomain:
				if fc.secondDown {
					return nil, errors.New("dial tcp 127.0.9.3:636: connect: connection refused")
				}
				return fc.second, nil
			}
			return nil, fmt.Errorf("no DC %s", addr)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := snap.Validate(); err != nil {
		t.Errorf("snapshot invalid: %v", err)
	}
	return snap, dialled
}

func gapsOf(s *audit.Snapshot, scope, what string) []audit.Gap {
	var out []audit.Gap
	for _, g := range s.Collection.Gaps {
		if g.Scope == scope && g.What == what {
			out = append(out, g)
		}
	}
	return out
}

var connLost = &ldapx.PartialError{BaseDN: "DC=corp,DC=example", Reason: "connection lost during the search", Err: errors.New("read tcp: connection reset by peer")}

func TestFailoverReadsTheDomainFromTheNextDCWhenTheFirstDropsMidAccounts(t *testing.T) {
	dcs := []string{"dc1." + failDomain, "dc2." + failDomain}
	netErr := fmt.Errorf("search zone: %w", context.DeadlineExceeded)
	fc := failoverCase{
		first: &fakeDirectory{domain: failDomain, dcs: dcs, accounts: failAccounts(5)[:2], accountsErr: connLost,
			zones: failZone("web0"), zoneErr: map[string]error{"corp.example": netErr}},
		second: &fakeDirectory{domain: failDomain, self: "dc2." + failDomain, dcs: dcs, accounts: failAccounts(5), zones: failZone("web0")},
	}
	snap, dialled := fc.collect(t)
	if len(snap.Accounts) != 5 {
		t.Errorf("%d accounts, want the 5 of dc2 (none of dc1's partial 2 kept twice)", len(snap.Accounts))
	}
	d, _ := snap.DomainByName(failDomain)
	if !d.AccountsCollected {
		t.Error("the domain's accounts are not marked collected although dc2 delivered them all")
	}
	fo := gapsOf(snap, "dc:dc1."+failDomain, "failover")
	if len(fo) != 1 || !strings.Contains(fo[0].Error, "read from dc2."+failDomain) || !strings.Contains(fo[0].Error, "connection lost") {
		t.Errorf("failover gap = %+v; want one naming dc2 and why dc1 failed", fo)
	}
	if g := gapsOf(snap, "domain:"+failDomain, "accounts (partial)"); len(g) != 0 {
		t.Errorf("dc1's partial read is still reported: %+v", g)
	}
	for _, g := range snap.Collection.Gaps {
		if strings.HasPrefix(g.Scope, "dns-zone:") {
			t.Errorf("the zone dc1 could not deliver is a gap although dc2 delivered it: %+v", g)
		}
	}
	if len(snap.DNS.Zones) == 0 {
		t.Errorf("no zone recorded: %+v", snap.DNS)
	}
	if strings.Join(snap.Collection.DCsContacted, ",") != strings.Join(dcs, ",") {
		t.Errorf("DCs contacted %v, want %v", snap.Collection.DCsContacted, dcs)
	}
	if dialled[0] != dcs[0] {
		t.Errorf("dialled %v", dialled)
	}
}

func TestFailoverKeepsTheFirstDCsResultsWhenNoOtherDCAnswers(t *testing.T) {
	dcs := []string{"dc1." + failDomain, "dc2." + failDomain}
	fc := failoverCase{
		first:      &fakeDirectory{domain: failDomain, dcs: dcs, accounts: failAccounts(5)[:2], accountsErr: connLost},
		secondDown: true,
	}
	snap, _ := fc.collect(t)
	if len(snap.Accounts) != 2 {
		t.Errorf("%d accounts, want dc1's 2", len(snap.Accounts))
	}
	d, _ := snap.DomainByName(failDomain)
	if d.AccountsCollected {
		t.Error("accounts marked collected after a partial read")
	}
	if len(gapsOf(snap, "domain:"+failDomain, "accounts (partial)")) != 1 {
		t.Errorf("the partial read is not reported: %+v", snap.Collection.Gaps)
	}
	fo := gapsOf(snap, "dc:dc1."+failDomain, "failover")
	if len(fo) != 1 || !strings.Contains(fo[0].Error, "no other DC of "+failDomain+" could be used") {
		t.Errorf("failover gap = %+v", fo)
	}
	if len(gapsOf(snap, "dc:dc2."+failDomain, "connection")) != 1 {
		t.Errorf("dc2's refusal is not a gap: %+v", snap.Collection.Gaps)
	}
}

func TestFailoverIsNotTriedWhenTheDCAnsweredWithALimit(t *testing.T) {
	dcs := []string{"dc1." + failDomain, "dc2." + failDomain}
	limit := &ldapx.PartialError{BaseDN: "DC=corp,DC=example", Reason: "size limit exceeded", LDAPCode: 4}
	fc := failoverCase{
		first:  &fakeDirectory{domain: failDomain, dcs: dcs, accounts: failAccounts(3)[:1], accountsErr: limit},
		second: &fakeDirectory{domain: failDomain, dcs: dcs, accounts: failAccounts(3)},
	}
	snap, dialled := fc.collect(t)
	if len(dialled) != 1 || len(snap.Accounts) != 1 {
		t.Errorf("dialled %v, %d accounts: a size limit is the DC's answer, not a failure to fail over from", dialled, len(snap.Accounts))
	}
	if len(gapsOf(snap, "dc:dc1."+failDomain, "failover")) != 0 {
		t.Errorf("failover gap for a size limit: %+v", snap.Collection.Gaps)
	}
}

func TestFailoverWithOneDCBehavesAsBefore(t *testing.T) {
	fc := failoverCase{first: &fakeDirectory{domain: failDomain, accounts: failAccounts(3)[:1], accountsErr: connLost}}
	snap, dialled := fc.collect(t)
	if len(dialled) != 1 || len(snap.Accounts) != 1 || len(gapsOf(snap, "domain:"+failDomain, "accounts (partial)")) != 1 {
		t.Errorf("dialled %v, accounts %d, gaps %+v", dialled, len(snap.Accounts), snap.Collection.Gaps)
	}
	if len(gapsOf(snap, "dc:dc1."+failDomain, "failover")) != 0 {
		t.Errorf("a failover gap with no other DC known: %+v", snap.Collection.Gaps)
	}
}

// A DC that stops answering after it delivered every account (on the
// trusts): the next DC is asked only for what is missing, not for the
// accounts again, the largest search of the collection.
func TestFailoverAfterTheAccountsReadsOnlyWhatIsMissing(t *testing.T) {
	dcs := []string{"dc1." + failDomain, "dc2." + failDomain}
	trust := []ldapx.Trust{{DN: "CN=partner.example,CN=System,DC=corp,DC=example", TrustPartner: "partner.example", TrustType: 2, TrustDirection: 3, TrustAttributes: 8}}
	fc := failoverCase{
		first: &fakeDirectory{domain: failDomain, dcs: dcs, accounts: failAccounts(3), zones: failZone("web0"),
			trustsErr: fmt.Errorf("search trusts: %w", context.DeadlineExceeded)},
		second: &fakeDirectory{domain: failDomain, self: "dc2." + failDomain, dcs: dcs, accounts: failAccounts(3), trusts: trust, zones: failZone("web0")},
	}
	snap, _ := fc.collect(t)
	if fc.second.accountReads != 0 {
		t.Errorf("dc2 was asked for the accounts %d time(s) although dc1 delivered them all", fc.second.accountReads)
	}
	d, _ := snap.DomainByName(failDomain)
	if len(snap.Accounts) != 3 || !d.AccountsCollected || len(d.Trusts) != 1 {
		t.Errorf("%d accounts (collected %v), trusts %+v; want dc1's 3 accounts and dc2's trust", len(snap.Accounts), d.AccountsCollected, d.Trusts)
	}
	if g := gapsOf(snap, "domain:"+failDomain, "trusts"); len(g) != 0 {
		t.Errorf("dc1's failed trust read is still a gap although dc2 delivered them: %+v", g)
	}
	if fo := gapsOf(snap, "dc:dc1."+failDomain, "failover"); len(fo) != 1 {
		t.Errorf("failover gaps %+v, want one", fo)
	}
}
