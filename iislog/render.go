package iislog

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Formats lists the output formats of WriteReport.
func Formats() []string { return []string{"text", "json"} }

// WriteReport renders r in the given format ("text" or "json").
func WriteReport(w io.Writer, r *Report, format string) error {
	switch format {
	case "text":
		return WriteText(w, r)
	case "json":
		return WriteJSON(w, r)
	}
	return fmt.Errorf("unknown format %q: use %s", format, strings.Join(Formats(), " or "))
}

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// text limits: the JSON report has everything.
const (
	textURIs    = 10
	textClients = 10
)

// WriteText writes the report for people.
func WriteText(w io.Writer, r *Report) error {
	var b strings.Builder
	t := r.Totals
	fmt.Fprintf(&b, "IIS log analysis: %d %s, %d lines, %d requests, %d malformed %s",
		len(r.Files), plural(len(r.Files), "file", "files"), t.Lines, t.Requests, t.Malformed, plural(t.Malformed, "line", "lines"))
	if r.Since != nil {
		fmt.Fprintf(&b, ", %d before --since %s", t.BeforeSince, r.Since.Format(time.RFC3339))
	}
	b.WriteString("\n")
	for _, f := range r.Files {
		gz := ""
		if f.Gzip {
			gz = " (gzip)"
		}
		fmt.Fprintf(&b, "  %s%s: %d lines, %d requests, %d malformed\n", f.Path, gz, f.Lines, f.Entries, f.Malformed)
	}
	if t.Undated > 0 {
		fmt.Fprintf(&b, "  %d requests had no date/time and were kept\n", t.Undated)
	}
	if t.Malformed > 0 {
		reasons := make([]string, 0, len(r.Malformed.ByReason))
		for k := range r.Malformed.ByReason {
			reasons = append(reasons, k)
		}
		sort.Strings(reasons)
		b.WriteString("Malformed lines (skipped):\n")
		for _, k := range reasons {
			fmt.Fprintf(&b, "  %d × %s\n", r.Malformed.ByReason[k], k)
		}
		for _, e := range r.Malformed.Examples {
			fmt.Fprintf(&b, "  %s:%d: %s\n", e.File, e.Line, e.Reason)
		}
	}
	if len(r.Hosts) == 0 {
		b.WriteString("\nNo requests to report.\n")
	}
	for _, h := range r.Hosts {
		writeHostText(&b, h)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeHostText(b *strings.Builder, h HostReport) {
	b.WriteString("\n")
	title := h.Host
	if h.Site != "" {
		title += " (" + h.Site + ")"
	}
	fmt.Fprintf(b, "== %s ==\n", title)
	if h.FirstSeen != nil {
		fmt.Fprintf(b, "Period: %s – %s\n", h.FirstSeen.Format("2006-01-02 15:04:05"), h.LastSeen.Format("2006-01-02 15:04:05 UTC"))
	}
	fmt.Fprintf(b, "Verdict [%s]: %s\n", h.Verdict.Status, h.Verdict.Text)
	for _, n := range h.Notes {
		fmt.Fprintf(b, "Note: %s\n", n)
	}
	fmt.Fprintf(b, "Requests: %d; 401 responses: %d (%d%%); other responses with cs-username: %d of %d (%d%%)\n",
		h.Requests, h.Unauthorized, pct(h.Unauthorized, h.Requests), h.Authenticated, h.Authenticated+h.Anonymous, h.AuthenticatedShare)
	if len(h.Codes) > 0 {
		b.WriteString("401 responses by substatus and sc-win32-status:\n")
		tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  count\tstatus\tsc-win32-status")
		for _, c := range h.Codes {
			fmt.Fprintf(tw, "  %5d\t%s\t%s\n", c.Count, c.Status, codeText(c))
		}
		tw.Flush()
	}
	if len(h.URIs) > 0 {
		b.WriteString("URIs (most 401 responses first):\n")
		tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  requests\t401\tauthenticated\turi")
		for i, u := range h.URIs {
			if i == textURIs {
				fmt.Fprintf(tw, "  …\t\t\t%d more URIs in --format json\n", len(h.URIs)-textURIs)
				break
			}
			fmt.Fprintf(tw, "  %d\t%d\t%d\t%s\n", u.Requests, u.Unauthorized, u.Authenticated, u.URI)
		}
		tw.Flush()
	}
	if len(h.Users401) > 0 {
		b.WriteString("401 responses naming a user (cs-username):\n")
		for i, u := range h.Users401 {
			if i == textClients {
				fmt.Fprintf(b, "  … %d more users in --format json\n", len(h.Users401)-textClients)
				break
			}
			fmt.Fprintf(b, "  %5d  %s\n", u.Count, u.User)
		}
	}
	c := h.Clients
	fmt.Fprintf(b, "Clients: %d seen, %d challenged, %d authenticated, %d never authenticated, %d with logon failures, "+
		"%d authenticated after an NTLM leg\n", c.Seen, c.Challenged, c.Authenticated, c.NeverAuthenticated, c.WithFailures, c.NTLMLeg)
	if len(h.FailingClients) == 0 {
		return
	}
	b.WriteString("Failing clients (most 401 responses first):\n")
	tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  client\t401\tauthenticated\tmain reason\tuser\tuser agent")
	for i, fc := range h.FailingClients {
		if i == textClients {
			fmt.Fprintf(tw, "  …\t\t\t%d more clients in --format json\t\t\n", len(h.FailingClients)-textClients)
			break
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%s %s\t%s\t%s\n", fc.ClientIP, fc.Unauthorized, fc.Authenticated,
			fc.Reason.Status, codeText(fc.Reason), dash(fc.User), dash(clipRunes(fc.UserAgent, 40)))
	}
	tw.Flush()
}

// codeText is "0x80090322 SEC_E_WRONG_PRINCIPAL [failure]".
func codeText(c CodeCount) string {
	if c.Win32 == nil {
		return "(not logged) [" + c.Class + "]"
	}
	num := fmt.Sprintf("%d", *c.Win32)
	if *c.Win32 > 0xFFFF {
		num = fmt.Sprintf("%s (%d)", c.Hex, *c.Win32) // IIS logs the decimal; Windows docs the hex
	}
	name := c.Name
	if name == "" {
		name = "(not in spntrust's table)"
	}
	return fmt.Sprintf("%s %s [%s]", num, name, c.Class)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
