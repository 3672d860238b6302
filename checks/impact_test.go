package checks

import (
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/internal/synth"
)

// Every failed finding of an outage check names, in prose, the service that
// fails and for whom (issue 17): the reports' list of outages prints it.
// Over the seed, the lab (with ticket refusals added) and a generated
// estate, and the seed's sentence word for word.
func TestEveryOutageFindingSaysItsImpact(t *testing.T) {
	seed, err := audit.Load("../testdata/snapshots/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	refused := loadLabRC4(t)
	refused.TicketProbes = append(refused.TicketProbes,
		audit.TicketProbe{SPN: "MSSQLSvc/sql01.lab.test:1433", ClientRealm: "LAB.TEST", ErrorCode: 8, ErrorName: "KDC_ERR_PRINCIPAL_NOT_UNIQUE"})
	des := loadLabRC4(t)
	for i := range des.Accounts {
		if strings.EqualFold(des.Accounts[i].SAMAccountName, "svc-rc4") {
			v := audit.EncDESCBCCRC | audit.EncDESCBCMD5
			des.Accounts[i].SupportedEncryptionTypes = &v
		}
	}
	gen, _ := synth.Generate(synth.Config{Accounts: 2_000, SPNs: 6_000})
	checked := map[string]bool{}
	for name, s := range map[string]*audit.Snapshot{"seed": seed, "lab-rc4": loadLabRC4(t), "lab-rc4 with a refusal": refused, "generated": gen, "lab shape": labSnapshot(),
		"lab-rc4, svc-rc4 DES only": des, "no _kerberos._tcp SRV": setSRV(labSnapshot(), "_kerberos._tcp.lab.test", audit.DNSNXDomain),
		"probe: the seed's site as the computer":  probeSnapshot(t, "http://mp01.corp.example/", asComputer, nil, mp01, web01, svcWeb),
		"probe: a host without DNS":               probeSnapshot(t, "http://ghost.corp.example/", asComputer, nil, mp01, web01, svcWeb),
		"probe: nobody holds the SPN":             probeSnapshot(t, "http://mp01.corp.example/", asAccount("svc-x"), nil, svcX),
		"probe: clients behind an external trust": clientRealmBehindExternalTrust(t),
		"stale SRV target": addHosts(pointSRV(labSnapshot(), "dc9.lab.test", "_kerberos._tcp.lab.test"),
			audit.HostLookup{Name: "dc9.lab.test", Status: audit.DNSNXDomain}),
		"a DC's PTR names another host": dc1Host(func(h *audit.HostLookup) { setPTR(h, "127.0.0.11", "web01.lab.test.") }),
		"a DC six minutes ahead":        shiftClock(labSnapshot(), "dc2.partner.test", 6*time.Minute)} {
		for _, f := range Run(s, All(), Options{}) {
			if f.Meaning != Outage || f.Status != Fail {
				continue
			}
			checked[f.CheckID] = true
			if !strings.HasPrefix(f.Impact, "clients") && !strings.HasPrefix(f.Impact, "a client") {
				t.Errorf("%s: %s %s: impact %q does not say which clients fail", name, f.CheckID, f.Subject, f.Impact)
			}
		}
	}
	// Every outage check of the registry has a fixture here: a new one
	// without an impact sentence fails this test.
	for _, c := range All() {
		if c.Meaning == Outage && !checked[c.ID] {
			t.Errorf("outage check %s has no finding in the fixtures: add one, so that its impact sentence is tested", c.ID)
		}
	}
	probe := probeSnapshot(t, "http://mp01.corp.example/", asComputer, nil, mp01, web01, svcWeb)
	for _, f := range Run(probe, All(), Options{}) {
		want := `clients of http://mp01.corp.example/ get tickets for CORP\svc-web; the service runs as the computer and cannot decrypt them`
		if f.CheckID == "SERVICE-IDENTITY" && f.Impact != want {
			t.Errorf("probe impact\n %q, want\n %q", f.Impact, want)
		}
	}
	for _, f := range Run(seed, All(), Options{}) {
		want := `clients of http://mp01 and http://mp01.corp.example get tickets for CORP\svc-appweb; a service there running as the computer MP01$ (a site as LocalSystem, a management point) cannot decrypt them`
		if f.CheckID == "SPN-USER-HOST-ALIAS" && f.Impact != want {
			t.Errorf("seed impact\n %q, want\n %q", f.Impact, want)
		}
	}
}

// clientRealmBehindExternalTrust is a probe whose clients sit in a realm
// the service's domain reaches only through an external trust.
func clientRealmBehindExternalTrust(t *testing.T) *audit.Snapshot {
	s := probeSnapshot(t, "http://web01.corp.example/", asComputer, func(svc *audit.Service) { svc.ClientRealm = "EXTERN.EXAMPLE" }, web01)
	s.Domains[0].Trusts = []audit.Trust{{Partner: "extern.example", Type: 2, Direction: 3, Attributes: audit.TrustQuarantined}}
	return s
}
