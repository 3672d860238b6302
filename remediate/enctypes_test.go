package remediate

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

// encMem is memDirectory with msDS-SupportedEncryptionTypes.
type encMem struct {
	*memDirectory
	enc     map[string]*uint32
	encSets int
	failEnc string
}

func newEncMem(t *testing.T, snap *audit.Snapshot) *encMem {
	d := &encMem{memDirectory: &memDirectory{spns: map[string][]string{}}, enc: map[string]*uint32{}}
	for _, a := range snap.Accounts {
		d.spns[strings.ToLower(a.DN)] = append([]string(nil), a.SPNs...)
		d.enc[strings.ToLower(a.DN)] = copyEnc(a.SupportedEncryptionTypes)
	}
	return d
}

func (d *encMem) ReadEncTypes(_ context.Context, dn string) (*uint32, error) {
	if _, ok := d.spns[strings.ToLower(dn)]; !ok {
		return nil, errors.New("no such object (32)")
	}
	return copyEnc(d.enc[strings.ToLower(dn)]), nil
}

func (d *encMem) SetEncTypes(_ context.Context, dn string, old, v *uint32) error {
	d.encSets++
	if strings.EqualFold(dn, d.failEnc) {
		return errors.New("insufficient access rights (50)")
	}
	if !sameEnc(d.enc[strings.ToLower(dn)], old) {
		return errors.New("no such attribute (16)")
	}
	d.enc[strings.ToLower(dn)] = copyEnc(v)
	return nil
}

func labRC4Snapshot(t *testing.T) *audit.Snapshot {
	snap, err := audit.Load("../testdata/snapshots/lab-rc4.json")
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

const rc4DN = "CN=svc-rc4,CN=Users,DC=lab,DC=test"

func TestApplyEncTypesThenAgainThenRollback(t *testing.T) {
	snap := labRC4Snapshot(t)
	dir := newEncMem(t, snap)
	p := rc4Plan(t)
	opt := applyOpts(t)
	res, err := Apply(context.Background(), dir, p, opt)
	if err != nil {
		t.Fatal(err)
	}
	if got := dir.enc[strings.ToLower(rc4DN)]; got == nil || *got != 24 {
		t.Fatalf("svc-rc4 encryption types after apply: %v, want 24", encString(got))
	}
	if res.Changed() != 1 || dir.modifies != 0 {
		t.Errorf("result %+v, SPN modifies %d: only the encryption types change", res, dir.modifies)
	}
	b, err := ReadBackup(opt.BackupPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Accounts) != 1 || !b.Accounts[0].EncSaved || b.Accounts[0].EncTypes == nil || *b.Accounts[0].EncTypes != 4 || !b.Accounts[0].SPNsUnchanged {
		t.Fatalf("backup %+v", b.Accounts)
	}
	sets := dir.encSets
	res, err = Apply(context.Background(), dir, p, applyOpts(t))
	if err != nil || dir.encSets != sets || res.Changed() != 0 {
		t.Fatalf("second run: %v, %+v, sets %d -> %d", err, res, sets, dir.encSets)
	}
	spnsBefore := append([]string(nil), dir.get(rc4DN)...)
	if _, err := Rollback(context.Background(), dir, b, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := dir.enc[strings.ToLower(rc4DN)]; got == nil || *got != 4 {
		t.Fatalf("after rollback: %v, want 4", encString(got))
	}
	if !sameValues(dir.get(rc4DN), spnsBefore) || dir.modifies != 0 {
		t.Errorf("the rollback touched the SPNs of an account whose SPNs the fix left alone")
	}
	sets = dir.encSets
	res, err = Rollback(context.Background(), dir, b, ApplyOptions{})
	if err != nil || dir.encSets != sets || res.Accounts[0].State != StateAlreadyDone {
		t.Errorf("second rollback: %v %+v", err, res)
	}
}

func TestApplyEncTypesRefusesAChangedValueAndRestoresOnFailure(t *testing.T) {
	snap := labRC4Snapshot(t)
	p := rc4Plan(t)

	dir := newEncMem(t, snap)
	v := uint32(28)
	dir.enc[strings.ToLower(rc4DN)] = &v // someone changed it since the snapshot
	_, err := Apply(context.Background(), dir, p, applyOpts(t))
	var stale *StaleError
	if !errors.As(err, &stale) || !strings.Contains(err.Error(), "msDS-SupportedEncryptionTypes: snapshot 4 (0x4), now 28 (0x1c)") {
		t.Fatalf("err = %v, want a StaleError naming the encryption types", err)
	}
	if dir.encSets != 0 {
		t.Error("a stale plan changed something")
	}

	dir = newEncMem(t, snap)
	dir.failEnc = rc4DN
	_, err = Apply(context.Background(), dir, p, applyOpts(t))
	var ae *ApplyError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an ApplyError", err)
	}
	if got := dir.enc[strings.ToLower(rc4DN)]; got == nil || *got != 4 {
		t.Fatalf("after a refused change: %v, want 4 still", encString(got))
	}
}

func TestApplyWithoutEncTypesSupportRefusesBeforeAnyChange(t *testing.T) {
	snap := labRC4Snapshot(t)
	dir := newEncMem(t, snap).memDirectory // SPNs only
	_, err := Apply(context.Background(), dir, rc4Plan(t), applyOpts(t))
	if err == nil || !strings.Contains(err.Error(), "cannot change msDS-SupportedEncryptionTypes") || dir.modifies != 0 {
		t.Fatalf("err = %v, modifies %d", err, dir.modifies)
	}
}

func TestAESStrategyResetsBeforeItRestrictsToAES(t *testing.T) {
	// An RC4-only account without AES keys: allowing only AES first would
	// leave it with no ticket at all (KRB-AES-KEYS); the plan resets first.
	snap := labRC4Snapshot(t)
	for i := range snap.Accounts {
		if strings.EqualFold(snap.Accounts[i].DN, rc4DN) {
			snap.Accounts[i].Keys = &audit.AccountKeys{Outcome: audit.KeysListed, Etypes: []int32{23}}
		}
	}
	p := planRC4(t, snap)
	var order []string
	for _, s := range p.Steps {
		if strings.EqualFold(s.AccountDN, rc4DN) {
			order = append(order, string(s.Type))
		}
	}
	reset, set := -1, -1
	for i, o := range order {
		if o == "reset-password" && reset < 0 {
			reset = i
		}
		if o == "set-encryption-types" && set < 0 {
			set = i
		}
	}
	if reset < 0 || set < 0 || reset > set {
		t.Fatalf("steps for svc-rc4: %q: want the password reset before the encryption types", order)
	}
}
