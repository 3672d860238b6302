package remediate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// memDirectory is an in-memory directory with LDAP Modify semantics: a
// Modify is atomic and fails on deleting an absent or adding a present value.
type memDirectory struct {
	spns     map[string][]string // lower-case DN → values
	modifies int
	failOn   string // DN whose Modify fails
	ignoreOn string // DN whose Modify "succeeds" without effect
}

func newMem(t *testing.T) *memDirectory {
	d := &memDirectory{spns: map[string][]string{}}
	for _, a := range loadSeed(t).Accounts {
		d.spns[strings.ToLower(a.DN)] = append([]string(nil), a.SPNs...)
	}
	return d
}

func (d *memDirectory) ReadSPNs(_ context.Context, dn string) ([]string, error) {
	v, ok := d.spns[strings.ToLower(dn)]
	if !ok {
		return nil, errors.New("no such object (32)")
	}
	return append([]string(nil), v...), nil
}

func (d *memDirectory) ModifySPNs(_ context.Context, dn string, remove, add []string) error {
	d.modifies++
	if strings.EqualFold(dn, d.failOn) {
		return errors.New("insufficient access rights (50)")
	}
	if strings.EqualFold(dn, d.ignoreOn) {
		return nil
	}
	cur := append([]string(nil), d.spns[strings.ToLower(dn)]...)
	for _, v := range remove {
		i := indexOf(cur, v)
		if i < 0 {
			return errors.New("no such attribute (16)")
		}
		cur = append(cur[:i:i], cur[i+1:]...)
	}
	for _, v := range add {
		if indexOf(cur, v) >= 0 {
			return errors.New("attribute or value exists (20)")
		}
		cur = append(cur, v)
	}
	d.spns[strings.ToLower(dn)] = cur
	return nil
}

func (d *memDirectory) SPNHolders(_ context.Context, v string) ([]string, error) {
	var out []string
	for dn, spns := range d.spns {
		if indexOf(spns, v) >= 0 {
			out = append(out, dn)
		}
	}
	return out, nil
}

func (d *memDirectory) get(dn string) []string { return d.spns[strings.ToLower(dn)] }

func applyOpts(t *testing.T) ApplyOptions {
	return ApplyOptions{
		BackupPath: filepath.Join(t.TempDir(), "backup.json"), Server: "dc01.corp.example", Tool: "spntrust test",
		Now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
	}
}

func TestApplySeedThenAgainThenRollback(t *testing.T) {
	dir := newMem(t)
	p := seedPlan(t, MovePort, 0)
	opt := applyOpts(t)

	res, err := Apply(context.Background(), dir, p, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed() != 1 || res.BackupPath != opt.BackupPath {
		t.Errorf("result %+v", res)
	}
	if got, want := dir.get(appweb), []string{"HTTP/mp01.corp.example:81", "HTTP/mp01:81"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after apply: %q, want %q", got, want)
	}
	for _, path := range []string{opt.BackupPath, LDIFPath(opt.BackupPath)} {
		st, err := os.Stat(path)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("backup %s: %v mode %v", path, err, st)
		}
	}
	b, err := ReadBackup(opt.BackupPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Accounts) != 1 || !reflect.DeepEqual(b.Accounts[0].SPNs, []string{"HTTP/mp01.corp.example", "HTTP/mp01"}) {
		t.Errorf("backup accounts %+v", b.Accounts)
	}

	// Second run: nothing changes, no new backup.
	modifies := dir.modifies
	opt2 := applyOpts(t)
	res, err = Apply(context.Background(), dir, p, opt2)
	if err != nil {
		t.Fatal(err)
	}
	if dir.modifies != modifies || res.Changed() != 0 || res.BackupPath != "" || res.Accounts[0].State != StateAlreadyDone {
		t.Errorf("second run changed something: %+v (modifies %d → %d)", res, modifies, dir.modifies)
	}
	if _, err := os.Stat(opt2.BackupPath); !os.IsNotExist(err) {
		t.Errorf("second run wrote a backup: %v", err)
	}

	// Rollback restores the exact values, and a second rollback does nothing.
	if _, err := Rollback(context.Background(), dir, b, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, want := dir.get(appweb), []string{"HTTP/mp01.corp.example", "HTTP/mp01"}; !sameValues(got, want) {
		t.Errorf("after rollback: %q, want exactly %q", got, want)
	}
	modifies = dir.modifies
	res, err = Rollback(context.Background(), dir, b, ApplyOptions{})
	if err != nil || dir.modifies != modifies || res.Accounts[0].State != StateAlreadyDone {
		t.Errorf("second rollback: %v, %+v", err, res)
	}
}

func TestApplyRefusesBeforeAnyChange(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(d *memDirectory)
		wantErr any
		wantMsg string
	}{
		{"the account changed since the snapshot", func(d *memDirectory) {
			d.spns[strings.ToLower(appweb)] = []string{"HTTP/mp01.corp.example", "HTTP/mp01", "HTTP/new"}
		}, &StaleError{}, "HTTP/new"},
		{"another account holds an SPN to add", func(d *memDirectory) {
			d.spns["cn=other,dc=corp,dc=example"] = []string{"HTTP/mp01:81"}
		}, &DuplicateError{}, "cn=other,dc=corp,dc=example"},
		{"the account is gone", func(d *memDirectory) {
			delete(d.spns, strings.ToLower(appweb))
		}, nil, "no such object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newMem(t)
			tt.mutate(dir)
			before := dir.get(appweb)
			opt := applyOpts(t)
			_, err := Apply(context.Background(), dir, seedPlan(t, MovePort, 0), opt)
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), "nothing was changed") {
				t.Fatalf("err = %v, want it to mention %q and that nothing was changed", err, tt.wantMsg)
			}
			switch tt.wantErr.(type) {
			case *StaleError:
				var se *StaleError
				if !errors.As(err, &se) {
					t.Errorf("want *StaleError, got %T", err)
				}
			case *DuplicateError:
				var de *DuplicateError
				if !errors.As(err, &de) {
					t.Errorf("want *DuplicateError, got %T", err)
				}
			}
			if dir.modifies != 0 || !reflect.DeepEqual(dir.get(appweb), before) {
				t.Errorf("directory modified (%d modifies)", dir.modifies)
			}
			if _, err := os.Stat(opt.BackupPath); !os.IsNotExist(err) {
				t.Errorf("backup written although nothing was to change: %v", err)
			}
		})
	}
}

