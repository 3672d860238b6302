package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/spntrust/spntrust/audit/pipeline"
	"github.com/spntrust/spntrust/checks"
)

// settingsFlags are the flags that decide the findings. audit, baseline
// create, remediate and fix register exactly these, and each builds its
// pipeline.Settings from them with settings(), so the same snapshot and
// flags give the same findings in every command.
type settingsFlags struct {
	set   pipeline.Settings
	flags *pflag.FlagSet
	// port is remediate's and fix's older name for --move-port.
	port int
}

func (s *settingsFlags) register(cmd *cobra.Command) {
	s.set = pipeline.DefaultSettings()
	s.flags = cmd.Flags()
	f, o, d := cmd.Flags(), &s.set.Options, checks.DefaultOptions()
	f.StringSliceVar(&s.set.Include, "checks", nil, "run only these check IDs (comma-separated)")
	f.StringSliceVar(&s.set.Skip, "skip", nil, "skip these check IDs (comma-separated)")
	f.IntVar(&o.MovePort, "move-port", d.MovePort, "port the move-port remediation moves a site to")
	f.IntVar(&o.StaleDays, "stale-days", d.StaleDays, "an account holding SPNs with no logon for this many days is stale")
	f.IntVar(&o.PasswordAgeDays, "password-age-days", d.PasswordAgeDays, "a service account password older than this many days is old")
	f.IntVar(&o.MinFunctionalLevel, "min-functional-level", d.MinFunctionalLevel, "lowest acceptable domain/forest functional level (3 = 2008, 4 = 2008 R2, ... 7 = 2016)")
	f.DurationVar(&o.MaxSkew, "max-skew", d.MaxSkew, "Kerberos clock tolerance: skew beyond it is an error")
	f.DurationVar(&o.WarnSkew, "warn-skew", d.WarnSkew, "skew beyond this (but within --max-skew) is a warning")
}

// registerPortAlias adds --port, the name remediate and fix gave the move
// port before every command shared --move-port.
func (s *settingsFlags) registerPortAlias(cmd *cobra.Command) {
	cmd.Flags().IntVar(&s.port, "port", checks.DefaultOptions().MovePort, "port the move-port strategy moves a site to (same as --move-port)")
}

// settings returns the validated settings.
func (s *settingsFlags) settings() (pipeline.Settings, error) {
	set := s.set
	if s.flags != nil && s.flags.Lookup("port") != nil && s.flags.Changed("port") {
		if s.flags.Changed("move-port") && s.port != set.Options.MovePort {
			return set, usageError("--port %d and --move-port %d: give one of them", s.port, set.Options.MovePort)
		}
		if s.port < 1 || s.port > 65535 {
			return set, usageError("--port %d: a port is 1-65535", s.port)
		}
		set.Options.MovePort = s.port
	}
	if err := set.Validate(); err != nil {
		return set, err
	}
	return set, nil
}
