// Package pipeline is the one path from a source to an exit status that
// every command computing findings follows:
//
//	source (file or live collection) → snapshot → checks (Settings) → findings
//	→ report → processors (baseline marks) → writers (every --output)
//	→ recorders (history) → exit status (--fail-on)
//
// audit runs all of it; baseline create, remediate and fix run Evaluate (the
// first half) and build a baseline or a plan from its findings, so for the
// same snapshot and Settings they see exactly the findings audit reports.
package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/internal/atomicfile"
	"github.com/spntrust/spntrust/internal/exitcode"
	"github.com/spntrust/spntrust/reports"
)

// Pipeline is one run. Source and Settings are needed by Evaluate; the rest
// by Report.
type Pipeline struct {
	Source   Source
	Settings Settings
	// SaveSnapshot, when set, is where the snapshot is saved (atomically,
	// mode 0600) before the checks run (--save-snapshot).
	SaveSnapshot string

	Tool string           // version written into reports
	Now  func() time.Time // the report's generation time (baseline expiry is judged by it)

	// Processors change the report before it is written (baseline marks).
	Processors []Processor
	// Outputs are the report writers; an Output without a Path writes to Stdout.
	Outputs []Output
	// Recorders keep the report after it was written (history).
	Recorders []Recorder
	// FailOn makes Report return exitcode.ErrFindings when a finding that
	// counts (failed, not accepted by a baseline) has this severity or
	// higher; "" never fails.
	FailOn checks.Severity
	// Verdicts makes the services' verdicts the exit status (probe): NOT
	// READY is exitcode.ErrFindings, UNKNOWN exitcode.ErrUnknown. Without
	// it (audit --from a probe's snapshot) the verdicts are reported and
	// FailOn alone decides.
	Verdicts bool

	Stdout io.Writer // reports without a path
	Log    io.Writer // what was done and warnings (stderr); nil discards
}

// Evaluation is a snapshot judged by the checks.
type Evaluation struct {
	Snapshot *audit.Snapshot
	Origin   string         // the source's name for the snapshot (Source.Origin)
	Checks   []checks.Check // the checks that ran
	Findings []checks.Finding
}

// Processor changes a report before it is written.
type Processor interface {
	Process(ctx context.Context, rep *reports.Report) error
}

// Recorder keeps a report after every output was written.
type Recorder interface {
	Record(ctx context.Context, rep *reports.Report) error
}

// Output is one destination of the report.
type Output struct {
	Writer reports.Writer
	Format string // its name, for messages
	Path   string // "" = Stdout
}

func (p *Pipeline) log() io.Writer {
	if p.Log == nil {
		return io.Discard
	}
	return p.Log
}

// Evaluate reads the snapshot from the source and runs the selected checks
// over it. Bad settings fail before the source is touched (no collection
// for a typo in --checks).
func (p *Pipeline) Evaluate(ctx context.Context) (*Evaluation, error) {
	if err := p.Settings.Validate(); err != nil {
		return nil, err
	}
	list, err := p.Settings.Checks()
	if err != nil {
		return nil, err
	}
	snap, err := p.Source.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if p.SaveSnapshot != "" {
		if err := audit.Save(p.SaveSnapshot, snap); err != nil {
			return nil, exitcode.Input(err)
		}
		fmt.Fprintf(p.log(), "snapshot saved to %s\n", p.SaveSnapshot)
	}
	if snap.Collection.Partial() {
		fmt.Fprintf(p.log(), "spntrust: collection incomplete: %d gap(s); the report lists them\n", len(snap.Collection.Gaps))
	}
	list = checks.Applicable(list, snap)
	return &Evaluation{
		Snapshot: snap,
		Origin:   p.Source.Origin(snap),
		Checks:   list,
		Findings: checks.Run(snap, list, p.Settings.Options),
	}, nil
}

// Run is Evaluate followed by Report.
func (p *Pipeline) Run(ctx context.Context) (*reports.Report, error) {
	ev, err := p.Evaluate(ctx)
	if err != nil {
		return nil, err
	}
	return p.Report(ctx, ev)
}

// Report builds the report of an evaluation, runs the processors, writes
// every output, runs the recorders, and returns exitcode.ErrFindings when
// findings reach FailOn (after everything was written and recorded).
func (p *Pipeline) Report(ctx context.Context, ev *Evaluation) (*reports.Report, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	rep := reports.New(p.Tool, now(), ev.Snapshot, ev.Checks, ev.Findings)
	if len(ev.Snapshot.Services) > 0 {
		rep.Services = Verdicts(ev.Snapshot, ev.Checks, rep.Findings)
	}
	for _, pr := range p.Processors {
		if err := pr.Process(ctx, rep); err != nil {
			return rep, err
		}
	}
	for _, o := range p.Outputs {
		if err := p.write(o, rep); err != nil {
			return rep, err
		}
	}
	for _, r := range p.Recorders {
		if err := r.Record(ctx, rep); err != nil {
			return rep, err
		}
	}
	// Findings a baseline accepts (not expired) do not count.
	if p.FailOn != "" && rep.CountFailingAtLeast(p.FailOn) > 0 {
		return rep, exitcode.ErrFindings
	}
	// A probe's exit status is its services' verdicts.
	if p.Verdicts {
		return rep, verdictExit(rep.Services)
	}
	return rep, nil
}

// write renders one output. To stdout the report is rendered first, so a
// render error leaves no half report there; into a file it is streamed
// (a large report is not held in memory) and the file replaced atomically.
func (p *Pipeline) write(o Output, rep *reports.Report) error {
	if o.Path == "" {
		var buf bytes.Buffer
		if err := o.Writer.Write(&buf, rep); err != nil {
			return fmt.Errorf("render %s report: %w", o.Format, err)
		}
		if _, err := p.Stdout.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("write %s report to stdout: %w", o.Format, err)
		}
		return nil
	}
	var renderErr error
	if err := atomicfile.Write(o.Path, 0o600, func(w io.Writer) error {
		renderErr = o.Writer.Write(w, rep)
		return renderErr
	}); err != nil {
		if renderErr != nil {
			return fmt.Errorf("render %s report: %w", o.Format, renderErr)
		}
		return exitcode.Input(err)
	}
	fmt.Fprintf(p.log(), "%s report written to %s\n", o.Format, o.Path)
	return nil
}
