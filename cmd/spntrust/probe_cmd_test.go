package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/internal/exitcode"
	"github.com/spntrust/spntrust/reports"
)

// probeSeedSnapshot is what a targeted collection of the seed case
// records: svc-web holds both HTTP forms of mp01, MP01$ holds HOST/, the
// service runs as the computer, the KDC issued the ticket.
func probeSeedSnapshot(id *audit.ServiceIdentity) *audit.Snapshot {
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	return &audit.Snapshot{
		SchemaVersion: audit.SchemaVersion,
		Collection: audit.Collection{StartedAt: now, FinishedAt: now, Target: "corp.example", Mode: audit.ModeServices,
			TicketProbeState: audit.TicketProbesDone},
		Forests: []audit.Forest{{RootDomain: "corp.example", FunctionalLevel: 7, SPNMappings: map[string]string{"http": "host"}}},
		Domains: []audit.Domain{{DNSName: "corp.example", NetBIOSName: "CORP", DN: "DC=corp,DC=example", Forest: "corp.example",
			FunctionalLevel: 7, AccountsCollected: true, DCs: []audit.DC{{FQDN: "dc1.corp.example"}}, Trusts: []audit.Trust{}}},
		Accounts: []audit.Account{
			{DN: "CN=MP01,CN=Computers,DC=corp,DC=example", Domain: "corp.example", SAMAccountName: "MP01$", Kind: audit.KindComputer,
				UserAccountControl: audit.UACWorkstationTrust, Enabled: true, SPNs: []string{"HOST/mp01.corp.example", "HOST/mp01"}},
			{DN: "CN=svc-web,CN=Users,DC=corp,DC=example", Domain: "corp.example", SAMAccountName: "svc-web", Kind: audit.KindUser,
				UserAccountControl: audit.UACNormalAccount, Enabled: true, SPNs: []string{"HTTP/mp01.corp.example", "HTTP/mp01"}},
		},
		DNS:    audit.DNS{Hosts: []audit.HostLookup{{Name: "mp01.corp.example", Canonical: "mp01.corp.example", A: []string{"10.0.0.21"}, Status: audit.DNSOK}}},
		Clocks: []audit.ClockSample{{Source: "kdc:10.0.0.10:88", RemoteTime: now, LocalTime: now}},
		TicketProbes: []audit.TicketProbe{{SPN: "HTTP/mp01.corp.example", ClientRealm: "CORP.EXAMPLE", Issued: true, Realm: "CORP.EXAMPLE",
			Path: []string{"CORP.EXAMPLE"}}},
		Services: []audit.Service{{URL: "http://mp01.corp.example/", Scheme: "http", Host: "mp01.corp.example", Port: 80, Source: audit.ServiceFromProbe,
			Domain: "corp.example", Identity: id, RequestedSPN: "HTTP/mp01.corp.example"}},
	}
}

