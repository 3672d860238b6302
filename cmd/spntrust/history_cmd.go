package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/spntrust/spntrust/audit/pipeline"
	"github.com/spntrust/spntrust/baseline"
	"github.com/spntrust/spntrust/history"
)

type historyImportOptions struct {
	cmdEnv
	files    []string
	history  string
	baseline string
	settings settingsFlags // judge snapshots as audit --from would
}

func newCmdHistory(f *App, runF func(context.Context, *historyImportOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Manage the run history: import runs made elsewhere",
	}
	opts := &historyImportOptions{}
	imp := &cobra.Command{
		Use:   "import FILE... [--history FILE|URL] [--baseline FILE]",
		Short: "Record JSON reports or snapshots made elsewhere (air-gapped forests) as runs",
		Long: `Records each FILE as a run in the history, as audit --history would have: a
JSON report (spntrust audit --format json) as it was written, or a snapshot
(spntrust audit --save-snapshot) judged with the check settings given here
(--checks, --skip, --stale-days, ...: the same flags and findings as
'spntrust audit --from'), dated at the end of its collection. A run is known by
its report: importing the same file again (with the same settings) records
nothing and says which run it already is. A file that is neither, a truncated
file, or a report of another schema version is refused with the reason; the
other files are still imported, and the exit code is 2.`,
		Example: `  spntrust history import --history audits.db forest-b/report.json forest-c/snapshot.json
  SPNTRUST_HISTORY='postgres://spntrust@db.corp.example/spntrust?passfile=/etc/spntrust/pgpass' \
      spntrust history import --baseline forest-c/baseline.json forest-c/snapshot.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.cmdEnv = f.env()
			opts.files = args
			var from string
			opts.history, from = historyLocation(cmd.Flags().Lookup("history"), opts.Getenv, defaultHistory)
			warnHistoryPassword(opts.Stderr, opts.history, from)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return historyImportRun(cmd.Context(), opts)
		},
	}
	fl := imp.Flags()
	fl.StringVar(&opts.history, "history", defaultHistory, "the history to record the runs in"+historyHelp+", else")
	fl.StringVar(&opts.baseline, "baseline", "", "mark the findings of imported snapshots accepted in this baseline file (a JSON report keeps the marks it was written with)")
	opts.settings.register(imp)
	cmd.AddCommand(imp)
	return cmd
}

func historyImportRun(ctx context.Context, opts *historyImportOptions) error {
	set, err := opts.settings.settings()
	if err != nil {
		return err
	}
	var marks []pipeline.Processor
	if opts.baseline != "" {
		file, err := baseline.Load(opts.baseline)
		if err != nil {
			return inputError(err)
		}
		marks = append(marks, pipeline.BaselineMarks{Path: opts.baseline, Baseline: file, Log: opts.Stderr})
	}
	store, err := history.Open(ctx, opts.history, true)
	if err != nil {
		return inputError(err)
	}
	defer store.Close()
	where := store.Location() // a PostgreSQL password is masked
	var created, already, failed int
	for _, path := range opts.files {
		imp, err := pipeline.Import{Path: path, Settings: set, Tool: opts.Version, Baseline: marks, Log: opts.Stderr}.Run(ctx)
		if err != nil {
			fmt.Fprintf(opts.Stderr, "spntrust: %v\n", err)
			failed++
			continue
		}
		id, isNew, err := store.Submit(ctx, history.FromReport(imp.Report))
		if err != nil {
			fmt.Fprintf(opts.Stderr, "spntrust: %s: %v\n", path, err)
			failed++
			continue
		}
		what := fmt.Sprintf("%s of %s, %d finding(s)", imp.Kind, dash(imp.Report.Collection.Target), imp.Report.Summary.Total)
		if !isNew {
			already++
			fmt.Fprintf(opts.Stderr, "%s: already recorded as run %d in %s (%s): the same report is recorded once\n", path, id, where, what)
			continue
		}
		created++
		fmt.Fprintf(opts.Stderr, "%s: run %d recorded in %s (%s)\n", path, id, where, what)
	}
	fmt.Fprintf(opts.Stderr, "%d file(s): %d run(s) recorded, %d already recorded, %d refused\n", len(opts.files), created, already, failed)
	if failed > 0 {
		return inputError(fmt.Errorf("%d of %d file(s) not imported (see above)", failed, len(opts.files)))
	}
	return nil
}

// dash is s, or "-" when it is empty.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
