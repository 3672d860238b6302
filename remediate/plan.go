// Package remediate turns findings into a reviewed remediation plan — the SPN
// changes per account, the IIS steps of a port move, why each is needed and
// what it risks — and renders that plan as scripts (cmd, PowerShell, LDIF),
// each with its exact inverse for rollback.
//
// A Plan is computed from the findings' machine-readable Actions and the
// snapshot's SPNs of every affected account, so the rollback restores exactly
// the state the snapshot recorded. Building a plan does no I/O.
package remediate

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/spn"
)

// Strategy selects which remediation option of a finding the plan follows.
type Strategy string

// Strategies, named like the findings' remediation options.
const (
	// MovePort keeps the service account's site on the host but moves it to
	// its own port and registers the port-qualified SPN (the seed's fix).
	MovePort Strategy = "move-port"
	// Remove only takes the offending SPNs off the account.
	Remove Strategy = "remove"
	// AES readies accounts for RC4 removal (the KRB-* RC4 checks): it resets
	// the password where the account has no AES keys (the operator types the
	// new one; it is never written down), then allows AES
	// (msDS-SupportedEncryptionTypes), in that order, so no account is left
	// AES-only without AES keys.
	AES Strategy = "aes"
)

// Strategies lists the strategies, default first.
var Strategies = []Strategy{MovePort, Remove, AES}

// ParseStrategy accepts a strategy name in any case.
func ParseStrategy(name string) (Strategy, error) {
	for _, s := range Strategies {
		if strings.EqualFold(string(s), strings.TrimSpace(name)) {
			return s, nil
		}
	}
	return "", fmt.Errorf("unknown strategy %q: use move-port, remove or aes", name)
}

// Options say how to build a plan.
type Options struct {
	Strategy Strategy // "" means MovePort
	// Port is the port move-port moves a site to; it must be the port the
	// findings were computed with (checks.Options.MovePort). 0 means 81.
	Port int
	// Generator names the tool that wrote the plan, e.g. "spntrust 0.1.0".
	Generator string
	// Snapshot is the snapshot file the plan was built from, as given; only
	// printed.
	Snapshot string
}

// Plan is the complete remediation: ordered steps, and their net effect on
// each account's servicePrincipalName.
type Plan struct {
	Generator string
	Snapshot  string
	Source    audit.Collection // when and where the snapshot was taken
	Strategy  Strategy
	Port      int
	Steps     []Step
	Accounts  []AccountChange
	Skipped   []Skipped
	// DCs names, per domain, a domain controller the snapshot saw (for the
	// ldapmodify command line in the LDIF header).
	DCs map[string]string
}

// FindingRef identifies the finding a step fixes.
type FindingRef struct {
	ID          string // check ID, e.g. SPN-USER-HOST-ALIAS
	Fingerprint string
	Title       string
}

func (r FindingRef) String() string { return r.ID + " " + r.Fingerprint }

// Step is one change, in the order the finding's option lists it.
type Step struct {
	N       int // 1-based, in plan order
	Finding FindingRef
	Type    checks.ActionType
	// Account is DOMAIN\sAMAccountName, AccountDN its DN.
	Account   string
	AccountDN string
	Domain    string
	SPN       string // remove-spn, add-spn
	Host      string // move-site-port: the host the site runs on
	Port      int    // move-site-port: the port it moves to
	EncTypes  uint32 // set-encryption-types: the msDS-SupportedEncryptionTypes value
	Twice     bool   // reset-password: twice, with the replication wait (krbtgt)
	Note      string // manual steps: what to do
	// Comment says what the step does and why, in one line.
	Comment string
	// Risk says what can go wrong or what else must change.
	Risk string
	// NoOp is true when the snapshot shows the step is already done (the SPN
	// to remove is not on the account, or the one to add already is); the
	// scripts still check at run time.
	NoOp bool
}

// AccountChange is the net change of one account's servicePrincipalName:
// Before is what the snapshot recorded, After what the plan leaves.
// Remove ⊆ Before and Add ∩ Before = ∅, compared as SPNs (case-insensitive),
// so applying Remove/Add to Before gives After and the inverse gives Before.
type AccountChange struct {
	DN             string
	Account        string // DOMAIN\sAMAccountName
	SAMAccountName string
	Domain         string
	Forest         string // root domain of the account's forest ("" if unknown)
	Kind           audit.AccountKind
	Before         []string
	Remove         []string // values as stored in the directory
	Add            []string
	After          []string
	// EncBefore is msDS-SupportedEncryptionTypes as the snapshot recorded it
	// (nil: unset); EncAfter what the plan sets, nil when it does not change.
	EncBefore *uint32
	EncAfter  *uint32
	Findings  []FindingRef
	Steps     []int // numbers of the SPN steps that touch this account
}

