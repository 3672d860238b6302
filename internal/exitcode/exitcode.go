// Package exitcode is the one place the process exit codes are defined, and
// the typed errors that carry them from the pipeline and the commands to
// main (as golangci-lint's pkg/exitcodes and cli/cli's cmdutil/errors.go).
package exitcode

import (
	"errors"
	"fmt"
)

// Exit codes, documented in README.md.
const (
	OK         = 0 // no finding at or above --fail-on (probe: the service is ready)
	Findings   = 1 // findings at or above --fail-on (probe: not ready)
	Usage      = 2 // bad usage or bad input (a flag, a file)
	Incomplete = 3 // the audit could not complete (unreachable, authentication)
	Unknown    = 4 // probe: no step failed, but one that decides readiness was not tested
)

// ErrFindings is returned when findings reach --fail-on; the report was
// already written, so nothing more is printed.
var ErrFindings = errors.New("findings at or above --fail-on")

// ErrUnknown is returned when a probe's verdict is UNKNOWN; the result was
// already written, so nothing more is printed.
var ErrUnknown = errors.New("probe verdict UNKNOWN: a deciding step was not tested")

// Error carries the exit code an error maps to.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Usagef is a usage error: a flag or argument is wrong.
func Usagef(format string, args ...any) error {
	return &Error{Code: Usage, Err: fmt.Errorf(format, args...)}
}

// Input is bad input: a file that cannot be read or written, a snapshot
// that does not validate. It exits like bad usage.
func Input(err error) error { return &Error{Code: Usage, Err: err} }

// IncompleteErr is an audit that could not complete: nothing could be
// collected, the directory could not be reached or refused the credentials.
func IncompleteErr(err error) error { return &Error{Code: Incomplete, Err: err} }

// Of returns the exit code err maps to: OK for nil, Findings for
// ErrFindings, the code of an *Error, and Usage for anything else (cobra's
// own errors: an unknown command or flag). silent reports whether nothing
// needs printing (ErrFindings: the report already said it all).
func Of(err error) (code int, silent bool) {
	var e *Error
	switch {
	case err == nil:
		return OK, true
	case errors.Is(err, ErrFindings):
		return Findings, true
	case errors.Is(err, ErrUnknown):
		return Unknown, true
	case errors.As(err, &e):
		return e.Code, false
	}
	return Usage, false
}
