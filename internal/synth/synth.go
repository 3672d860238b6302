// Package synth generates large, realistic Snapshots for benchmarks: the
// shape of a big Active Directory estate (several forests and domains,
// computers with HOST and RestrictedKrbHost SPNs for both name forms,
// service users with HTTP and MSSQLSvc SPNs, the collector's DNS answers for
// every SPN host) with every SPN-* condition seeded at a small rate.
//
// It is deterministic: the same Config gives the same Snapshot, so benchmark
// runs compare like with like. It never touches the network or the clock.
package synth

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spntrust/spntrust/audit"
)

// Config sizes a synthetic snapshot.
type Config struct {
	// Accounts is the number of accounts holding SPNs (DCs and krbtgt
	// included); SPNs the number of SPN values across them. The generator
	// meets both exactly when SPNs is between 2 and 5 times Accounts.
	Accounts int
	SPNs     int
}

// Stats says what was generated.
type Stats struct {
	Accounts, Computers, Users, SPNs, DNSHosts int
	Domains, Forests                           int
}

// Collected is the snapshot's collection time ("now" for the checks).
var Collected = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

type domainSpec struct {
	dns, netbios, forest string
	weight               int // share of accounts, in percent
}

// The estate: forest corp.example (root + two children), forest
// partner.example (root + one child), and a single-domain forest
// extern.example, joined by a forest trust and an external trust.
var domains = []domainSpec{
	{"corp.example", "CORP", "corp.example", 30},
	{"eu.corp.example", "EU", "corp.example", 25},
	{"us.corp.example", "US", "corp.example", 20},
	{"partner.example", "PARTNER", "partner.example", 12},
	{"apac.partner.example", "APAC", "partner.example", 8},
	{"extern.example", "EXTERN", "extern.example", 5},
}

func dnOf(domain string) string {
	return "DC=" + strings.ReplaceAll(domain, ".", ",DC=")
}

// Generate builds a snapshot of cfg's size.
func Generate(cfg Config) (*audit.Snapshot, Stats) {
	if cfg.Accounts < 100 {
		cfg.Accounts = 100
	}
	if cfg.SPNs < 2*cfg.Accounts {
		cfg.SPNs = 2 * cfg.Accounts
	}
	g := &gen{cfg: cfg, s: &audit.Snapshot{
		SchemaVersion: audit.SchemaVersion,
		Collection: audit.Collection{
			ToolVersion: "synth", StartedAt: Collected.Add(-2 * time.Minute), FinishedAt: Collected,
			Host: "bench", Principal: "auditor@CORP.EXAMPLE", AuthMethod: "kerberos", Target: "corp.example",
		},
	}}
	g.build()
	return g.s, g.stats
}

type gen struct {
	cfg   Config
	s     *audit.Snapshot
	stats Stats
	ip    uint32
	hosts map[string]audit.HostLookup // by name+"\x00"+queriedAs
}

func (g *gen) nextIP() string {
	g.ip++
	return fmt.Sprintf("10.%d.%d.%d", (g.ip>>16)&255, (g.ip>>8)&255, g.ip&255)
}

func sid(d, rid int) string { return fmt.Sprintf("S-1-5-21-1000-2000-%d-%d", 3000+d, rid) }

func (g *gen) addHost(h audit.HostLookup) {
	k := h.Name + "\x00" + h.QueriedAs
	if _, ok := g.hosts[k]; !ok {
		g.hosts[k] = h
	}
}

// resolvable records the answers the collector records for a host that has
// an A record (and a PTR): under its FQDN, and under its short name asked
// with the domain suffix.
func (g *gen) resolvable(short, domain, ip string) {
	fqdn := short + "." + domain
	ok := audit.HostLookup{Name: fqdn, Canonical: fqdn, A: []string{ip}, Status: audit.DNSOK, PTR: audit.PTRs{{Addr: ip, Names: []string{fqdn}}}}
	g.addHost(ok)
	sh := ok
	sh.Name, sh.QueriedAs = short, fqdn
	g.addHost(sh)
}

