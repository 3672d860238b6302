package remediate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Directory is the live directory a plan is applied to. The ldapx adapter
// in cmd/spntrust implements it over one bound connection; tests use a fake.
type Directory interface {
	// ReadSPNs returns the servicePrincipalName values of the object dn.
	// A missing object is an error.
	ReadSPNs(ctx context.Context, dn string) ([]string, error)
	// ModifySPNs deletes and adds servicePrincipalName values of dn in one
	// LDAP Modify, which the server applies whole or not at all.
	ModifySPNs(ctx context.Context, dn string, remove, add []string) error
	// SPNHolders returns the DNs of the objects that hold spn.
	SPNHolders(ctx context.Context, spn string) ([]string, error)
}

// EncTypesDirectory is a Directory that can also read and write
// msDS-SupportedEncryptionTypes (nil: unset), for set-encryption-types
// steps. SetEncTypes changes the value from old to v (nil clears it) in one
// LDAP Modify.
type EncTypesDirectory interface {
	ReadEncTypes(ctx context.Context, dn string) (*uint32, error)
	SetEncTypes(ctx context.Context, dn string, old, v *uint32) error
}

// ApplyOptions say where the backup goes and who writes it.
type ApplyOptions struct {
	BackupPath string // written before the first change (required)
	Server     string // DC, recorded in the backup and messages
	Tool       string // e.g. "spntrust 0.1.0"
	Now        func() time.Time
	Log        io.Writer // one line per account and step; nil: silent
	// RollbackHint is the command line that restores the backup, printed on
	// failure; "" gives "spntrust fix --rollback BACKUP --apply".
	RollbackHint string
}

// AccountState is what happened to one account.
type AccountState string

// Account states after Apply or Rollback.
const (
	StateAlreadyDone    AccountState = "already-done"    // live SPNs were already the target state
	StateChanged        AccountState = "changed"         // modified and verified
	StateUnchanged      AccountState = "unchanged"       // not modified (not reached, or the Modify was refused)
	StateRolledBack     AccountState = "rolled-back"     // changed, then restored to the backup after a failure
	StateRollbackFailed AccountState = "rollback-failed" // changed, and restoring it failed: see Live
	StateUnknown        AccountState = "unknown"         // could not be read after a failure
)

// AccountResult reports one account.
type AccountResult struct {
	Account string
	DN      string
	State   AccountState
	Live    []string // last values read from the directory
	Err     error
}

// Result reports a whole run.
type Result struct {
	BackupPath string // "" when nothing had to change
	Accounts   []AccountResult
}

// Changed counts the accounts changed and verified.
func (r *Result) Changed() int {
	n := 0
	for _, a := range r.Accounts {
		if a.State == StateChanged {
			n++
		}
	}
	return n
}

// StaleError is returned when live accounts no longer hold what the
// snapshot recorded (nor the plan's target): the plan was computed from
// data that is out of date, so nothing is changed.
type StaleError struct {
	Accounts []StaleAccount
}

// StaleAccount is one account whose live SPNs differ from the snapshot.
type StaleAccount struct {
	Account, DN    string
	Snapshot, Live []string
	// Detail says what else differs (the encryption types), when not the SPNs.
	Detail string
}

func (e *StaleError) Error() string {
	var b strings.Builder
	b.WriteString("the directory changed since the snapshot; nothing was changed. Take a new snapshot and review the new plan:")
	for _, a := range e.Accounts {
		if a.Detail != "" {
			fmt.Fprintf(&b, "\n  %s (%s): %s", a.Account, a.DN, a.Detail)
			continue
		}
		fmt.Fprintf(&b, "\n  %s (%s): snapshot %s, now %s", a.Account, a.DN, list(a.Snapshot), list(a.Live))
	}
	return b.String()
}

// DuplicateError is returned when an SPN to add is held by another object:
// adding it would create a duplicate (setspn -S refuses it the same way).
type DuplicateError struct {
	SPN, Account, Holder string
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("%s is already registered on %s: adding it to %s would create a duplicate SPN; nothing was changed. Resolve the duplicate first (setspn -Q %s)", e.SPN, e.Holder, e.Account, e.SPN)
}