// Changed reports whether the account's SPNs change at all.
func (a AccountChange) Changed() bool { return a.SPNsChanged() || a.EncChanged() }

// SPNsChanged reports whether the account's servicePrincipalName changes.
func (a AccountChange) SPNsChanged() bool { return len(a.Remove) > 0 || len(a.Add) > 0 }

// EncChanged reports whether msDS-SupportedEncryptionTypes changes.
func (a AccountChange) EncChanged() bool { return a.EncAfter != nil }

// Skipped is a finding the plan does not fix, and why.
type Skipped struct {
	Finding FindingRef
	Reason  string
}

// Empty reports whether the plan changes nothing and has no manual steps.
func (p *Plan) Empty() bool { return len(p.Steps) == 0 }

// SiteMoves returns the move-site-port steps.
func (p *Plan) SiteMoves() []Step {
	var out []Step
	for _, s := range p.Steps {
		if s.Type == checks.ActionMoveSitePort {
			out = append(out, s)
		}
	}
	return out
}

// ChangedAccounts returns the accounts whose SPNs change.
func (p *Plan) ChangedAccounts() []AccountChange {
	var out []AccountChange
	for _, a := range p.Accounts {
		if a.Changed() {
			out = append(out, a)
		}
	}
	return out
}

// Build computes the plan for the failed findings, following each finding's
// remediation option named by opt.Strategy. Findings that are not evaluated,
// have no such option, or whose change would create a duplicate SPN are
// listed in Skipped, never half-planned. An action naming an account the
// snapshot does not hold is an error: the rollback could not be computed.
func Build(s *audit.Snapshot, findings []checks.Finding, opt Options) (*Plan, error) {
	if opt.Strategy == "" {
		opt.Strategy = MovePort
	}
	if opt.Port == 0 {
		opt.Port = checks.DefaultOptions().MovePort
	}
	p := &Plan{
		Generator: opt.Generator,
		Snapshot:  opt.Snapshot,
		Source:    s.Collection,
		Strategy:  opt.Strategy,
		Port:      opt.Port,
		DCs:       map[string]string{},
	}
	for _, d := range s.Domains {
		if len(d.DCs) > 0 {
			p.DCs[strings.ToLower(d.DNSName)] = d.DCs[0].FQDN
		}
	}
	b := &builder{snap: s, plan: p, byDN: map[string]*accountState{}}
	// A finding linked to a root cause (checks.Link) that is also to be
	// planned waits for it: when the root's steps are planned they fix it
	// too, and the plan does not do the same thing twice (a second password
	// reset, say); when the root is not planned, or the finding's option
	// makes a change the root's does not (coveredBy), it is planned on its
	// own.
	inPlan := map[string]bool{}
	for _, f := range findings {
		inPlan[f.Fingerprint] = f.Status == checks.Fail
	}
	var linked []checks.Finding
	planned := map[string]bool{}
	for _, f := range findings {
		if f.Status == checks.Fail && f.CausedBy != "" && inPlan[f.CausedBy] {
			linked = append(linked, f)
			continue
		}
		if ok, err := b.plan1(f, opt); err != nil {
			return nil, err
		} else if ok {
			planned[f.Fingerprint] = true
		}
	}
	byFingerprint := map[string]checks.Finding{}
	for _, f := range findings {
		byFingerprint[f.Fingerprint] = f
	}
	for _, f := range linked {
		root := byFingerprint[f.CausedBy]
		if planned[f.CausedBy] && coveredBy(strategyOption(f, opt.Strategy), strategyOption(root, opt.Strategy)) {
			p.Skipped = append(p.Skipped, Skipped{FindingRef{ID: f.CheckID, Fingerprint: f.Fingerprint, Title: f.Title},
				fmt.Sprintf("same cause as %s %s (%s): the steps planned for it fix this too", root.CheckID, root.Fingerprint, root.Subject)})
			continue
		}
		if _, err := b.plan1(f, opt); err != nil {
			return nil, err
		}
	}
	b.finish()
	return p, nil
}

