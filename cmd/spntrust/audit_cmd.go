package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/baseline"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/reports"
)

// reportOptions are the flags every command that produces a report shares.
type reportOptions struct {
	format     string
	formatFlag *pflag.Flag // to tell a given --format from its default
	outputs    []string    // FILE, or FORMAT=FILE (repeatable)
	failOn     string
	include    []string
	skip       []string
	opt        checks.Options
	// --baseline and --history (baseline_cmd.go, diff_cmd.go); parse loads
	// the baseline so a bad file fails before any collection.
	baselinePath string
	historyPath  string
	baseline     *baseline.File
}

func (o *reportOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "text", "report format for stdout or a plain --output FILE (default there: the format its extension names): "+strings.Join(reports.FormatNames(), ", "))
	o.formatFlag = f.Lookup("format")
	f.StringArrayVarP(&o.outputs, "output", "o", nil, "write the report to FILE instead of stdout; FORMAT=FILE writes that format (repeatable)")
	f.StringVar(&o.failOn, "fail-on", "", "exit 1 when a finding has this severity or higher (critical, high, medium, low, info); default: never")
	f.StringSliceVar(&o.include, "checks", nil, "run only these check IDs (comma-separated)")
	f.StringSliceVar(&o.skip, "skip", nil, "skip these check IDs (comma-separated)")
	d := checks.DefaultOptions()
	f.IntVar(&o.opt.MovePort, "move-port", d.MovePort, "port the move-port remediation moves a site to")
	f.IntVar(&o.opt.StaleDays, "stale-days", d.StaleDays, "an account holding SPNs with no logon for this many days is stale")
	f.IntVar(&o.opt.PasswordAgeDays, "password-age-days", d.PasswordAgeDays, "a service account password older than this many days is old")
	f.IntVar(&o.opt.MinFunctionalLevel, "min-functional-level", d.MinFunctionalLevel, "lowest acceptable domain/forest functional level (3 = 2008, 4 = 2008 R2, ... 7 = 2016)")
	f.DurationVar(&o.opt.MaxSkew, "max-skew", d.MaxSkew, "Kerberos clock tolerance: skew beyond it is an error")
	f.DurationVar(&o.opt.WarnSkew, "warn-skew", d.WarnSkew, "skew beyond this (but within --max-skew) is a warning")
	f.StringVar(&o.baselinePath, "baseline", "", "mark findings accepted in this baseline file (spntrust baseline create); only new or expired ones count toward --fail-on")
	f.StringVar(&o.historyPath, "history", "", "record this run in this SQLite history file (created with mode 0600) for spntrust diff")
}

// output is one destination of a report.
type output struct {
	writer reports.Writer
	format string
	path   string // "" = stdout
}

// parse validates the report flags before any work is done.
func (o *reportOptions) parse() (outs []output, failOn checks.Severity, list []checks.Check, err error) {
	if o.failOn != "" {
		if failOn, err = checks.ParseSeverity(o.failOn); err != nil {
			return nil, "", nil, usageError("--fail-on: %v", err)
		}
	}
	if p := o.opt.MovePort; p < 1 || p > 65535 {
		return nil, "", nil, usageError("--move-port %d: a port is 1-65535", p)
	}
	if o.opt.StaleDays < 1 || o.opt.PasswordAgeDays < 1 {
		return nil, "", nil, usageError("--stale-days and --password-age-days must be at least 1")
	}
	if l := o.opt.MinFunctionalLevel; l < 0 || l > 10 {
		return nil, "", nil, usageError("--min-functional-level %d: levels are 0 (2000) to 10 (2025)", l)
	}
	if o.opt.MaxSkew <= 0 || o.opt.WarnSkew <= 0 || o.opt.WarnSkew > o.opt.MaxSkew {
		return nil, "", nil, usageError("--warn-skew %v and --max-skew %v: both positive, warn not above max", o.opt.WarnSkew, o.opt.MaxSkew)
	}
	if list, err = checks.Filter(o.include, o.skip); err != nil {
		return nil, "", nil, usageError("%v", err)
	}
	if o.baselinePath != "" {
		if o.baseline, err = baseline.Load(o.baselinePath); err != nil {
			return nil, "", nil, inputError(err)
		}
	}
	plain, err := reports.ForFormat(o.format)
	if err != nil {
		return nil, "", nil, usageError("--format: %v", err)
	}
	if len(o.outputs) == 0 {
		return []output{{writer: plain, format: o.format}}, failOn, list, nil
	}
	for _, spec := range o.outputs {
		name, path, hasFormat := strings.Cut(spec, "=")
		if hasFormat {
			w, err := reports.ForFormat(name)
			if err != nil {
				return nil, "", nil, usageError("--output %s: %v", spec, err)
			}
			if path == "" {
				return nil, "", nil, usageError("--output %s: no file after '='", spec)
			}
			outs = append(outs, output{writer: w, format: name, path: path})
			continue
		}
		if spec == "" {
			return nil, "", nil, usageError("--output: empty file name")
		}
		format, err := plainOutputFormat(spec, o.format, formatGiven(o))
		if err != nil {
			return nil, "", nil, err
		}
		w, err := reports.ForFormat(format)
		if err != nil {
			return nil, "", nil, usageError("--output %s: %v", spec, err)
		}
		outs = append(outs, output{writer: w, format: format, path: spec})
	}
	return outs, failOn, list, nil
}

