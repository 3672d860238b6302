// Package history records audit runs in an embedded SQLite file (pure Go:
// modernc.org/sqlite, no cgo) so scheduled runs can report what changed
// since the last one. Each run is written in one transaction: a reader sees
// a run completely or not at all. The file is created with mode 0600.
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/reports"
)

// SchemaVersion is stored in PRAGMA user_version.
const SchemaVersion = 1

const schema = `
CREATE TABLE runs (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	recorded_at  TEXT NOT NULL,
	started_at   TEXT NOT NULL,
	finished_at  TEXT NOT NULL,
	target       TEXT NOT NULL,
	tool_version TEXT NOT NULL,
	domains      TEXT NOT NULL, -- comma-separated
	checks_run   TEXT NOT NULL, -- comma-separated
	gaps         INTEGER NOT NULL,
	baseline     TEXT NOT NULL  -- baseline file used, "" for none
);
CREATE TABLE findings (
	run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	fingerprint TEXT NOT NULL,
	check_id    TEXT NOT NULL,
	severity    TEXT NOT NULL,
	status      TEXT NOT NULL,
	title       TEXT NOT NULL,
	domain      TEXT NOT NULL,
	subject     TEXT NOT NULL,
	baseline    TEXT NOT NULL, -- new, accepted, expired; "" without a baseline
	PRIMARY KEY (run_id, fingerprint)
);
`

// Run is one recorded audit.
type Run struct {
	ID          int64     `json:"id"`
	RecordedAt  time.Time `json:"recordedAt"`
	StartedAt   time.Time `json:"startedAt"`
	FinishedAt  time.Time `json:"finishedAt"`
	Target      string    `json:"target"`
	ToolVersion string    `json:"toolVersion"`
	Domains     []string  `json:"domains"`
	ChecksRun   []string  `json:"checksRun"`
	Gaps        int       `json:"gaps"`
	Baseline    string    `json:"baseline,omitempty"`
	Findings    []Finding `json:"findings,omitempty"`
}

// Finding is what a run keeps of a finding: enough to tell it apart and
// name it, not its evidence or remediation.
type Finding struct {
	Fingerprint string `json:"fingerprint"`
	CheckID     string `json:"checkId"`
	Severity    string `json:"severity"`
	Status      string `json:"status"`
	Title       string `json:"title"`
	Domain      string `json:"domain,omitempty"`
	Subject     string `json:"subject"`
	Baseline    string `json:"baseline,omitempty"`
}

// FromReport turns a report into a run to record; recordedAt is the
// report's generation time.
func FromReport(r *reports.Report) Run {
	run := Run{
		RecordedAt: r.GeneratedAt, StartedAt: r.Collection.StartedAt, FinishedAt: r.Collection.FinishedAt,
		Target: r.Collection.Target, ToolVersion: r.Tool.Version,
		Domains: r.Scope.Domains, ChecksRun: r.Scope.ChecksRun, Gaps: len(r.Collection.Gaps),
	}
	if r.Baseline != nil {
		run.Baseline = r.Baseline.File
	}
	for _, f := range r.Findings {
		run.Findings = append(run.Findings, Finding{
			Fingerprint: f.Fingerprint, CheckID: f.CheckID, Severity: string(f.Severity), Status: string(f.Status),
			Title: f.Title, Domain: f.Domain, Subject: f.Subject, Baseline: r.BaselineState(f),
		})
	}
	return run
}

// DB is an open history file.
type DB struct {
	db   *sql.DB
	path string
}

// Open opens the history file at path, creating it (mode 0600) and its
// tables when it does not exist. With create false a missing file is an
// error (for commands that only read).
func Open(ctx context.Context, path string, create bool) (*DB, error) {
	if path == "" {
		return nil, errors.New("history: no file given")
	}
	if _, err := os.Stat(path); err != nil {
		if !create || !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("history %s: %w (record runs with `spntrust audit --history %s`)", path, err, path)
		}
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("history %s: create: %w", path, err)
		}
		f.Close()
	}
	if create {
		// The file holds directory names: keep it private even if it was
		// created by hand with a wider mode.
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, fmt.Errorf("history %s: %w", path, err)
		}
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	h := &DB{db: db, path: path}
	if err := h.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return h, nil
}

// Close closes the file.
func (h *DB) Close() error { return h.db.Close() }

func (h *DB) migrate(ctx context.Context) error {
	var version int
	if err := h.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("history %s: not an spntrust history file (%v)", h.path, err)
	}
	switch {
	case version == SchemaVersion:
		return nil
	case version > SchemaVersion:
		return fmt.Errorf("history %s: schema version %d was written by a newer spntrust (this one reads %d)", h.path, version, SchemaVersion)
	}
	var tables int
	if err := h.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&tables); err != nil {
		return fmt.Errorf("history %s: not an spntrust history file (%v)", h.path, err)
	}
	if tables > 0 {
		return fmt.Errorf("history %s: an SQLite file that spntrust did not create; give another --history file", h.path)
	}
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("history %s: %w", h.path, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("history %s: create tables: %w", h.path, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion)); err != nil {
		return fmt.Errorf("history %s: %w", h.path, err)
	}
	return tx.Commit()
}

