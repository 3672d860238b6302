package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/spntrust/spntrust/history"
)

// defaultHistory is the history file diff reads when --history is not given.
const defaultHistory = "spntrust-history.db"

type diffOptions struct {
	cmdEnv
	fromSet, toSet bool // --from, --to given
	history        string
	from, to       int64
	sinceLast      bool
	format         string
}

func newCmdDiff(f *App, runF func(context.Context, *diffOptions) error) *cobra.Command {
	opts := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff [--history FILE|URL] [--from RUN --to RUN | --since-last] [--format text|json]",
		Short: "Show new, resolved and unchanged findings between two recorded runs",
		Long: `Compares two runs recorded by 'spntrust audit --history' (an SQLite file or a
PostgreSQL database; default $SPNTRUST_HISTORY, else spntrust-history.db), by finding
fingerprint: new findings, resolved ones, and unchanged ones. A finding that is
gone from the later run is only called resolved if that run checked it: when
its check did not run or could not evaluate the domain, it is listed as not
comparable. Without --from/--to, compares the last run with the one before.`,
		Example: `  spntrust audit --domain corp.example --history audits.db --output html=report.html
  spntrust diff --history audits.db --since-last
  spntrust diff --history audits.db --from 3 --to 7 --format json
  SPNTRUST_HISTORY='postgres://spntrust@db.corp.example/spntrust?passfile=/etc/spntrust/pgpass' spntrust diff`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.cmdEnv = f.env()
			opts.fromSet, opts.toSet = cmd.Flags().Changed("from"), cmd.Flags().Changed("to")
			var from string
			opts.history, from = historyLocation(cmd.Flags().Lookup("history"), opts.Getenv, defaultHistory)
			warnHistoryPassword(opts.Stderr, opts.history, from)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return diffRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.history, "history", defaultHistory, "the history to compare runs of (audit --history records them)"+historyHelp+", else")
	fl.Int64Var(&opts.from, "from", 0, "run ID to compare from (with --to)")
	fl.Int64Var(&opts.to, "to", 0, "run ID to compare to (with --from)")
	fl.BoolVar(&opts.sinceLast, "since-last", false, "compare the last run with the one before it (the default)")
	fl.StringVar(&opts.format, "format", "text", "output format: text or json")
	return cmd
}

func diffRun(ctx context.Context, opts *diffOptions) error {
	fromSet, toSet := opts.fromSet, opts.toSet
	if ctx == nil {
		ctx = context.Background()
	}
	if opts.format != "text" && opts.format != "json" {
		return usageError("--format %q: diff writes text or json", opts.format)
	}
	if fromSet != toSet {
		return usageError("--from and --to go together; or use --since-last")
	}
	if fromSet && opts.sinceLast {
		return usageError("--since-last compares the last two runs: leave out --from and --to")
	}
	h, err := history.Open(ctx, opts.history, false)
	if err != nil {
		return inputError(err)
	}
	defer h.Close()
	from, to := opts.from, opts.to
	if !fromSet {
		if from, to, err = h.LastTwo(ctx); err != nil {
			return inputError(err)
		}
	}
	older, err := h.Run(ctx, from)
	if err != nil {
		return inputError(err)
	}
	newer, err := h.Run(ctx, to)
	if err != nil {
		return inputError(err)
	}
	d := history.Compare(older, newer)
	if opts.format == "json" {
		return d.WriteJSON(opts.Stdout)
	}
	return d.WriteText(opts.Stdout)
}
