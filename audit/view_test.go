package audit

import (
	"hash/maphash"
	"slices"
	"testing"

	"github.com/spntrust/spntrust/spn"
)

func viewSnapshot() *Snapshot {
	return &Snapshot{
		Forests: []Forest{
			{RootDomain: "Corp.Example", SPNMappings: map[string]string{"http": "host"}},
			{RootDomain: "partner.example"},
		},
		Domains: []Domain{
			{DNSName: "corp.example", NetBIOSName: "CORP", Forest: "corp.example"},
			{DNSName: "Child.Corp.Example", NetBIOSName: "CHILD", Forest: "CORP.EXAMPLE"},
			{DNSName: "partner.example", NetBIOSName: "PARTNER", Forest: "partner.example"},
			{DNSName: "orphan.example", NetBIOSName: "ORPHAN", Forest: "gone.example"},
		},
		Accounts: []Account{
			{SAMAccountName: "WEB01$", Domain: "corp.example", Kind: KindComputer, SPNs: []string{"HOST/web01.corp.example", "HOST/WEB01"}},
			{SAMAccountName: "svc_sql", Domain: "child.corp.example", Kind: KindUser, SPNs: []string{"MSSQLSvc/sql01.corp.example:1433", "bad spn"}},
			{SAMAccountName: "svc_dup", Domain: "partner.example", Kind: KindUser, SPNs: []string{"mssqlsvc/SQL01.corp.example.:1433"}},
			{SAMAccountName: "krbtgt", Domain: "corp.example", Kind: KindUser, SPNs: []string{"kadmin/changepw"}},
			{SAMAccountName: "krbtgt", Domain: "partner.example", Kind: KindUser, SPNs: []string{"kadmin/changepw"}},
		},
		DNS: DNS{Hosts: []HostLookup{
			{Name: "web01.corp.example", Status: DNSOK, A: []string{"10.0.0.1"}},
			{Name: "WEB01.corp.example.", Status: DNSNXDomain}, // a later answer for the same name: not the one used
			{Name: "web01", QueriedAs: "web01.corp.example", Status: DNSOK, A: []string{"10.0.0.2"}},
			{Name: "web01", Status: DNSNoData},
		}},
	}
}

