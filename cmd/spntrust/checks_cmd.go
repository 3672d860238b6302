package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/spntrust/spntrust/checks"
)

type checksListOptions struct {
	cmdEnv
	format string
}

type checksExplainOptions struct {
	cmdEnv
	id string
}

func newCmdChecks(f *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "checks",
		Short: "List and explain the checks",
	}
	listOpts := &checksListOptions{}
	list := &cobra.Command{
		Use:   "list",
		Short: "List every check with its ID, severity and title",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			listOpts.cmdEnv = f.env()
			return checksListRun(listOpts)
		},
	}
	list.Flags().StringVar(&listOpts.format, "format", "text", "output format: text or json")

	explainOpts := &checksExplainOptions{}
	explain := &cobra.Command{
		Use:               "explain ID",
		Short:             "Print a check's full explanation: what it finds, why it breaks Kerberos, how to fix it",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: valueCompletion(checks.IDs(checks.All()), false),
		RunE: func(cmd *cobra.Command, args []string) error {
			explainOpts.cmdEnv, explainOpts.id = f.env(), args[0]
			return checksExplainRun(explainOpts)
		},
	}
	cmd.AddCommand(list, explain)
	return cmd
}

func checksListRun(opts *checksListOptions) error {
	all := checks.All()
	switch opts.format {
	case "text":
		tw := tabwriter.NewWriter(opts.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSEVERITY\tMEANING\tTITLE")
		for _, c := range all {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Severity, c.Meaning, c.Title)
		}
		return tw.Flush()
	case "json":
		type row struct {
			ID          string          `json:"id"`
			Area        string          `json:"area"`
			Severity    checks.Severity `json:"severity"`
			Meaning     checks.Meaning  `json:"meaning"` // outage, will-fail, exposure, hygiene
			Title       string          `json:"title"`
			Explanation string          `json:"explanation"`
		}
		rows := make([]row, 0, len(all))
		for _, c := range all {
			rows = append(rows, row{c.ID, c.Area, c.Severity, c.Meaning, c.Title, c.Explanation})
		}
		enc := json.NewEncoder(opts.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	return usageError("unknown --format %q for checks list: use text or json", opts.format)
}

func checksExplainRun(opts *checksExplainOptions) error {
	c, ok := checks.Lookup(opts.id)
	if !ok {
		return usageError("unknown check ID %q: `spntrust checks list` shows the IDs", opts.id)
	}
	fmt.Fprintf(opts.Stdout, "%s — %s\nSeverity: %s\nMeaning: %s\n\n%s\n", c.ID, c.Title, c.Severity, c.Meaning, c.Explanation)
	return nil
}