const timeLayout = time.RFC3339Nano

// Record stores a run in one transaction and returns its ID.
func (h *DB) Record(ctx context.Context, run Run) (int64, error) {
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("history %s: %w", h.path, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO runs (recorded_at, started_at, finished_at, target, tool_version, domains, checks_run, gaps, baseline)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		run.RecordedAt.UTC().Format(timeLayout), run.StartedAt.UTC().Format(timeLayout), run.FinishedAt.UTC().Format(timeLayout),
		run.Target, run.ToolVersion, strings.Join(run.Domains, ","), strings.Join(run.ChecksRun, ","), run.Gaps, run.Baseline)
	if err != nil {
		return 0, fmt.Errorf("history %s: record run: %w", h.path, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("history %s: %w", h.path, err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO findings (run_id, fingerprint, check_id, severity, status, title, domain, subject, baseline)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, fmt.Errorf("history %s: %w", h.path, err)
	}
	defer stmt.Close()
	for _, f := range run.Findings {
		if _, err := stmt.ExecContext(ctx, id, f.Fingerprint, f.CheckID, f.Severity, f.Status, f.Title, f.Domain, f.Subject, f.Baseline); err != nil {
			return 0, fmt.Errorf("history %s: record finding %s: %w", h.path, f.Fingerprint, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("history %s: commit: %w", h.path, err)
	}
	return id, nil
}

// Runs lists the recorded runs, oldest first, without their findings.
func (h *DB) Runs(ctx context.Context) ([]Run, error) {
	rows, err := h.db.QueryContext(ctx, `SELECT id, recorded_at, started_at, finished_at, target, tool_version, domains, checks_run, gaps, baseline FROM runs ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", h.path, err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		var rec, start, fin, domains, checksRun string
		if err := rows.Scan(&r.ID, &rec, &start, &fin, &r.Target, &r.ToolVersion, &domains, &checksRun, &r.Gaps, &r.Baseline); err != nil {
			return nil, fmt.Errorf("history %s: %w", h.path, err)
		}
		r.RecordedAt, _ = time.Parse(timeLayout, rec)
		r.StartedAt, _ = time.Parse(timeLayout, start)
		r.FinishedAt, _ = time.Parse(timeLayout, fin)
		r.Domains, r.ChecksRun = split(domains), split(checksRun)
		out = append(out, r)
	}
	return out, rows.Err()
}

// ErrNoRun is returned for a run ID the file does not hold.
var ErrNoRun = errors.New("no such run")

// Run returns one run with its findings.
func (h *DB) Run(ctx context.Context, id int64) (Run, error) {
	runs, err := h.Runs(ctx)
	if err != nil {
		return Run{}, err
	}
	var run *Run
	for i := range runs {
		if runs[i].ID == id {
			run = &runs[i]
		}
	}
	if run == nil {
		return Run{}, fmt.Errorf("history %s: run %d: %w (%s)", h.path, id, ErrNoRun, describeIDs(runs))
	}
	rows, err := h.db.QueryContext(ctx, `SELECT fingerprint, check_id, severity, status, title, domain, subject, baseline
		FROM findings WHERE run_id = ? ORDER BY fingerprint`, id)
	if err != nil {
		return Run{}, fmt.Errorf("history %s: %w", h.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f Finding
		if err := rows.Scan(&f.Fingerprint, &f.CheckID, &f.Severity, &f.Status, &f.Title, &f.Domain, &f.Subject, &f.Baseline); err != nil {
			return Run{}, fmt.Errorf("history %s: %w", h.path, err)
		}
		run.Findings = append(run.Findings, f)
	}
	return *run, rows.Err()
}

// LastTwo returns the IDs of the two most recent runs (previous, last).
func (h *DB) LastTwo(ctx context.Context) (prev, last int64, err error) {
	runs, err := h.Runs(ctx)
	if err != nil {
		return 0, 0, err
	}
	if len(runs) < 2 {
		return 0, 0, fmt.Errorf("history %s: %d run(s) recorded; a diff needs two (run `spntrust audit --history %s` again)", h.path, len(runs), h.path)
	}
	return runs[len(runs)-2].ID, runs[len(runs)-1].ID, nil
}

func describeIDs(runs []Run) string {
	if len(runs) == 0 {
		return "no runs recorded"
	}
	return fmt.Sprintf("runs %d to %d recorded", runs[0].ID, runs[len(runs)-1].ID)
}

func split(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// failed reports whether a recorded finding is a problem (not a gap).
func (f Finding) failed() bool { return f.Status == string(checks.Fail) }