// Each lookup of the view answers as the snapshot's linear lookups do.
func TestViewAnswersEachLookup(t *testing.T) {
	s := viewSnapshot()
	v := NewView(s)
	names := func(as []*Account) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Domain+`\`+a.SAMAccountName)
		}
		return out
	}
	for _, tt := range []struct {
		name      string
		got, want any
	}{
		{"host by name, any case, trailing dot ignored, first answer", hostOf(v.Host("WEB01.Corp.Example.")), "web01.corp.example ok 10.0.0.1"},
		{"host not recorded", hostOf(v.Host("nowhere.corp.example")), "-"},
		{"short host asked with its domain's suffix", hostOf(v.HostAskedAs("web01", "web01.corp.example")), "web01 ok 10.0.0.2"},
		{"short host recorded as itself", hostOf(v.HostAskedAs("web01", "")), "web01 nodata "},
		{"domain by name, any case", domainOf(v.DomainByName("CHILD.corp.example")), "Child.Corp.Example"},
		{"unknown domain", domainOf(v.DomainByName("nowhere.example")), "-"},
		{"forest of a child domain", forestOf(v.ForestOf("child.corp.example")), "Corp.Example"},
		{"forest of a domain whose forest is not recorded", forestOf(v.ForestOf("orphan.example")), "-"},
		{"forest root as recorded", rootOf(v.ForestRoot("Child.Corp.Example")), "Corp.Example"},
		{"forest key of a domain in a forest", v.ForestKey("child.corp.example"), "corp.example"},
		{"forest key of a domain outside any forest", v.ForestKey("Orphan.Example"), "orphan.example"},
		{"NetBIOS name of a domain", v.NetBIOSOf("PARTNER.example"), "PARTNER"},
		{"NetBIOS name of an unknown domain", v.NetBIOSOf("nowhere.example"), ""},
		{"holders of an SPN, case-insensitive, trailing dot ignored", names(v.Holders("mssqlsvc/sql01.corp.example:1433").All()),
			[]string{`child.corp.example\svc_sql`, `partner.example\svc_dup`}},
		{"holders leave krbtgt out", names(v.Holders("kadmin/changepw").All()), []string(nil)},
		{"holders in one forest", names(v.HoldersIn("corp.example", "mssqlsvc/sql01.corp.example:1433")), []string{`child.corp.example\svc_sql`}},
		{"ticket owner through sPNMappings", ownerOf(v.TicketOwner("corp.example", mustSPN(t, "http/web01.corp.example"))),
			`corp.example\WEB01$ via host/web01.corp.example`},
		{"ticket owner held explicitly", ownerOf(v.TicketOwner("corp.example", mustSPN(t, "HOST/web01"))), `corp.example\WEB01$ via `},
		{"no ticket owner without a mapping", ownerOf(v.TicketOwner("partner.example", mustSPN(t, "http/web01.corp.example"))), ` via `},
		{"duplicates", dupKeys(v.DuplicateSPNs()), []string{"mssqlsvc/sql01.corp.example:1433"}},
		{"SPN count", v.SPNCount(), 7},
		{"SPN by position, parsed", v.SPNAt(2).Raw + " " + v.SPNAt(2).Class() + " " + v.SPNAt(2).Account.SAMAccountName, "MSSQLSvc/sql01.corp.example:1433 mssqlsvc svc_sql"},
		{"SPNs by host, short hosts per domain, sorted", hostGroups(v), []string{
			"web01 (in corp.example): HOST/WEB01", "web01.corp.example: HOST/web01.corp.example"}},
		{"short SPN host looked up with its domain's suffix", hostOf(v.LookupSPNHost(SPNHost{Key: "web01", Domain: "corp.example"})), "web01 ok 10.0.0.2"},
		{"SPN host looked up by its name", hostOf(v.LookupSPNHost(SPNHost{Key: "web01.corp.example"})), "web01.corp.example ok 10.0.0.1"},
		{"malformed SPN kept with its error", v.SPNAt(3).Err != nil && v.SPNAt(3).Raw == "bad spn", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !equalAny(tt.got, tt.want) {
				t.Fatalf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
	// The view answers as the scans it replaced.
	for _, name := range []string{"corp.example", "CHILD.CORP.EXAMPLE", "partner.example", "orphan.example", "x"} {
		d1, ok1 := v.DomainByName(name)
		d2, ok2 := s.DomainByName(name)
		f1, fok1 := v.ForestOf(name)
		f2, fok2 := s.ForestOf(name)
		if d1.DNSName != d2.DNSName || ok1 != ok2 || f1.RootDomain != f2.RootDomain || fok1 != fok2 || v.NetBIOSOf(name) != s.NetBIOSOf(name) {
			t.Errorf("%s: view %v %v %v %v, scan %v %v %v %v", name, d1.DNSName, ok1, f1.RootDomain, fok1, d2.DNSName, ok2, f2.RootDomain, fok2)
		}
	}
}

// Keys whose hashes are equal are still told apart: every SPN key in one
// hash, every host name in one hash.
func TestViewLookupsSurviveHashCollisions(t *testing.T) {
	s := viewSnapshot()
	v := NewView(s)
	v.keyHash = func([]byte) uint64 { return 7 }
	v.buildDNS()
	v.hostFirst.hash = func(maphash.Seed, string) uint64 { return 1 }
	v.hostAsked.hash = func(maphash.Seed, [2]string) uint64 { return 1 }
	v.hostFirst.first, v.hostAsked.first = map[uint64]int32{}, map[uint64]int32{}
	for i, h := range s.DNS.Hosts {
		v.hostFirst.add(spn.NormalizeHost(h.Name), int32(i))
		v.hostAsked.add([2]string{spn.NormalizeHost(h.Name), spn.NormalizeHost(h.QueriedAs)}, int32(i))
	}
	for _, name := range []string{"web01.corp.example", "web01", "nowhere"} {
		want, wok := s.Host(name)
		got, gok := v.Host(name)
		if wok != gok || hostOf(want, wok) != hostOf(got, gok) {
			t.Errorf("Host(%q) = %s with colliding hashes, the scan says %s", name, hostOf(got, gok), hostOf(want, wok))
		}
	}
	if got, ok := v.HostAskedAs("web01", ""); !ok || got.Status != DNSNoData {
		t.Errorf("HostAskedAs(web01, \"\") = %+v %v with colliding hashes", got, ok)
	}
	if got := len(v.Holders("mssqlsvc/sql01.corp.example:1433").All()); got != 2 {
		t.Errorf("Holders with colliding hashes: %d, want 2", got)
	}
	if got := len(v.Holders("host/web01").All()); got != 1 {
		t.Errorf("Holders(host/web01) with colliding hashes: %d, want 1", got)
	}
	if got := dupKeys(v.DuplicateSPNs()); !slices.Equal(got, []string{"mssqlsvc/sql01.corp.example:1433"}) {
		t.Errorf("DuplicateSPNs with colliding hashes: %v", got)
	}
}

// AppendSPNKey and AppendHostKey write exactly SPN.Key and SPN.HostKey.
func TestAppendKeysAreWhatKeyGives(t *testing.T) {
	for _, raw := range []string{"HOST/Web01.Corp.Example.", "MSSQLSvc/SQL:1433", "ldap/DC1/Corp.Example", "HTTP/Ünïcode.example", "x"} {
		p, _ := spn.Parse(raw)
		if got := string(AppendSPNKey(nil, p)); got != p.Key() {
			t.Errorf("%q: AppendSPNKey %q, Key %q", raw, got, p.Key())
		}
		if got := string(AppendHostKey([]byte("x"), p.Host)); got != "x"+p.HostKey() {
			t.Errorf("%q: AppendHostKey %q, HostKey %q", raw, got, p.HostKey())
		}
	}
}

// hostGroups lists the host SPNs grouped by host, as "label: SPN, ...".
func hostGroups(v *View) []string {
	g := v.GroupSPNsByHost(func(_ int, p SPNEntry) bool { return p.Err == nil && p.Class() == "host" })
	var out []string
	for _, h := range g.Hosts {
		line := h.Label() + ":"
		for i, p := range g.SPNs(h) {
			if i > 0 {
				line += ","
			}
			line += " " + p.Raw
		}
		out = append(out, line)
	}
	return out
}

func mustSPN(t *testing.T, raw string) spn.SPN {
	p, err := spn.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func hostOf(h HostLookup, ok bool) string {
	if !ok {
		return "-"
	}
	a := ""
	if len(h.A) > 0 {
		a = h.A[0]
	}
	return h.Name + " " + h.Status + " " + a
}

func domainOf(d Domain, ok bool) string {
	if !ok {
		return "-"
	}
	return d.DNSName
}

func forestOf(f Forest, ok bool) string {
	if !ok {
		return "-"
	}
	return f.RootDomain
}

func rootOf(root string, ok bool) string {
	if !ok {
		return "-"
	}
	return root
}

func ownerOf(holders []*Account, via string) string {
	out := ""
	for _, a := range holders {
		out += a.Domain + `\` + a.SAMAccountName
	}
	return out + " via " + via
}

func dupKeys(m map[string]Holders) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func equalAny(a, b any) bool {
	if as, ok := a.([]string); ok {
		bs, _ := b.([]string)
		return slices.Equal(as, bs)
	}
	return a == b
}
