package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/remediate"
)

type fixOptions struct {
	plan      planOptions
	target    targetOptions
	findings  []string
	apply     bool
	backupDir string
	rollback  string
}

func (a *App) fixCommand() *cobra.Command {
	opts := &fixOptions{}
	cmd := &cobra.Command{
		Use:   "fix (--from SNAPSHOT | --domain NAME | --server HOST) [--apply]",
		Short: "Apply the SPN changes of the remediation plan over LDAP (dry run unless --apply)",
		Long: `fix computes the remediation plan (as 'spntrust remediate' does) and prints it.
With --apply it changes servicePrincipalName over LDAP on the DC named by --server
(or found for --domain):

  1. re-reads every account it will change; an account already in the target state
     is left alone (a second run changes nothing); one that changed since the
     snapshot makes fix refuse, as does an SPN to add that another account holds;
  2. writes a backup of each account's SPNs before any change (JSON for --rollback,
     and LDIF for ldapmodify; mode 0600);
  3. changes each account with one LDAP Modify (never half-changed) and verifies it
     by reading it again;
  4. on a failure restores what it changed and says what state each account is in.

--rollback BACKUP --apply restores the SPNs a backup recorded, exactly.
IIS steps of a port move are not LDAP changes: 'spntrust remediate' writes them (fix.ps1).`,
		Example: `  spntrust fix --from snap.json                                   # dry run: print the plan
  spntrust fix --from snap.json --server dc1.lab.test --auth simple --user Administrator@lab.test \
      --password-file pw --ca-file ca.pem --apply --backup-dir backups
  spntrust fix --rollback backups/spntrust-backup-20261125T180000Z.json --server dc1.lab.test ... --apply`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runFix(cmd.Context(), opts)
		},
	}
	opts.plan.register(cmd)
	opts.target.register(cmd)
	f := cmd.Flags()
	f.StringSliceVar(&opts.findings, "finding", nil, "fix only these findings, by fingerprint or check ID (comma-separated or repeated)")
	f.BoolVar(&opts.apply, "apply", false, "make the changes (default: dry run, print the plan)")
	f.StringVar(&opts.backupDir, "backup-dir", ".", "directory for the backup written before the first change")
	f.StringVar(&opts.rollback, "rollback", "", "restore the SPNs recorded in this backup file instead of applying a plan")
	return cmd
}

func (a *App) runFix(ctx context.Context, opts *fixOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if opts.rollback != "" {
		return a.runFixRollback(ctx, opts)
	}
	strategy, list, err := opts.plan.parse()
	if err != nil {
		return err
	}
	if opts.apply && !opts.target.live() {
		return usageError("--apply needs the directory to change: --domain NAME or --server HOST, with credentials")
	}
	if opts.target.live() {
		if err := opts.target.validate(); err != nil {
			return err
		}
	}
	if opts.apply {
		// The backup is written before the first change: a directory it
		// cannot go into must stop the run before anything is read.
		if err := checkPaths(pathCheck{flag: "--backup-dir", path: backupPath(opts.backupDir, a.Now())}); err != nil {
			return err
		}
	}
	var snap *audit.Snapshot
	switch {
	case opts.plan.from != "":
		if snap, err = audit.Load(opts.plan.from); err != nil {
			return inputError(err)
		}
	case opts.target.live():
		if snap, err = a.collect(ctx, &opts.target); err != nil {
			return err
		}
	default:
		return usageError("name where the plan comes from: --from SNAPSHOT, or --domain NAME / --server HOST to collect now")
	}
	opt := checks.DefaultOptions()
	opt.MovePort = opts.plan.port
	findings, err := selectFindings(checks.Run(snap, list, opt), opts.findings)
	if err != nil {
		return err
	}
	source := opts.plan.from
	if source == "" {
		source = "collected now from " + snap.Collection.Target
	}
	p, err := remediate.Build(snap, findings, remediate.Options{Strategy: strategy, Port: opts.plan.port, Generator: "spntrust " + a.Version, Snapshot: source})
	if err != nil {
		return inputError(fmt.Errorf("snapshot %s: %w", source, err))
	}
	if _, err := a.Stdout.Write(remediate.Text(p)); err != nil {
		return err
	}
	if !opts.apply {
		fmt.Fprintln(a.Stderr, "Dry run: nothing was changed. Add --apply (with --domain or --server and credentials) to make the SPN changes.")
		return nil
	}
	if len(p.ChangedAccounts()) == 0 {
		fmt.Fprintln(a.Stderr, "Nothing to change in the directory.")
		return nil
	}
	if err := sameDomain(p, opts.target); err != nil {
		return err
	}
	dir, server, closeDir, err := a.fixDirectory(ctx, &opts.target)
	if err != nil {
		return err
	}
	defer closeDir()
	backup := backupPath(opts.backupDir, a.Now())
	res, err := remediate.Apply(ctx, dir, p, remediate.ApplyOptions{
		BackupPath: backup, Server: server, Tool: "spntrust " + a.Version, Now: a.Now, Log: a.Stderr,
		RollbackHint: fmt.Sprintf("spntrust fix --rollback %s --apply with the same connection flags", backup),
	})
	var stale *remediate.StaleError
	var dup *remediate.DuplicateError
	switch {
	case errors.As(err, &stale), errors.As(err, &dup):
		return inputError(err)
	case err != nil:
		return incompleteError(err)
	}
	if res.BackupPath == "" {
		fmt.Fprintln(a.Stderr, "Nothing changed: every account is already in the target state.")
		return nil
	}
	fmt.Fprintf(a.Stderr, "Changed and verified %d %s. To undo: spntrust fix --rollback %s --apply (same connection flags)\n",
		res.Changed(), plural(res.Changed(), "account", "accounts"), res.BackupPath)
	return nil
}

