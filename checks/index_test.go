package checks

import (
	"net"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/spn"
)

// The index must answer exactly as the linear scans it replaced (issue 10).

// lookupHostScan is the lookup as it was before the index: a scan of every
// recorded answer.
func lookupHostScan(s *audit.Snapshot, t hostTarget) (audit.HostLookup, bool) {
	if t.Domain == "" {
		return s.Host(t.Key)
	}
	fqdn := t.Key + "." + t.Domain
	var bare *audit.HostLookup
	for i, h := range s.DNS.Hosts {
		if spn.NormalizeHost(h.Name) != t.Key {
			continue
		}
		switch spn.NormalizeHost(h.QueriedAs) {
		case fqdn:
			return h, true
		case "":
			if bare == nil {
				bare = &s.DNS.Hosts[i]
			}
		}
	}
	if bare != nil {
		return *bare, true
	}
	return s.Host(fqdn)
}

func TestIndexedDNSLookupsAnswerAsTheScans(t *testing.T) {
	ok := func(name, queriedAs, a string) audit.HostLookup {
		return audit.HostLookup{Name: name, QueriedAs: queriedAs, A: []string{a}, Status: audit.DNSOK}
	}
	s := newSnapshot()
	s.DNS.Hosts = []audit.HostLookup{
		ok("Web.Corp.Example.", "", "10.0.0.1"),       // case and trailing dot
		ok("web.corp.example", "", "10.0.0.2"),        // a second answer for the same name: the first wins
		ok("intra", "intra.corp.example", "10.0.0.3"), // a short name asked with the suffix
		ok("intra", "", "10.0.0.4"),                   // ... and bare, later
		ok("intra", "intra.other.example", "10.0.0.5"),
		ok("files", "", "10.0.0.6"), // bare only
		ok("app.corp.example", "", "10.0.0.7"),
		ok("APP", "App.Corp.Example", "10.0.0.8"), // queriedAs in another case
	}
	ix := viewFor(s, Options{})
	for _, name := range []string{"web.corp.example", "WEB.corp.example.", "intra", "files", "app.corp.example", "app", "missing", ""} {
		want, wok := s.Host(name)
		got, gok := ix.Host(name)
		if wok != gok || strings.Join(want.A, ",") != strings.Join(got.A, ",") {
			t.Errorf("host(%q) = %v %v, the scan says %v %v", name, got.A, gok, want.A, wok)
		}
	}
	for _, tg := range []hostTarget{
		{Key: "intra", Domain: "corp.example"}, {Key: "intra", Domain: "other.example"}, {Key: "intra", Domain: "third.example"},
		{Key: "files", Domain: "corp.example"}, {Key: "app", Domain: "corp.example"}, {Key: "web", Domain: "corp.example"},
		{Key: "web.corp.example"}, {Key: "nothing", Domain: "corp.example"},
	} {
		want, wok := lookupHostScan(s, tg)
		got, gok := lookupHost(ix, tg)
		if wok != gok || strings.Join(want.A, ",") != strings.Join(got.A, ",") {
			t.Errorf("lookupHost(%+v) = %v %v, the scan says %v %v", tg, got.A, gok, want.A, wok)
		}
	}
}

// On the generated estate every SPN host gets the same answer both ways, and
// the index's SPN keys and holders match a fresh parse.
func TestIndexMatchesScansOnTheGeneratedEstate(t *testing.T) {
	s := synthSnapshot(t, 10_000)
	ix := viewFor(s, Options{})
	for _, h := range spnHosts(ix) {
		want, wok := lookupHostScan(s, h)
		got, gok := lookupHost(ix, h)
		if wok != gok || want.Name != got.Name || want.QueriedAs != got.QueriedAs || want.Status != got.Status {
			t.Fatalf("lookupHost(%s) = %+v %v, the scan says %+v %v", h.Label(), got, gok, want, wok)
		}
		if len(ix.fill(h).spns) != len(ix.hostGroups().Members(h)) || len(ix.hostGroups().Members(h)) == 0 {
			t.Fatalf("host %s: %d members, %d SPNs", h.Label(), len(ix.hostGroups().Members(h)), len(ix.fill(h).spns))
		}
	}
	n := 0
	ix.EachSPN(func(p parsedSPN) {
		n++
		v, err := spn.Parse(p.Raw)
		if (err == nil) != (p.Err == nil) || p.Key() != v.Key() || p.Class() != v.Class() {
			t.Fatalf("%q: cached key %q class %q, parsed %q %q", p.Raw, p.Key(), p.Class(), v.Key(), v.Class())
		}
	})
	if n != 10_000 {
		t.Fatalf("index holds %d SPNs, want 10000", n)
	}
}

