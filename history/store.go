package history

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/reports"
)

// dialect is what differs between the engines; the queries are written
// with ? placeholders and rebound for PostgreSQL.
type dialect struct {
	name       string
	dollar     bool                // placeholders are $1, $2, ...
	masked     string              // location for messages
	mask       func(string) string // hides secrets in error text
	migrations []migration
	version    func(ctx context.Context, q querier) (int, error)
	// lock is taken on the connection before the migration transaction
	// (PostgreSQL: an advisory lock, so two machines do not migrate at
	// once); unlock releases it.
	lock       func(ctx context.Context, conn *sql.Conn) (unlock func(), err error)
	setVersion func(ctx context.Context, tx *sql.Tx, v int) error
	// foreign reports whether an unversioned database holds tables that
	// spntrust did not create.
	foreign func(ctx context.Context, q querier) (bool, error)
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// migration brings the schema to version; up runs in the migration's
// transaction after stmts.
type migration struct {
	version int
	stmts   string
	up      func(ctx context.Context, s *sqlStore, tx *sql.Tx) error
}

// SchemaVersion is the schema version this build writes, on both engines.
const SchemaVersion = 2

type sqlStore struct {
	db *sql.DB
	d  dialect
}

func (s *sqlStore) Location() string { return s.d.masked }
func (s *sqlStore) Close() error     { return s.db.Close() }

// errorf wraps an error with the store's (masked) location, and masks any
// secret the driver's error text might repeat.
func (s *sqlStore) errorf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	msg := s.d.mask(err.Error())
	if msg != err.Error() {
		return fmt.Errorf("history %s: %s", s.d.masked, msg)
	}
	return fmt.Errorf("history %s: %w", s.d.masked, err)
}

// q rebinds ? placeholders for the engine.
func (s *sqlStore) q(query string) string {
	if !s.d.dollar {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (s *sqlStore) migrate(ctx context.Context) error {
	version, err := s.d.version(ctx, s.db)
	if err != nil {
		return s.errorf("not an spntrust history (%v)", err)
	}
	if version > SchemaVersion {
		return s.errorf("schema version %d was written by a newer spntrust (this one reads %d)", version, SchemaVersion)
	}
	if version == SchemaVersion {
		return nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return s.errorf("%w", err)
	}
	defer conn.Close()
	unlock, err := s.d.lock(ctx, conn)
	if err != nil {
		return s.errorf("lock for migration: %w", err)
	}
	defer unlock()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return s.errorf("%w", err)
	}
	defer tx.Rollback()
	// Read again under the lock: another machine may have migrated.
	if version, err = s.d.version(ctx, tx); err != nil {
		return s.errorf("%w", err)
	}
	if version == 0 {
		foreign, err := s.d.foreign(ctx, tx)
		if err != nil {
			return s.errorf("not an spntrust history (%v)", err)
		}
		if foreign {
			return s.errorf("a database that spntrust did not create; give another --history (an empty database or a new file)")
		}
	}
	for _, m := range s.d.migrations {
		if m.version <= version {
			continue
		}
		if m.stmts != "" {
			if _, err := tx.ExecContext(ctx, m.stmts); err != nil {
				return s.errorf("migrate to schema %d: %w", m.version, err)
			}
		}
		if m.up != nil {
			if err := m.up(ctx, s, tx); err != nil {
				return s.errorf("migrate to schema %d: %w", m.version, err)
			}
		}
		if err := s.d.setVersion(ctx, tx, m.version); err != nil {
			return s.errorf("migrate to schema %d: %w", m.version, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.errorf("commit migration: %w", err)
	}
	return nil
}

// backfillSummaries computes the summary of runs recorded before schema 2.
func backfillSummaries(ctx context.Context, s *sqlStore, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT run_id, check_id, severity, status, baseline FROM findings ORDER BY run_id`)
	if err != nil {
		return err
	}
	byRun := map[int64][]Finding{}
	for rows.Next() {
		var id int64
		var f Finding
		if err := rows.Scan(&id, &f.CheckID, &f.Severity, &f.Status, &f.Baseline); err != nil {
			rows.Close()
			return err
		}
		byRun[id] = append(byRun[id], f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	ids, err := tx.QueryContext(ctx, `SELECT id FROM runs`)
	if err != nil {
		return err
	}
	var all []int64
	for ids.Next() {
		var id int64
		if err := ids.Scan(&id); err != nil {
			ids.Close()
			return err
		}
		all = append(all, id)
	}
	ids.Close()
	for _, id := range all {
		sum, _ := json.Marshal(summarize(byRun[id]))
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE runs SET summary = ? WHERE id = ?`), string(sum), id); err != nil {
			return err
		}
	}
	return nil
}