// plan1 plans one finding, or lists it in Skipped; ok says it was planned.
func (b *builder) plan1(f checks.Finding, opt Options) (ok bool, err error) {
	p := b.plan
	ref := FindingRef{ID: f.CheckID, Fingerprint: f.Fingerprint, Title: f.Title}
	if f.Status != checks.Fail {
		p.Skipped = append(p.Skipped, Skipped{ref, "not evaluated: the snapshot lacks the data to decide (see the report)"})
		return false, nil
	}
	option := strategyOption(f, opt.Strategy)
	if option == nil || len(option.Actions) == 0 {
		reason := fmt.Sprintf("no %s remediation for this finding; follow the report's steps", opt.Strategy)
		var offered []string
		for _, o := range f.Remediation {
			offered = append(offered, o.Name)
		}
		if len(offered) > 0 {
			reason = fmt.Sprintf("no %s remediation for this finding (it offers: %s); follow the report's steps", opt.Strategy, strings.Join(offered, ", "))
		}
		p.Skipped = append(p.Skipped, Skipped{ref, reason})
		return false, nil
	}
	if err := b.addFinding(ref, f, option); err != nil {
		var sk *skipError
		if asSkip(err, &sk) {
			p.Skipped = append(p.Skipped, Skipped{ref, sk.reason})
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// accountState tracks one account's SPNs while steps are applied in order.
type accountState struct {
	acct    *audit.Account
	current []string // values, in order, as they would be stored
	enc     *uint32  // msDS-SupportedEncryptionTypes as the plan leaves it (nil: unset)
	change  *AccountChange
}

type builder struct {
	snap  *audit.Snapshot
	plan  *Plan
	byDN  map[string]*accountState
	order []*accountState
}

type skipError struct{ reason string }

func (e *skipError) Error() string { return e.reason }

func asSkip(err error, target **skipError) bool {
	se, ok := err.(*skipError)
	if ok {
		*target = se
	}
	return ok
}

func key(v string) string {
	p, _ := spn.Parse(v)
	if p.ServiceClass == "" {
		return strings.ToLower(v)
	}
	return p.Key()
}

func indexOf(list []string, v string) int {
	k := key(v)
	for i, x := range list {
		if key(x) == k {
			return i
		}
	}
	return -1
}

func (b *builder) account(dn string) (*accountState, error) {
	if st, ok := b.byDN[strings.ToLower(dn)]; ok {
		return st, nil
	}
	for i := range b.snap.Accounts {
		a := &b.snap.Accounts[i]
		if strings.EqualFold(a.DN, dn) {
			st := &accountState{acct: a, current: append([]string(nil), a.SPNs...), enc: copyEnc(a.SupportedEncryptionTypes)}
			b.byDN[strings.ToLower(dn)] = st
			return st, nil
		}
	}
	return nil, fmt.Errorf("remediation names account %s, which the snapshot does not hold: the rollback could not be computed; take a new snapshot", dn)
}

// holder returns the qualified name of another account in the snapshot (or
// in the plan's result) that holds v, or "".
func (b *builder) holder(v string, except string) string {
	for i := range b.snap.Accounts {
		a := &b.snap.Accounts[i]
		if strings.EqualFold(a.DN, except) {
			continue
		}
		spns := a.SPNs
		if st, ok := b.byDN[strings.ToLower(a.DN)]; ok {
			spns = st.current
		}
		if indexOf(spns, v) >= 0 {
			return b.qualified(a)
		}
	}
	return ""
}

func (b *builder) qualified(a *audit.Account) string {
	if nb := b.snap.NetBIOSOf(a.Domain); nb != "" {
		return nb + `\` + a.SAMAccountName
	}
	return a.SAMAccountName
}

// addFinding plans one finding's actions, all or nothing.
func (b *builder) addFinding(ref FindingRef, f checks.Finding, opt *checks.Option) error {
	// Validate first so a skipped finding leaves no trace in the plan.
	type pending struct {
		a  checks.Action
		st *accountState
	}
	var todo []pending
	for _, a := range opt.Actions {
		var st *accountState
		switch a.Type {
		case checks.ActionRemoveSPN, checks.ActionAddSPN:
			if a.AccountDN == "" || a.SPN == "" {
				return fmt.Errorf("finding %s: %s action without account DN or SPN", ref, a.Type)
			}
			if _, err := spn.Parse(a.SPN); err != nil {
				return &skipError{fmt.Sprintf("%s: the scripts only handle well-formed SPNs; fix it by hand", err)}
			}
			var err error
			if st, err = b.account(a.AccountDN); err != nil {
				return err
			}
			if a.Type == checks.ActionAddSPN {
				if h := b.holder(a.SPN, a.AccountDN); h != "" {
					return &skipError{fmt.Sprintf("%s is already registered on %s: adding it to %s would create a duplicate SPN (setspn -S refuses it); resolve that first", a.SPN, h, a.Account)}
				}
			}
		case checks.ActionMoveSitePort:
			if a.Host == "" || a.Port < 1 || a.Port > 65535 {
				return fmt.Errorf("finding %s: move-site-port action without host or valid port", ref)
			}
		case checks.ActionSetEncTypes:
			var err error
			if st, err = b.encTarget(ref, a); err != nil {
				return err
			}
		case checks.ActionResetPassword:
			if a.AccountDN == "" {
				return fmt.Errorf("finding %s: %s action without an account DN", ref, a.Type)
			}
			if _, err := b.account(a.AccountDN); err != nil {
				return err
			}
		case checks.ActionManual:
		case checks.ActionAdvice:
			// Advice changes nothing (a check to run, a caution): the
			// report prints it; the plan has no step for it.
			continue
		default:
			return &skipError{fmt.Sprintf("action %s is not supported by the script writers; follow the report's steps", a.Type)}
		}
		todo = append(todo, pending{a, st})
	}
	for _, t := range todo {
		a := t.a
		step := Step{
			N: len(b.plan.Steps) + 1, Finding: ref, Type: a.Type,
			Account: a.Account, AccountDN: a.AccountDN, Domain: a.Domain,
			SPN: a.SPN, Host: a.Host, Port: a.Port, Note: a.Note,
		}
		if step.Note == "" {
			step.Note = a.Step()
		}
		step.Twice = a.Type == checks.ActionResetPassword && a.Value == "twice"
		if t.st != nil {
			b.track(t.st, ref)
			i := indexOf(t.st.current, a.SPN)
			switch a.Type {
			case checks.ActionRemoveSPN:
				if i < 0 {
					step.NoOp = true
				} else {
					t.st.current = append(t.st.current[:i:i], t.st.current[i+1:]...)
				}
			case checks.ActionAddSPN:
				if i >= 0 {
					step.NoOp = true
				} else {
					t.st.current = append(t.st.current, a.SPN)
				}
			case checks.ActionSetEncTypes:
				v, _ := parseEncTypes(a.Value) // validated by encTarget
				step.EncTypes = v
				if t.st.enc != nil && *t.st.enc == v {
					step.NoOp = true
				} else {
					t.st.enc = &v
				}
			}
			t.st.change.Steps = append(t.st.change.Steps, step.N)
		}
		step.Comment, step.Risk = describe(step, f)
		b.plan.Steps = append(b.plan.Steps, step)
	}
	return nil
}

func (b *builder) track(st *accountState, ref FindingRef) {
	if st.change == nil {
		a := st.acct
		st.change = &AccountChange{
			DN: a.DN, Account: b.qualified(a), SAMAccountName: a.SAMAccountName,
			Domain: a.Domain, Kind: a.Kind, Before: append([]string{}, a.SPNs...),
			EncBefore: copyEnc(a.SupportedEncryptionTypes),
		}
		if f, ok := b.snap.ForestOf(a.Domain); ok {
			st.change.Forest = f.RootDomain
		}
		b.order = append(b.order, st)
	}
	for _, r := range st.change.Findings {
		if r == ref {
			return
		}
	}
	st.change.Findings = append(st.change.Findings, ref)
}

// finish computes each account's net Remove/Add from Before and After.
func (b *builder) finish() {
	for _, st := range b.order {
		c := st.change
		c.After = append([]string{}, st.current...)
		for _, v := range c.Before {
			if indexOf(c.After, v) < 0 {
				c.Remove = append(c.Remove, v)
			}
		}
		for _, v := range c.After {
			if indexOf(c.Before, v) < 0 {
				c.Add = append(c.Add, v)
			}
		}
		if !sameEnc(st.enc, c.EncBefore) {
			c.EncAfter = copyEnc(st.enc)
		}
		b.plan.Accounts = append(b.plan.Accounts, *c)
	}
}

// describe writes a step's comment and risk.
func describe(s Step, f checks.Finding) (comment, risk string) {
	switch s.Type {
	case checks.ActionRemoveSPN:
		comment = fmt.Sprintf("Remove %s from %s. Finding: %s.", s.SPN, s.Account, shortWhy(f))
		risk = fmt.Sprintf("Clients asking for %s then get tickets for the account the KDC maps it to (for HTTP, the computer holding HOST/%s); a service still running as %s on that name fails Kerberos until it is moved or reconfigured.", s.SPN, hostOf(s.SPN), s.Account)
	case checks.ActionAddSPN:
		comment = fmt.Sprintf("Register %s on %s, so the site that runs as this account keeps Kerberos on its own port.", s.SPN, s.Account)
		risk = "Refused (by setspn -S and by Windows Server 2012 R2+ DCs) if another account already holds this SPN. Clients only ask for a port-qualified SPN when configured to include the port (Edge/IE FEATURE_INCLUDE_PORT_IN_SPN_KB908209, Chrome EnableAuthNegotiatePort); otherwise give the site its own host name."
	case checks.ActionMoveSitePort:
		comment = fmt.Sprintf("Move the IIS site that runs as %s on %s to port %d, remove its port 80 binding, and make kernel-mode Windows authentication decrypt tickets with the app pool identity's key (useAppPoolCredentials).", s.Account, s.Host, s.Port)
		risk = fmt.Sprintf("The site stops answering on port 80: links, bookmarks and load balancer probes need :%d, and the firewall must allow it. Run it on %s itself, in a change window.", s.Port, s.Host)
	case checks.ActionResetPassword:
		comment = fmt.Sprintf("Reset the password of %s so the DC creates AES keys for it (fix.ps1 asks for the new password; it is never written down). Finding: %s.", s.Account, shortWhy(f))
		risk = "The service keeps running with the old password until it is given the new one: update its configuration right after. Not undone by the rollback."
		if s.Twice {
			comment = fmt.Sprintf("Reset the password of %s twice, with the replication wait in between, so both keys the KDC keeps have AES. Finding: %s.", s.Account, shortWhy(f))
			risk = "Tickets issued with the old keys stay valid until the second reset: wait for replication (and the maximum ticket lifetime) before it, or clients fail. Not undone by the rollback."
		}
	case checks.ActionSetEncTypes:
		comment = fmt.Sprintf("Set msDS-SupportedEncryptionTypes of %s to %d (0x%x: %s). Finding: %s.", s.Account, s.EncTypes, s.EncTypes, strings.Join(audit.DecodeEncTypes(s.EncTypes), ", "), shortWhy(f))
		risk = "Clients and services that only speak the types left out fail Kerberos for this account; an account allowed only AES needs AES keys (reset its password first if it has none)."
	default:
		comment = "Manual step: " + s.Note
		risk = "Not automated: do it by hand and record it in the change."
	}
	return comment, risk
}

func shortWhy(f checks.Finding) string {
	why := f.Title
	if why == "" {
		why = f.Subject
	}
	return why
}

func hostOf(v string) string {
	p, _ := spn.Parse(v)
	return p.Host
}

// Prior returns the SPNs the snapshot recorded for each changed account, by
// DN: what a rollback restores.
func (p *Plan) Prior() map[string][]string {
	out := map[string][]string{}
	for _, a := range p.ChangedAccounts() {
		out[a.DN] = append([]string{}, a.Before...)
	}
	return out
}

// SortedSPNs returns a sorted copy (case-insensitive), for display.
func SortedSPNs(v []string) []string {
	out := append([]string{}, v...)
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i]) < strings.ToLower(out[j]) })
	return out
}

// collectedAt is the snapshot time printed in headers.
func (p *Plan) collectedAt() string {
	if p.Source.FinishedAt.IsZero() {
		return "unknown time"
	}
	return p.Source.FinishedAt.UTC().Format(time.RFC3339)
}

// coveredBy reports whether every change to the directory that option
// makes, the root's option makes too (advice and manual notes aside), so
// planning the root's steps plans this option's: a linked finding with a
// change of its own is planned itself.
func coveredBy(option, root *checks.Option) bool {
	if option == nil {
		return true
	}
	if root == nil {
		return false
	}
	for _, a := range option.Actions {
		if a.Type == checks.ActionAdvice || a.Type == checks.ActionManual {
			continue
		}
		found := false
		for _, b := range root.Actions {
			if a.Type == b.Type && strings.EqualFold(a.AccountDN, b.AccountDN) && strings.EqualFold(a.SPN, b.SPN) && a.Value == b.Value && a.Port == b.Port && strings.EqualFold(a.Host, b.Host) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
