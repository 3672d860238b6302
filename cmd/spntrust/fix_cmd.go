package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/spntrust/spntrust/audit/pipeline"
	"github.com/spntrust/spntrust/remediate"
)

type fixOptions struct {
	cmdEnv
	plan      planOptions
	target    targetOptions
	findings  []string
	apply     bool
	backupDir string
	rollback  string
}

func newCmdFix(f *App, runF func(context.Context, *fixOptions) error) *cobra.Command {
	opts := &fixOptions{}
	cmd := &cobra.Command{
		Use:   "fix (--from SNAPSHOT | --domain NAME | --server HOST) [--apply]",
		Short: "Apply the SPN changes of the remediation plan over LDAP (dry run unless --apply)",
		Long: `fix computes the remediation plan (as 'spntrust remediate' does, from the findings
'spntrust audit' reports for the same snapshot and check flags) and prints it.
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
			opts.cmdEnv = f.env()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return fixRun(cmd.Context(), opts)
		},
	}
	opts.plan.register(cmd)
	opts.target.register(cmd)
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.findings, "finding", nil, "fix only these findings, by fingerprint or check ID (comma-separated or repeated)")
	fl.BoolVar(&opts.apply, "apply", false, "make the changes (default: dry run, print the plan)")
	fl.StringVar(&opts.backupDir, "backup-dir", ".", "directory for the backup written before the first change")
	fl.StringVar(&opts.rollback, "rollback", "", "restore the SPNs recorded in this backup file instead of applying a plan")
	return cmd
}

func fixRun(ctx context.Context, opts *fixOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if opts.rollback != "" {
		return fixRollbackRun(ctx, opts)
	}
	strategy, set, err := opts.plan.parse()
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
		if err := checkPaths(pathCheck{flag: "--backup-dir", path: backupPath(opts.backupDir, opts.Now())}); err != nil {
			return err
		}
	}
	// The plan comes from --from when given (the connection flags then only
	// say where to apply it), else from a collection now.
	var src pipeline.Source
	switch {
	case opts.plan.from != "":
		src = pipeline.File{Path: opts.plan.from}
	case opts.target.live():
		src = pipeline.Live{Collector: opts.Connector.Collector(&opts.target)}
	default:
		return usageError("name where the plan comes from: --from SNAPSHOT, or --domain NAME / --server HOST to collect now")
	}
	p, err := plan(ctx, opts.cmdEnv, src, set, strategy, opts.findings)
	if err != nil {
		return err
	}
	if _, err := opts.Stdout.Write(remediate.Text(p)); err != nil {
		return err
	}
	if !opts.apply {
		fmt.Fprintln(opts.Stderr, "Dry run: nothing was changed. Add --apply (with --domain or --server and credentials) to make the SPN changes.")
		return nil
	}
	if len(p.ChangedAccounts()) == 0 {
		fmt.Fprintln(opts.Stderr, "Nothing to change in the directory.")
		return nil
	}
	if err := sameDomain(p, opts.target); err != nil {
		return err
	}
	dir, server, closeDir, err := opts.Connector.FixDirectory(ctx, &opts.target)
	if err != nil {
		return err
	}
	defer closeDir()
	backup := backupPath(opts.backupDir, opts.Now())
	res, err := remediate.Apply(ctx, dir, p, remediate.ApplyOptions{
		BackupPath: backup, Server: server, Tool: "spntrust " + opts.Version, Now: opts.Now, Log: opts.Stderr,
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
		fmt.Fprintln(opts.Stderr, "Nothing changed: every account is already in the target state.")
		return nil
	}
	fmt.Fprintf(opts.Stderr, "Changed and verified %d %s. To undo: spntrust fix --rollback %s --apply (same connection flags)\n",
		res.Changed(), plural(res.Changed(), "account", "accounts"), res.BackupPath)
	return nil
}

func fixRollbackRun(ctx context.Context, opts *fixOptions) error {
	if opts.plan.from != "" || len(opts.findings) > 0 {
		return usageError("--rollback restores a backup: it cannot be combined with --from or --finding")
	}
	b, err := remediate.ReadBackup(opts.rollback)
	if err != nil {
		return inputError(err)
	}
	fmt.Fprintf(opts.Stdout, "Rollback from %s (written by %s at %s, read from %s):\n", opts.rollback, b.Tool, b.CreatedAt.Format("2006-01-02T15:04:05Z07:00"), b.Server)
	for _, acct := range b.Accounts {
		fmt.Fprintf(opts.Stdout, "  %s (%s): restore SPNs to %s\n", acct.Account, acct.DN, strings.Join(acct.SPNs, ", "))
	}
	if !opts.apply {
		fmt.Fprintln(opts.Stderr, "Dry run: nothing was changed. Add --apply (with --domain or --server and credentials) to restore.")
		return nil
	}
	if !opts.target.live() {
		return usageError("--apply needs the directory to change: --domain NAME or --server HOST, with credentials")
	}
	if err := opts.target.validate(); err != nil {
		return err
	}
	dir, server, closeDir, err := opts.Connector.FixDirectory(ctx, &opts.target)
	if err != nil {
		return err
	}
	defer closeDir()
	res, err := remediate.Rollback(ctx, dir, b, remediate.ApplyOptions{Server: server, Log: opts.Stderr, Now: opts.Now})
	if err != nil {
		return incompleteError(err)
	}
	fmt.Fprintf(opts.Stderr, "Restored %d %s to the backup.\n", res.Changed(), plural(res.Changed(), "account", "accounts"))
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

// FixDirectory connects and binds to the DC named by --server, or the first
// reachable DC of --domain (the directory session), and wraps it for
// remediate.
func (c *ldapConnector) FixDirectory(ctx context.Context, o *targetOptions) (remediate.Directory, string, func(), error) {
	sess, err := c.app.session(o)
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