func (a *App) runFixRollback(ctx context.Context, opts *fixOptions) error {
	if opts.plan.from != "" || len(opts.findings) > 0 {
		return usageError("--rollback restores a backup: it cannot be combined with --from or --finding")
	}
	b, err := remediate.ReadBackup(opts.rollback)
	if err != nil {
		return inputError(err)
	}
	fmt.Fprintf(a.Stdout, "Rollback from %s (written by %s at %s, read from %s):\n", opts.rollback, b.Tool, b.CreatedAt.Format("2006-01-02T15:04:05Z07:00"), b.Server)
	for _, acct := range b.Accounts {
		fmt.Fprintf(a.Stdout, "  %s (%s): restore SPNs to %s\n", acct.Account, acct.DN, strings.Join(acct.SPNs, ", "))
	}
	if !opts.apply {
		fmt.Fprintln(a.Stderr, "Dry run: nothing was changed. Add --apply (with --domain or --server and credentials) to restore.")
		return nil
	}
	if !opts.target.live() {
		return usageError("--apply needs the directory to change: --domain NAME or --server HOST, with credentials")
	}
	if err := opts.target.validate(); err != nil {
		return err
	}
	dir, server, closeDir, err := a.fixDirectory(ctx, &opts.target)
	if err != nil {
		return err
	}
	defer closeDir()
	res, err := remediate.Rollback(ctx, dir, b, remediate.ApplyOptions{Server: server, Log: a.Stderr, Now: a.Now})
	if err != nil {
		return incompleteError(err)
	}
	fmt.Fprintf(a.Stderr, "Restored %d %s to the backup.\n", res.Changed(), plural(res.Changed(), "account", "accounts"))
	return nil
}

// backupPath names a backup file in dir that does not exist yet.
func backupPath(dir string, now time.Time) string {
	base := filepath.Join(dir, "spntrust-backup-"+now.UTC().Format("20060102T150405Z"))
	path := base + ".json"
	for i := 2; ; i++ {
		_, err := os.Lstat(path)
		_, errLDIF := os.Lstat(remediate.LDIFPath(path))
		if os.IsNotExist(err) && os.IsNotExist(errLDIF) {
			return path
		}
		path = fmt.Sprintf("%s-%d.json", base, i)
	}
}

// selectFindings keeps the findings named by --finding (fingerprint or
// check ID, any case). A name that matches nothing is an error listing what
// there is, so a typo never silently fixes nothing.
func selectFindings(all []checks.Finding, names []string) ([]checks.Finding, error) {
	if len(names) == 0 {
		return all, nil
	}
	var out []checks.Finding
	for _, n := range names {
		n = strings.TrimSpace(n)
		matched := false
		for _, f := range all {
			if strings.EqualFold(f.Fingerprint, n) || strings.EqualFold(f.CheckID, n) {
				matched = true
				dup := false
				for _, o := range out {
					dup = dup || o.Fingerprint == f.Fingerprint
				}
				if !dup {
					out = append(out, f)
				}
			}
		}
		if !matched {
			var have []string
			for _, f := range all {
				if f.Status == checks.Fail {
					have = append(have, f.Fingerprint+" ("+f.CheckID+")")
				}
			}
			sort.Strings(have)
			return nil, usageError("--finding %s matches no finding; the findings are: %s", n, strings.Join(have, ", "))
		}
	}
	return out, nil
}

// sameDomain refuses a plan that changes accounts outside the domain the
// connection reaches (one DC writes only its own domain's objects).
func sameDomain(p *remediate.Plan, o targetOptions) error {
	if o.domain == "" {
		return nil // --server: the DC's domain is checked by the reads
	}
	for _, a := range p.ChangedAccounts() {
		if !strings.EqualFold(a.Domain, o.domain) {
			return usageError("the plan changes %s in domain %s, but --domain is %s: run fix once per domain with --finding", a.Account, a.Domain, o.domain)
		}
	}
	return nil
}

// fixDirectory connects and binds to the DC named by --server, or the first
// reachable DC of --domain (the directory session), and wraps it for
// remediate.
func (a *App) fixDirectory(ctx context.Context, o *targetOptions) (remediate.Directory, string, func(), error) {
	sess, err := a.session(o)
	if err != nil {
		return nil, "", nil, err
	}
	conn, server, err := sess.directorySession(o.timeout).Connect(ctx, o.server, o.domain)
	if err != nil {
		return nil, "", nil, incompleteError(fmt.Errorf("connect to a DC to apply the changes: %w", err))
	}
	root, err := conn.ReadRootDSE(ctx)
	if err != nil {
		conn.Close()
		return nil, "", nil, incompleteError(fmt.Errorf("connect to a DC to apply the changes: %s: %w", server, err))
	}
	return &ldapDirectory{conn: conn, baseDN: root.DefaultNamingContext}, server, func() { conn.Close() }, nil
}
