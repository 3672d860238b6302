//go:build linux

package winetest

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// generatedAt matches the one thing two runs of the same report differ in:
// the moment it was written (json's generatedAt, markdown's "generated"
// line). The two builds cannot run at the same instant, and the binaries
// have no flag to fix the clock (tests in cmd/spntrust inject one in
// process), so exactly these are blanked before comparing.
var generatedAt = regexp.MustCompile(`("generatedAt": ")[^"]*(")|(generated )\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC`)

func normalise(b []byte) []byte {
	return generatedAt.ReplaceAll(b, []byte("${1}${3}<time>${2}"))
}

// The Windows build gives the Linux build's output, exit code and files for
// every offline command, byte for byte (reports: apart from the time they
// were generated).
func TestWineOfflineCommandsMatchLinux(t *testing.T) {
	w := Require(t)
	root := ModuleRoot(t)
	lin := Build(t, "linux", "./cmd/spntrust")
	win := Build(t, "windows", "./cmd/spntrust")
	seed := "testdata/snapshots/seed.json"
	cases := []struct {
		name string
		args []string
	}{
		{"checks list", []string{"checks", "list"}},
		{"checks list json", []string{"checks", "list", "--format", "json"}},
		{"checks explain", []string{"checks", "explain", "SPN-USER-HOST-ALIAS"}},
		{"checks explain of an unknown check", []string{"checks", "explain", "NOPE-1"}},
		{"explain codes", []string{"explain", "2148074254", "-2146893042", "0x80090322", "KRB_AP_ERR_SKEW", "401.1", "5"}},
		{"explain json", []string{"explain", "--format", "json", "0xC000018B", "KDC_ERR_S_PRINCIPAL_UNKNOWN"}},
		{"explain of an unknown code", []string{"explain", "not-a-code"}},
		{"iislog", []string{"iislog", "iislog/testdata/app01/u_ex261124.log.gz"}},
		{"iislog json since", []string{"iislog", "--format", "json", "--since", "2026-11-24T00:00:00Z", "iislog/testdata/app01/u_ex261124.log.gz"}},
		{"audit fail-on", []string{"audit", "--from", seed, "--fail-on", "high"}},
		{"audit checks filter", []string{"audit", "--from", seed, "--checks", "SPN-DUPLICATE,TRUST-INVENTORY", "--format", "json"}},
		{"audit bad flag", []string{"audit", "--from", seed, "--format", "xml"}},
	}
	for _, f := range []string{"text", "json", "html", "csv", "markdown", "junit", "sarif", "prometheus"} {
		cases = append(cases, struct {
			name string
			args []string
		}{"audit --format " + f, []string{"audit", "--from", seed, "--format", f}})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := RunLinux(t, root, lin, tc.args...)
			r := w.Run(t, root, nil, win, tc.args...)
			if l.Code != r.Code {
				t.Errorf("exit %d under wine, %d on Linux\nwine stderr: %s\nlinux stderr: %s", r.Code, l.Code, r.Stderr, l.Stderr)
			}
			if !bytes.Equal(normalise(l.Stdout), normalise(r.Stdout)) {
				t.Errorf("stdout differs\n--- linux\n%s\n--- wine\n%s", l.Stdout, r.Stdout)
			}
			if !bytes.Equal(l.Stderr, r.Stderr) {
				t.Errorf("stderr differs\n--- linux\n%s\n--- wine\n%s", l.Stderr, r.Stderr)
			}
		})
	}
}

// --output FORMAT=FILE for every format, and remediate's scripts, are the
// same files on both builds.
func TestWineWrittenFilesMatchLinux(t *testing.T) {
	w := Require(t)
	root := ModuleRoot(t)
	lin := Build(t, "linux", "./cmd/spntrust")
	win := Build(t, "windows", "./cmd/spntrust")
	seed := "testdata/snapshots/seed.json"
	ld, wd := t.TempDir(), t.TempDir()
	formats := []string{"text", "json", "html", "csv", "markdown", "junit", "sarif", "prometheus"}
	outs := func(dir string, winPaths bool) []string {
		args := []string{"audit", "--from", seed}
		for _, f := range formats {
			p := filepath.Join(dir, "report."+f)
			if winPaths {
				p = WinPath(p)
			}
			args = append(args, "--output", f+"="+p)
		}
		return args
	}
	if l := RunLinux(t, root, lin, outs(ld, false)...); l.Code != 0 {
		t.Fatalf("linux audit: exit %d: %s", l.Code, l.Stderr)
	}
	if r := w.Run(t, root, nil, win, outs(wd, true)...); r.Code != 0 {
		t.Fatalf("wine audit: exit %d: %s", r.Code, r.Stderr)
	}
	for _, s := range []string{"move-port", "remove"} {
		if l := RunLinux(t, root, lin, "remediate", "--from", seed, "--strategy", s, "--out", filepath.Join(ld, s)); l.Code != 0 {
			t.Fatalf("linux remediate: exit %d: %s", l.Code, l.Stderr)
		}
		if r := w.Run(t, root, nil, win, "remediate", "--from", seed, "--strategy", s, "--out", WinPath(filepath.Join(wd, s))); r.Code != 0 {
			t.Fatalf("wine remediate: exit %d: %s", r.Code, r.Stderr)
		}
	}
	n := 0
	err := filepath.Walk(ld, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(ld, p)
		lb, _ := os.ReadFile(p)
		wb, err := os.ReadFile(filepath.Join(wd, rel))
		if err != nil {
			t.Errorf("%s: written on Linux, not under wine: %v", rel, err)
			return nil
		}
		n++
		if !bytes.Equal(normalise(lb), normalise(wb)) {
			t.Errorf("%s differs between the builds", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < len(formats)+2*7 {
		t.Errorf("compared %d files, want %d reports and 7 remediation files per strategy", n, len(formats))
	}
}

// internal/atomicfile's Windows test passes under wine: a write replaces
// the file and leaves no temporary. (Its owner-only ACL check runs on
// Windows only: wine keeps no file DACLs.)
func TestWineAtomicfileTests(t *testing.T) {
	w := Require(t)
	exe := BuildTest(t, "./internal/atomicfile")
	// Only the Windows tests: the others use t.TempDir, whose cleanup
	// (os.RemoveAll) fails under wine 8 with "Invalid function".
	r := w.Run(t, t.TempDir(), nil, exe, "-test.v", "-test.count=1", "-test.run", "Windows")
	if r.Code != 0 || !bytes.Contains(r.Stdout, []byte("--- PASS: TestWindowsWritesReplaceAndProtect")) {
		t.Errorf("atomicfile tests under wine: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}

// ldapx's Windows tests pass under wine: the adapters' DNS servers (what a
// Windows audit asks without --dns-server) and the machine's domain.
func TestWineLdapxWindowsTests(t *testing.T) {
	w := Require(t)
	exe := BuildTest(t, "./ldapx")
	r := w.Run(t, t.TempDir(), nil, exe, "-test.v", "-test.count=1", "-test.run", "^TestWindows")
	if r.Code != 0 || !bytes.Contains(r.Stdout, []byte("--- PASS: TestWindowsMachineDomainFallsBackToUserDNSDomain")) ||
		!bytes.Contains(r.Stdout, []byte("TestWindowsSystemDNSServers")) {
		t.Errorf("ldapx Windows tests under wine: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	t.Logf("%s", r.Stdout)
}
