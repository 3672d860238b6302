package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/spntrust/spntrust/reports"
)

// RunInfo is Run without the findings: what a page about one finding needs
// of its run, without reading the run's thousands of finding rows.
func (s *sqlStore) RunInfo(ctx context.Context, id int64) (Run, error) {
	run, err := scanRun(s.db.QueryRowContext(ctx, s.q(`SELECT `+runColumns+` FROM runs WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, s.noRun(ctx, id)
	}
	if err != nil {
		return Run{}, s.errorf("run %d: %w", id, err)
	}
	return run, nil
}

// RecordedFinding is what a run keeps of one finding (its row: baseline
// state and acceptance), read by the primary key.
func (s *sqlStore) RecordedFinding(ctx context.Context, runID int64, fingerprint string) (Finding, error) {
	var f Finding
	var acc string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT fingerprint, check_id, severity, status, title, domain, subject, baseline, acceptance
		FROM findings WHERE run_id = ? AND fingerprint = ?`), runID, fingerprint).
		Scan(&f.Fingerprint, &f.CheckID, &f.Severity, &f.Status, &f.Title, &f.Domain, &f.Subject, &f.Baseline, &acc)
	if errors.Is(err, sql.ErrNoRows) {
		if _, rerr := s.RunInfo(ctx, runID); rerr != nil {
			return Finding{}, rerr
		}
		return Finding{}, s.errorf("run %d, finding %s: %w", runID, fingerprint, ErrNoFinding)
	}
	if err != nil {
		return Finding{}, s.errorf("run %d, finding %s: %w", runID, fingerprint, err)
	}
	if acc != "" {
		f.Acceptance = &reports.Acceptance{}
		if err := json.Unmarshal([]byte(acc), f.Acceptance); err != nil {
			return Finding{}, s.errorf("run %d: finding %s: acceptance: %w", runID, fingerprint, err)
		}
	}
	return f, nil
}

// SortFindings orders recorded findings as every report and diff does:
// severity (most severe first), then check, domain and subject.
func SortFindings(fs []Finding) { sortFindings(fs) }
