package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/spntrust/spntrust/audit/pipeline"
	"github.com/spntrust/spntrust/baseline"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/reports"
)

// reportOptions are the flags of the report side of the pipeline: writers,
// --fail-on, and the baseline and history processors.
type reportOptions struct {
	format     string
	formatFlag *pflag.Flag // to tell a given --format from its default
	outputs    []string    // FILE, or FORMAT=FILE (repeatable)
	failOn     string
	// --baseline and --history (baseline_cmd.go, diff_cmd.go).
	baselinePath string
	historyPath  string      // after parse: the flag, else $SPNTRUST_HISTORY
	historyFrom  string      // where historyPath came from, for messages
	historyFlag  *pflag.Flag // to tell a given --history from $SPNTRUST_HISTORY
}

func (o *reportOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "text", "report format for stdout or a plain --output FILE (default there: the format its extension names): "+strings.Join(reports.FormatNames(), ", "))
	o.formatFlag = f.Lookup("format")
	f.StringArrayVarP(&o.outputs, "output", "o", nil, "write the report to FILE instead of stdout; FORMAT=FILE writes that format (repeatable)")
	f.StringVar(&o.failOn, "fail-on", "", "exit 1 when a finding has this severity or higher (critical, high, medium, low, info); default: never")
	f.StringVar(&o.baselinePath, "baseline", "", "mark findings accepted in this baseline file (spntrust baseline create); only new or expired ones count toward --fail-on")
	f.StringVar(&o.historyPath, "history", "", "record this run in this history, for spntrust diff"+historyHelp+" (a new SQLite file gets mode 0600; --history= records nothing)")
	o.historyFlag = f.Lookup("history")
}

// reportStage is the report side of a pipeline, parsed from the flags.
type reportStage struct {
	outputs    []pipeline.Output
	failOn     checks.Severity
	processors []pipeline.Processor
	recorders  []pipeline.Recorder
}

// parse validates the report flags and loads the baseline before any work
// is done, so a bad flag or file fails before any collection.
func (o *reportOptions) parse(env cmdEnv) (*reportStage, error) {
	st := &reportStage{}
	if o.failOn != "" {
		sev, err := checks.ParseSeverity(o.failOn)
		if err != nil {
			return nil, usageError("--fail-on: %v", err)
		}
		st.failOn = sev
	}
	if o.baselinePath != "" {
		file, err := baseline.Load(o.baselinePath)
		if err != nil {
			return nil, inputError(err)
		}
		st.processors = append(st.processors, pipeline.BaselineMarks{Path: o.baselinePath, Baseline: file, Log: env.Stderr})
	}
	o.historyPath, o.historyFrom = historyLocation(o.historyFlag, env.Getenv, "")
	warnHistoryPassword(env.Stderr, o.historyPath, o.historyFrom)
	if o.historyPath != "" {
		st.recorders = append(st.recorders, pipeline.HistoryFile{Path: o.historyPath, Log: env.Stderr})
	}
	plain, err := reports.ForFormat(o.format)
	if err != nil {
		return nil, usageError("--format: %v", err)
	}
	if len(o.outputs) == 0 {
		st.outputs = []pipeline.Output{{Writer: plain, Format: o.format}}
		return st, nil
	}
	for _, spec := range o.outputs {
		name, path, hasFormat := strings.Cut(spec, "=")
		if hasFormat {
			w, err := reports.ForFormat(name)
			if err != nil {
				return nil, usageError("--output %s: %v", spec, err)
			}
			if path == "" {
				return nil, usageError("--output %s: no file after '='", spec)
			}
			st.outputs = append(st.outputs, pipeline.Output{Writer: w, Format: name, Path: path})
			continue
		}
		if spec == "" {
			return nil, usageError("--output: empty file name")
		}
		format, err := plainOutputFormat(spec, o.format, formatGiven(o))
		if err != nil {
			return nil, err
		}
		w, err := reports.ForFormat(format)
		if err != nil {
			return nil, usageError("--output %s: %v", spec, err)
		}
		st.outputs = append(st.outputs, pipeline.Output{Writer: w, Format: format, Path: spec})
	}
	return st, nil
}

type auditOptions struct {
	cmdEnv
	from         string
	saveSnapshot string
	target       targetOptions
	settings     settingsFlags
	report       reportOptions
}

func newCmdAudit(f *App, runF func(context.Context, *auditOptions) error) *cobra.Command {
	opts := &auditOptions{}
	cmd := &cobra.Command{
		Use:   "audit (--domain NAME | --server HOST | --from SNAPSHOT)",
		Short: "Audit a directory (or a saved snapshot) and report Kerberos problems",
		Example: `  spntrust audit --domain lab.test --dns-server 127.0.0.11 --user Administrator@LAB.TEST --password-file pw.txt
  kinit auditor@CORP.EXAMPLE && spntrust audit --domain corp.example --follow-trusts --save-snapshot snap.json
  spntrust audit --from snap.json --format json --output report.json --fail-on high`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.cmdEnv = f.env()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return auditRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.from, "from", "", "replay a snapshot file saved by --save-snapshot instead of collecting")
	cmd.Flags().StringVar(&opts.saveSnapshot, "save-snapshot", "", "save what was collected to this file (atomically, mode 0600, no secrets) for --from")
	opts.target.register(cmd)
	opts.report.register(cmd)
	opts.settings.register(cmd)
	return cmd
}

func auditRun(ctx context.Context, opts *auditOptions) error {
	set, err := opts.settings.settings()
	if err != nil {
		return err
	}
	stage, err := opts.report.parse(opts.cmdEnv)
	if err != nil {
		return err
	}
	// Every file this run writes, checked before a live audit connects.
	if err := checkPaths(append(outputPathChecks(stage.outputs),
		pathCheck{flag: "--save-snapshot", path: opts.saveSnapshot},
		historyPathCheck(opts.report.historyPath, opts.report.historyFrom))...); err != nil {
		return err
	}
	src, err := source(opts.cmdEnv, opts.from, &opts.target)
	if err != nil {
		return err
	}
	p := &pipeline.Pipeline{
		Source: src, Settings: set, SaveSnapshot: opts.saveSnapshot,
		Tool: opts.Version, Now: opts.Now,
		Processors: stage.processors, Outputs: stage.outputs, Recorders: stage.recorders, FailOn: stage.failOn,
		Stdout: opts.Stdout, Log: opts.Stderr,
	}
	_, err = p.Run(ctx)
	return err
}

// source is the --from file or the live collection the target flags name,
// whichever the flags say; a live one is collected through the factory's
// connector.
func source(env cmdEnv, from string, target *targetOptions) (pipeline.Source, error) {
	if from == "" {
		target.useMachineDomain(env.Stderr)
	}
	switch {
	case from != "" && target.live():
		return nil, usageError("--from replays a saved snapshot: it cannot be combined with --domain or --server")
	case from != "":
		return pipeline.File{Path: from}, nil
	case target.live():
		if err := target.validate(); err != nil {
			return nil, err
		}
		return pipeline.Live{Collector: env.Connector.Collector(target)}, nil
	}
	return nil, usageError("name what to audit: --domain NAME, --server HOST, or --from SNAPSHOT")
}
