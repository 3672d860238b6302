package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/baseline"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/reports"
)

type baselineCreateOptions struct {
	from    string
	out     string
	owner   string
	reason  string
	expires string
	report  reportOptions // check selection and options, so fingerprints match the audit's
}

func (a *App) baselineCommand() *cobra.Command {
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
toward --fail-on. Findings that could not be evaluated are never accepted.`,
		Example: `  spntrust baseline create --from snap.json --out baseline.json \
      --owner "web team" --reason "IIS moves to port 81 in CHG-1234" --expires 2027-03-31
  spntrust audit --from snap.json --baseline baseline.json --fail-on high`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, name := range []string{"format", "output", "fail-on", "baseline", "history"} {
				if cmd.Flags().Changed(name) {
					return usageError("baseline create: --%s belongs to audit; the baseline goes to --out", name)
				}
			}
			return a.runBaselineCreate(opts)
		},
	}
	f := create.Flags()
	f.StringVar(&opts.from, "from", "", "snapshot file to accept the findings of (saved by audit --save-snapshot)")
	f.StringVar(&opts.out, "out", "", "baseline file to write (atomically, mode 0600)")
	f.StringVar(&opts.owner, "owner", "", "who accepts these findings (a person or team)")
	f.StringVar(&opts.reason, "reason", "", "why they are accepted, e.g. a change or risk-acceptance number")
	f.StringVar(&opts.expires, "expires", "", "last day (YYYY-MM-DD, UTC) the acceptance holds; default: never")
	opts.report.register(create)
	for _, name := range []string{"format", "output", "fail-on", "baseline", "history"} {
		_ = f.MarkHidden(name)
	}
	cmd.AddCommand(create)
	return cmd
}

func (a *App) runBaselineCreate(opts *baselineCreateOptions) error {
	switch {
	case opts.from == "":
		return usageError("baseline create needs --from SNAPSHOT (save one with spntrust audit --save-snapshot FILE)")
	case opts.out == "":
		return usageError("baseline create needs --out FILE")
	case opts.owner == "" || opts.reason == "":
		return usageError("baseline create needs --owner and --reason: who accepts these findings, and why")
	}
	now := a.Now()
	expires, err := baseline.ParseExpiry(opts.expires, now)
	if err != nil {
		return usageError("--expires: %v", err)
	}
	_, _, list, err := opts.report.parse()
	if err != nil {
		return err
	}
	snap, err := audit.Load(opts.from)
	if err != nil {
		return inputError(err)
	}
	findings := checks.Run(snap, list, opts.report.opt)
	file, err := baseline.Create(findings, baseline.Acceptance{Owner: opts.owner, Reason: opts.reason, Expires: expires},
		now, "spntrust "+a.Version, opts.from)
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
	fmt.Fprintf(a.Stderr, "baseline written to %s: %d finding(s) accepted by %s, %s\n", opts.out, len(file.Accepted), opts.owner, until)
	return nil
}

// markBaseline marks the report's findings against the baseline (the
// report's generation time decides expiry) and says on stderr what it did.
func (a *App) markBaseline(rep *reports.Report, path string, file *baseline.File) {
	p := baseline.Processor{Baseline: file, Now: rep.GeneratedAt}
	decisions := p.Process(rep.Findings)
	rep.Baseline = baseline.Marks(path, decisions)
	counts := map[baseline.State]int{}
	for _, d := range decisions {
		if d.Finding.Status == checks.Fail {
			counts[d.State]++
		}
	}
	fmt.Fprintf(a.Stderr, "baseline %s: %d accepted, %d expired, %d new", path, counts[baseline.Accepted], counts[baseline.Expired], counts[baseline.New])
	if n := len(p.Unmatched(rep.Findings)); n > 0 {
		fmt.Fprintf(a.Stderr, "; %d accepted finding(s) no longer found (fixed? drop them from the baseline)", n)
	}
	fmt.Fprintln(a.Stderr)
}
