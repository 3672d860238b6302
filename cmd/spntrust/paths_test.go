package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// listener is a TCP port that counts the connections made to it: a command
// that checks its paths first must fail without ever connecting.
func listener(t *testing.T) (addr string, accepted *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = new(atomic.Int32)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { l.Close() })
	return l.Addr().String(), accepted
}

// pathFixtures makes a directory holding a plain file (a path under it is
// under a file) and a password file.
func pathFixtures(t *testing.T) (dir, aFile, pw string) {
	t.Helper()
	dir = t.TempDir()
	aFile, pw = filepath.Join(dir, "file"), filepath.Join(dir, "pw")
	for path, content := range map[string]string{aFile: "x", pw: "secret\n"} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir, aFile, pw
}

func TestOutputPathsAreCheckedBeforeConnecting(t *testing.T) {
	dir, aFile, pw := pathFixtures(t)
	missing := filepath.Join(dir, "no-such-dir")
	// /proc takes no new files, not even from root (permission bits would not stop root).
	const unwritable = "/proc/spntrust-r.json"
	tests := []struct {
		name       string
		args       []string
		wantInErr  []string
		wantExit   int
		liveTarget bool
	}{
		{"--output in a directory that does not exist", []string{"--output", filepath.Join(missing, "r.json")},
			[]string{"--output " + filepath.Join(missing, "r.json"), "does not exist"}, ExitUsage, true},
		{"--output FORMAT=FILE in an unwritable directory", []string{"--output", "html=" + unwritable},
			[]string{"--output " + unwritable, "not writable"}, ExitUsage, true},
		{"--output naming a directory", []string{"--output", "json=" + dir},
			[]string{"--output " + dir, "is a directory"}, ExitUsage, true},
		{"--save-snapshot under a file", []string{"--save-snapshot", filepath.Join(aFile, "snap.json")},
			[]string{"--save-snapshot " + filepath.Join(aFile, "snap.json"), "is not a directory"}, ExitUsage, true},
		{"--history in a directory that does not exist", []string{"--history", filepath.Join(missing, "h.db")},
			[]string{"--history " + filepath.Join(missing, "h.db"), "does not exist"}, ExitUsage, true},
		{"a replay checks its paths too", []string{"--from", seed, "--output", filepath.Join(missing, "r.txt")},
			[]string{"--output " + filepath.Join(missing, "r.txt")}, ExitUsage, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, accepted := listener(t)
			args := []string{"audit"}
			if tt.liveTarget {
				args = append(args, "--server", addr, "--auth", "simple", "--security", "ldaps",
					"--user", "auditor@LAB.TEST", "--password-file", pw)
			}
			code, _, stderr := run(t, append(args, tt.args...)...)
			if code != tt.wantExit {
				t.Errorf("exit %d, want %d: %s", code, tt.wantExit, stderr)
			}
			for _, w := range tt.wantInErr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not say %q", stderr, w)
				}
			}
			if n := accepted.Load(); n != 0 {
				t.Errorf("the audit connected %d time(s) before finding its path unusable", n)
			}
		})
	}
}

func TestRemediateAndFixCheckTheirDirectoriesFirst(t *testing.T) {
	dir, aFile, pw := pathFixtures(t)
	addr, accepted := listener(t)

	code, _, stderr := run(t, "remediate", "--server", addr, "--auth", "simple", "--security", "ldaps",
		"--user", "auditor@LAB.TEST", "--password-file", pw, "--out", filepath.Join(aFile, "plan"))
	if code != ExitUsage || !strings.Contains(stderr, "--out "+filepath.Join(aFile, "plan")) {
		t.Errorf("remediate --out under a file: exit %d, %q", code, stderr)
	}
	code, _, stderr = run(t, "fix", "--server", addr, "--auth", "simple", "--security", "ldaps",
		"--user", "auditor@LAB.TEST", "--password-file", pw, "--apply", "--backup-dir", filepath.Join(dir, "missing"))
	if code != ExitUsage || !strings.Contains(stderr, "--backup-dir") || !strings.Contains(stderr, "does not exist") {
		t.Errorf("fix --apply --backup-dir missing: exit %d, %q", code, stderr)
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("connected %d time(s) before checking the directories", n)
	}
	// A directory remediate creates is fine when its parent takes it.
	if code, _, stderr := run(t, "remediate", "--from", seed, "--out", filepath.Join(dir, "new", "plan")); code != ExitOK {
		t.Errorf("remediate --out in a new directory: exit %d, %s", code, stderr)
	}
}

