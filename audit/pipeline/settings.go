package pipeline

import (
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/internal/exitcode"
)

// Settings decide the findings of a snapshot: the checks' thresholds and
// move port, and which checks run. Every command that computes findings
// (audit, baseline create, remediate, fix) builds one Settings from the same
// flags, so the same snapshot and flags give the same findings everywhere —
// the fingerprints a baseline accepts are the ones the audit reports, and a
// plan is built from the findings the audit showed.
type Settings struct {
	Options checks.Options
	// Include and Skip are check IDs (--checks, --skip); empty Include
	// means every check.
	Include []string
	Skip    []string
}

// DefaultSettings are the settings of a command given no flags.
func DefaultSettings() Settings {
	return Settings{Options: checks.DefaultOptions()}
}

// Validate reports the first setting that is out of range, naming the flag
// that sets it, as a usage error.
func (s Settings) Validate() error {
	o := s.Options
	if p := o.MovePort; p < 1 || p > 65535 {
		return exitcode.Usagef("--move-port %d: a port is 1-65535", p)
	}
	if o.StaleDays < 1 || o.PasswordAgeDays < 1 {
		return exitcode.Usagef("--stale-days and --password-age-days must be at least 1")
	}
	if l := o.MinFunctionalLevel; l < 0 || l > 10 {
		return exitcode.Usagef("--min-functional-level %d: levels are 0 (2000) to 10 (2025)", l)
	}
	if o.MaxSkew <= 0 || o.WarnSkew <= 0 || o.WarnSkew > o.MaxSkew {
		return exitcode.Usagef("--warn-skew %v and --max-skew %v: both positive, warn not above max", o.WarnSkew, o.MaxSkew)
	}
	_, err := s.Checks()
	return err
}

// Checks returns the checks the settings select, in registry order: the
// --checks and --skip filters are predicates over the registry's IDs. A
// filtered-out check does not run at all, so its absence is never read as
// "healthy" (the report's scope lists the checks that ran).
func (s Settings) Checks() ([]checks.Check, error) {
	list, err := checks.Filter(s.Include, s.Skip)
	if err != nil {
		return nil, exitcode.Usagef("%v", err)
	}
	return list, nil
}
