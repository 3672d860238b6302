package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestDNSMissing(t *testing.T) {
	nodata := audit.HostLookup{Name: "mx.corp.example", Status: audit.DNSNoData}
	tests := []struct {
		name     string
		snap     *audit.Snapshot
		want     []string
		severity Severity
	}{
		{"NXDOMAIN on a service user", withHosts(newSnapshot(user("svc-ghost", "HTTP/ghost.corp.example")), nxHost("ghost.corp.example")),
			[]string{"ghost.corp.example"}, Medium},
		{"NODATA", withHosts(newSnapshot(user("svc-mx", "SMTP/mx.corp.example")), nodata), []string{"mx.corp.example"}, Medium},
		{"retired computer only is low", withHosts(newSnapshot(computer("old01", "HOST/old01.corp.example")), nxHost("old01.corp.example")),
			[]string{"old01.corp.example"}, Low},
		{"short name judged by its own lookup", withHosts(newSnapshot(user("svc-x", "HTTP/ghost")), nxHost("ghost"), okHost("ghost.corp.example", "10.0.0.9")),
			[]string{"ghost"}, Medium},
		{"short name without a lookup judged in the account's domain", withHosts(newSnapshot(user("svc-x", "HTTP/ghost")), nxHost("ghost.corp.example")),
			[]string{"ghost"}, Medium},
		{"healthy twin: resolves", withHosts(newSnapshot(user("svc-app03", "HTTP/app03.corp.example", "HTTP/app03")), okHost("app03.corp.example", "10.0.0.3")), nil, ""},
		{"healthy twin: CNAME resolves (another check)", withHosts(newSnapshot(user("svc-portal", "HTTP/portal.corp.example")), cnameHost("portal.corp.example", "app04.corp.example", "10.0.0.4")), nil, ""},
		{"DC SPNs are left to the DNS-* checks", withHosts(newSnapshot(dc("dc01", "ldap/6b0f2bbc._msdcs.corp.example")), nxHost("6b0f2bbc._msdcs.corp.example")), nil, ""},
		{"krbtgt's kadmin/changepw is not a host", withHosts(newSnapshot(krbtgt()), nxHost("changepw")), nil, ""},
		{"malformed SPN is left to SPN-MALFORMED", withHosts(newSnapshot(user("svc-bad", "HTTP/bad host.corp.example")), nxHost("bad host.corp.example")), nil, ""},
		{"an IP address is not a DNS name", newSnapshot(user("svc-ip", "HTTP/10.0.0.5")), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := runDNSMissing(tt.snap, DefaultOptions())
			got := subjects(fs, Fail)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("subjects = %q, want %q (all: %+v)", got, tt.want, fs)
			}
			if len(got) > 0 && fs[0].Severity != tt.severity {
				t.Errorf("severity = %s, want %s", fs[0].Severity, tt.severity)
			}
			if ne := notEvaluated(fs); len(ne) != 0 {
				t.Errorf("unexpected not-evaluated findings: %+v", ne)
			}
		})
	}
}

func TestDNSMissingEvidenceAndRemediation(t *testing.T) {
	snap := withHosts(newSnapshot(user("svc-ghost", "HTTP/ghost.corp.example")), nxHost("ghost.corp.example"))
	snap.DNS.Server = "10.0.0.10"
	fs := runDNSMissing(snap, DefaultOptions())
	if len(fs) != 1 {
		t.Fatalf("want 1 finding, got %d", len(fs))
	}
	ev := map[string]string{}
	for _, e := range fs[0].Evidence {
		ev[e.Key] = e.Value
	}
	if ev["dns status"] != "nxdomain" || ev["dns server"] != "10.0.0.10" || !strings.Contains(ev["spns"], `HTTP/ghost.corp.example on CORP\svc-ghost`) {
		t.Errorf("evidence = %v", ev)
	}
	steps := allSteps(fs[0])
	for _, want := range []string{`setspn -D HTTP/ghost.corp.example CORP\svc-ghost`, "Add-DnsServerResourceRecordA -ZoneName 'corp.example' -Name 'ghost'"} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
}

func TestDNSMissingWithoutAnswerIsOneNotEvaluatedFinding(t *testing.T) {
	snap := withHosts(newSnapshot(
		user("svc-a", "HTTP/a.corp.example", "HTTP/b.corp.example"),
		user("svc-c", "HTTP/c.corp.example")),
		audit.HostLookup{Name: "c.corp.example", Status: audit.DNSError, Error: "i/o timeout"})
	fs := runDNSMissing(snap, DefaultOptions())
	if len(subjects(fs, Fail)) != 0 {
		t.Errorf("flagged hosts without an answer: %+v", fs)
	}
	ne := notEvaluated(fs)
	if len(ne) != 1 || len(ne[0].Affected) != 3 {
		t.Fatalf("want one not-evaluated finding listing 3 hosts, got %+v", ne)
	}
	if !strings.Contains(ne[0].Evidence[2].Value, "i/o timeout") {
		t.Errorf("the failed lookup's error is not in the evidence: %+v", ne[0].Evidence)
	}
}
