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
	"github.com/spntrust/spntrust/internal/exitcode"
	"github.com/spntrust/spntrust/ldapx"
)

// Exit codes: defined once, in internal/exitcode; these names are the
// command's (tests and README speak of them).
const (
	ExitOK         = exitcode.OK
	ExitFindings   = exitcode.Findings
	ExitUsage      = exitcode.Usage
	ExitIncomplete = exitcode.Incomplete
)

// Shorthands for the typed errors of internal/exitcode.
var (
	usageError      = exitcode.Usagef
	inputError      = exitcode.Input
	incompleteError = exitcode.IncompleteErr
	// errFindings is returned when findings reach --fail-on; the report was
	// already written, so nothing more is printed.
	errFindings = exitcode.ErrFindings
)

// App is the factory every command is built from (as cli/cli's
// cmdutil.Factory): the I/O streams, the clock, and the ways to reach the
// network are injected, so commands run in tests without a terminal, a
// socket or the wall clock.
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
	// Connector reaches the live directory named by the target flags;
	// nil: LDAP (ldapConnector, connect.go). Command tests inject a fake.
	Connector Connector
	// Getenv reads the environment ($SPNTRUST_HISTORY); nil: os.Getenv.
	Getenv func(string) string
}

// cmdEnv is what a run function takes from the factory; every options
// struct embeds it, so the run functions see no App.
type cmdEnv struct {
	Version   string
	Stdin     io.Reader // nil when there is none (tests)
	Stdout    io.Writer
	Stderr    io.Writer
	Now       func() time.Time
	Connector Connector
	Getenv    func(string) string
}

func (a *App) env() cmdEnv {
	c := a.Connector
	if c == nil {
		c = &ldapConnector{app: a}
	}
	now := a.Now
	if now == nil {
		now = time.Now
	}
	getenv := a.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	env := cmdEnv{Version: a.Version, Stdout: a.Stdout, Stderr: a.Stderr, Now: now, Connector: c, Getenv: getenv}
	if a.Stdin != nil {
		env.Stdin = a.Stdin
	}
	return env
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

// exitCode prints err (unless the report already said it all) and returns
// the code it maps to.
func (a *App) exitCode(err error) int {
	code, silent := exitcode.Of(err)
	if silent {
		return code
	}
	var coded *exitcode.Error
	if errors.As(err, &coded) {
		fmt.Fprintf(a.Stderr, "spntrust: %v\n", coded.Err)
		return code
	}
	// Cobra's own errors: unknown command or flag, wrong arguments.
	fmt.Fprintf(a.Stderr, "spntrust: %v\nRun 'spntrust --help' for usage.\n", err)
	return code
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
		newCmdAudit(a, nil),
		newCmdChecks(a),
		newCmdProbe(a, nil),
		newCmdBaseline(a, nil),
		newCmdDiff(a, nil),
		newCmdHistory(a, nil),
		newCmdServe(a, nil),
		newCmdRemediate(a, nil),
		newCmdFix(a, nil),
		newCmdExplain(a, nil),
		newCmdIISLog(a, nil),
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
