package remediate

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/checks"
)

const seedPath = "../testdata/snapshots/seed.json"

func loadSeed(t *testing.T) *audit.Snapshot {
	t.Helper()
	snap, err := audit.Load(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// seedCheck is the check whose finding the golden files are about; other
// checks run over the seed are covered by TestAllChecksOverTheSeedPlan.
func seedCheck(t *testing.T) []checks.Check {
	t.Helper()
	c, ok := checks.Lookup("SPN-USER-HOST-ALIAS")
	if !ok {
		t.Fatal("SPN-USER-HOST-ALIAS is not registered")
	}
	return []checks.Check{c}
}

func seedFindings(t *testing.T) []checks.Finding {
	t.Helper()
	return checks.Run(loadSeed(t), seedCheck(t), checks.DefaultOptions())
}

// spnStrategies are the strategies that fix the seed's SPN finding.
var spnStrategies = []Strategy{MovePort, Remove}

// rc4Plan is the aes strategy's plan for the RC4 checks over the lab's live
// snapshot.
func rc4Plan(t *testing.T) *Plan {
	t.Helper()
	snap, err := audit.Load("../testdata/snapshots/lab-rc4.json")
	if err != nil {
		t.Fatal(err)
	}
	return planRC4(t, snap)
}

func planRC4(t *testing.T, snap *audit.Snapshot) *Plan {
	t.Helper()
	var list []checks.Check
	for _, id := range []string{"KRB-AES-KEYS", "KRB-ETYPES-NO-AES", "KRB-DES-ONLY", "KRB-KRBTGT-KEYS", "KRB-OS-NO-AES"} {
		c, ok := checks.Lookup(id)
		if !ok {
			t.Fatalf("no check %s", id)
		}
		list = append(list, c)
	}
	p, err := Build(snap, checks.Run(snap, list, checks.DefaultOptions()),
		Options{Strategy: AES, Generator: "spntrust test", Snapshot: "testdata/snapshots/lab-rc4.json"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func seedPlan(t *testing.T, strategy Strategy, port int) *Plan {
	t.Helper()
	return planFor(t, loadSeed(t), strategy, port)
}

func planFor(t *testing.T, snap *audit.Snapshot, strategy Strategy, port int) *Plan {
	t.Helper()
	opt := checks.DefaultOptions()
	if port != 0 {
		opt.MovePort = port
	}
	findings := checks.Run(snap, seedCheck(t), opt)
	p, err := Build(snap, findings, Options{Strategy: strategy, Port: opt.MovePort, Generator: "spntrust test", Snapshot: "testdata/snapshots/seed.json"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSeedPlan(t *testing.T) {
	tests := []struct {
		name       string
		strategy   Strategy
		port       int
		wantTypes  []checks.ActionType
		wantRemove []string
		wantAdd    []string
		wantAfter  []string
	}{
		{"move-port (default) takes both forms off and registers them with the port", MovePort, 0,
			[]checks.ActionType{checks.ActionMoveSitePort, checks.ActionRemoveSPN, checks.ActionRemoveSPN, checks.ActionAddSPN, checks.ActionAddSPN},
			[]string{"HTTP/mp01.corp.example", "HTTP/mp01"},
			[]string{"HTTP/mp01.corp.example:81", "HTTP/mp01:81"},
			[]string{"HTTP/mp01.corp.example:81", "HTTP/mp01:81"}},
		{"move-port honours another port", MovePort, 8081,
			[]checks.ActionType{checks.ActionMoveSitePort, checks.ActionRemoveSPN, checks.ActionRemoveSPN, checks.ActionAddSPN, checks.ActionAddSPN},
			[]string{"HTTP/mp01.corp.example", "HTTP/mp01"},
			[]string{"HTTP/mp01.corp.example:8081", "HTTP/mp01:8081"},
			[]string{"HTTP/mp01.corp.example:8081", "HTTP/mp01:8081"}},
		{"remove only takes them off", Remove, 0,
			[]checks.ActionType{checks.ActionRemoveSPN, checks.ActionRemoveSPN},
			[]string{"HTTP/mp01.corp.example", "HTTP/mp01"}, nil, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := seedPlan(t, tt.strategy, tt.port)
			var types []checks.ActionType
			for _, s := range p.Steps {
				types = append(types, s.Type)
				if s.Finding.ID != "SPN-USER-HOST-ALIAS" || len(s.Finding.Fingerprint) != 16 || s.Comment == "" || s.Risk == "" {
					t.Errorf("step %d lacks finding ID, fingerprint, comment or risk: %+v", s.N, s)
				}
			}
			if !reflect.DeepEqual(types, tt.wantTypes) {
				t.Errorf("step types = %v, want %v", types, tt.wantTypes)
			}
			accts := p.ChangedAccounts()
			if len(accts) != 1 || accts[0].Account != `CORP\svc-appweb` {
				t.Fatalf("changed accounts = %+v, want only CORP\\svc-appweb", accts)
			}
			a := accts[0]
			if !reflect.DeepEqual(a.Before, []string{"HTTP/mp01.corp.example", "HTTP/mp01"}) {
				t.Errorf("Before = %q, want the snapshot's SPNs in order", a.Before)
			}
			if !reflect.DeepEqual(a.Remove, tt.wantRemove) || !reflect.DeepEqual(a.Add, tt.wantAdd) || !reflect.DeepEqual(a.After, tt.wantAfter) {
				t.Errorf("remove %q add %q after %q; want %q %q %q", a.Remove, a.Add, a.After, tt.wantRemove, tt.wantAdd, tt.wantAfter)
			}
			if a.Forest != "corp.example" || a.Kind != audit.KindUser {
				t.Errorf("forest %q kind %q", a.Forest, a.Kind)
			}
		})
	}
}

func TestHealthySnapshotGivesAnEmptyPlan(t *testing.T) {
	snap := loadSeed(t)
	// The remediated form of the seed: nothing to fix.
	for i := range snap.Accounts {
		if snap.Accounts[i].SAMAccountName == "svc-appweb" {
			snap.Accounts[i].SPNs = []string{"HTTP/mp01.corp.example:81", "HTTP/mp01:81"}
		}
	}
	findings := checks.Run(snap, seedCheck(t), checks.DefaultOptions())
	p, err := Build(snap, findings, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Empty() || len(p.Accounts) != 0 || len(p.Skipped) != 0 {
		t.Errorf("healthy snapshot planned something: %+v", p)
	}
}

func TestAllChecksOverTheSeedPlan(t *testing.T) {
	snap := loadSeed(t)
	findings := checks.Run(snap, checks.All(), checks.DefaultOptions())
	for _, strategy := range spnStrategies {
		p, err := Build(snap, findings, Options{Strategy: strategy})
		if err != nil {
			t.Fatalf("%s: %v", strategy, err)
		}
		if _, err := Render(p, FormatNames()); err != nil {
			t.Fatalf("%s: %v", strategy, err)
		}
		if accts := p.ChangedAccounts(); len(accts) == 0 || accts[0].SAMAccountName != "svc-appweb" {
			t.Errorf("%s: the seed's account is not changed first: %+v", strategy, accts)
		}
	}
}

// finding builds a failed finding whose move-port option holds the actions.
func finding(fp string, actions ...checks.Action) checks.Finding {
	return checks.Finding{CheckID: "SPN-TEST", Fingerprint: fp, Status: checks.Fail, Title: "test finding " + fp,
		Remediation: []checks.Option{{Name: "move-port", Actions: actions}}}
}

func rm(dn, account, v string) checks.Action {
	return checks.Action{Type: checks.ActionRemoveSPN, AccountDN: dn, Account: account, Domain: "corp.example", SPN: v}
}

func add(dn, account, v string) checks.Action {
	return checks.Action{Type: checks.ActionAddSPN, AccountDN: dn, Account: account, Domain: "corp.example", SPN: v}
}

const appweb = "CN=svc-appweb,OU=Service Accounts,DC=corp,DC=example"

func TestBuildEdgeCases(t *testing.T) {
	tests := []struct {
		name        string
		findings    []checks.Finding
		wantSkipped []string // fingerprints
		wantRemove  []string
		wantAdd     []string
		wantNoOp    []int
		wantErr     string
	}{
		{"an add that would duplicate another account's SPN skips the whole finding",
			[]checks.Finding{finding("f1", rm(appweb, `CORP\svc-appweb`, "HTTP/mp01"), add(appweb, `CORP\svc-appweb`, "HTTP/web02.corp.example:81"))},
			[]string{"f1"}, nil, nil, nil, ""},
		{"duplicate check is case-insensitive",
			[]checks.Finding{finding("f1", add(appweb, `CORP\svc-appweb`, "http/WEB02.corp.example:81"))},
			[]string{"f1"}, nil, nil, nil, ""},
		{"removing an SPN the account does not hold is a no-op step",
			[]checks.Finding{finding("f1", rm(appweb, `CORP\svc-appweb`, "HTTP/other"), rm(appweb, `CORP\svc-appweb`, "http/MP01"))},
			nil, []string{"HTTP/mp01"}, nil, []int{1}, ""},
		{"adding an SPN the account holds is a no-op step",
			[]checks.Finding{finding("f1", add(appweb, `CORP\svc-appweb`, "HTTP/MP01.corp.example"))},
			nil, nil, nil, []int{1}, ""},
		{"two findings on one account merge into one change",
			[]checks.Finding{finding("f1", rm(appweb, `CORP\svc-appweb`, "HTTP/mp01")), finding("f2", rm(appweb, `CORP\svc-appweb`, "HTTP/mp01.corp.example"))},
			nil, []string{"HTTP/mp01.corp.example", "HTTP/mp01"}, nil, nil, ""},
		{"remove then re-add nets to nothing",
			[]checks.Finding{finding("f1", rm(appweb, `CORP\svc-appweb`, "HTTP/mp01"), add(appweb, `CORP\svc-appweb`, "HTTP/mp01"))},
			nil, nil, nil, nil, ""},
		{"a malformed SPN is skipped, not scripted",
			[]checks.Finding{finding("f1", rm(appweb, `CORP\svc-appweb`, "HTTP/http://mp01"))},
			[]string{"f1"}, nil, nil, nil, ""},
		{"an account missing from the snapshot is an error",
			[]checks.Finding{finding("f1", rm("CN=ghost,DC=corp,DC=example", `CORP\ghost`, "HTTP/x"))},
			nil, nil, nil, nil, "does not hold"},
		{"not-evaluated findings are listed, not planned",
			[]checks.Finding{{CheckID: "SPN-TEST", Fingerprint: "f1", Status: checks.NotEvaluated}},
			[]string{"f1"}, nil, nil, nil, ""},
		{"a finding without the strategy's option is listed, not planned",
			[]checks.Finding{{CheckID: "SPN-TEST", Fingerprint: "f1", Status: checks.Fail, Remediation: []checks.Option{{Name: "remove", Actions: []checks.Action{rm(appweb, "x", "HTTP/mp01")}}}}},
			[]string{"f1"}, nil, nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Build(loadSeed(t), tt.findings, Options{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var skipped []string
			for _, s := range p.Skipped {
				skipped = append(skipped, s.Finding.Fingerprint)
				if s.Reason == "" {
					t.Errorf("skipped %s without a reason", s.Finding.Fingerprint)
				}
			}
			if !reflect.DeepEqual(skipped, tt.wantSkipped) {
				t.Errorf("skipped = %v, want %v", skipped, tt.wantSkipped)
			}
			var remove, add []string
			for _, a := range p.ChangedAccounts() {
				remove = append(remove, a.Remove...)
				add = append(add, a.Add...)
			}
			if !reflect.DeepEqual(remove, tt.wantRemove) || !reflect.DeepEqual(add, tt.wantAdd) {
				t.Errorf("remove %q add %q, want %q %q", remove, add, tt.wantRemove, tt.wantAdd)
			}
			var noop []int
			for _, s := range p.Steps {
				if s.NoOp {
					noop = append(noop, s.N)
				}
			}
			if !reflect.DeepEqual(noop, tt.wantNoOp) {
				t.Errorf("no-op steps = %v, want %v", noop, tt.wantNoOp)
			}
			if len(skipped) > 0 && len(p.Steps) > 0 {
				t.Errorf("a skipped finding left steps in the plan: %+v", p.Steps)
			}
		})
	}
}

func TestParseStrategy(t *testing.T) {
	for in, want := range map[string]Strategy{"move-port": MovePort, "REMOVE": Remove, " Move-Port ": MovePort, "aes": AES} {
		if got, err := ParseStrategy(in); err != nil || got != want {
			t.Errorf("ParseStrategy(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseStrategy("delete"); err == nil || !strings.Contains(err.Error(), "move-port, remove or aes") {
		t.Errorf("bad strategy: err = %v", err)
	}
}

// svc-rc4 allowing RC4 only and holding no AES keys is one condition seen by
// KRB-ETYPES-NO-AES (its allow-aes fix resets the password, then allows AES
// only) and KRB-AES-KEYS (a reset): linked, so the plan resets the password
// once, under the root's finding, and lists the other as fixed by it.
func TestPlanDoesNotFixOneRootCauseTwice(t *testing.T) {
	snap, err := audit.Load("../testdata/snapshots/lab-rc4.json")
	if err != nil {
		t.Fatal(err)
	}
	for i := range snap.Accounts {
		if strings.EqualFold(snap.Accounts[i].SAMAccountName, "svc-rc4") {
			snap.Accounts[i].Keys = &audit.AccountKeys{Outcome: audit.KeysListed, Etypes: []int32{audit.EtypeRC4}}
		}
	}
	p := planRC4(t, snap)
	resets := 0
	for _, s := range p.Steps {
		if s.Type == checks.ActionResetPassword && strings.EqualFold(s.AccountDN, "CN=svc-rc4,CN=Users,DC=lab,DC=test") {
			resets++
			if s.Finding.ID != "KRB-ETYPES-NO-AES" {
				t.Errorf("the reset is planned for %s, want the root KRB-ETYPES-NO-AES", s.Finding)
			}
		}
	}
	if resets != 1 {
		t.Errorf("%d password resets of svc-rc4 planned, want 1", resets)
	}
	found := false
	for _, sk := range p.Skipped {
		if sk.Finding.ID == "KRB-AES-KEYS" && strings.Contains(sk.Reason, "same cause as KRB-ETYPES-NO-AES") {
			found = true
		}
	}
	if !found {
		t.Errorf("KRB-AES-KEYS of svc-rc4 not listed as fixed by its root: %+v", p.Skipped)
	}
}

// A linked finding waits for its root only when the root's option makes
// every change its own option makes: a change of its own is planned.
func TestALinkedFindingIsPlannedWhenItsRootDoesNotCoverIt(t *testing.T) {
	dn := "CN=svc-web,CN=Users,DC=corp,DC=example"
	remove := func(v string) checks.Action {
		return checks.Action{Type: checks.ActionRemoveSPN, AccountDN: dn, SPN: v}
	}
	root := &checks.Option{Name: "remove", Actions: []checks.Action{remove("HTTP/mp01"), remove("HTTP/mp01.corp.example")}}
	for _, tt := range []struct {
		name   string
		option *checks.Option
		want   bool
	}{
		{"the same removals, another order and case", &checks.Option{Actions: []checks.Action{remove("http/mp01.corp.example"), remove("HTTP/mp01")}}, true},
		{"advice of its own only", &checks.Option{Actions: []checks.Action{remove("HTTP/mp01"), {Type: checks.ActionAdvice, Note: "clients must include the port"}}}, true},
		{"a removal the root does not make", &checks.Option{Actions: []checks.Action{remove("HTTP/mp01"), remove("HTTP/web01")}}, false},
		{"no option for the strategy", nil, true},
	} {
		if got := coveredBy(tt.option, root); got != tt.want {
			t.Errorf("%s: coveredBy = %v, want %v", tt.name, got, tt.want)
		}
	}
	if coveredBy(&checks.Option{Actions: []checks.Action{remove("HTTP/mp01")}}, nil) {
		t.Error("a root without an option for the strategy covers nothing")
	}
}
