// Package history records audit runs so scheduled runs can report what
// changed since the last one, and a dashboard can show every forest's
// state. Two engines sit behind one Store: an embedded SQLite file (pure Go:
// modernc.org/sqlite, no cgo; the default, created with mode 0600) and a
// PostgreSQL database (pgx) that many machines record into at once.
//
// Each run is written in one transaction: a reader sees a run completely or
// not at all. A run is identified by the hash of its report (Run.Key), so
// submitting the same run twice, from a retry or a second import of the
// same file, records it once.
package history

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/reports"
)

// Store is a run history, on either engine.
type Store interface {
	// Submit records a run in one transaction. When a run with the same
	// Key is already recorded it records nothing and returns that run's ID
	// with created false.
	Submit(ctx context.Context, run Run) (id int64, created bool, err error)
	// Record is Submit without the created flag.
	Record(ctx context.Context, run Run) (int64, error)
	// Runs lists the recorded runs, oldest first, without their findings.
	Runs(ctx context.Context) ([]Run, error)
	// Run returns one run with its findings (ErrNoRun when absent).
	Run(ctx context.Context, id int64) (Run, error)
	// RunInfo returns one run without its findings (ErrNoRun when absent).
	RunInfo(ctx context.Context, id int64) (Run, error)
	// RecordedFinding returns what a run keeps of one finding: its row,
	// with the baseline state and acceptance (ErrNoFinding when absent).
	RecordedFinding(ctx context.Context, runID int64, fingerprint string) (Finding, error)
	// LastTwo returns the last run and the one before it of the same scope.
	LastTwo(ctx context.Context) (prev, last int64, err error)
	// Finding returns a recorded finding in full: evidence, explanation and
	// remediation (ErrNoFinding when absent).
	Finding(ctx context.Context, runID int64, fingerprint string) (checks.Finding, error)
	// Report returns the run's report as recorded (ErrNoReport for runs
	// recorded before reports were kept).
	Report(ctx context.Context, runID int64) (*reports.Report, error)
	// Location names the store for messages, with any password masked.
	Location() string
	Close() error
}

// Run is one recorded audit.
type Run struct {
	ID          int64     `json:"id"`
	Key         string    `json:"key,omitempty"` // hash of the report: the run's identity
	RecordedAt  time.Time `json:"recordedAt"`
	StartedAt   time.Time `json:"startedAt"`
	FinishedAt  time.Time `json:"finishedAt"`
	Target      string    `json:"target"`
	Host        string    `json:"host,omitempty"` // machine the audit ran on
	ToolVersion string    `json:"toolVersion"`
	Forests     []string  `json:"forests"`
	Domains     []string  `json:"domains"`
	ChecksRun   []string  `json:"checksRun"`
	Gaps        int       `json:"gaps"`
	Baseline    string    `json:"baseline,omitempty"`
	Summary     Summary   `json:"summary"`
	Findings    []Finding `json:"findings,omitempty"`
	// Report is the full report, kept for drill-down and downloads; nil
	// when reading runs back (use Store.Report).
	Report *reports.Report `json:"-"`
}

// Scope names what a run covered: its forests, or its target when the
// report named none. LastTwo compares runs of the same scope.
func (r Run) Scope() string {
	if len(r.Forests) > 0 {
		return strings.Join(r.Forests, ",")
	}
	return strings.ToLower(r.Target)
}

// Summary counts a run's findings.
type Summary struct {
	Failed       int            `json:"failed"`
	NotEvaluated int            `json:"notEvaluated"`
	Accepted     int            `json:"accepted"` // failed, accepted by a baseline (not expired)
	BySeverity   map[string]int `json:"bySeverity"`
	ByCategory   map[string]int `json:"byCategory"`
}

// Finding is what a run keeps of a finding to list and compare it; the
// evidence and remediation are read with Store.Finding.
type Finding struct {
	Fingerprint string `json:"fingerprint"`
	CheckID     string `json:"checkId"`
	Severity    string `json:"severity"`
	Status      string `json:"status"`
	Title       string `json:"title"`
	Domain      string `json:"domain,omitempty"`
	Subject     string `json:"subject"`
	Baseline    string `json:"baseline,omitempty"`
	// Acceptance is the baseline entry that covers the finding (accepted or
	// expired), nil when none does.
	Acceptance *reports.Acceptance `json:"acceptance,omitempty"`
	// detail is the finding in full (JSON), written with the run.
	detail []byte
}

// Category is the area a check belongs to: the part of its ID before the
// first dash (SPN, TRUST, DNS, TIME, LEVEL, KRB).
func Category(checkID string) string {
	c, _, _ := strings.Cut(checkID, "-")
	return c
}

// FromReport turns a report into a run to record; recordedAt is the
// report's generation time. The run keeps the report for drill-down and
// downloads, and its Key is the report's hash.
func FromReport(r *reports.Report) Run {
	run := Run{
		RecordedAt: r.GeneratedAt, StartedAt: r.Collection.StartedAt, FinishedAt: r.Collection.FinishedAt,
		Target: r.Collection.Target, Host: r.Collection.Host, ToolVersion: r.Tool.Version,
		Forests: r.Scope.Forests, Domains: r.Scope.Domains, ChecksRun: r.Scope.ChecksRun, Gaps: len(r.Collection.Gaps),
		Report: r,
	}
	if r.Baseline != nil {
		run.Baseline = r.Baseline.File
	}
	for _, f := range r.Findings {
		hf := Finding{
			Fingerprint: f.Fingerprint, CheckID: f.CheckID, Severity: string(f.Severity), Status: string(f.Status),
			Title: f.Title, Domain: f.Domain, Subject: f.Subject, Baseline: r.BaselineState(f),
		}
		if r.Baseline != nil {
			if a, ok := r.Baseline.Entries[f.Fingerprint]; ok {
				hf.Acceptance = &a
			}
		}
		run.Findings = append(run.Findings, hf)
	}
	return run
}

// summarize counts the findings of a run.
func summarize(fs []Finding) Summary {
	s := Summary{BySeverity: map[string]int{}, ByCategory: map[string]int{}}
	for _, sev := range checks.Severities {
		s.BySeverity[string(sev)] = 0
	}
	for _, f := range fs {
		switch {
		case f.Status == string(checks.NotEvaluated):
			s.NotEvaluated++
		case f.failed():
			s.Failed++
			s.BySeverity[f.Severity]++
			s.ByCategory[Category(f.CheckID)]++
			if f.Baseline == reports.BaselineAccepted {
				s.Accepted++
			}
		}
	}
	return s
}

// Errors the store returns for what it does not hold.
var (
	ErrNoRun     = errors.New("no such run")
	ErrNoFinding = errors.New("no such finding in that run")
	ErrNoReport  = errors.New("the run was recorded without its report (by an older spntrust)")
)

// failed reports whether a recorded finding is a problem (not a gap).
func (f Finding) failed() bool { return f.Status == string(checks.Fail) }

// IsPostgres reports whether a --history location names a PostgreSQL
// database (a postgres:// or postgresql:// URL) rather than an SQLite file.
func IsPostgres(location string) bool {
	l := strings.ToLower(location)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// Open opens the history at location: a PostgreSQL URL, or the path of an
// SQLite file, created (mode 0600) when it does not exist and create is
// true. With create false a missing file is an error (for commands that
// only read). Either way the schema is brought up to date.
func Open(ctx context.Context, location string, create bool) (Store, error) {
	if IsPostgres(location) {
		return openPostgres(ctx, location)
	}
	return openSQLite(ctx, location, create)
}
