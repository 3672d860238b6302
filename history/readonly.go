package history

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// OpenReadOnly opens the history at location for reading only, as the
// dashboard does: an SQLite file is opened read-only (mode=ro, and
// query_only on the connection), a PostgreSQL session makes every
// transaction read-only (default_transaction_read_only). Nothing is
// created or migrated: a missing file, an empty database or a schema
// other than this build's is an error saying what to run.
func OpenReadOnly(ctx context.Context, location string) (Store, error) {
	if IsPostgres(location) {
		return openPostgresMode(ctx, location, true)
	}
	return openSQLiteReadOnly(ctx, location)
}

func openSQLiteReadOnly(ctx context.Context, path string) (Store, error) {
	if path == "" {
		return nil, errors.New("history: no file given")
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("history %s: %w (record runs with `spntrust audit --history %s`)", path, err, path)
	}
	// A page cache that holds a large run's findings (SQLite's default is
	// 2 MiB a connection): the dashboard reads the same runs again and
	// again (bench/RESULTS.md, "Dashboard").
	q := sqliteParams("query_only(1)", "cache_size(-65536)")
	q.Set("mode", "ro")
	db, err := openSQLiteFile(path, q)
	if err != nil {
		return nil, err
	}
	s := &sqlStore{db: db, d: sqliteDialect(path)}
	if err := s.checkSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// checkSchema is migrate for a reader: the schema must be this build's.
func (s *sqlStore) checkSchema(ctx context.Context) error {
	version, err := s.d.version(ctx, s.db)
	if err != nil {
		return s.errorf("not an spntrust history (%v)", err)
	}
	switch {
	case version == 0:
		return s.errorf("no runs recorded: an empty database (record one with `spntrust audit --history %s`)", s.d.masked)
	case version > SchemaVersion:
		return s.errorf("schema version %d was written by a newer spntrust (this one reads %d): use that version", version, SchemaVersion)
	case version < SchemaVersion:
		return s.errorf("schema version %d is older than this spntrust's %d, and a read-only open does not upgrade it: record a run with this version (`spntrust audit --history %s`) first", version, SchemaVersion, s.d.masked)
	}
	return nil
}