// probe goes down the pipeline like audit: the connector's targeted
// collection, the checks, the normal writers, the verdict as exit status.
func TestProbeCommandRunsThePipeline(t *testing.T) {
	computer := &audit.ServiceIdentity{Computer: true}
	t.Run("the seed is NOT READY and the text opens with the verdict", func(t *testing.T) {
		fake := &fakeConnector{snap: probeSeedSnapshot(computer)}
		code, stdout, stderr := runWith(t, fake, "probe", "http://mp01.corp.example/", "--runs-as-computer")
		if code != ExitFindings || !strings.HasPrefix(stdout, "NOT READY: http://mp01.corp.example/") {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		for _, w := range []string{`setspn -D HTTP/mp01.corp.example CORP\svc-web`, `setspn -D HTTP/mp01 CORP\svc-web`, "[SERVICE-IDENTITY]"} {
			if !strings.Contains(stdout, w) {
				t.Errorf("report lacks %q:\n%s", w, stdout)
			}
		}
		if len(fake.queries) != 1 || len(fake.queries[0].Services) != 1 {
			t.Fatalf("queries = %+v", fake.queries)
		}
		svc := fake.queries[0].Services[0]
		if svc.URL != "http://mp01.corp.example/" || svc.Identity == nil || !svc.Identity.Computer || fake.targets[0] != "corp.example" {
			t.Errorf("the declared service %+v (target %q) is not what the flags say", svc, fake.targets[0])
		}
	})
	t.Run("--format json is the audit's JSON report with the verdicts", func(t *testing.T) {
		code, stdout, _ := runWith(t, &fakeConnector{snap: probeSeedSnapshot(computer)}, "probe", "http://mp01.corp.example/", "--runs-as-computer", "--format", "json")
		var rep reports.Report
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("%v\n%s", err, stdout)
		}
		if code != ExitFindings || len(rep.Services) != 1 || rep.Services[0].Verdict != reports.NotReady || len(rep.Findings) == 0 {
			t.Errorf("exit %d, verdicts %+v, %d findings", code, rep.Services, len(rep.Findings))
		}
	})
	t.Run("without the identity the verdict is UNKNOWN (exit 4)", func(t *testing.T) {
		code, stdout, _ := runWith(t, &fakeConnector{snap: probeSeedSnapshot(nil)}, "probe", "http://mp01.corp.example/")
		if code != exitcode.Unknown || !strings.HasPrefix(stdout, "UNKNOWN: ") {
			t.Errorf("exit %d\n%s", code, stdout)
		}
	})
	t.Run("the service running as the holder is READY", func(t *testing.T) {
		code, stdout, _ := runWith(t, &fakeConnector{snap: probeSeedSnapshot(&audit.ServiceIdentity{Account: `CORP\svc-web`})}, "probe", "http://mp01.corp.example/", "--service-account", `CORP\svc-web`)
		if code != ExitOK || !strings.HasPrefix(stdout, "READY: ") {
			t.Errorf("exit %d\n%s", code, stdout)
		}
	})
	t.Run("the saved narrow snapshot replays with audit --from, whose exit is --fail-on's", func(t *testing.T) {
		snap := filepath.Join(t.TempDir(), "probe.json")
		code, _, stderr := runWith(t, &fakeConnector{snap: probeSeedSnapshot(computer)}, "probe", "http://mp01.corp.example/", "--runs-as-computer", "--save-snapshot", snap)
		if code != ExitFindings {
			t.Fatalf("probe --save-snapshot: exit %d: %s", code, stderr)
		}
		code, stdout, stderr := runWith(t, &fakeConnector{}, "audit", "--from", snap)
		if code != ExitOK || !strings.HasPrefix(stdout, "NOT READY: http://mp01.corp.example/") || !strings.Contains(stdout, "[SERVICE-IDENTITY]") {
			t.Errorf("audit --from the probe's snapshot: exit %d (want 0: no --fail-on)\n%s%s", code, stdout, stderr)
		}
		if code, _, _ := runWith(t, &fakeConnector{}, "audit", "--from", snap, "--fail-on", "high"); code != ExitFindings {
			t.Errorf("audit --from --fail-on high: exit %d, want %d", code, ExitFindings)
		}
	})
	t.Run("a directory that cannot be reached is exit 3", func(t *testing.T) {
		code, _, stderr := runWith(t, &fakeConnector{}, "probe", "http://mp01.corp.example/", "--runs-as-computer")
		if code != ExitIncomplete || !strings.Contains(stderr, "connection refused") {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"an identity given twice", []string{"http://mp01.corp.example/", "--runs-as-computer", "--service-account", "svc"}, "exclusive"},
		{"a URL and --configmgr", []string{"http://mp01.corp.example/", "--configmgr", "--domain", "corp.example"}, "not both"},
		{"--configmgr without a domain", []string{"--configmgr"}, "--configmgr needs --domain"},
		{"a short name without --domain", []string{"http://mp01/"}, "single-label"},
		{"a bad URL", []string{"ftp://mp01.corp.example/"}, "not http or https"},
		{"an unknown format", []string{"http://mp01.corp.example/", "--format", "yaml"}, "--format"},
	} {
		t.Run("usage: "+tt.name, func(t *testing.T) {
			fake := &fakeConnector{snap: probeSeedSnapshot(computer)}
			code, _, stderr := runWith(t, fake, append([]string{"probe"}, tt.args...)...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) || len(fake.queries) != 0 {
				t.Errorf("exit %d, %d collections: %s", code, len(fake.queries), stderr)
			}
		})
	}
}
