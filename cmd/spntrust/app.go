package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/spntrust/spntrust/internal/buildinfo"
	"github.com/spntrust/spntrust/ldapx"
)

// Exit codes, documented in README.md.
const (
	ExitOK         = 0 // no finding at or above --fail-on
	ExitFindings   = 1 // findings at or above --fail-on
	ExitUsage      = 2 // bad usage or bad input
	ExitIncomplete = 3 // the audit could not complete (unreachable, authentication)
)

// exitError carries the exit code an error maps to.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

func inputError(err error) error { return &exitError{code: ExitUsage, err: err} }

func incompleteError(err error) error { return &exitError{code: ExitIncomplete, err: err} }

// errFindings is returned when findings reach --fail-on; the report was
// already written, so nothing more is printed.
var errFindings = errors.New("findings at or above --fail-on")

// App is the program with its dependencies: streams and clock are injected
// so commands run in tests without a terminal.
type App struct {
	Version string
	Build   buildinfo.Info // what `spntrust version` prints; Version alone when empty
	Stdin   *os.File       // for the password prompt; nil in tests
	Stdout  io.Writer
	Stderr  io.Writer
	Now     func() time.Time
	// DCNames resolves the names of the DCs that are dialled; nil means
	// the system resolver (Go's: /etc/hosts, nsswitch). Tests inject one.
	DCNames ldapx.HostResolver
}

// Main runs the command line and returns the process exit code.
func (a *App) Main(args []string) int {
	return a.MainContext(context.Background(), args)
}

// MainContext is Main with a context that cancels the work (Ctrl-C).
func (a *App) MainContext(ctx context.Context, args []string) int {
	root := a.rootCommand()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return a.exitCode(err)
}

func (a *App) exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, errFindings) {
		return ExitFindings
	}
	var ee *exitError
	if errors.As(err, &ee) {
		fmt.Fprintf(a.Stderr, "spntrust: %v\n", ee.err)
		return ee.code
	}
	// Cobra's own errors: unknown command or flag, wrong arguments.
	fmt.Fprintf(a.Stderr, "spntrust: %v\nRun 'spntrust --help' for usage.\n", err)
	return ExitUsage
}

func (a *App) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "spntrust",
		Short: "Audit Active Directory for Kerberos readiness and write the fixes",
		Long: `spntrust audits Active Directory for the causes of Kerberos failures — SPNs on
the wrong account, duplicate SPNs, DNS names that do not match, trusts that do not
carry Kerberos, clock skew — explains each finding and generates the remediation.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(a.Stdout)
	root.SetErr(a.Stderr)
	root.AddCommand(
		a.auditCommand(),
		a.checksCommand(),
		a.probeCommand(),
		a.baselineCommand(),
		a.diffCommand(),
		a.remediateCommand(),
		a.fixCommand(),
		a.explainCommand(),
		a.iislogCommand(),
		a.versionCommand(),
	)
	registerCompletions(root)
	return root
}

func (a *App) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the spntrust version, commit, build date and Go version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := a.Build
			if b.Version == "" {
				b = buildinfo.Get()
				b.Version = a.Version
			}
			fmt.Fprint(a.Stdout, b.String())
			return nil
		},
	}
}
