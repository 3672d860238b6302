package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/ldapx"
)

// noHosts is a system resolver that knows no name, as /etc/hosts and the
// workstation's DNS know nothing of a lab forest.
type noHosts struct{ asked *[]string }

func (n noHosts) LookupHost(_ context.Context, host string) ([]netip.Addr, error) {
	*n.asked = append(*n.asked, host)
	return nil, fmt.Errorf("lookup %s on 192.0.2.53:53: no such host", host)
}

// A DC name the user gives that does not resolve is reported as such, with
// the name, what the resolver answered and what to do about it — for the
// audit and for fix --apply (the example in fix --help). No socket is
// opened: the system resolver is injected and nothing resolves.
func TestUnresolvableServerNameSaysWhatWasAskedAndWhatToDo(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	creds := []string{"--server", "dc1.nowhere.test", "--user", "Administrator@NOWHERE.TEST", "--password-file", pw, "--timeout", "5s"}
	tests := []struct {
		name string
		args []string
	}{
		{"audit --server NAME", append([]string{"audit"}, creds...)},
		{"fix --apply --server NAME", append([]string{"fix", "--from", seed, "--apply", "--backup-dir", t.TempDir(), "--auth", "simple"}, creds...)},
		{"probe --server NAME", append([]string{"probe", "http://mp01.lab.test/", "--runs-as-computer"}, creds...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("KRB5_CONFIG", "")
			var asked []string
			var out, errOut strings.Builder
			app := &App{Version: "test", Stdout: &out, Stderr: &errOut, Now: time.Now, DCNames: noHosts{&asked}}
			code := app.Main(tt.args)
			if code != ExitIncomplete {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, ExitIncomplete, errOut.String())
			}
			if strings.Join(asked, ",") != "dc1.nowhere.test" {
				t.Errorf("the system resolver was asked %v, want dc1.nowhere.test once", asked)
			}
			msg := errOut.String()
			for _, want := range []string{
				"the DC name dc1.nowhere.test does not resolve to an address",
				"asked the system resolver (/etc/hosts",
				"lookup dc1.nowhere.test on 192.0.2.53:53: no such host",
				"give --dns-server with the IP address of a DNS server of the domain",
				"--server with the DC's IP address",
			} {
				if !strings.Contains(msg, want) {
					t.Errorf("stderr lacks %q:\n%s", want, msg)
				}
			}
			if strings.Contains(msg, "secret") {
				t.Errorf("stderr carries the password:\n%s", msg)
			}
		})
	}
}

var _ ldapx.HostResolver = noHosts{}