// ApplyError is a failure after the first change. It says what state every
// account is in, and how to restore the backup.
type ApplyError struct {
	Failed  string // account whose change failed
	Err     error
	Result  *Result
	Restore string // command that restores the backup
}

func (e *ApplyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "changing %s failed: %v", e.Failed, e.Err)
	b.WriteString("\nState of the directory now:")
	for _, a := range e.Result.Accounts {
		fmt.Fprintf(&b, "\n  %s: %s, SPNs %s", a.Account, describeState(a.State), list(a.Live))
		if a.Err != nil {
			fmt.Fprintf(&b, " (%v)", a.Err)
		}
	}
	fmt.Fprintf(&b, "\nThe values before the change are in %s; to restore them: %s", e.Result.BackupPath, e.Restore)
	return b.String()
}

func (e *ApplyError) Unwrap() error { return e.Err }

func describeState(s AccountState) string {
	switch s {
	case StateAlreadyDone:
		return "already in the target state, not touched"
	case StateChanged:
		return "changed and verified"
	case StateUnchanged:
		return "not changed"
	case StateRolledBack:
		return "changed, then restored to the backup"
	case StateRollbackFailed:
		return "CHANGED, and restoring it FAILED"
	default:
		return "UNKNOWN (could not be read)"
	}
}

func list(v []string) string {
	if len(v) == 0 {
		return "(none)"
	}
	return strings.Join(v, ", ")
}

func (o ApplyOptions) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", args...)
	}
}

func (o ApplyOptions) restoreHint() string {
	if o.RollbackHint != "" {
		return o.RollbackHint
	}
	return "spntrust fix --rollback " + o.BackupPath + " --apply"
}

// sameSet compares SPN lists as sets, case-insensitively.
func sameSet(a, b []string) bool {
	return len(minus(a, b)) == 0 && len(minus(b, a)) == 0
}

// minus returns the values of a (as written in a) that are not in b.
func minus(a, b []string) []string {
	var out []string
	for _, v := range a {
		if indexOf(b, v) < 0 && indexOf(out, v) < 0 {
			out = append(out, v)
		}
	}
	return out
}

// liveForms maps values to the form the directory holds them in, so a
// delete names the stored value even when its case differs.
func liveForms(values, live []string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = v
		if j := indexOf(live, v); j >= 0 {
			out[i] = live[j]
		}
	}
	return out
}

type pendingChange struct {
	change  AccountChange
	live    []string
	liveEnc *uint32
	doSPNs  bool // the SPNs are still as the snapshot had them: change them
	doEnc   bool // the encryption types are: change them
}