func TestApplyWithoutBackupChangesNothing(t *testing.T) {
	dir := newMem(t)
	opt := applyOpts(t)
	opt.BackupPath = "/nonexistent/dir/backup.json"
	if _, err := Apply(context.Background(), dir, seedPlan(t, MovePort, 0), opt); err == nil || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("err = %v", err)
	}
	if dir.modifies != 0 {
		t.Error("changed the directory although the backup could not be written")
	}
}

// twoAccountPlan changes svc-appweb, then svc-web02.
func twoAccountPlan(t *testing.T) *Plan {
	const web02 = "CN=svc-web02,OU=Service Accounts,DC=corp,DC=example"
	p, err := Build(loadSeed(t), append(seedFindings(t),
		finding("f2", rm(web02, `CORP\svc-web02`, "HTTP/web02.corp.example:81"), add(web02, `CORP\svc-web02`, "HTTP/web02.corp.example:8080"))), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.ChangedAccounts()) != 2 {
		t.Fatalf("plan changes %d accounts", len(p.ChangedAccounts()))
	}
	return p
}

func TestApplyFailureRestoresWhatItChanged(t *testing.T) {
	for _, mode := range []string{"modify refused", "modify without effect"} {
		t.Run(mode, func(t *testing.T) {
			dir := newMem(t)
			const web02 = "cn=svc-web02,ou=service accounts,dc=corp,dc=example"
			web02Before := append([]string(nil), dir.get(web02)...)
			if mode == "modify refused" {
				dir.failOn = web02
			} else {
				dir.ignoreOn = web02
			}
			opt := applyOpts(t)
			res, err := Apply(context.Background(), dir, twoAccountPlan(t), opt)
			var ae *ApplyError
			if !errors.As(err, &ae) {
				t.Fatalf("want *ApplyError, got %v", err)
			}
			if got := dir.get(appweb); !sameValues(got, []string{"HTTP/mp01.corp.example", "HTTP/mp01"}) {
				t.Errorf("svc-appweb not restored: %q", got)
			}
			if got := dir.get(web02); !reflect.DeepEqual(got, web02Before) {
				t.Errorf("svc-web02 changed: %q", got)
			}
			states := map[string]AccountState{}
			for _, a := range res.Accounts {
				states[a.Account] = a.State
			}
			if states[`CORP\svc-appweb`] != StateRolledBack || states[`CORP\svc-web02`] != StateUnchanged {
				t.Errorf("states %v", states)
			}
			msg := err.Error()
			for _, want := range []string{`CORP\svc-web02`, "restored to the backup", "not changed", "spntrust fix --rollback " + opt.BackupPath + " --apply"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error does not say %q:\n%s", want, msg)
				}
			}
		})
	}
}

func TestReadBackupRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"not json":      "nope",
		"other version": `{"version": 9, "accounts": [{"dn": "CN=x"}]}`,
		"unknown field": `{"version": 1, "accounts": [{"dn": "CN=x"}], "password": "x"}`,
		"no accounts":   `{"version": 1, "accounts": []}`,
		"account no dn": `{"version": 1, "accounts": [{"spns": []}]}`,
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		os.WriteFile(path, []byte(content), 0o600)
		if _, err := ReadBackup(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: err = %v, want it to name the file", name, err)
		}
	}
}

func TestWriteBackupNeverOverwrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.json")
	if err := WriteBackup(path, &Backup{Accounts: []BackupAccount{{DN: "CN=a"}}}); err != nil {
		t.Fatal(err)
	}
	if err := WriteBackup(path, &Backup{Accounts: []BackupAccount{{DN: "CN=b"}}}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second write: err = %v", err)
	}
	if b, err := ReadBackup(path); err != nil || b.Accounts[0].DN != "CN=a" {
		t.Errorf("first backup damaged: %v %+v", err, b)
	}
}
