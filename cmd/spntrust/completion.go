package main

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/spntrust/spntrust/audit/collect"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/iislog"
	"github.com/spntrust/spntrust/ldapx"
	"github.com/spntrust/spntrust/remediate"
	"github.com/spntrust/spntrust/reports"
)

// flagValues lists, for the flags whose values are a fixed set, the values
// shell completion offers; "format" depends on the command (see
// formatValues). One table, so a new enum flag is one line here.
func flagValues() map[string][]string {
	var severities []string
	for _, s := range checks.Severities {
		severities = append(severities, string(s))
	}
	ids := checks.IDs(checks.All())
	return map[string][]string{
		"fail-on":    severities,
		"auth":       {"kerberos", "ntlm", "simple"},
		"security":   {"plain", "ldaps", "starttls"},
		"dns-source": {collect.DNSSourceAuto, collect.DNSSourceServer},
		"paging":     {string(ldapx.PagingWhenCapped), string(ldapx.PagingAlways)},
		"strategy":   {string(remediate.MovePort), string(remediate.Remove), string(remediate.AES)},
		"checks":     ids,
		"skip":       ids,
	}
}

// formatValues are the --format values of cmd (its path, e.g. "spntrust audit").
func formatValues(cmd *cobra.Command) []string {
	switch cmd.CommandPath() {
	case "spntrust audit", "spntrust baseline create", "spntrust probe":
		return reports.FormatNames()
	case "spntrust remediate":
		return remediate.FormatNames()
	case "spntrust iislog":
		return iislog.Formats()
	}
	return []string{"text", "json"}
}

// registerCompletions gives every enum flag of every command its values.
func registerCompletions(root *cobra.Command) {
	values := flagValues()
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
			vals, ok := values[f.Name]
			if f.Name == "format" {
				vals, ok = formatValues(cmd), true
			}
			if ok {
				// Errors only for a flag registered twice, which the walk never does.
				_ = cmd.RegisterFlagCompletionFunc(f.Name, valueCompletion(vals, strings.HasSuffix(f.Value.Type(), "Slice")))
			}
		})
		for _, c := range cmd.Commands() {
			walk(c)
		}
	}
	walk(root)
}

// valueCompletion completes one of vals; for a comma-separated list flag
// (--checks A,B) it completes the last item after what is typed.
func valueCompletion(vals []string, list bool) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		prefix, partial := "", toComplete
		if list {
			if i := strings.LastIndex(toComplete, ","); i >= 0 {
				prefix, partial = toComplete[:i+1], toComplete[i+1:]
			}
		}
		var out []string
		for _, v := range vals {
			if strings.HasPrefix(strings.ToLower(v), strings.ToLower(partial)) {
				out = append(out, prefix+v)
			}
		}
		directive := cobra.ShellCompDirectiveNoFileComp
		if list {
			directive |= cobra.ShellCompDirectiveNoSpace
		}
		return out, directive
	}
}
