package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/remediate"
)

// planOptions are the flags shared by remediate and fix: where the findings
// come from and which remediation to follow.
type planOptions struct {
	from     string
	strategy string
	port     int
	include  []string
	skip     []string
}

func (o *planOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "", "build the plan from a snapshot file saved by audit")
	f.StringVar(&o.strategy, "strategy", string(remediate.MovePort), "remediation to follow: move-port (move the site to --port and register HTTP/<host>:<port>) or remove (only take the SPNs off)")
	f.IntVar(&o.port, "port", checks.DefaultOptions().MovePort, "port the move-port strategy moves a site to")
	f.StringSliceVar(&o.include, "checks", nil, "plan only findings of these check IDs (comma-separated)")
	f.StringSliceVar(&o.skip, "skip", nil, "leave out findings of these check IDs (comma-separated)")
}

// parse validates the flags; it does no I/O.
func (o *planOptions) parse() (remediate.Strategy, []checks.Check, error) {
	strategy, err := remediate.ParseStrategy(o.strategy)
	if err != nil {
		return "", nil, usageError("--strategy: %v", err)
	}
	if o.port < 1 || o.port > 65535 {
		return "", nil, usageError("--port %d: a port is 1-65535", o.port)
	}
	list, err := checks.Filter(o.include, o.skip)
	if err != nil {
		return "", nil, usageError("%v", err)
	}
	return strategy, list, nil
}

// plan runs the checks over the snapshot and builds the plan.
func (a *App) plan(snap *audit.Snapshot, o *planOptions, source string, strategy remediate.Strategy, list []checks.Check) (*remediate.Plan, error) {
	opt := checks.DefaultOptions()
	opt.MovePort = o.port
	findings := checks.Run(snap, list, opt)
	p, err := remediate.Build(snap, findings, remediate.Options{
		Strategy: strategy, Port: o.port, Generator: "spntrust " + a.Version, Snapshot: source,
	})
	if err != nil {
		return nil, inputError(fmt.Errorf("snapshot %s: %w", source, err))
	}
	return p, nil
}

type remediateOptions struct {
	plan    planOptions
	target  targetOptions
	out     string
	formats []string
}

func (a *App) remediateCommand() *cobra.Command {
	opts := &remediateOptions{}
	cmd := &cobra.Command{
		Use:   "remediate (--from SNAPSHOT | --domain NAME | --server HOST) --out DIR",
		Short: "Write a reviewed remediation plan with fix and rollback scripts (cmd, PowerShell, LDIF)",
		Long: `remediate writes into DIR, each file atomically (mode 0600):

  PLAN.md                     every step, the finding it fixes, why, and the risk
  fix.cmd, rollback.cmd       setspn -D / -S with a setspn -L check before each change
  fix.ps1, rollback.ps1       ActiveDirectory module; -WhatIf, transcript, IIS port move
  fix.ldif, rollback.ldif     ldapmodify change records, one Modify per account

Every script is safe to run twice, and each rollback restores the SPNs the
snapshot recorded exactly. Nothing is changed in the directory: review the files,
then run them (or use 'spntrust fix --apply').`,
		Example: `  spntrust remediate --from testdata/snapshots/seed.json --out remediation
  spntrust remediate --from snap.json --out fix --format ps1,ldif --strategy remove`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runRemediate(cmd.Context(), opts)
		},
	}
	opts.plan.register(cmd)
	opts.target.register(cmd)
	cmd.Flags().StringVar(&opts.out, "out", "", "directory to write PLAN.md and the scripts into (created if missing)")
	cmd.Flags().StringSliceVar(&opts.formats, "format", remediate.FormatNames(), "script formats to write: "+strings.Join(remediate.FormatNames(), ", "))
	return cmd
}

func (a *App) runRemediate(ctx context.Context, opts *remediateOptions) error {
	strategy, list, err := opts.plan.parse()
	if err != nil {
		return err
	}
	if opts.out == "" {
		return usageError("remediate needs --out DIR (where PLAN.md and the scripts go)")
	}
	var formats []string
	seen := map[string]bool{}
	for _, f := range opts.formats {
		f = strings.ToLower(strings.TrimSpace(f))
		if _, err := remediate.ForFormat(f); err != nil {
			return usageError("--format: %v", err)
		}
		if !seen[f] {
			seen[f] = true
			formats = append(formats, f)
		}
	}
	if err := checkPaths(pathCheck{flag: "--out", path: opts.out, isDir: true}); err != nil {
		return err
	}
	snap, err := a.snapshot(ctx, opts.plan.from, &opts.target)
	if err != nil {
		return err
	}
	source := opts.plan.from
	if source == "" {
		source = "collected now from " + snap.Collection.Target
	}
	p, err := a.plan(snap, &opts.plan, source, strategy, list)
	if err != nil {
		return err
	}
	paths, err := remediate.WriteDir(opts.out, p, formats)
	if err != nil {
		return inputError(err)
	}
	fmt.Fprintf(a.Stderr, "%d %s, %d %s to change, %d %s not planned; wrote %s\n",
		len(p.Steps), plural(len(p.Steps), "step", "steps"),
		len(p.ChangedAccounts()), plural(len(p.ChangedAccounts()), "account", "accounts"),
		len(p.Skipped), plural(len(p.Skipped), "finding", "findings"), strings.Join(paths, ", "))
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