// timeLayout is fixed-width so stored times sort as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s) // reads both layouts
	if err != nil {
		return time.Time{}
	}
	return t
}

// runKey is the run's identity: the hash of its report, or of the run
// itself when it has none.
func runKey(run Run) (string, []byte, error) {
	var data []byte
	var err error
	if run.Report != nil {
		data, err = json.Marshal(run.Report)
	} else {
		data, err = json.Marshal(run)
	}
	if err != nil {
		return "", nil, err
	}
	h := sha256.Sum256(data)
	if run.Report == nil {
		data = nil
	}
	return hex.EncodeToString(h[:]), data, nil
}

func gzipBytes(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func gunzipBytes(data []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return io.ReadAll(zr)
}

// findingsPerInsert bounds a multi-row INSERT (11 values a row, well
// under SQLite's and PostgreSQL's parameter limits).
const findingsPerInsert = 200

func (s *sqlStore) Record(ctx context.Context, run Run) (int64, error) {
	id, _, err := s.Submit(ctx, run)
	return id, err
}

func (s *sqlStore) Submit(ctx context.Context, run Run) (int64, bool, error) {
	key, report, err := runKey(run)
	if err != nil {
		return 0, false, s.errorf("hash run: %w", err)
	}
	if run.Key != "" {
		key = run.Key
	}
	var blob []byte
	if report != nil {
		if blob, err = gzipBytes(report); err != nil {
			return 0, false, s.errorf("compress report: %w", err)
		}
	}
	details := make([][]byte, len(run.Findings))
	if run.Report != nil {
		byFP := make(map[string]*checks.Finding, len(run.Report.Findings))
		for i := range run.Report.Findings {
			byFP[run.Report.Findings[i].Fingerprint] = &run.Report.Findings[i]
		}
		for i, f := range run.Findings {
			if full := byFP[f.Fingerprint]; full != nil {
				if details[i], err = json.Marshal(full); err != nil {
					return 0, false, s.errorf("encode finding %s: %w", f.Fingerprint, err)
				}
			}
		}
	}
	summary, err := json.Marshal(summarize(run.Findings))
	if err != nil {
		return 0, false, s.errorf("%w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, s.errorf("%w", err)
	}
	defer tx.Rollback()
	var id int64
	// Look first: on PostgreSQL an INSERT that ON CONFLICT does nothing
	// still takes a number from the identity, so every re-submission would
	// leave a gap in the run IDs. (Two machines submitting the same new run
	// at once can still leave one; the INSERT below settles that race.)
	err = tx.QueryRowContext(ctx, s.q(`SELECT id FROM runs WHERE run_key = ?`), key).Scan(&id)
	if err == nil {
		return id, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, s.errorf("look for the run: %w", err)
	}
	err = tx.QueryRowContext(ctx, s.q(`INSERT INTO runs (run_key, recorded_at, started_at, finished_at, target, host, tool_version,
		forests, domains, checks_run, gaps, baseline, summary, report)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_key) DO NOTHING RETURNING id`),
		key, formatTime(run.RecordedAt), formatTime(run.StartedAt), formatTime(run.FinishedAt),
		run.Target, run.Host, run.ToolVersion, strings.Join(run.Forests, ","), strings.Join(run.Domains, ","),
		strings.Join(run.ChecksRun, ","), run.Gaps, run.Baseline, string(summary), blob).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		// Already recorded (a retry, or the same report imported twice).
		if err := tx.QueryRowContext(ctx, s.q(`SELECT id FROM runs WHERE run_key = ?`), key).Scan(&id); err != nil {
			return 0, false, s.errorf("find the recorded run: %w", err)
		}
		return id, false, nil
	}
	if err != nil {
		return 0, false, s.errorf("record run: %w", err)
	}
	// A report lists a fingerprint once; keep the first if it does not.
	seen := make(map[string]bool, len(run.Findings))
	var rows []any
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		query := `INSERT INTO findings (run_id, fingerprint, check_id, severity, status, title, domain, subject, baseline, acceptance, detail) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", n), ", ")
		if _, err := tx.ExecContext(ctx, s.q(query), rows...); err != nil {
			return err
		}
		rows, n = rows[:0], 0
		return nil
	}
	for i, f := range run.Findings {
		if seen[f.Fingerprint] {
			continue
		}
		seen[f.Fingerprint] = true
		acc := ""
		if f.Acceptance != nil {
			b, _ := json.Marshal(f.Acceptance)
			acc = string(b)
		}
		rows = append(rows, id, f.Fingerprint, f.CheckID, f.Severity, f.Status, f.Title, f.Domain, f.Subject, f.Baseline, acc, string(details[i]))
		if n++; n == findingsPerInsert {
			if err := flush(); err != nil {
				return 0, false, s.errorf("record findings: %w", err)
			}
		}
	}
	if err := flush(); err != nil {
		return 0, false, s.errorf("record findings: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, false, s.errorf("commit: %w", err)
	}
	return id, true, nil
}

const runColumns = `id, run_key, recorded_at, started_at, finished_at, target, host, tool_version, forests, domains, checks_run, gaps, baseline, summary`

func scanRun(sc interface{ Scan(...any) error }) (Run, error) {
	var r Run
	var key sql.NullString
	var rec, start, fin, forests, domains, checksRun, summary string
	if err := sc.Scan(&r.ID, &key, &rec, &start, &fin, &r.Target, &r.Host, &r.ToolVersion, &forests, &domains, &checksRun, &r.Gaps, &r.Baseline, &summary); err != nil {
		return Run{}, err
	}
	r.Key = key.String
	r.RecordedAt, r.StartedAt, r.FinishedAt = parseTime(rec), parseTime(start), parseTime(fin)
	r.Forests, r.Domains, r.ChecksRun = split(forests), split(domains), split(checksRun)
	if err := json.Unmarshal([]byte(summary), &r.Summary); err != nil {
		return Run{}, fmt.Errorf("run %d: summary: %w", r.ID, err)
	}
	return r, nil
}

func (s *sqlStore) Runs(ctx context.Context) ([]Run, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+runColumns+` FROM runs ORDER BY id`)
	if err != nil {
		return nil, s.errorf("%w", err)
	}
	defer rows.Close()
	out := []Run{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, s.errorf("%w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("%w", err)
	}
	return out, nil
}

// noRun explains a run ID the store does not hold.
func (s *sqlStore) noRun(ctx context.Context, id int64) error {
	var n int
	var lo, hi sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*), min(id), max(id) FROM runs`).Scan(&n, &lo, &hi); err != nil {
		return s.errorf("run %d: %w", id, err)
	}
	what := "no runs recorded"
	if n > 0 {
		what = fmt.Sprintf("runs %d to %d recorded", lo.Int64, hi.Int64)
	}
	return s.errorf("run %d: %w (%s)", id, ErrNoRun, what)
}