// Apply performs the plan's SPN changes on dir. It first re-reads every
// account: one already in the plan's target state is left alone (so a
// second run changes nothing), one that matches neither the snapshot nor the
// target makes Apply refuse with a *StaleError before any change. It refuses
// an add that another object holds (*DuplicateError). It then writes the
// backup, and changes one account at a time with one Modify each, verifying
// each by reading it again. On a failure it restores the accounts it already
// changed and returns an *ApplyError that describes every account's state.
func Apply(ctx context.Context, dir Directory, p *Plan, opt ApplyOptions) (*Result, error) {
	if opt.BackupPath == "" {
		return nil, errors.New("apply: no backup path: the values before the change must be saved first")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	res := &Result{}
	var todo []pendingChange
	var stale []StaleAccount
	encDir, _ := dir.(EncTypesDirectory)
	for _, a := range p.ChangedAccounts() {
		live, err := dir.ReadSPNs(ctx, a.DN)
		if err != nil {
			return nil, fmt.Errorf("read %s (%s) before changing it: %w; nothing was changed", a.Account, a.DN, err)
		}
		pc := pendingChange{change: a, live: live}
		isStale := false
		if a.SPNsChanged() {
			switch {
			case sameSet(live, a.Before):
				pc.doSPNs = true
			case sameSet(live, a.After):
			default:
				isStale = true
				stale = append(stale, StaleAccount{Account: a.Account, DN: a.DN, Snapshot: a.Before, Live: live})
			}
		}
		if a.EncChanged() {
			if encDir == nil {
				return nil, fmt.Errorf("%s: this directory connection cannot change msDS-SupportedEncryptionTypes; nothing was changed", a.Account)
			}
			if pc.liveEnc, err = encDir.ReadEncTypes(ctx, a.DN); err != nil {
				return nil, fmt.Errorf("read the encryption types of %s (%s) before changing them: %w; nothing was changed", a.Account, a.DN, err)
			}
			switch {
			case sameEnc(pc.liveEnc, a.EncBefore):
				pc.doEnc = true
			case sameEnc(pc.liveEnc, a.EncAfter):
			default:
				if !isStale {
					stale = append(stale, StaleAccount{Account: a.Account, DN: a.DN, Snapshot: a.Before, Live: live,
						Detail: fmt.Sprintf("msDS-SupportedEncryptionTypes: snapshot %s, now %s", encString(a.EncBefore), encString(pc.liveEnc))})
				}
				isStale = true
			}
		}
		switch {
		case isStale:
		case pc.doSPNs || pc.doEnc:
			todo = append(todo, pc)
		default:
			opt.logf("%s: already done (SPNs %s)", a.Account, list(live))
			res.Accounts = append(res.Accounts, AccountResult{Account: a.Account, DN: a.DN, State: StateAlreadyDone, Live: live})
		}
	}
	if len(stale) > 0 {
		return nil, &StaleError{Accounts: stale}
	}
	for _, t := range todo {
		if !t.doSPNs {
			continue
		}
		for _, v := range t.change.Add {
			holders, err := dir.SPNHolders(ctx, v)
			if err != nil {
				return nil, fmt.Errorf("check that %s is not registered elsewhere: %w; nothing was changed", v, err)
			}
			for _, h := range holders {
				if !strings.EqualFold(h, t.change.DN) {
					return nil, &DuplicateError{SPN: v, Account: t.change.Account, Holder: h}
				}
			}
		}
	}
	if len(todo) == 0 {
		return res, nil
	}

	backup := &Backup{Tool: opt.Tool, CreatedAt: opt.Now().UTC(), Server: opt.Server, Snapshot: p.Snapshot, Strategy: p.Strategy}
	for _, t := range todo {
		b := BackupAccount{
			DN: t.change.DN, Account: t.change.Account, Domain: t.change.Domain,
			SPNs: t.live, SPNsUnchanged: !t.doSPNs,
		}
		if t.doSPNs {
			b.Remove, b.Add = t.change.Remove, t.change.Add
		}
		if t.doEnc {
			b.EncSaved, b.EncTypes = true, copyEnc(t.liveEnc)
		}
		backup.Accounts = append(backup.Accounts, b)
	}
	if err := WriteBackup(opt.BackupPath, backup); err != nil {
		return nil, fmt.Errorf("%w; nothing was changed", err)
	}
	res.BackupPath = opt.BackupPath
	opt.logf("backup of %d %s written to %s (and %s for ldapmodify)", len(todo), plural(len(todo), "account", "accounts"), opt.BackupPath, LDIFPath(opt.BackupPath))

	for i, t := range todo {
		a := t.change
		var err, rerr error
		after := t.live
		if t.doSPNs {
			remove := liveForms(a.Remove, t.live)
			want := append(minus(t.live, remove), a.Add...)
			opt.logf("%s: remove %s; add %s", a.Account, list(remove), list(a.Add))
			err = dir.ModifySPNs(ctx, a.DN, remove, a.Add)
			after, rerr = dir.ReadSPNs(ctx, a.DN)
			if err == nil && rerr != nil {
				err = fmt.Errorf("verify: %w", rerr)
			}
			if err == nil && !sameSet(after, want) {
				err = fmt.Errorf("verify: the account holds %s, expected %s", list(after), list(want))
			}
		}
		encChanged := false
		if err == nil && t.doEnc {
			opt.logf("%s: msDS-SupportedEncryptionTypes %s -> %s", a.Account, encString(t.liveEnc), encString(a.EncAfter))
			err = encDir.SetEncTypes(ctx, a.DN, t.liveEnc, a.EncAfter)
			got, verr := encDir.ReadEncTypes(ctx, a.DN)
			encChanged = verr != nil || !sameEnc(got, t.liveEnc)
			if err == nil && verr != nil {
				err = fmt.Errorf("verify: %w", verr)
			}
			if err == nil && !sameEnc(got, a.EncAfter) {
				err = fmt.Errorf("verify: msDS-SupportedEncryptionTypes is %s, expected %s", encString(got), encString(a.EncAfter))
			}
			if err != nil && encChanged {
				// Put the encryption types back before the rest is restored.
				if rerr2 := encDir.SetEncTypes(ctx, a.DN, got, t.liveEnc); rerr2 != nil {
					err = fmt.Errorf("%w; restoring msDS-SupportedEncryptionTypes to %s also failed: %v", err, encString(t.liveEnc), rerr2)
				}
			}
		}
		if err == nil {
			opt.logf("%s: changed and verified (SPNs %s)", a.Account, list(after))
			res.Accounts = append(res.Accounts, AccountResult{Account: a.Account, DN: a.DN, State: StateChanged, Live: after})
			continue
		}
		// Failure: restore what was changed, this account included if the
		// Modify took effect after all, and leave the rest untouched.
		failed := AccountResult{Account: a.Account, DN: a.DN, State: StateUnchanged, Live: after, Err: err}
		if rerr != nil {
			failed.State = StateUnknown
		} else if !sameSet(after, t.live) {
			failed.State = StateChanged
		}
		done := append([]AccountResult{}, res.Accounts...)
		res.Accounts = res.Accounts[:0]
		for _, d := range done {
			if d.State == StateChanged {
				d = restoreAccount(ctx, dir, d, backupAccount(backup, d.DN), opt)
			}
			res.Accounts = append(res.Accounts, d)
		}
		if failed.State == StateChanged {
			failed = restore(ctx, dir, failed, t.live, opt)
			failed.Err = err
		}
		res.Accounts = append(res.Accounts, failed)
		for _, rest := range todo[i+1:] {
			res.Accounts = append(res.Accounts, AccountResult{Account: rest.change.Account, DN: rest.change.DN, State: StateUnchanged, Live: rest.live})
		}
		return res, &ApplyError{Failed: a.Account, Err: err, Result: res, Restore: opt.restoreHint()}
	}
	return res, nil
}

func backupAccount(b *Backup, dn string) BackupAccount {
	for _, a := range b.Accounts {
		if strings.EqualFold(a.DN, dn) {
			return a
		}
	}
	return BackupAccount{DN: dn}
}

// restoreAccount brings one account back to its backup: its SPNs (unless
// the fix left them alone) and its encryption types (where saved).
func restoreAccount(ctx context.Context, dir Directory, r AccountResult, b BackupAccount, opt ApplyOptions) AccountResult {
	if !b.SPNsUnchanged {
		r = restore(ctx, dir, r, b.SPNs, opt)
		if r.State == StateRollbackFailed {
			return r
		}
	} else {
		r.State = StateRolledBack
	}
	if !b.EncSaved {
		return r
	}
	encDir, ok := dir.(EncTypesDirectory)
	if !ok {
		r.State, r.Err = StateRollbackFailed, errors.New("this directory connection cannot restore msDS-SupportedEncryptionTypes")
		return r
	}
	live, err := encDir.ReadEncTypes(ctx, r.DN)
	if err == nil && !sameEnc(live, b.EncTypes) {
		err = encDir.SetEncTypes(ctx, r.DN, live, b.EncTypes)
	}
	if err == nil {
		var got *uint32
		if got, err = encDir.ReadEncTypes(ctx, r.DN); err == nil && !sameEnc(got, b.EncTypes) {
			err = fmt.Errorf("msDS-SupportedEncryptionTypes is %s, expected %s", encString(got), encString(b.EncTypes))
		}
	}
	if err != nil {
		r.State, r.Err = StateRollbackFailed, fmt.Errorf("restore msDS-SupportedEncryptionTypes: %w", err)
		return r
	}
	opt.logf("%s: msDS-SupportedEncryptionTypes restored to %s", r.Account, encString(b.EncTypes))
	return r
}

// restore brings one account back to want and reports the outcome.
func restore(ctx context.Context, dir Directory, r AccountResult, want []string, opt ApplyOptions) AccountResult {
	live, err := dir.ReadSPNs(ctx, r.DN)
	if err != nil {
		r.State, r.Err = StateRollbackFailed, fmt.Errorf("read before restoring: %w", err)
		return r
	}
	if err := dir.ModifySPNs(ctx, r.DN, minus(live, want), minus(want, live)); err != nil {
		r.State, r.Live, r.Err = StateRollbackFailed, live, fmt.Errorf("restore: %w", err)
		return r
	}
	after, err := dir.ReadSPNs(ctx, r.DN)
	r.Live = after
	switch {
	case err != nil:
		r.State, r.Err = StateRollbackFailed, fmt.Errorf("verify restore: %w", err)
	case !sameSet(after, want):
		r.State, r.Err = StateRollbackFailed, fmt.Errorf("verify restore: holds %s, expected %s", list(after), list(want))
	default:
		r.State = StateRolledBack
		opt.logf("%s: restored to the backup (SPNs %s)", r.Account, list(after))
	}
	return r
}

// Rollback restores every account in the backup to the SPNs it lists,
// exactly: values added since are deleted, values removed are added back as
// written in the backup. An account already in that state is left alone.
// It goes on past a failing account and returns an error naming each.
func Rollback(ctx context.Context, dir Directory, b *Backup, opt ApplyOptions) (*Result, error) {
	res := &Result{}
	var errs []string
	for _, a := range b.Accounts {
		live, err := dir.ReadSPNs(ctx, a.DN)
		if err != nil {
			res.Accounts = append(res.Accounts, AccountResult{Account: a.Account, DN: a.DN, State: StateUnknown, Err: err})
			errs = append(errs, fmt.Sprintf("%s: read: %v", a.Account, err))
			continue
		}
		if a.SPNsUnchanged || a.EncSaved {
			done := a.SPNsUnchanged || sameSet(live, a.SPNs)
			if encDir, ok := dir.(EncTypesDirectory); ok && a.EncSaved && done {
				liveEnc, err := encDir.ReadEncTypes(ctx, a.DN)
				done = err == nil && sameEnc(liveEnc, a.EncTypes)
			}
			if done {
				opt.logf("%s: already as in the backup", a.Account)
				res.Accounts = append(res.Accounts, AccountResult{Account: a.Account, DN: a.DN, State: StateAlreadyDone, Live: live})
				continue
			}
			r := restoreAccount(ctx, dir, AccountResult{Account: a.Account, DN: a.DN, Live: live}, a, opt)
			if r.State == StateRolledBack {
				r.State = StateChanged
			} else {
				errs = append(errs, fmt.Sprintf("%s: %v", a.Account, r.Err))
			}
			res.Accounts = append(res.Accounts, r)
			continue
		}
		if sameSet(live, a.SPNs) {
			opt.logf("%s: already as in the backup (SPNs %s)", a.Account, list(live))
			res.Accounts = append(res.Accounts, AccountResult{Account: a.Account, DN: a.DN, State: StateAlreadyDone, Live: live})
			continue
		}
		opt.logf("%s: remove %s; add %s", a.Account, list(minus(live, a.SPNs)), list(minus(a.SPNs, live)))
		r := restore(ctx, dir, AccountResult{Account: a.Account, DN: a.DN}, a.SPNs, opt)
		if r.State == StateRolledBack {
			r.State = StateChanged
		} else {
			errs = append(errs, fmt.Sprintf("%s: %v (SPNs now %s)", a.Account, r.Err, list(r.Live)))
		}
		res.Accounts = append(res.Accounts, r)
	}
	if len(errs) > 0 {
		return res, fmt.Errorf("rollback incomplete:\n  %s", strings.Join(errs, "\n  "))
	}
	return res, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
