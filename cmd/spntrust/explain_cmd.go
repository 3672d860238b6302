package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/spntrust/spntrust/statuscode"
)

type explainOptions struct {
	cmdEnv
	codes  []string
	format string
}

func newCmdExplain(f *App, runF func(*explainOptions) error) *cobra.Command {
	opts := &explainOptions{}
	cmd := &cobra.Command{
		Use:   "explain CODE...",
		Short: "Decode Win32, SSPI, NTSTATUS, Kerberos and IIS 401 status codes",
		Long: `Decode status codes from IIS logs, event logs and Kerberos traces: what the code
means, what usually causes it, and which spntrust check finds that cause.

A code is given in decimal (2148074254, or -2146893042 as .NET prints it), in hex
(0x8009030E), by name (SEC_E_WRONG_PRINCIPAL, KRB_AP_ERR_SKEW) or as an IIS
substatus (401.1). A number several families define (5 is ERROR_ACCESS_DENIED and
KDC_ERR_S_OLD_MAST_KVNO) prints every interpretation.`,
		Example: `  spntrust explain 2148074254
  spntrust explain 0x80090322 KRB_AP_ERR_MODIFIED 401.1
  spntrust explain --format json -2146893042`,
		// Negative codes (-2146893042) look like flags to pflag, so this
		// command reads its few flags itself.
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			help, err := parseExplainArgs(args, opts)
			if err != nil {
				return err
			}
			if help {
				return cmd.Help()
			}
			opts.cmdEnv = f.env()
			if runF != nil {
				return runF(opts)
			}
			return explainRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.format, "format", "text", "output format: text or json")
	return cmd
}

// parseExplainArgs reads --format and -h/--help; everything else, negative
// numbers included, is a code. "--" ends the flags.
func parseExplainArgs(args []string, opts *explainOptions) (help bool, err error) {
	opts.codes = nil
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
			opts.codes = append(opts.codes, args[i+1:]...)
			i = len(args)
		case arg == "-h" || arg == "--help":
			return true, nil
		case arg == "--format":
			if i+1 == len(args) {
				return false, usageError("--format needs a value: text or json")
			}
			opts.format = args[i+1]
			i++
		case strings.HasPrefix(arg, "--format="):
			opts.format = strings.TrimPrefix(arg, "--format=")
		case strings.HasPrefix(arg, "--"):
			return false, usageError("unknown flag: %s", arg)
		default:
			opts.codes = append(opts.codes, arg)
		}
	}
	if len(opts.codes) == 0 {
		return false, usageError("explain needs at least one code, e.g. `spntrust explain 2148074254`")
	}
	return false, nil
}

func explainRun(opts *explainOptions) error {
	if opts.format != "text" && opts.format != "json" {
		return usageError("unknown --format %q for explain: use text or json", opts.format)
	}
	var results []statuscode.Result
	var problems []string
	for _, in := range opts.codes {
		r, err := statuscode.Explain(in)
		if err != nil {
			var se *statuscode.SyntaxError
			var ue *statuscode.UnknownError
			if !errors.As(err, &se) && !errors.As(err, &ue) {
				return err
			}
			problems = append(problems, err.Error())
			continue
		}
		results = append(results, r)
	}
	var err error
	if opts.format == "json" {
		err = writeExplainJSON(opts.Stdout, results)
	} else {
		err = writeExplainText(opts.Stdout, results)
	}
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return inputError(errors.New(strings.Join(problems, "\nspntrust: ")))
	}
	return nil
}

// explainJSON is one input in JSON output.
type explainJSON struct {
	Input           string               `json:"input"`
	Decimal         *uint32              `json:"decimal,omitempty"`
	Signed          *int32               `json:"signed,omitempty"`
	Hex             string               `json:"hex,omitempty"`
	Interpretations []interpretationJSON `json:"interpretations"`
}

