package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// SQLite schema: version 1 is the schema of the first history files (kept
// as written, so old files upgrade through the same steps as new ones);
// version 2 adds the run key (idempotent submission), the machine, the
// forests, the summary, the report and each finding in full.
var sqliteMigrations = []migration{
	{version: 1, stmts: `
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
);`},
	{version: 2, stmts: `
ALTER TABLE runs ADD COLUMN run_key TEXT;
ALTER TABLE runs ADD COLUMN host TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN forests TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN summary TEXT NOT NULL DEFAULT '{}';
ALTER TABLE runs ADD COLUMN report BLOB; -- gzip-compressed JSON report
CREATE UNIQUE INDEX runs_run_key ON runs (run_key);
ALTER TABLE findings ADD COLUMN acceptance TEXT NOT NULL DEFAULT ''; -- JSON baseline entry
ALTER TABLE findings ADD COLUMN detail TEXT NOT NULL DEFAULT '';     -- JSON finding in full
`, up: backfillSummaries},
}

func openSQLite(ctx context.Context, path string, create bool) (Store, error) {
	if path == "" {
		return nil, errors.New("history: no file given")
	}
	if _, err := os.Stat(path); err != nil {
		if !create || !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("history %s: %w (record runs with `spntrust audit --history %s`)", path, err, path)
		}
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		switch {
		case err == nil:
			f.Close()
		case errors.Is(err, os.ErrExist):
			// Another process created it in the meantime: use it.
		default:
			return nil, fmt.Errorf("history %s: create: %w", path, err)
		}
	}
	if create {
		// The file holds directory names: keep it private even if it was
		// created by hand with a wider mode.
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, fmt.Errorf("history %s: %w", path, err)
		}
	}
	q := sqliteParams("foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := openSQLiteFile(path, q)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	s := &sqlStore{db: db, d: sqliteDialect(path)}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// sqliteParams are the connection parameters every SQLite history uses (a
// writer busy elsewhere is waited for, up to 10 s), plus the given pragmas.
func sqliteParams(pragmas ...string) url.Values {
	q := url.Values{}
	for _, p := range append([]string{"busy_timeout(10000)"}, pragmas...) {
		q.Add("_pragma", p)
	}
	return q
}

// openSQLiteFile opens the SQLite history at path with the parameters q.
func openSQLiteFile(path string, q url.Values) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	return db, nil
}

// sqliteDialect is how SQLite keeps the schema version (PRAGMA user_version)
// and locks for migration; path names the file in messages.
func sqliteDialect(path string) dialect {
	return dialect{
		name: "sqlite", masked: path, mask: func(s string) string { return s },
		migrations: sqliteMigrations,
		version: func(ctx context.Context, db querier) (int, error) {
			var v int
			err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
			return v, err
		},
		// The transaction itself is the lock: _txlock=immediate.
		lock: func(context.Context, *sql.Conn) (func(), error) { return func() {}, nil },
		setVersion: func(ctx context.Context, tx *sql.Tx, v int) error {
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v))
			return err
		},
		foreign: func(ctx context.Context, db querier) (bool, error) {
			var tables int
			err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&tables)
			return tables > 0, err
		},
	}
}