func (g *gen) build() {
	s := g.s
	g.hosts = map[string]audit.HostLookup{}
	forests := map[string]bool{}
	for di, d := range domains {
		if !forests[d.forest] {
			forests[d.forest] = true
			m := map[string]string{}
			for _, a := range strings.Split("http,www,cifs,rpcss,dns,time,schedule,spooler,wins,w3svc,eventlog,netlogon,msdtc", ",") {
				m[a] = "host"
			}
			s.Forests = append(s.Forests, audit.Forest{RootDomain: d.forest, FunctionalLevel: 7, SPNMappings: m})
		}
		dom := audit.Domain{DNSName: d.dns, NetBIOSName: d.netbios, SID: sid(di, 0)[:len(sid(di, 0))-2], DN: dnOf(d.dns),
			Forest: d.forest, FunctionalLevel: 7, AccountsCollected: true}
		for k := 1; k <= 2; k++ {
			fqdn := fmt.Sprintf("dc%d.%s", k, d.dns)
			ip := g.nextIP()
			dom.DCs = append(dom.DCs, audit.DC{FQDN: fqdn, Addresses: []string{ip}, GlobalCatalog: k == 1, FunctionalLevel: 7, Site: "Default-First-Site-Name"})
			g.addHost(audit.HostLookup{Name: fqdn, Canonical: fqdn, A: []string{ip}, Status: audit.DNSOK, PTR: audit.PTRs{{Addr: ip, Names: []string{fqdn}}}})
			s.Clocks = append(s.Clocks, audit.ClockSample{Source: "ldap:" + fqdn, RemoteTime: Collected, LocalTime: Collected, RoundTripMs: 1})
		}
		for _, name := range audit.RequiredSRVNames(d.dns, d.dns == d.forest) {
			l := audit.SRVLookup{Name: name, Status: audit.DNSOK}
			for _, dc := range dom.DCs {
				l.Targets = append(l.Targets, audit.SRVTarget{Target: dc.FQDN, Port: 389, Priority: 0, Weight: 100})
			}
			s.DNS.SRV = append(s.DNS.SRV, l)
		}
		s.Domains = append(s.Domains, dom)
	}
	// Trusts: parent-child inside each forest, a forest trust corp↔partner,
	// an external trust corp↔extern.
	trust := func(from, to string, typ, dir int, attrs uint32) {
		for i := range s.Domains {
			if s.Domains[i].DNSName == from {
				aes := uint32(0x18)
				s.Domains[i].Trusts = append(s.Domains[i].Trusts, audit.Trust{Partner: to, Type: typ, Direction: dir, Attributes: attrs, SupportedEncryptionTypes: &aes})
			}
		}
	}
	for _, d := range domains {
		if d.dns != d.forest {
			trust(d.dns, d.forest, 2, 3, 0x20)
			trust(d.forest, d.dns, 2, 3, 0x20)
		}
	}
	trust("corp.example", "partner.example", 2, 3, 0x8)
	trust("partner.example", "corp.example", 2, 3, 0x8)
	trust("corp.example", "extern.example", 2, 3, 0x4)
	trust("extern.example", "corp.example", 2, 3, 0x4)

	// Accounts: split cfg.Accounts across domains by weight. Every domain
	// has its DCs and krbtgt; 78% of the rest are computers, 22% service users.
	fixed := 0
	for range domains {
		fixed += 3 // krbtgt + 2 DCs
	}
	rest := g.cfg.Accounts - fixed
	nComputers := rest * 78 / 100
	nUsers := rest - nComputers
	// SPN budget: DCs hold 8 each, krbtgt 1; users hold 2 on average
	// (pairs); computers take what is left, 2 to 5 each.
	budget := g.cfg.SPNs - len(domains)*(2*8+1) - 2*nUsers
	extraPerComputer := float64(budget-2*nComputers) / float64(nComputers) // beyond HOST/short + HOST/fqdn
	if extraPerComputer < 0 {
		extraPerComputer = 0
	}
	compIdx, userIdx := 0, 0
	carry := 0.0
	for di, d := range domains {
		dom := &s.Domains[di]
		for k, dc := range dom.DCs {
			short := strings.SplitN(dc.FQDN, ".", 2)[0]
			s.Accounts = append(s.Accounts, audit.Account{
				DN: fmt.Sprintf("CN=%s,OU=Domain Controllers,%s", strings.ToUpper(short), dom.DN), Domain: d.dns,
				SAMAccountName: strings.ToUpper(short) + "$", SID: sid(di, 1000+k), Kind: audit.KindComputer,
				UserAccountControl: 0x82000, Enabled: true, DNSHostName: dc.FQDN,
				SPNs: []string{"HOST/" + dc.FQDN, "HOST/" + short, "ldap/" + dc.FQDN, "ldap/" + dc.FQDN + "/" + d.dns,
					"GC/" + dc.FQDN + "/" + d.forest, "RestrictedKrbHost/" + dc.FQDN, "RestrictedKrbHost/" + short,
					fmt.Sprintf("E3514235-4B06-11D1-AB04-00C04FC2DCD2/%08x-0000-0000-0000-%012d/%s", di*10+k, k, d.dns)},
			})
		}
		s.Accounts = append(s.Accounts, audit.Account{
			DN: "CN=krbtgt,CN=Users," + dom.DN, Domain: d.dns, SAMAccountName: "krbtgt", SID: sid(di, 502),
			Kind: audit.KindUser, UserAccountControl: 0x202, Enabled: false, AdminCount: 1, SPNs: []string{"kadmin/changepw"},
		})
		nc := nComputers * d.weight / 100
		nu := nUsers * d.weight / 100
		if di == len(domains)-1 { // the remainder goes to the last domain
			nc = nComputers - compIdx
			nu = nUsers - userIdx
		}
		firstComputer := compIdx
		for i := 0; i < nc; i++ {
			carry += extraPerComputer
			extra := int(carry)
			carry -= float64(extra)
			g.computer(di, d, compIdx, extra)
			compIdx++
		}
		for i := 0; i < nu; i++ {
			g.user(di, d, userIdx, firstComputer, compIdx)
			userIdx++
		}
	}
	// Trim or pad to the exact SPN count on the last computer accounts.
	g.fit()
	// Ticket probes from CORP.EXAMPLE: one per forest; the external trust
	// gives no referral (the client's KDC answers unknown principal).
	s.TicketProbes = []audit.TicketProbe{
		{SPN: "HOST/ws000001.corp.example", ClientRealm: "CORP.EXAMPLE", Issued: true, Realm: "CORP.EXAMPLE", Path: []string{"CORP.EXAMPLE"}},
		{SPN: "HOST/dc1.partner.example", ClientRealm: "CORP.EXAMPLE", Issued: true, Realm: "PARTNER.EXAMPLE", Path: []string{"CORP.EXAMPLE", "PARTNER.EXAMPLE"}},
		{SPN: "HOST/dc1.extern.example", ClientRealm: "CORP.EXAMPLE", Issued: false, Path: []string{"CORP.EXAMPLE"},
			ErrorCode: 7, ErrorName: "KDC_ERR_S_PRINCIPAL_UNKNOWN", Error: "KDC_ERR_S_PRINCIPAL_UNKNOWN"},
	}

	for _, h := range g.hosts {
		s.DNS.Hosts = append(s.DNS.Hosts, h)
	}
	sort.Slice(s.DNS.Hosts, func(i, j int) bool {
		if s.DNS.Hosts[i].Name != s.DNS.Hosts[j].Name {
			return s.DNS.Hosts[i].Name < s.DNS.Hosts[j].Name
		}
		return s.DNS.Hosts[i].QueriedAs < s.DNS.Hosts[j].QueriedAs
	})
	s.DNS.Server = "10.0.0.1"
	sort.Slice(s.Accounts, func(i, j int) bool {
		if s.Accounts[i].Domain != s.Accounts[j].Domain {
			return s.Accounts[i].Domain < s.Accounts[j].Domain
		}
		return s.Accounts[i].DN < s.Accounts[j].DN
	})
	g.stats.Accounts = len(s.Accounts)
	for _, a := range s.Accounts {
		g.stats.SPNs += len(a.SPNs)
		if a.Kind == audit.KindComputer {
			g.stats.Computers++
		} else {
			g.stats.Users++
		}
	}
	g.stats.DNSHosts = len(s.DNS.Hosts)
	g.stats.Domains = len(s.Domains)
	g.stats.Forests = len(s.Forests)
}