type auditOptions struct {
	from         string
	saveSnapshot string
	target       targetOptions
	report       reportOptions
}

func (a *App) auditCommand() *cobra.Command {
	opts := &auditOptions{}
	cmd := &cobra.Command{
		Use:   "audit (--domain NAME | --server HOST | --from SNAPSHOT)",
		Short: "Audit a directory (or a saved snapshot) and report Kerberos problems",
		Example: `  spntrust audit --domain lab.test --dns-server 127.0.0.11 --user Administrator@LAB.TEST --password-file pw.txt
  kinit auditor@CORP.EXAMPLE && spntrust audit --domain corp.example --follow-trusts --save-snapshot snap.json
  spntrust audit --from snap.json --format json --output report.json --fail-on high`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runAudit(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.from, "from", "", "replay a snapshot file saved by --save-snapshot instead of collecting")
	cmd.Flags().StringVar(&opts.saveSnapshot, "save-snapshot", "", "save what was collected to this file (atomically, mode 0600, no secrets) for --from")
	opts.target.register(cmd)
	opts.report.register(cmd)
	return cmd
}

func (a *App) runAudit(ctx context.Context, opts *auditOptions) error {
	outs, failOn, list, err := opts.report.parse()
	if err != nil {
		return err
	}
	// Every file this run writes, checked before a live audit connects.
	if err := checkPaths(append(outputPathChecks(outs),
		pathCheck{flag: "--save-snapshot", path: opts.saveSnapshot},
		pathCheck{flag: "--history", path: opts.report.historyPath})...); err != nil {
		return err
	}
	snap, err := a.snapshot(ctx, opts.from, &opts.target)
	if err != nil {
		return err
	}
	if opts.saveSnapshot != "" {
		if err := audit.Save(opts.saveSnapshot, snap); err != nil {
			return inputError(err)
		}
		fmt.Fprintf(a.Stderr, "snapshot saved to %s\n", opts.saveSnapshot)
	}
	if snap.Collection.Partial() {
		fmt.Fprintf(a.Stderr, "spntrust: collection incomplete: %d gap(s); the report lists them\n", len(snap.Collection.Gaps))
	}
	return a.report(ctx, snap, list, outs, failOn, &opts.report)
}

// snapshot loads the --from file or collects live, whichever the flags say.
func (a *App) snapshot(ctx context.Context, from string, target *targetOptions) (*audit.Snapshot, error) {
	if from == "" {
		target.useMachineDomain(a.Stderr)
	}
	switch {
	case from != "" && target.live():
		return nil, usageError("--from replays a saved snapshot: it cannot be combined with --domain or --server")
	case from != "":
		snap, err := audit.Load(from)
		if err != nil {
			return nil, inputError(err)
		}
		return snap, nil
	case target.live():
		if err := target.validate(); err != nil {
			return nil, err
		}
		return a.collect(ctx, target)
	}
	return nil, usageError("name what to audit: --domain NAME, --server HOST, or --from SNAPSHOT")
}

// report runs the checks and writes every requested output.
func (a *App) report(ctx context.Context, snap *audit.Snapshot, list []checks.Check, outs []output, failOn checks.Severity, ro *reportOptions) error {
	findings := checks.Run(snap, list, ro.opt)
	rep := reports.New(a.Version, a.Now(), snap, list, findings)
	if ro.baseline != nil {
		a.markBaseline(rep, ro.baselinePath, ro.baseline)
	}
	for _, o := range outs {
		if o.path == "" {
			var buf bytes.Buffer
			if err := o.writer.Write(&buf, rep); err != nil {
				return fmt.Errorf("render %s report: %w", o.format, err)
			}
			if _, err := a.Stdout.Write(buf.Bytes()); err != nil {
				return err
			}
			continue
		}
		// Streamed into the file: a large report is not held in memory.
		var renderErr error
		if err := streamFile(o.path, func(w io.Writer) error {
			renderErr = o.writer.Write(w, rep)
			return renderErr
		}); err != nil {
			if renderErr != nil {
				return fmt.Errorf("render %s report: %w", o.format, renderErr)
			}
			return inputError(err)
		}
		fmt.Fprintf(a.Stderr, "%s report written to %s\n", o.format, o.path)
	}
	if ro.historyPath != "" {
		if err := a.recordHistory(ctx, ro.historyPath, rep); err != nil {
			return err
		}
	}
	// Findings a baseline accepts (not expired) do not count.
	if failOn != "" && rep.CountFailingAtLeast(failOn) > 0 {
		return errFindings
	}
	return nil
}
