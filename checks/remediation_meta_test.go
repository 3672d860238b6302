package checks

import (
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/statuscode"
)

// failingFixtures makes every check fail at least once: the shared
// snapshots (lab, seed, a generated estate) and, for the checks they leave
// healthy, the smallest change of the lab snapshot the check's own tests use.
func failingFixtures(t *testing.T) map[string]*audit.Snapshot {
	seed, err := audit.Load("../testdata/snapshots/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	labRC4, err := audit.Load("../testdata/snapshots/lab-rc4.json")
	if err != nil {
		t.Fatal(err)
	}
	selective := trustWith("partner.test", 2, 3, 0x18, nil)
	selective.FlatName = "PARTNER"
	lowDomain := labSnapshot()
	lowDomain.Domains[0].FunctionalLevel = 2
	lowDomain.Domains[0].DCs[0].FunctionalLevel = 2
	lowForest := labSnapshot()
	lowForest.Forests[2].FunctionalLevel = 0
	lowForest.Domains[2].FunctionalLevel = 0
	oldOS := computer("old01", "HOST/old01", "HOST/old01.corp.example")
	oldOS.OperatingSystem = "Windows Server 2003"
	return map[string]*audit.Snapshot{
		"des only":                  newSnapshot(withUAC(user("svc-web", "HTTP/web.corp.example"), audit.UACUseDESKeyOnly)),
		"old operating system":      newSnapshot(oldOS),
		"krbtgt without aes keys":   aesSince(newSnapshot(withPwdLastSet(withUAC(user("krbtgt", "kadmin/changepw"), audit.UACAccountDisable), before)), marker, auditAt),
		"lab":                       labSnapshot(),
		"seed":                      seed,
		"lab with key types (rc4)":  labRC4,
		"generated estate":          synthSnapshot(t, 10_000),
		"external trust unfiltered": oneTrust(trustWith("extern.test", 2, 3, 0, nil)),
		"tgt delegation":            oneTrust(trustWith("partner.test", 2, 3, 0x808, nil)),
		"selective authentication":  oneTrust(selective),
		"rc4 trust":                 oneTrust(trustWith("extern.test", 2, 3, audit.TrustQuarantined|audit.TrustUsesRC4, encTypes(24))),
		"mit realm without aes":     oneTrust(trustWith("MIT.EXAMPLE", 3, 3, 0, nil)),
		"low domain level":          lowDomain,
		"low forest level":          lowForest,
		"missing srv":               setSRV(labSnapshot(), "_kerberos._tcp.lab.test", audit.DNSNXDomain),
		"srv target gone":           addHosts(pointSRV(labSnapshot(), "dc9.lab.test", "_kerberos._tcp.lab.test"), audit.HostLookup{Name: "dc9.lab.test", Status: audit.DNSNXDomain}),
		"dc ptr wrong":              dc1Host(func(h *audit.HostLookup) { setPTR(h, "127.0.0.11", "web01.lab.test.") }),
		"dc clock skewed":           shiftClock(labSnapshot(), "dc2.partner.test", -6*time.Minute),
		"ticket refused":            withProbes(refused("HTTP/web99.lab.test", "LAB.TEST", 7, "KDC_ERR_S_PRINCIPAL_UNKNOWN", "LAB.TEST")),
		"ticket refused (etype)":    withProbes(refused("HTTP/web01.lab.test", "LAB.TEST", 14, "")),
		"probe: no DNS":             probeSnapshot(t, "http://ghost.corp.example/", asComputer, nil),
		"probe: nobody holds it":    probeSnapshot(t, "http://mp01.corp.example/", asAccount("svc-x"), nil, svcX),
		"probe: seed":               probeSnapshot(t, "http://mp01.corp.example/", asComputer, nil, mp01, svcWeb),
		"probe: port 8080 as user":  probeSnapshot(t, "http://web01.corp.example:8080/", asAccount("svc-x"), nil, web01, svcX),
		"probe: external trust": func() *audit.Snapshot {
			s := probeSnapshot(t, "http://web01.corp.example/", asComputer, func(s *audit.Service) { s.ClientRealm = "extern.example" }, web01)
			s.Domains[0].Trusts = []audit.Trust{{Partner: "extern.example", Type: 2, Direction: 3, Attributes: audit.TrustQuarantined}}
			return s
		}(),
	}
}

// TestEveryCheckThatCanFailHasARemediation is the meta-test of
// kube-linter's built-in checks: a check either says why it has no
// automatic fix (Check.NoFix), or every finding it fails carries options
// whose every action renders a step for people, and at least one action per
// option that is not only advice. Every check must fail in some fixture, so
// a new check without a failing fixture here fails this test too.
func TestEveryCheckThatCanFailHasARemediation(t *testing.T) {
	failed := map[string]int{}
	for name, s := range failingFixtures(t) {
		for _, f := range Run(s, All(), Options{}) {
			if f.Status != Fail {
				continue
			}
			failed[f.CheckID]++
			c, ok := Lookup(f.CheckID)
			if !ok {
				t.Fatalf("%s: finding of unregistered check %s", name, f.CheckID)
			}
			if c.NoFix != "" {
				continue
			}
			if len(f.Remediation) == 0 {
				t.Errorf("%s: %s finding %q has no remediation and the check declares no NoFix reason", name, f.CheckID, f.Title)
				continue
			}
			for _, o := range f.Remediation {
				if o.Name == "" || o.Summary == "" {
					t.Errorf("%s: %s option %+v lacks a name or summary", name, f.CheckID, o)
				}
				changes := 0
				for _, a := range o.Actions {
					if strings.TrimSpace(a.Step()) == "" {
						t.Errorf("%s: %s option %s: action %+v renders no step", name, f.CheckID, o.Name, a)
					}
					if a.Type != ActionAdvice {
						changes++
					}
				}
				if changes == 0 {
					t.Errorf("%s: %s option %s has no action that fixes anything (only advice)", name, f.CheckID, o.Name)
				}
			}
		}
	}
	for _, c := range All() {
		if c.NoFix != "" {
			if !strings.HasPrefix(c.NoFix, "no automatic fix because ") {
				t.Errorf("%s: NoFix must say \"no automatic fix because …\", got %q", c.ID, c.NoFix)
			}
			continue
		}
		if failed[c.ID] == 0 {
			t.Errorf("%s never fails in the fixtures: add one to failingFixtures so its remediation is held to this test", c.ID)
		}
	}
}

// A check that declares NoFix must not also carry remediation: the reason
// would be false.
func TestNoFixChecksCarryNoRemediation(t *testing.T) {
	for name, s := range failingFixtures(t) {
		for _, f := range Run(s, All(), Options{}) {
			if c, _ := Lookup(f.CheckID); c.NoFix != "" && len(f.Remediation) > 0 {
				t.Errorf("%s: %s declares %q but its finding %q carries remediation", name, c.ID, c.NoFix, f.Title)
			}
		}
	}
}

// The one table of codes names the checks that find each code's cause
// (`spntrust explain` prints them); every name must be a registered check.
func TestStatusCodesNameRegisteredChecks(t *testing.T) {
	for _, c := range statuscode.All() {
		for _, id := range c.Checks {
			if _, ok := Lookup(id); !ok {
				t.Errorf("%s %s names check %s, which is not registered", c.Family, c.Name, id)
			}
		}
	}
}