func tp(t time.Time) *time.Time { return &t }
func u32(v uint32) *uint32      { return &v }

func compName(i int) string { return fmt.Sprintf("ws%06d", i) }

// computer i: a workstation or (every 10th) a server. Every computer holds
// HOST and (with extra >= 2) RestrictedKrbHost for both name forms; servers
// also TERMSRV and WSMAN. Seeded: 0.2% no DNS record (NXDOMAIN), 0.5%
// disabled, 1% stale.
func (g *gen) computer(di int, d domainSpec, i, extra int) {
	short := compName(i)
	fqdn := short + "." + d.dns
	a := audit.Account{
		DN:     fmt.Sprintf("CN=%s,OU=Computers,OU=Site%d,%s", strings.ToUpper(short), i%50, dnOf(d.dns)),
		Domain: d.dns, SAMAccountName: strings.ToUpper(short) + "$", SID: sid(di, 10000+i), Kind: audit.KindComputer,
		UserAccountControl: audit.UACWorkstationTrust, Enabled: true, DNSHostName: fqdn,
		SupportedEncryptionTypes: u32(0x1C),
		PwdLastSet:               tp(Collected.Add(-time.Duration(i%30) * 24 * time.Hour)),
		LastLogon:                tp(Collected.Add(-time.Duration(i%10) * 24 * time.Hour)),
		SPNs:                     []string{"HOST/" + short, "HOST/" + fqdn},
	}
	classes := []string{"RestrictedKrbHost", "TERMSRV", "WSMAN"}
	for e := 0; e < extra; e++ {
		c := classes[(e/2)%len(classes)]
		if e%2 == 0 {
			a.SPNs = append(a.SPNs, c+"/"+short)
		} else {
			a.SPNs = append(a.SPNs, c+"/"+fqdn)
		}
	}
	switch {
	case i%500 == 7: // retired: no DNS record any more
		g.addHost(audit.HostLookup{Name: fqdn, Status: audit.DNSNXDomain, Error: "NXDOMAIN"})
		g.addHost(audit.HostLookup{Name: short, QueriedAs: fqdn, Status: audit.DNSNXDomain, Error: "NXDOMAIN"})
	default:
		g.resolvable(short, d.dns, g.nextIP())
	}
	if i%200 == 11 {
		a.UserAccountControl |= audit.UACAccountDisable
		a.Enabled = false
	}
	if i%100 == 13 {
		a.LastLogon = tp(Collected.Add(-400 * 24 * time.Hour))
	}
	g.s.Accounts = append(g.s.Accounts, a)
}

