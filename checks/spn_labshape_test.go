package checks

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/spn"
)

var spnParse = spn.Parse

// labShape mirrors the Samba AD lab's seeded accounts and DNS
// (testdata/lab/README.md) as the collector will record them: three forests,
// seeded conditions and their healthy twins, krbtgt and DC accounts.
func labShape() *audit.Snapshot {
	s := &audit.Snapshot{SchemaVersion: audit.SchemaVersion, Collection: audit.Collection{FinishedAt: testNow}}
	withForest(s, "lab.test", "LAB")
	withForest(s, "partner.test", "PARTNER")
	withForest(s, "extern.test", "EXTERN")
	fresh := daysAgo(1)
	aes := u32(0x18)
	acct := func(domain, name string, kind audit.AccountKind, uac uint32, enc *uint32, spns ...string) {
		a := audit.Account{DN: "CN=" + name + ",CN=Users," + dnOf(domain), Domain: domain, SAMAccountName: name, Kind: kind,
			UserAccountControl: uac, Enabled: uac&audit.UACAccountDisable == 0, PwdLastSet: fresh,
			SupportedEncryptionTypes: enc, SPNs: spns}
		s.Accounts = append(s.Accounts, a)
	}
	userUAC := audit.UACNormalAccount | audit.UACDontExpirePasswd
	for _, d := range []struct{ domain, dc string }{{"lab.test", "dc1"}, {"partner.test", "dc2"}, {"extern.test", "dc3"}} {
		k := audit.Account{DN: "CN=krbtgt,CN=Users," + dnOf(d.domain), Domain: d.domain, SAMAccountName: "krbtgt", Kind: audit.KindUser,
			UserAccountControl: audit.UACNormalAccount | audit.UACAccountDisable, AdminCount: 1, PwdLastSet: daysAgo(400), SPNs: []string{"kadmin/changepw"}}
		s.Accounts = append(s.Accounts, k)
		fq := d.dc + "." + d.domain
		acct(d.domain, strings.ToUpper(d.dc)+"$", audit.KindComputer, 0x82000, u32(0x1c),
			"HOST/"+fq, "HOST/"+strings.ToUpper(d.dc), "ldap/"+fq, "ldap/"+fq+"/"+d.domain, "GC/"+fq+"/"+d.domain,
			"RestrictedKrbHost/"+fq, "E3514235-4B06-11D1-AB04-00C04FC2DCD2/6b0f2bbc-52b4-4c0c-9a0c-"+d.dc+"00000000/"+d.domain,
			"ldap/6b0f2bbc-52b4-4c0c-9a0c-"+d.dc+"00000000._msdcs."+d.domain)
		s.DNS.Hosts = append(s.DNS.Hosts, okHost(fq, "127.0.0.1"))
	}
	computers := map[string][]string{"lab.test": {"mp01", "web01", "web02", "file01", "sql01", "sql02"}, "partner.test": {"app21"}, "extern.test": {"ext31"}}
	for domain, list := range computers {
		for _, c := range list {
			acct(domain, strings.ToUpper(c)+"$", audit.KindComputer, audit.UACWorkstationTrust, u32(0x1c), "HOST/"+c, "HOST/"+c+"."+domain)
		}
	}
	lab := "lab.test"
	acct(lab, "svc-mpweb", audit.KindUser, userUAC, aes, "HTTP/mp01.lab.test", "HTTP/mp01")
	acct(lab, "svc-web02", audit.KindUser, userUAC, aes, "HTTP/web02.lab.test:81", "HTTP/web02:81")
	acct(lab, "svc-ghost", audit.KindUser, userUAC, aes, "HTTP/ghost.lab.test")
	acct(lab, "svc-app03", audit.KindUser, userUAC, aes, "HTTP/app03.lab.test", "HTTP/app03")
	acct(lab, "svc-portal", audit.KindUser, userUAC, aes, "HTTP/portal.lab.test", "HTTP/portal")
	acct(lab, "svc-app05", audit.KindUser, userUAC, aes, "HTTP/app05.lab.test", "HTTP/app05")
	acct(lab, "svc-old", audit.KindUser, userUAC|audit.UACAccountDisable, aes, "HTTP/old.lab.test", "HTTP/old")
	acct(lab, "svc-live", audit.KindUser, userUAC, aes, "HTTP/live.lab.test", "HTTP/live")
	acct(lab, "svc-sql", audit.KindUser, userUAC, nil, "MSSQLSvc/sql01.lab.test:1433")
	acct(lab, "svc-sql2", audit.KindUser, userUAC, aes, "MSSQLSvc/sql02.lab.test:1433")
	acct(lab, "svc-rc4", audit.KindUser, userUAC, u32(0x4), "HTTP/legacy.lab.test", "HTTP/legacy")
	acct(lab, "svc-aes", audit.KindUser, userUAC, aes, "HTTP/modern.lab.test", "HTTP/modern")
	acct(lab, "svc-intra", audit.KindUser, userUAC, aes, "HTTP/intra.lab.test")
	acct(lab, "svc-bad", audit.KindUser, userUAC, aes, "http://bad.lab.test", "HTTP/bad.lab.test:eighty", "HTTP/bad lab.test")
	acct("partner.test", "svc-sql", audit.KindUser, userUAC, aes, "MSSQLSvc/sql01.lab.test:1433")
	acct(lab, "svc-shared", audit.KindUser, userUAC, aes, "HTTP/shared.lab.test", "HTTP/shared")

	for i, h := range []string{"mp01", "web01", "web02", "file01", "sql01", "sql02", "app03", "app04", "app05", "old", "live", "intra", "legacy", "modern", "bad"} {
		s.DNS.Hosts = append(s.DNS.Hosts, okHost(h+".lab.test", fmt.Sprintf("127.0.1.%d", 10+i)))
	}
	// shared.lab.test has file01's address, whose PTR names file01.
	shared := okHost("shared.lab.test", "127.0.1.13")
	shared.PTR = ptrsTo("file01.lab.test", shared.A)
	s.DNS.Hosts = append(s.DNS.Hosts, shared, okHost("app21.partner.test", "127.0.1.40"), okHost("ext31.extern.test", "127.0.1.50"),
		nxHost("ghost.lab.test"), cnameHost("portal.lab.test", "app04.lab.test", "127.0.1.17"))
	return s
}

