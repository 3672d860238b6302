package main

import (
	"reflect"
	"strings"
	"testing"
)

// complete runs cobra's hidden __complete command, as the shell scripts of
// `spntrust completion` do, and returns the candidates (without the
// trailing directive line).
func complete(t *testing.T, args ...string) []string {
	t.Helper()
	code, out, stderr := run(t, append([]string{"__complete"}, args...)...)
	if code != ExitOK {
		t.Fatalf("__complete %v: exit %d: %s", args, code, stderr)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line != "" && !strings.HasPrefix(line, ":") {
			got = append(got, strings.SplitN(line, "\t", 2)[0])
		}
	}
	return got
}

func TestShellCompletionOfFlagValues(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"audit --format: the report formats", []string{"audit", "--format", ""},
			[]string{"csv", "html", "json", "junit", "markdown", "prometheus", "sarif", "text"}},
		{"audit --format with a prefix", []string{"audit", "--format", "j"}, []string{"json", "junit"}},
		{"remediate --format: the script formats", []string{"remediate", "--format", ""}, []string{"cmd", "ldif", "ps1"}},
		{"diff --format", []string{"diff", "--format", ""}, []string{"text", "json"}},
		{"--fail-on: the severities", []string{"audit", "--fail-on", ""}, []string{"critical", "high", "medium", "low", "info"}},
		{"--auth", []string{"audit", "--auth", ""}, []string{"kerberos", "ntlm", "simple"}},
		{"--security on fix", []string{"fix", "--security", ""}, []string{"plain", "ldaps", "starttls"}},
		{"--dns-source", []string{"audit", "--dns-source", ""}, []string{"auto", "dns"}},
		{"--paging on probe", []string{"probe", "--paging", ""}, []string{"auto", "always"}},
		{"probe --format: the report formats, as audit's", []string{"probe", "--format", ""},
			[]string{"csv", "html", "json", "junit", "markdown", "prometheus", "sarif", "text"}},
		{"--strategy", []string{"remediate", "--strategy", ""}, []string{"move-port", "remove", "aes"}},
		{"--checks completes check IDs", []string{"audit", "--checks", "DNS-SRV-"}, []string{"DNS-SRV-MISSING", "DNS-SRV-TARGET"}},
		{"--skip completes the item after a comma", []string{"audit", "--skip", "TIME-SKEW,DNS-SRV-M"}, []string{"TIME-SKEW,DNS-SRV-MISSING"}},
		{"checks explain still completes IDs", []string{"checks", "explain", "TIME-"}, []string{"TIME-SKEW"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := complete(t, tt.args...); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("__complete %q = %q, want %q", tt.args, got, tt.want)
			}
		})
	}
}
