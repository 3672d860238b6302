package pipeline

import (
	"context"
	"errors"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/internal/exitcode"
)

// Source yields the snapshot the checks judge: a file saved by an earlier
// audit, or a live collection.
type Source interface {
	// Snapshot reads or collects the snapshot. Its errors carry exit codes:
	// a file that cannot be read is bad input, a directory that cannot be
	// read an incomplete audit.
	Snapshot(ctx context.Context) (*audit.Snapshot, error)
	// Origin names where s came from, as plans and baselines cite it.
	Origin(s *audit.Snapshot) string
}

// File is a snapshot file (--from).
type File struct{ Path string }

func (f File) Snapshot(context.Context) (*audit.Snapshot, error) {
	s, err := audit.Load(f.Path)
	if err != nil {
		return nil, exitcode.Input(err)
	}
	return s, nil
}

func (f File) Origin(*audit.Snapshot) string { return f.Path }

// Collector reads a live directory into a snapshot. The command injects it
// (over LDAP and DNS in production, a fixed snapshot in tests), so the
// pipeline never dials anything itself.
type Collector interface {
	Collect(ctx context.Context) (*audit.Snapshot, error)
}

// CollectorFunc adapts a function to Collector.
type CollectorFunc func(ctx context.Context) (*audit.Snapshot, error)

func (f CollectorFunc) Collect(ctx context.Context) (*audit.Snapshot, error) { return f(ctx) }

// Live is a live collection (--domain, --server).
type Live struct{ Collector Collector }

func (l Live) Snapshot(ctx context.Context) (*audit.Snapshot, error) {
	s, err := l.Collector.Collect(ctx)
	if err != nil {
		var coded *exitcode.Error
		if errors.As(err, &coded) {
			return nil, err // a usage error found while connecting keeps its code
		}
		// Unreachable DCs, refused credentials: the audit could not complete.
		return nil, exitcode.IncompleteErr(err)
	}
	return s, nil
}

func (l Live) Origin(s *audit.Snapshot) string {
	return "collected now from " + s.Collection.Target
}
