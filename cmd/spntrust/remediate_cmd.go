package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/spntrust/spntrust/audit/pipeline"
	"github.com/spntrust/spntrust/remediate"
)

// planOptions are the flags shared by remediate and fix: where the findings
// come from, the settings that decide them (the audit's own flags), and
// which remediation to follow.
type planOptions struct {
	from     string
	strategy string
	settings settingsFlags
}

func (o *planOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "", "build the plan from a snapshot file saved by audit")
	f.StringVar(&o.strategy, "strategy", string(remediate.MovePort), "remediation to follow: move-port (move the site to --move-port and register HTTP/<host>:<port>), remove (only take the SPNs off), or aes (RC4 removal: reset passwords that lack AES keys, then allow AES in msDS-SupportedEncryptionTypes)")
	o.settings.register(cmd)
	o.settings.registerPortAlias(cmd)
}

// parse validates the flags; it does no I/O.
func (o *planOptions) parse() (remediate.Strategy, pipeline.Settings, error) {
	strategy, err := remediate.ParseStrategy(o.strategy)
	if err != nil {
		return "", pipeline.Settings{}, usageError("--strategy: %v", err)
	}
	set, err := o.settings.settings()
	if err != nil {
		return "", pipeline.Settings{}, err
	}
	return strategy, set, nil
}

// plan evaluates the source with the settings (as audit does), keeps the
// findings named by --finding (all without it) and builds the plan.
func plan(ctx context.Context, env cmdEnv, src pipeline.Source, set pipeline.Settings, strategy remediate.Strategy, only []string) (*remediate.Plan, error) {
	ev, err := (&pipeline.Pipeline{Source: src, Settings: set, Log: env.Stderr}).Evaluate(ctx)
	if err != nil {
		return nil, err
	}
	findings, err := pipeline.Select(ev.Findings, only)
	if err != nil {
		return nil, err
	}
	p, err := remediate.Build(ev.Snapshot, findings, remediate.Options{
		Strategy: strategy, Port: set.Options.MovePort, Generator: "spntrust " + env.Version, Snapshot: ev.Origin,
	})
	if err != nil {
		return nil, inputError(fmt.Errorf("snapshot %s: %w", ev.Origin, err))
	}
	return p, nil
}

type remediateOptions struct {
	cmdEnv
	plan    planOptions
	target  targetOptions
	out     string
	formats []string
}

func newCmdRemediate(f *App, runF func(context.Context, *remediateOptions) error) *cobra.Command {
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
then run them (or use 'spntrust fix --apply'). The findings are those 'spntrust
audit' reports for the same snapshot and check flags (--checks, --stale-days, ...).`,
		Example: `  spntrust remediate --from testdata/snapshots/seed.json --out remediation
  spntrust remediate --from snap.json --out fix --format ps1,ldif --strategy remove`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.cmdEnv = f.env()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return remediateRun(cmd.Context(), opts)
		},
	}
	opts.plan.register(cmd)
	opts.target.register(cmd)
	cmd.Flags().StringVar(&opts.out, "out", "", "directory to write PLAN.md and the scripts into (created if missing)")
	cmd.Flags().StringSliceVar(&opts.formats, "format", remediate.FormatNames(), "script formats to write: "+strings.Join(remediate.FormatNames(), ", "))
	return cmd
}

func remediateRun(ctx context.Context, opts *remediateOptions) error {
	strategy, set, err := opts.plan.parse()
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
	src, err := source(opts.cmdEnv, opts.plan.from, &opts.target)
	if err != nil {
		return err
	}
	p, err := plan(ctx, opts.cmdEnv, src, set, strategy, nil)
	if err != nil {
		return err
	}
	paths, err := remediate.WriteDir(opts.out, p, formats)
	if err != nil {
		return inputError(err)
	}
	fmt.Fprintf(opts.Stderr, "%d %s, %d %s to change, %d %s not planned; wrote %s\n",
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