// user i: a service user with an HTTP pair on its own A-record host, or an
// MSSQLSvc pair on a computer's host. Seeded at small rates: HTTP on a
// computer's host (shadows HOST), CNAME hosts, NXDOMAIN hosts, stale PTRs,
// FQDN-only HTTP (short-name pair), duplicates within a domain and across forests,
// malformed values, disabled/expired/stale, RC4 and old passwords,
// privileged service users.
func (g *gen) user(di int, d domainSpec, i, firstComputer, endComputer int) {
	name := fmt.Sprintf("svc-%06d", i)
	a := audit.Account{
		DN:     fmt.Sprintf("CN=%s,OU=Service Accounts,%s", name, dnOf(d.dns)),
		Domain: d.dns, SAMAccountName: name, SID: sid(di, 500000+i), Kind: audit.KindUser,
		UserAccountControl: audit.UACNormalAccount | audit.UACDontExpirePasswd, Enabled: true,
		SupportedEncryptionTypes: u32(0x18),
		PwdLastSet:               tp(Collected.Add(-time.Duration(i%300) * 24 * time.Hour)),
		LastLogon:                tp(Collected.Add(-time.Duration(i%7) * 24 * time.Hour)),
	}
	host := fmt.Sprintf("app%06d", i)
	fqdn := host + "." + d.dns
	span := endComputer - firstComputer
	comp := compName(firstComputer + (i*7919)%max(span, 1))
	switch {
	case i%400 == 1: // shadows a computer's HOST SPN through sPNMappings
		a.SPNs = []string{"HTTP/" + comp + "." + d.dns, "HTTP/" + comp}
	case i%300 == 2: // CNAME alias
		target := fmt.Sprintf("web%06d.%s", i, d.dns)
		ip := g.nextIP()
		a.SPNs = []string{"HTTP/" + fqdn, "HTTP/" + host}
		g.addHost(audit.HostLookup{Name: fqdn, CNAMEs: []string{target}, Canonical: target, A: []string{ip}, Status: audit.DNSOK, PTR: audit.PTRs{{Addr: ip, Names: []string{target}}}})
		g.addHost(audit.HostLookup{Name: host, QueriedAs: fqdn, CNAMEs: []string{target}, Canonical: target, A: []string{ip}, Status: audit.DNSOK, PTR: audit.PTRs{{Addr: ip, Names: []string{target}}}})
	case i%300 == 3: // host gone from DNS
		a.SPNs = []string{"HTTP/" + fqdn, "HTTP/" + host}
		g.addHost(audit.HostLookup{Name: fqdn, Status: audit.DNSNXDomain, Error: "NXDOMAIN"})
		g.addHost(audit.HostLookup{Name: host, QueriedAs: fqdn, Status: audit.DNSNXDomain, Error: "NXDOMAIN"})
	case i%300 == 4: // FQDN only, short name resolves too
		a.SPNs = []string{"HTTP/" + fqdn, "WSMAN/" + fqdn}
		g.resolvable(host, d.dns, g.nextIP())
	case i%1000 == 5: // duplicate within the domain: a web user's SPN (i-2 is odd too)
		prev := fmt.Sprintf("app%06d.%s", i-2, d.dns)
		a.SPNs = []string{"HTTP/" + prev, "HTTP/" + fqdn}
		g.resolvable(host, d.dns, g.nextIP())
	case i%1000 == 6: // cross-forest duplicate: a SQL SPN of another forest's host
		other := domains[(di+3)%len(domains)]
		a.SPNs = []string{fmt.Sprintf("MSSQLSvc/sql%06d.%s:1433", i/1000, other.dns), "MSSQLSvc/" + comp + "." + d.dns + ":1433"}
	case i%2000 == 8: // malformed values
		a.SPNs = []string{"HTTP/http://" + fqdn, "HTTP/" + fqdn + ":eighty"}
		g.resolvable(host, d.dns, g.nextIP())
	case i%300 == 7: // stale PTR: the address reverse-resolves to an old name
		a.SPNs = []string{"HTTP/" + fqdn, "HTTP/" + host}
		ip := g.nextIP()
		g.resolvable(host, d.dns, ip)
		for _, k := range []string{fqdn + "\x00", host + "\x00" + fqdn} {
			h := g.hosts[k]
			h.PTR = audit.PTRs{{Addr: ip, Names: []string{"old" + fqdn}}}
			g.hosts[k] = h
		}
	case i%2 == 0: // SQL Server on a computer's host
		a.SPNs = []string{"MSSQLSvc/" + comp + "." + d.dns + ":1433", "MSSQLSvc/" + comp + "." + d.dns}
	default: // a web application on its own A record
		a.SPNs = []string{"HTTP/" + fqdn, "HTTP/" + host}
		g.resolvable(host, d.dns, g.nextIP())
	}
	switch {
	case i%250 == 9:
		a.UserAccountControl |= audit.UACAccountDisable
		a.Enabled = false
	case i%250 == 10:
		a.AccountExpires = tp(Collected.Add(-30 * 24 * time.Hour))
	case i%250 == 11:
		a.LastLogon = tp(Collected.Add(-200 * 24 * time.Hour))
	}
	switch {
	case i%50 == 12:
		a.SupportedEncryptionTypes = nil // KDC default: RC4
	case i%50 == 13:
		a.SupportedEncryptionTypes = u32(0x4)
	case i%50 == 14:
		a.PwdLastSet = tp(Collected.Add(-800 * 24 * time.Hour))
	}
	if i%500 == 15 {
		a.AdminCount = 1
	}
	g.s.Accounts = append(g.s.Accounts, a)
}

