package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/spntrust/spntrust/audit/pipeline"
	"github.com/spntrust/spntrust/baseline"
)

// auditOnlyFlags are audit's report flags, which baseline create accepts
// only to refuse them with a clear message.
var auditOnlyFlags = []string{"format", "output", "fail-on", "baseline", "history"}

type baselineCreateOptions struct {
	cmdEnv
	from     string
	out      string
	owner    string
	reason   string
	expires  string
	settings settingsFlags // the audit's settings, so fingerprints match the audit's
	report   reportOptions // registered hidden, to refuse them
}

func newCmdBaseline(f *App, runF func(context.Context, *baselineCreateOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "baseline",
		Short: "Accept known findings so that only new or expired ones fail scheduled runs",
	}
	opts := &baselineCreateOptions{}
	create := &cobra.Command{
		Use:   "create --from SNAPSHOT --out FILE --owner WHO --reason WHY [--expires YYYY-MM-DD]",
		Short: "Write a baseline accepting every current finding of a snapshot",
		Long: `Runs the checks over a snapshot and writes every failed finding, by fingerprint,
to a baseline file with who accepted it, why and until when. Give the file to
'spntrust audit --baseline FILE': accepted findings are still reported (marked
accepted) but only new findings, and findings whose acceptance expired, count
toward --fail-on. Findings that could not be evaluated are never accepted.
Give it the same check flags (--checks, --skip, --stale-days, ...) as the audit.`,
		Example: `  spntrust baseline create --from snap.json --out baseline.json \
      --owner "web team" --reason "IIS moves to port 81 in CHG-1234" --expires 2027-03-31
  spntrust audit --from snap.json --baseline baseline.json --fail-on high`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, name := range auditOnlyFlags {
				if cmd.Flags().Changed(name) {
					return usageError("baseline create: --%s belongs to audit; the baseline goes to --out", name)
				}
			}
			opts.cmdEnv = f.env()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return baselineCreateRun(cmd.Context(), opts)
		},
	}
	fl := create.Flags()
	fl.StringVar(&opts.from, "from", "", "snapshot file to accept the findings of (saved by audit --save-snapshot)")
	fl.StringVar(&opts.out, "out", "", "baseline file to write (atomically, mode 0600)")
	fl.StringVar(&opts.owner, "owner", "", "who accepts these findings (a person or team)")
	fl.StringVar(&opts.reason, "reason", "", "why they are accepted, e.g. a change or risk-acceptance number")
	fl.StringVar(&opts.expires, "expires", "", "last day (YYYY-MM-DD, UTC) the acceptance holds; default: never")
	opts.settings.register(create)
	opts.report.register(create)
	for _, name := range auditOnlyFlags {
		_ = fl.MarkHidden(name)
	}
	cmd.AddCommand(create)
	return cmd
}

func baselineCreateRun(ctx context.Context, opts *baselineCreateOptions) error {
	switch {
	case opts.from == "":
		return usageError("baseline create needs --from SNAPSHOT (save one with spntrust audit --save-snapshot FILE)")
	case opts.out == "":
		return usageError("baseline create needs --out FILE")
	case opts.owner == "" || opts.reason == "":
		return usageError("baseline create needs --owner and --reason: who accepts these findings, and why")
	}
	now := opts.Now()
	expires, err := baseline.ParseExpiry(opts.expires, now)
	if err != nil {
		return usageError("--expires: %v", err)
	}
	set, err := opts.settings.settings()
	if err != nil {
		return err
	}
	ev, err := (&pipeline.Pipeline{Source: pipeline.File{Path: opts.from}, Settings: set, Log: opts.Stderr}).Evaluate(ctx)
	if err != nil {
		return err
	}
	file, err := baseline.Create(ev.Findings, baseline.Acceptance{Owner: opts.owner, Reason: opts.reason, Expires: expires},
		now, "spntrust "+opts.Version, ev.Origin)
	if err != nil {
		return usageError("%v", err)
	}
	data, err := file.Bytes()
	if err != nil {
		return err
	}
	if err := writeFile(opts.out, data); err != nil {
		return inputError(err)
	}
	until := "no expiry"
	if expires != "" {
		until = "until " + expires
	}
	fmt.Fprintf(opts.Stderr, "baseline written to %s: %d finding(s) accepted by %s, %s\n", opts.out, len(file.Accepted), opts.owner, until)
	return nil
}
