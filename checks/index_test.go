package checks

import (
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/spn"
)

// The index must answer exactly as the linear scans it replaced (issue 10).

// lookupHostScan is the lookup as it was before the index: a scan of every
// recorded answer.
func lookupHostScan(s *audit.Snapshot, t hostTarget) (audit.HostLookup, bool) {
	if t.domain == "" {
		return s.Host(t.key)
	}
	fqdn := t.key + "." + t.domain
	var bare *audit.HostLookup
	for i, h := range s.DNS.Hosts {
		if spn.NormalizeHost(h.Name) != t.key {
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
	ix := indexFor(s, Options{})
	for _, name := range []string{"web.corp.example", "WEB.corp.example.", "intra", "files", "app.corp.example", "app", "missing", ""} {
		want, wok := s.Host(name)
		got, gok := ix.host(name)
		if wok != gok || strings.Join(want.A, ",") != strings.Join(got.A, ",") {
			t.Errorf("host(%q) = %v %v, the scan says %v %v", name, got.A, gok, want.A, wok)
		}
	}
	for _, tg := range []hostTarget{
		{key: "intra", domain: "corp.example"}, {key: "intra", domain: "other.example"}, {key: "intra", domain: "third.example"},
		{key: "files", domain: "corp.example"}, {key: "app", domain: "corp.example"}, {key: "web", domain: "corp.example"},
		{key: "web.corp.example"}, {key: "nothing", domain: "corp.example"},
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
	ix := indexFor(s, Options{})
	for _, h := range spnHosts(ix) {
		want, wok := lookupHostScan(s, h)
		got, gok := lookupHost(ix, h)
		if wok != gok || want.Name != got.Name || want.QueriedAs != got.QueriedAs || want.Status != got.Status {
			t.Fatalf("lookupHost(%s) = %+v %v, the scan says %+v %v", h.label(), got, gok, want, wok)
		}
		if len(ix.fill(h).spns) != len(h.members) || len(h.members) == 0 {
			t.Fatalf("host %s: %d members, %d SPNs", h.label(), len(h.members), len(ix.fill(h).spns))
		}
	}
	n := 0
	ix.eachSPN(func(p parsedSPN) {
		n++
		v, err := spn.Parse(p.Raw)
		if (err == nil) != (p.err == nil) || p.Key() != v.Key() || p.Class() != v.Class() {
			t.Fatalf("%q: cached key %q class %q, parsed %q %q", p.Raw, p.Key(), p.Class(), v.Key(), v.Class())
		}
	})
	if n != 10_000 {
		t.Fatalf("index holds %d SPNs, want 10000", n)
	}
}
