package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// TestMakeBuildIsStaticAndStamped runs `make build` as a user does and
// checks what it gives: an ELF with no program interpreter and no shared
// library (so it runs on any Linux jump host, without the build host's libc),
// and `spntrust version` naming the version, commit, build date and Go.
func TestMakeBuildIsStaticAndStamped(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("checks an ELF binary; runs on Linux")
	}
	for _, tool := range []string{"make", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: %v", tool, err)
		}
	}
	bin := filepath.Join(t.TempDir(), "spntrust")
	cmd := exec.Command("make", "-C", "../..", "build", "BIN="+bin)
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1764633600") // reproducible builds' date
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}

	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("open the built binary: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("make build gave a dynamically linked binary: it has a PT_INTERP program header (build with CGO_ENABLED=0)")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil {
		t.Errorf("read the binary's imported libraries: %v", err)
	} else if len(libs) > 0 {
		t.Errorf("make build gave a binary needing shared libraries %v", libs)
	}

	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("spntrust version: %v", err)
	}
	want := map[string]*regexp.Regexp{
		"version":    regexp.MustCompile(`^spntrust \S+\n`),
		"commit":     regexp.MustCompile(`(?m)^  commit:   [0-9a-f]{40}(-dirty)?$`),
		"build date": regexp.MustCompile(`(?m)^  built:    2025-12-02T00:00:00Z$`),
		"go version": regexp.MustCompile(`(?m)^  go:       ` + regexp.QuoteMeta(runtime.Version()) + `$`),
	}
	for field, re := range want {
		if !re.Match(out) {
			t.Errorf("spntrust version does not print the %s (%s):\n%s", field, re, out)
		}
	}
	// The stamped version is what git describes, the same string the
	// reports and snapshots carry as their tool version.
	describe, err := exec.Command("git", "-C", "../..", "describe", "--tags", "--always", "--dirty").Output()
	if err == nil {
		if first := strings.SplitN(string(out), "\n", 2)[0]; first != "spntrust "+strings.TrimSpace(string(describe)) {
			t.Errorf("version line %q, want the git describe %q", first, strings.TrimSpace(string(describe)))
		}
	}
}