func (s *sqlStore) Run(ctx context.Context, id int64) (Run, error) {
	run, err := scanRun(s.db.QueryRowContext(ctx, s.q(`SELECT `+runColumns+` FROM runs WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, s.noRun(ctx, id)
	}
	if err != nil {
		return Run{}, s.errorf("run %d: %w", id, err)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT fingerprint, check_id, severity, status, title, domain, subject, baseline, acceptance
		FROM findings WHERE run_id = ? ORDER BY fingerprint`), id)
	if err != nil {
		return Run{}, s.errorf("run %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f Finding
		var acc string
		if err := rows.Scan(&f.Fingerprint, &f.CheckID, &f.Severity, &f.Status, &f.Title, &f.Domain, &f.Subject, &f.Baseline, &acc); err != nil {
			return Run{}, s.errorf("run %d: %w", id, err)
		}
		if acc != "" {
			f.Acceptance = &reports.Acceptance{}
			if err := json.Unmarshal([]byte(acc), f.Acceptance); err != nil {
				return Run{}, s.errorf("run %d: finding %s: acceptance: %w", id, f.Fingerprint, err)
			}
		}
		run.Findings = append(run.Findings, f)
	}
	if err := rows.Err(); err != nil {
		return Run{}, s.errorf("run %d: %w", id, err)
	}
	return run, nil
}

func (s *sqlStore) LastTwo(ctx context.Context) (prev, last int64, err error) {
	runs, err := s.Runs(ctx)
	if err != nil {
		return 0, 0, err
	}
	if len(runs) < 2 {
		return 0, 0, s.errorf("%d run(s) recorded; a diff needs two (run `spntrust audit --history ...` again)", len(runs))
	}
	lastRun := runs[len(runs)-1]
	for i := len(runs) - 2; i >= 0; i-- {
		if runs[i].Scope() == lastRun.Scope() {
			return runs[i].ID, lastRun.ID, nil
		}
	}
	return 0, 0, s.errorf("run %d (%s) is the only run of its forests; a diff needs two (give --from and --to to compare other runs)", lastRun.ID, lastRun.Scope())
}

func (s *sqlStore) Finding(ctx context.Context, runID int64, fingerprint string) (checks.Finding, error) {
	var detail string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT detail FROM findings WHERE run_id = ? AND fingerprint = ?`), runID, fingerprint).Scan(&detail)
	if errors.Is(err, sql.ErrNoRows) {
		if _, rerr := s.Run(ctx, runID); rerr != nil {
			return checks.Finding{}, rerr
		}
		return checks.Finding{}, s.errorf("run %d, finding %s: %w", runID, fingerprint, ErrNoFinding)
	}
	if err != nil {
		return checks.Finding{}, s.errorf("run %d, finding %s: %w", runID, fingerprint, err)
	}
	if detail == "" {
		return checks.Finding{}, s.errorf("run %d, finding %s: %w", runID, fingerprint, ErrNoReport)
	}
	var f checks.Finding
	if err := json.Unmarshal([]byte(detail), &f); err != nil {
		return checks.Finding{}, s.errorf("run %d, finding %s: %w", runID, fingerprint, err)
	}
	return f, nil
}

func (s *sqlStore) Report(ctx context.Context, runID int64) (*reports.Report, error) {
	var blob []byte
	err := s.db.QueryRowContext(ctx, s.q(`SELECT report FROM runs WHERE id = ?`), runID).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.noRun(ctx, runID)
	}
	if err != nil {
		return nil, s.errorf("run %d: report: %w", runID, err)
	}
	if len(blob) == 0 {
		return nil, s.errorf("run %d: %w", runID, ErrNoReport)
	}
	data, err := gunzipBytes(blob)
	if err != nil {
		return nil, s.errorf("run %d: report: %w", runID, err)
	}
	var r reports.Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, s.errorf("run %d: report: %w", runID, err)
	}
	return &r, nil
}

func split(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}
