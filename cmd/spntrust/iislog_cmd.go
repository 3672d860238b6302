package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/spntrust/spntrust/iislog"
)

type iislogOptions struct {
	cmdEnv
	files  []string
	format string
	since  string
}

func newCmdIISLog(f *App, runF func(*iislogOptions) error) *cobra.Command {
	opts := &iislogOptions{}
	cmd := &cobra.Command{
		Use:   "iislog FILE...",
		Short: "Analyse IIS logs for Windows authentication failures",
		Long: `Read IIS W3C extended log files (plain or gzip-compressed; "-" reads standard input)
and report, per host (cs-host, or s-ip:s-port) and URI: 401 responses by substatus
and sc-win32-status, the share of responses with cs-username, which clients never
authenticate and why, whether clients needed NTLM's extra leg instead of Kerberos,
and a verdict that names the spntrust checks for the cause.

Columns come from each #Fields: directive, which may change within a file. Lines
that cannot be read are counted and reported, never fatal. Files are streamed:
memory does not grow with their size.`,
		Example: `  spntrust iislog C:/inetpub/logs/LogFiles/W3SVC1/u_ex261124.log
  spntrust iislog --since 24h --format json W3SVC*/u_ex*.log.gz`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.files = args
			opts.cmdEnv = f.env()
			if runF != nil {
				return runF(opts)
			}
			return iislogRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.format, "format", "text", "output format: "+strings.Join(iislog.Formats(), " or "))
	cmd.Flags().StringVar(&opts.since, "since", "", "only requests logged at or after TIME (RFC 3339, `2026-11-24 08:00:00` UTC as IIS logs it, a date, or a duration before now such as 24h)")
	return cmd
}

func iislogRun(opts *iislogOptions) error {
	if opts.format != "text" && opts.format != "json" {
		return usageError("unknown --format %q for iislog: use %s", opts.format, strings.Join(iislog.Formats(), " or "))
	}
	var since time.Time
	if opts.since != "" {
		t, err := parseSince(opts.since, opts.Now())
		if err != nil {
			return usageError("%v", err)
		}
		since = t
	}
	an := iislog.New(iislog.Options{Since: since})
	for _, f := range opts.files {
		var err error
		if f == "-" {
			if opts.Stdin == nil {
				return usageError("cannot read standard input here: name the log files")
			}
			err = an.Add("(stdin)", opts.Stdin)
		} else {
			err = an.AddFile(f)
		}
		if err != nil {
			return inputError(fmt.Errorf("%w (check the path; IIS logs are under %%SystemDrive%%\\inetpub\\logs\\LogFiles\\W3SVC<n>)", err))
		}
	}
	return iislog.WriteReport(opts.Stdout, an.Report(), opts.format)
}

// parseSince reads --since: an absolute time (UTC unless it says otherwise,
// as IIS logs UTC) or a duration before now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, fmt.Errorf("--since %q: a duration must be positive (24h means the last 24 hours)", s)
		}
		return now.Add(-d).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: use RFC 3339 (2026-11-24T08:00:00Z), \"2026-11-24 08:00:00\" (UTC), a date (2026-11-24) or a duration (24h)", s)
}