// indexSPNSeeds are SPN values with every part, case, trailing dots, ports,
// SQL instances, non-ASCII letters and malformed forms.
var indexSPNSeeds = []string{
	"HTTP/mp01.lab.test", "HTTP/mp01", "HOST/WEB01.lab.test.", "MSSQLSvc/sql01.lab.test:1433",
	"MSSQLSvc/SQL01.Lab.Test:INST1", "ldap/dc1.lab.test/lab.test", "ldap/DC1.lab.test:389/LAB.TEST",
	"E3514235-4B06-11D1-AB04-00C04FC2DCD2/0f8a6d1e-1b7a-4a6c-8a8b-3c1c2d7a9e10/lab.test",
	"HTTP/http://portal.lab.test", "HTTP//portal", "HTTP/portal lab", "HTTP/portal:0", "HTTP/portal:",
	"HTTP/a:b:c", "/host", "HTTP/", "noslash", "a/b/c/d", "HTTP/x..y", "HTTP/\x00", "HTTP/\xff\xfe",
	"HTTP/İstanbul.lab.test", "HTTP/ǅ.lab.test", "HTTP/ÄRGER.Lab.Test.", "Straße/X", "HTTP/10.0.0.1",
	"HTTP/[fe80::1]", "HTTP/" + strings.Repeat("a", 64) + ".test", "krbtgt/LAB.TEST", "kadmin/changepw", "",
	"HTTP/host.", "HTTP/host..", "HTTP/.",
}

// appendKey and appendHostKey write exactly SPN.Key and SPN.HostKey, and a
// record gives back exactly what spn.Parse gave.
func TestIndexKeysAndRecordsAreWhatParseGives(t *testing.T) {
	for _, raw := range indexSPNSeeds {
		checkIndexKeys(t, raw)
	}
}

func FuzzIndexKeys(f *testing.F) {
	for _, raw := range indexSPNSeeds {
		f.Add(raw)
	}
	f.Fuzz(checkIndexKeys)
}

func checkIndexKeys(t *testing.T, raw string) {
	v, err := spn.Parse(raw)
	if got := string(audit.AppendSPNKey(nil, v)); got != v.Key() {
		t.Fatalf("%q: appendKey %q, Key %q", raw, got, v.Key())
	}
	if got := string(audit.AppendHostKey([]byte("x"), v.Host)); got != "x"+v.HostKey() {
		t.Fatalf("%q: appendHostKey %q, HostKey %q", raw, got, v.HostKey())
	}
	{ // the view gives back exactly what spn.Parse gave, recorded or kept whole
		s := newSnapshot(user("svc", raw))
		ix := viewFor(s, Options{})
		got := ix.SPNAt(0)
		if got.SPN != v || (got.Err == nil) != (err == nil) || got.Class() != v.Class() || ix.SPNNamesAHost(0) != v.NamesAHost() {
			t.Fatalf("%q: view gives %+v, Parse %+v", raw, got.SPN, v)
		}
	}
	want := net.ParseIP(strings.Trim(v.Host, "[]")) != nil
	if got := isIPAddress(v.Host); got != want {
		t.Fatalf("isIPAddress(%q) = %v, net.ParseIP says %v", v.Host, got, want)
	}
}
