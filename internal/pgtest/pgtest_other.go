//go:build !unix

package pgtest

import (
	"errors"
	"testing"
)

// Password is the password of the cluster's spntrust role (see pgtest.go).
const Password = "pgtest-Secret-7f3a9c"

// Cluster is a running private PostgreSQL server; test clusters are made
// on unix systems only (initdb as the postgres user, a unix socket).
type Cluster struct {
	Dir  string
	Port int
}

var errNotUnix = errors.New("PostgreSQL test clusters are started on unix systems only")

// Main runs the tests.
func Main(m interface{ Run() int }) int { return m.Run() }

// Shared skips: there is no test cluster on this system.
func Shared(t testing.TB) *Cluster {
	t.Helper()
	t.Skip(errNotUnix.Error())
	return nil
}

// Start reports that no cluster can be started here.
func Start() (*Cluster, error) { return nil, errNotUnix }

// NewDatabase skips: there is no test cluster on this system.
func (c *Cluster) NewDatabase(t testing.TB) string {
	t.Helper()
	t.Skip(errNotUnix.Error())
	return ""
}

// Stop does nothing.
func (c *Cluster) Stop() {}
