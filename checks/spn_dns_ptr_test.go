package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

// ptrHostLookup is an A-record host whose addresses' PTRs are given.
func ptrHostLookup(name string, ptr map[string][]string) audit.HostLookup {
	h := audit.HostLookup{Name: name, Canonical: name, Status: audit.DNSOK, PTR: audit.PTRsOf(ptr)}
	for a := range ptr {
		h.A = append(h.A, a)
	}
	return h
}

func TestDNSPTR(t *testing.T) {
	shared := ptrHostLookup("shared.corp.example", map[string][]string{"10.0.0.13": {"file01.corp.example"}})
	sharedShort := shared
	sharedShort.Name, sharedShort.QueriedAs = "shared", "shared.corp.example"
	noPTRMap := okHost("legacy.corp.example", "10.0.0.30")
	noPTRMap.PTR = nil
	tests := []struct {
		name string
		snap *audit.Snapshot
		want []string
		// notEvaluated: hosts in the one not-evaluated finding
		notEvaluated string
	}{
		{"address's PTR names another host", withHosts(newSnapshot(user("svc-shared", "HTTP/shared.corp.example")), shared),
			[]string{"shared.corp.example"}, ""},
		{"short name and FQDN: one finding", withHosts(newSnapshot(user("svc-shared", "HTTP/shared.corp.example", "HTTP/shared")), shared, sharedShort),
			[]string{"shared.corp.example"}, ""},
		{"one of two addresses names another host",
			withHosts(newSnapshot(user("svc-web", "HTTP/web.corp.example")),
				ptrHostLookup("web.corp.example", map[string][]string{"10.0.0.5": {"web.corp.example"}, "10.0.0.6": {"oldweb.corp.example"}})),
			[]string{"web.corp.example"}, ""},
		{"a computer's own HOST SPN too", withHosts(newSnapshot(computer("app01", "HOST/app01.corp.example")),
			ptrHostLookup("app01.corp.example", map[string][]string{"10.0.0.7": {"printer7.corp.example"}})),
			[]string{"app01.corp.example"}, ""},
		{"healthy twin: PTR names the host", withHosts(newSnapshot(user("svc-app03", "HTTP/app03.corp.example")), okHost("app03.corp.example", "10.0.0.3")), nil, ""},
		{"healthy twin: one of several PTR names is the host",
			withHosts(newSnapshot(user("svc-app", "HTTP/app.corp.example")),
				ptrHostLookup("app.corp.example", map[string][]string{"10.0.0.8": {"alias.corp.example", "app.corp.example"}})),
			nil, ""},
		{"no PTR at all: clients keep the name", withHosts(newSnapshot(user("svc-x", "HTTP/x.corp.example")),
			ptrHostLookup("x.corp.example", map[string][]string{"10.0.0.9": nil})), nil, ""},
		{"CNAME: judged by the canonical name", withHosts(newSnapshot(user("svc-portal", "HTTP/portal.corp.example")),
			cnameHost("portal.corp.example", "app04.corp.example", "10.0.0.4")), nil, ""},
		{"NXDOMAIN is SPN-DNS-MISSING's", withHosts(newSnapshot(user("svc-ghost", "HTTP/ghost.corp.example")), nxHost("ghost.corp.example")), nil, ""},
		{"DC SPNs are DNS-DC-PTR's", withHosts(newSnapshot(dc("dc01", "ldap/dc01.corp.example")),
			ptrHostLookup("dc01.corp.example", map[string][]string{"10.0.0.1": {"other.corp.example"}})), nil, ""},
		{"an answer without reverse lookups is not evaluated", withHosts(newSnapshot(user("svc-l", "HTTP/legacy.corp.example")), noPTRMap),
			nil, "legacy.corp.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := runDNSPTR(tt.snap, DefaultOptions())
			if got := subjects(fs, Fail); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("subjects = %q, want %q (all: %+v)", got, tt.want, fs)
			}
			for _, f := range fs {
				if f.Status == Fail && f.Severity != Low {
					t.Errorf("severity = %s, want low (only reverse-DNS clients are affected)", f.Severity)
				}
			}
			ne := notEvaluated(fs)
			switch {
			case tt.notEvaluated == "" && len(ne) != 0:
				t.Errorf("unexpected not-evaluated findings: %+v", ne)
			case tt.notEvaluated != "" && (len(ne) != 1 || !strings.Contains(ne[0].Evidence[0].Key, tt.notEvaluated)):
				t.Errorf("not-evaluated = %+v, want one naming %s", ne, tt.notEvaluated)
			}
		})
	}
}

func TestDNSPTREvidenceAndRemediation(t *testing.T) {
	snap := withHosts(newSnapshot(user("svc-shared", "HTTP/shared.corp.example", "HTTP/shared")),
		ptrHostLookup("shared.corp.example", map[string][]string{"10.0.0.13": {"file01.corp.example"}}))
	fs := runDNSPTR(snap, DefaultOptions())
	if len(fs) != 1 {
		t.Fatalf("want 1 finding, got %+v", fs)
	}
	f := fs[0]
	ev := map[string]string{}
	for _, e := range f.Evidence {
		ev[e.Key] = e.Value
	}
	if ev["PTR 10.0.0.13"] != "file01.corp.example" || ev["canonical name"] != "shared.corp.example" {
		t.Errorf("evidence = %+v", f.Evidence)
	}
	if !strings.Contains(f.Explanation, "HTTP/file01.corp.example") {
		t.Errorf("explanation does not say what reverse-DNS clients ask for: %s", f.Explanation)
	}
	var names []string
	steps := ""
	for _, o := range f.Remediation {
		names = append(names, o.Name)
		steps += strings.Join(o.Steps(), "\n") + "\n"
	}
	if !reflect.DeepEqual(names, []string{"fix-ptr", "own-address", "clients-rdns-off"}) {
		t.Errorf("options = %v", names)
	}
	for _, want := range []string{
		"Remove-DnsServerResourceRecord -ZoneName '0.0.10.in-addr.arpa' -RRType Ptr -Name '13' -RecordData 'file01.corp.example.' -Force",
		"Add-DnsServerResourceRecordPtr -ZoneName '0.0.10.in-addr.arpa' -Name '13' -PtrDomainName 'shared.corp.example.'",
		"Add-DnsServerResourceRecordA -ZoneName 'corp.example' -Name 'shared' -IPv4Address <new address> -CreatePtr",
		"rdns = false",
	} {
		if !strings.Contains(steps, want) {
			t.Errorf("remediation lacks %q:\n%s", want, steps)
		}
	}
}