// TestLabShape: on the lab's seeds every SPN check flags exactly the seeded
// account, and no healthy twin, krbtgt or DC.
func TestLabShape(t *testing.T) {
	t.Run("FQDN lookups only", func(t *testing.T) { checkLabShape(t, labShape()) })
	// The collector also records each short SPN host, asked with the
	// account's domain as suffix (collect.LookupHost).
	t.Run("short names recorded as the collector does", func(t *testing.T) {
		snap := labShape()
		seen := map[string]bool{}
		for _, a := range snap.Accounts {
			for _, raw := range a.SPNs {
				p, err := spnParse(raw)
				if err != nil || !p.NamesAHost() || !p.IsShortName() || seen[p.HostKey()+a.Domain] {
					continue
				}
				seen[p.HostKey()+a.Domain] = true
				fqdn := p.HostKey() + "." + a.Domain
				h, ok := snap.Host(fqdn)
				if !ok {
					h = nxHost(fqdn)
				}
				h.Name, h.QueriedAs = p.HostKey(), fqdn
				snap.DNS.Hosts = append(snap.DNS.Hosts, h)
			}
		}
		checkLabShape(t, snap)
	})
}

func checkLabShape(t *testing.T, snap *audit.Snapshot) {
	t.Helper()
	got := map[string][]string{}
	for _, f := range Run(snap, All(), DefaultOptions()) {
		if !strings.HasPrefix(f.CheckID, "SPN-") {
			continue
		}
		var who []string
		for _, o := range f.Affected {
			if o.Kind != "dns-name" {
				who = append(who, o.Domain+`\`+o.Name)
			}
		}
		sort.Strings(who)
		got[f.CheckID] = append(got[f.CheckID], fmt.Sprintf("%s %s %s", f.Status, f.Severity, strings.Join(who, ",")))
	}
	want := map[string][]string{
		"SPN-USER-HOST-ALIAS":  {`fail high lab.test\MP01$,lab.test\svc-mpweb`},
		"SPN-DUPLICATE":        {`fail high lab.test\svc-sql,partner.test\svc-sql`},
		"SPN-DNS-MISSING":      {`fail medium lab.test\svc-ghost`},
		"SPN-DNS-CNAME":        {`fail high lab.test\svc-portal`},
		"SPN-DNS-PTR":          {`fail low lab.test\svc-shared`},
		"SPN-SHORTNAME-PAIR":   {`fail medium lab.test\svc-intra`},
		"SPN-ACCOUNT-DISABLED": {`fail medium lab.test\svc-old`},
		"SPN-MALFORMED":        {`fail medium lab.test\svc-bad`},
		"SPN-KERBEROASTABLE":   {`fail high lab.test\svc-rc4`, `fail high lab.test\svc-sql`},
	}
	for id := range got {
		sort.Strings(got[id])
	}
	for _, c := range All() {
		if !strings.HasPrefix(c.ID, "SPN-") {
			continue
		}
		if strings.Join(got[c.ID], "\n") != strings.Join(want[c.ID], "\n") {
			t.Errorf("%s:\n got %q\nwant %q", c.ID, got[c.ID], want[c.ID])
		}
	}
}