type interpretationJSON struct {
	Family  statuscode.Family `json:"family"`
	Name    string            `json:"name"`
	Value   uint32            `json:"value"`
	Hex     string            `json:"hex,omitempty"`
	Via     string            `json:"via,omitempty"`
	Meaning string            `json:"meaning"`
	Cause   string            `json:"cause"`
	Normal  bool              `json:"normal"`
	Checks  []string          `json:"checks"`
	Related []string          `json:"related,omitempty"`
	Source  string            `json:"source"`
}

func writeExplainJSON(w io.Writer, results []statuscode.Result) error {
	out := make([]explainJSON, 0, len(results))
	for _, r := range results {
		e := explainJSON{Input: r.Input, Interpretations: []interpretationJSON{}}
		if r.Numeric {
			u, s := r.Unsigned, r.Signed
			e.Decimal, e.Signed, e.Hex = &u, &s, r.Hex()
		}
		for _, in := range r.Interpretations {
			checks := in.Checks
			if checks == nil {
				checks = []string{}
			}
			e.Interpretations = append(e.Interpretations, interpretationJSON{
				Family: in.Family, Name: in.Name, Value: in.Value, Hex: in.Code.Hex(), Via: in.Via,
				Meaning: in.Meaning, Cause: in.Cause, Normal: in.Normal, Checks: checks,
				Related: in.Related, Source: in.Source,
			})
		}
		out = append(out, e)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeExplainText(w io.Writer, results []statuscode.Result) error {
	var b strings.Builder
	for i, r := range results {
		if i > 0 {
			b.WriteString("\n")
		}
		if r.Numeric {
			fmt.Fprintf(&b, "%s: %s = %d", strings.TrimSpace(r.Input), r.Hex(), r.Unsigned)
			if int64(r.Signed) != int64(r.Unsigned) {
				fmt.Fprintf(&b, " unsigned = %d signed", r.Signed)
			}
			b.WriteString("\n")
		}
		if len(r.Interpretations) > 1 {
			fmt.Fprintf(&b, "  %d interpretations: the number alone does not say which family it is from. "+
				"IIS sc-win32-status is Win32 or SSPI; a KRB-ERROR's error-code is Kerberos.\n", len(r.Interpretations))
		}
		for j, in := range r.Interpretations {
			if r.Numeric || j > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "  %s — %s %s", in.Name, in.Family.Label(), in.Number())
			if in.Via != "" {
				fmt.Fprintf(&b, ", via %s", in.Via)
			}
			b.WriteString("\n")
			writeWrapped(&b, "Meaning:  ", in.Meaning)
			if in.Normal {
				writeWrapped(&b, "Normal:   ", "yes — part of a healthy handshake unless it repeats without a success")
			}
			writeWrapped(&b, "Cause:    ", in.Cause)
			switch {
			case in.Family == statuscode.HTTP:
				writeWrapped(&b, "Checks:   ", "depend on the request's sc-win32-status: `spntrust explain <sc-win32-status>`; "+
					"`spntrust iislog` reads whole logs")
			case len(in.Checks) > 0:
				writeWrapped(&b, "Checks:   ", strings.Join(in.Checks, ", ")+" (run `spntrust audit`; `spntrust checks explain ID` for details)")
			default:
				writeWrapped(&b, "Checks:   ", "none — no spntrust check finds this cause")
			}
			if len(in.Related) > 0 {
				writeWrapped(&b, "Same as:  ", strings.Join(in.Related, ", "))
			}
			writeWrapped(&b, "Source:   ", in.Source)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeWrapped writes "    label text", wrapping text at about 100 columns
// with continuation lines aligned under the text.
func writeWrapped(b *strings.Builder, label, text string) {
	const width = 100
	indent := "    " + strings.Repeat(" ", len([]rune(label)))
	line := "    " + label
	first := true
	for _, word := range strings.Fields(text) {
		if !first && len([]rune(line))+1+len([]rune(word)) > width {
			b.WriteString(line + "\n")
			line = indent + word
			continue
		}
		if first {
			line += word
			first = false
		} else {
			line += " " + word
		}
	}
	b.WriteString(line + "\n")
}