func TestOutputFormatFromTheFileExtension(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		file     string
		wantExit int
		want     string // in the file, or in stderr when the run is refused
	}{
		{"r.html is HTML", []string{"--output", "r.html"}, "r.html", ExitOK, "<html"},
		{"r.json is JSON", []string{"--output", "r.json"}, "r.json", ExitOK, `"findings"`},
		{"r.sarif is SARIF", []string{"--output", "r.sarif"}, "r.sarif", ExitOK, `"version": "2.1.0"`},
		{"junit.xml is JUnit", []string{"--output", "junit.xml"}, "junit.xml", ExitOK, "<testsuites"},
		{"r.md is Markdown", []string{"--output", "r.md"}, "r.md", ExitOK, "# "},
		{"r.prom is a Prometheus textfile", []string{"--output", "r.prom"}, "r.prom", ExitOK, "spntrust_info"},
		{"an unknown extension takes --format", []string{"--output", "r.report", "--format", "csv"}, "r.report", ExitOK, "severity,status,"},
		{"an unknown extension without --format is text", []string{"--output", "r.out"}, "r.out", ExitOK, "spntrust test audit of"},
		{"--format agreeing with the extension", []string{"--output", "r.json", "--format", "json"}, "r.json", ExitOK, `"findings"`},
		{"--format contradicting the extension is refused", []string{"--output", "r.html", "--format", "json"}, "r.html", ExitUsage,
			"--output " + filepath.Join(dir, "r.html") + ": the extension .html means html, but --format is json"},
		{"FORMAT=FILE is taken as given", []string{"--output", "json=r.html"}, "r.html", ExitOK, `"findings"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			os.Remove(path)
			args := []string{"audit", "--from", seed}
			for _, a := range tt.args {
				switch {
				case a == tt.file:
					a = path
				case strings.HasSuffix(a, "="+tt.file):
					a = strings.TrimSuffix(a, tt.file) + path
				}
				args = append(args, a)
			}
			code, _, stderr := run(t, args...)
			if code != tt.wantExit {
				t.Fatalf("exit %d, want %d: %s", code, tt.wantExit, stderr)
			}
			if tt.wantExit != ExitOK {
				if !strings.Contains(stderr, tt.want) {
					t.Errorf("stderr %q, want %q", stderr, tt.want)
				}
				if _, err := os.Stat(path); err == nil {
					t.Errorf("%s written although the run was refused", path)
				}
				return
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), tt.want) {
				t.Errorf("%s does not hold %q:\n%.300s", tt.file, tt.want, data)
			}
		})
	}
}

// A bind that needs a principal and has none is bad usage (exit 2) naming
// --user, found before any connection — not a failed audit (exit 3).
func TestMissingUserIsAUsageErrorNamingTheFlag(t *testing.T) {
	_, _, pw := pathFixtures(t)
	t.Setenv("KRB5CCNAME", "")
	t.Setenv(passwordEnv, "")
	tests := []struct {
		name string
		args []string
	}{
		{"kerberos with a password file", []string{"--password-file", pw}},
		{"kerberos with neither a password nor a credential cache", nil},
		{"simple bind", []string{"--auth", "simple", "--password-file", pw}},
		{"ntlm bind", []string{"--auth", "ntlm", "--password-file", pw}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, accepted := listener(t)
			code, _, stderr := run(t, append([]string{"audit", "--server", addr, "--dns-server", addr}, tt.args...)...)
			if code != ExitUsage || !strings.Contains(stderr, "--user") {
				t.Errorf("exit %d, want %d with a message naming --user: %s", code, ExitUsage, stderr)
			}
			if n := accepted.Load(); n != 0 {
				t.Errorf("connected %d time(s) without a user", n)
			}
		})
	}
}