// fit trims or pads the last computers' extra SPNs so the total is exactly
// cfg.SPNs, and makes the cross-forest duplicates real: for each seeded
// MSSQLSvc/sqlNNNNNN SPN, the host's forest gets a holder (a computer SPN
// swap keeps the account count).
func (g *gen) fit() {
	s := g.s
	// Cross-forest duplicates: give the sqlNNNNNN SPN to a computer of the
	// named domain as well (replacing one of its extra SPNs).
	var dupSPNs []string
	for _, a := range s.Accounts {
		for _, v := range a.SPNs {
			if strings.HasPrefix(v, "MSSQLSvc/sql") {
				dupSPNs = append(dupSPNs, v)
			}
		}
	}
	for _, v := range dupSPNs {
		host := strings.TrimSuffix(strings.TrimPrefix(v, "MSSQLSvc/"), ":1433")
		domain := strings.SplitN(host, ".", 2)[1]
		for i := range s.Accounts {
			a := &s.Accounts[i]
			if a.Domain == domain && a.Kind == audit.KindComputer && a.UserAccountControl&audit.UACServerTrust == 0 && len(a.SPNs) > 2 && !strings.HasPrefix(a.SPNs[len(a.SPNs)-1], "MSSQLSvc/") {
				a.SPNs[len(a.SPNs)-1] = v
				g.resolvable(strings.SplitN(host, ".", 2)[0], domain, g.nextIP())
				break
			}
		}
	}
	total := 0
	for _, a := range s.Accounts {
		total += len(a.SPNs)
	}
	for i := len(s.Accounts) - 1; i >= 0 && total != g.cfg.SPNs; i-- {
		a := &s.Accounts[i]
		if a.Kind != audit.KindComputer || a.UserAccountControl&audit.UACServerTrust != 0 {
			continue
		}
		for total > g.cfg.SPNs && len(a.SPNs) > 2 {
			a.SPNs = a.SPNs[:len(a.SPNs)-1]
			total--
		}
		for total < g.cfg.SPNs && len(a.SPNs) < 8 {
			a.SPNs = append(a.SPNs, fmt.Sprintf("CmRcService/%s:%d", strings.ToLower(strings.TrimSuffix(a.SAMAccountName, "$")), 2700+len(a.SPNs)))
			total++
		}
	}
}
