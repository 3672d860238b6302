//go:build linux

package winetest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/internal/setspnsim"
)

// seedTable is the SPN table of testdata/snapshots/seed.json's domain, as
// the setspn stand-in keeps it.
func seedTable(t *testing.T, root string) setspnsim.Table {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "testdata/snapshots/seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	var snap struct {
		Domains []struct {
			DNSName     string `json:"dnsName"`
			NetBIOSName string `json:"netbiosName"`
			DN          string `json:"dn"`
		} `json:"domains"`
		Accounts []struct {
			DN     string   `json:"dn"`
			Domain string   `json:"domain"`
			SAM    string   `json:"samAccountName"`
			SPNs   []string `json:"spns"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal(b, &snap); err != nil {
		t.Fatal(err)
	}
	d := snap.Domains[0]
	tb := setspnsim.Table{DomainDN: d.DN, NetBIOS: d.NetBIOSName}
	for _, a := range snap.Accounts {
		if a.Domain == d.DNSName {
			tb.Accounts = append(tb.Accounts, setspnsim.Account{SAM: a.SAM, DN: a.DN, SPNs: a.SPNs})
		}
	}
	if len(tb.Accounts) == 0 {
		t.Fatal("the seed snapshot has no accounts")
	}
	return tb
}

// spnSets is each account's SPNs, sorted: setspn -S appends, so a rollback
// gives back the same SPNs, not necessarily in the same order.
func spnSets(tb setspnsim.Table) map[string][]string {
	m := map[string][]string{}
	for _, a := range tb.Accounts {
		s := append([]string{}, a.SPNs...)
		sort.Strings(s)
		m[a.SAM] = s
	}
	return m
}

type scriptEnv struct {
	w     *Wine
	dir   string // remediate's output: the scripts
	table string
	path  string // WINEPATH: where setspn.exe is
}

func newScriptEnv(t *testing.T, tb setspnsim.Table) *scriptEnv {
	w := Require(t)
	root := ModuleRoot(t)
	win := Build(t, "windows", "./cmd/spntrust")
	setspn := Build(t, "windows", "./internal/setspnsim/setspn")
	dir := t.TempDir()
	if r := w.Run(t, root, nil, win, "remediate", "--from", "testdata/snapshots/seed.json", "--out", WinPath(dir), "--format", "cmd"); r.Code != 0 {
		t.Fatalf("remediate: exit %d: %s", r.Code, r.Stderr)
	}
	table := filepath.Join(t.TempDir(), "spns.json")
	if err := tb.Save(table); err != nil {
		t.Fatal(err)
	}
	return &scriptEnv{w: w, dir: dir, table: table, path: WinPath(filepath.Dir(setspn))}
}

func (e *scriptEnv) run(t *testing.T, script string, extra ...string) Result {
	t.Helper()
	env := append([]string{"WINEPATH=" + e.path, setspnsim.TableEnv + "=" + WinPath(e.table)}, extra...)
	return e.w.Run(t, e.dir, env, "cmd", "/c", script)
}

func (e *scriptEnv) load(t *testing.T) setspnsim.Table {
	t.Helper()
	tb, err := setspnsim.Load(e.table)
	if err != nil {
		t.Fatal(err)
	}
	return *tb
}

// fix.cmd makes the planned changes, does nothing the second time, and
// rollback.cmd gives back exactly the SPNs the snapshot recorded.
func TestWineFixThenRollbackRestoresTheTable(t *testing.T) {
	root := ModuleRoot(t)
	orig := seedTable(t, root)
	e := newScriptEnv(t, orig)

	r := e.run(t, "fix.cmd")
	if r.Code != 0 || !strings.Contains(string(r.Stdout), "fix.cmd finished") {
		t.Fatalf("fix.cmd: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	after := spnSets(e.load(t))
	want := spnSets(orig)
	var moved []string
	for _, s := range want["svc-appweb"] {
		if !strings.EqualFold(s, "HTTP/mp01") && !strings.EqualFold(s, "HTTP/mp01.corp.example") {
			moved = append(moved, s)
		}
	}
	moved = append(moved, "HTTP/mp01.corp.example:81", "HTTP/mp01:81")
	sort.Strings(moved)
	want["svc-appweb"] = moved
	if !reflect.DeepEqual(after, want) {
		t.Errorf("after fix.cmd:\n got %v\nwant %v\n%s", after, want, r.Stdout)
	}

	r = e.run(t, "fix.cmd")
	if r.Code != 0 || strings.Count(string(r.Stdout), ": skip - ") != 4 {
		t.Errorf("fix.cmd again: exit %d, want 0 with every SPN step skipped\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if again := spnSets(e.load(t)); !reflect.DeepEqual(again, after) {
		t.Errorf("a second fix.cmd changed the table:\n%v\n%v", after, again)
	}

	r = e.run(t, "rollback.cmd")
	if r.Code != 0 {
		t.Fatalf("rollback.cmd: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if got := spnSets(e.load(t)); !reflect.DeepEqual(got, spnSets(orig)) {
		t.Errorf("after rollback.cmd:\n got %v\nwant %v\n%s", got, spnSets(orig), r.Stdout)
	}
	r = e.run(t, "rollback.cmd")
	if r.Code != 0 || !reflect.DeepEqual(spnSets(e.load(t)), spnSets(orig)) {
		t.Errorf("rollback.cmd again: exit %d or changed the table\n%s", r.Code, r.Stdout)
	}
}

// A step that fails stops fix.cmd there with exit code 1, as its header
// promises: later steps do not run.
func TestWineFailingStepStopsTheScript(t *testing.T) {
	root := ModuleRoot(t)
	for _, tc := range []struct {
		name      string
		table     func(*setspnsim.Table)
		env       []string
		lastStep  string // the step that fails
		notRun    string // a step that must not start
		unchanged bool   // nothing may have changed
	}{
		{
			name: "setspn -S refuses an SPN another account holds",
			table: func(tb *setspnsim.Table) {
				tb.Accounts = append(tb.Accounts, setspnsim.Account{SAM: "svc-other", DN: "CN=svc-other,CN=Users," + tb.DomainDN,
					SPNs: []string{"http/MP01.corp.example:81"}})
			},
			lastStep: "Step 4 of 5: setspn -S", notRun: "Step 5 of 5",
		},
		{
			name:     "setspn -D is refused (no right to write the account)",
			env:      []string{setspnsim.DenyEnv + `=CORP\svc-appweb`},
			lastStep: "Step 2 of 5: setspn -D", notRun: "Step 3 of 5", unchanged: true,
		},
		{
			name: "the account to change does not exist",
			table: func(tb *setspnsim.Table) {
				for i := range tb.Accounts {
					if tb.Accounts[i].SAM == "svc-appweb" {
						tb.Accounts = append(tb.Accounts[:i], tb.Accounts[i+1:]...)
						break
					}
				}
			},
			lastStep: `Cannot read the SPNs of CORP\svc-appweb`, notRun: "Step 2 of 5", unchanged: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := seedTable(t, root)
			if tc.table != nil {
				tc.table(&tb)
			}
			e := newScriptEnv(t, tb)
			before := spnSets(e.load(t))
			r := e.run(t, "fix.cmd", tc.env...)
			out := string(r.Stdout)
			if r.Code != 1 {
				t.Errorf("exit %d, want 1\n%s%s", r.Code, out, r.Stderr)
			}
			if !strings.Contains(out, tc.lastStep) || strings.Contains(out, tc.notRun) || strings.Contains(out, "fix.cmd finished") {
				t.Errorf("want the script to stop at %q before %q:\n%s", tc.lastStep, tc.notRun, out)
			}
			after := spnSets(e.load(t))
			if tc.unchanged && !reflect.DeepEqual(after, before) {
				t.Errorf("the table changed:\n%v\n%v", before, after)
			}
			if !tc.unchanged {
				for _, s := range after["svc-appweb"] {
					if strings.EqualFold(s, "HTTP/mp01:81") {
						t.Errorf("step 5 ran: %v", after["svc-appweb"])
					}
				}
			}
		})
	}
}
