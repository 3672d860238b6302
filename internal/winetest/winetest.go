//go:build linux

// Package winetest runs the Windows build of spntrust and its tools under
// wine (Debian's wine and wine64) for the tests that prove the Windows side:
// the offline commands give the Linux build's results, the generated .cmd
// scripts run under wine's cmd.exe against the setspn.exe stand-in.
//
// Without wine the tests skip and say how to get it; with
// SPNTRUST_WINE_REQUIRED=1 (make test, make wine-test) a missing wine fails
// them. The wine prefix is made once (wineboot takes seconds to minutes) in
// $SPNTRUST_WINEPREFIX or a directory under the system's temporary
// directory, and reused by later runs; a file lock keeps parallel test
// processes from booting it twice.
//
// Go 1.24 and later need bcryptprimitives.dll (ProcessPrng), which wine 8.0
// lacks: the prefix gets a bcryptprimitives.dll whose only export forwards
// ProcessPrng to advapi32's SystemFunction036 (RtlGenRandom, the same
// system random number generator), linked from a .def file with
// binutils-mingw-w64's ld. Newer wine ships its own; it is then left alone.
package winetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RequiredEnv makes a missing wine a test failure instead of a skip.
const RequiredEnv = "SPNTRUST_WINE_REQUIRED"

// PrefixEnv names a wine prefix directory to create or reuse.
const PrefixEnv = "SPNTRUST_WINEPREFIX"

const installHint = "apt-get install wine wine64 binutils-mingw-w64-x86-64 (or make wine-deps)"

// Wine is a ready wine prefix.
type Wine struct {
	Bin    string // the wine launcher
	Prefix string // WINEPREFIX
}

var (
	setupOnce sync.Once
	setupWine *Wine
	setupErr  error
	skipMsg   string

	buildMu sync.Mutex
	builds  = map[string]string{}
	tmpDir  string
)

// Require returns the prefix, skipping the test (or failing it under
// SPNTRUST_WINE_REQUIRED=1) when wine or the linker is not installed.
func Require(t testing.TB) *Wine {
	t.Helper()
	setupOnce.Do(func() { setupWine, skipMsg, setupErr = setup() })
	if skipMsg != "" {
		if os.Getenv(RequiredEnv) == "1" {
			t.Fatalf("%s=1 but %s: %s", RequiredEnv, skipMsg, installHint)
		}
		t.Skipf("%s: %s; set %s=1 to make this a failure", skipMsg, installHint, RequiredEnv)
	}
	if setupErr != nil {
		t.Fatalf("set up the wine prefix: %v", setupErr)
	}
	return setupWine
}

func setup() (*Wine, string, error) {
	bin, err := exec.LookPath("wine")
	if err != nil {
		return nil, "wine is not installed", nil
	}
	ld, err := exec.LookPath("x86_64-w64-mingw32-ld")
	if err != nil {
		return nil, "x86_64-w64-mingw32-ld (to link bcryptprimitives.dll for Go's runtime) is not installed", nil
	}
	prefix := os.Getenv(PrefixEnv)
	if prefix == "" {
		prefix = filepath.Join(os.TempDir(), fmt.Sprintf("spntrust-wineprefix-%d", os.Getuid()))
	}
	prefix, err = filepath.Abs(prefix)
	if err != nil {
		return nil, "", err
	}
	w := &Wine{Bin: bin, Prefix: prefix}
	lock, err := os.OpenFile(prefix+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, "", fmt.Errorf("lock file for %s: %w", prefix, err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, "", fmt.Errorf("lock %s: %w", prefix, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	ready := filepath.Join(prefix, ".spntrust-ready")
	if _, err := os.Stat(ready); err == nil {
		w.persist()
		return w, "", nil
	}
	// A prefix without the marker is half made (an interrupted boot):
	// start again.
	if err := os.RemoveAll(prefix); err != nil {
		return nil, "", fmt.Errorf("remove half-made wine prefix %s: %w", prefix, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	boot := exec.CommandContext(ctx, bin, "wineboot", "--init")
	boot.Env = w.env(nil)
	if out, err := boot.CombinedOutput(); err != nil {
		return nil, "", fmt.Errorf("wineboot --init in %s: %w\n%s", prefix, err, out)
	}
	// wineboot returns before the prefix's server has written everything.
	wait := exec.CommandContext(ctx, "wineserver", "-w")
	wait.Env = w.env(nil)
	_ = wait.Run()
	sys32 := filepath.Join(prefix, "drive_c", "windows", "system32")
	if _, err := os.Stat(filepath.Join(sys32, "bcryptprimitives.dll")); errors.Is(err, os.ErrNotExist) {
		if err := linkProcessPrng(ctx, ld, sys32); err != nil {
			return nil, "", err
		}
	}
	if err := os.WriteFile(ready, []byte("spntrust wine prefix\n"), 0o600); err != nil {
		return nil, "", err
	}
	w.persist()
	return w, "", nil
}

// persist starts the prefix's wineserver so that it stays 60 seconds
// after its last client. With the default (3 seconds) a test's next wine
// process could connect to a server that was just exiting and fail at
// once, with exit code 1 and no output. The server exits by itself a
// minute after the tests.
func (w *Wine) persist() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := exec.CommandContext(ctx, "wineserver", "-p60")
	start.Env = w.env(nil)
	// Exits 2 if a server already runs for the prefix (usually the one an
	// earlier test run left, which persists too): that one is used.
	_ = start.Run()
}

// bcryptprimitivesDef exports ProcessPrng as a forwarder: no code, the
// loader resolves it to advapi32.SystemFunction036 (BOOLEAN RtlGenRandom(PVOID,
// ULONG)), which fills the buffer from the system RNG and returns TRUE, as
// ProcessPrng does. Buffers Go asks for are far below 4 GiB.
const bcryptprimitivesDef = "LIBRARY bcryptprimitives.dll\nEXPORTS\n    ProcessPrng = advapi32.SystemFunction036\n"

func linkProcessPrng(ctx context.Context, ld, sys32 string) error {
	dir, err := os.MkdirTemp("", "spntrust-bcryptprimitives-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	def := filepath.Join(dir, "bcryptprimitives.def")
	if err := os.WriteFile(def, []byte(bcryptprimitivesDef), 0o600); err != nil {
		return err
	}
	out := filepath.Join(dir, "bcryptprimitives.dll")
	cmd := exec.CommandContext(ctx, ld, "--dll", "-nostdlib", "--entry", "0", "--no-insert-timestamp", "-o", out, def)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("link bcryptprimitives.dll: %w\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(sys32, "bcryptprimitives.dll"), b, 0o644)
}

// env is the environment of every wine process: the prefix, no debug
// chatter, no dialogs offering to install Mono or Gecko, no display.
func (w *Wine) env(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "WINEPREFIX", "WINEDEBUG", "WINEDLLOVERRIDES", "DISPLAY", "WAYLAND_DISPLAY", "WINEPATH",
			"KRB5CCNAME", "KRB5_CONFIG", "SPNTRUST_PASSWORD": // Kerberos only as a test asks
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "WINEPREFIX="+w.Prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=")
	return append(env, extra...)
}

// Result is what one process did.
type Result struct {
	Code           int
	Stdout, Stderr []byte
}

// Run runs a Windows program (or a wine built-in such as cmd) with args in
// dir, with extra environment variables (also seen by Windows programs),
// bounded by two minutes.
//
// A process that fails without printing anything at all did not start:
// every program run here prints something on every path, while wine 8
// sometimes fails a start (exit 1, no output) when its server is busy or
// going away. Such a run is logged and tried once more.
func (w *Wine) Run(t testing.TB, dir string, extra []string, prog string, args ...string) Result {
	t.Helper()
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, w.Bin, append([]string{prog}, args...)...)
		cmd.Dir = dir
		cmd.Env = w.env(extra)
		r := run(t, ctx, cmd)
		cancel()
		if r.Code == 0 || len(r.Stdout) > 0 || len(r.Stderr) > 0 || attempt == 2 {
			return r
		}
		t.Logf("wine %s: exit %d without any output (a failed start); trying once more", prog, r.Code)
	}
}

// RunLinux runs a Linux program the same way, for comparisons.
func RunLinux(t testing.TB, dir string, prog string, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Dir = dir
	return run(t, ctx, cmd)
}

func run(t testing.TB, ctx context.Context, cmd *exec.Cmd) Result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%v: timed out (%v)\n%s%s", cmd.Args, ctx.Err(), out.Bytes(), errb.Bytes())
	}
	var ee *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	return Result{Code: code, Stdout: out.Bytes(), Stderr: errb.Bytes()}
}

// ModuleRoot is the directory of go.mod, found from this package's tests'
// working directory.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s", dir)
		}
	}
}

// Build compiles the package at pkg (relative to the module root, e.g.
// "./cmd/spntrust") for goos/amd64 once per test process and returns the
// binary's path.
func Build(t testing.TB, goos, pkg string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	key := goos + " " + pkg
	if p, ok := builds[key]; ok {
		return p
	}
	if tmpDir == "" {
		d, err := os.MkdirTemp("", "spntrust-winetest-")
		if err != nil {
			t.Fatal(err)
		}
		tmpDir = d
	}
	name := filepath.Base(pkg) + "-" + goos
	if goos == "windows" {
		name = filepath.Join(goos, filepath.Base(pkg)+".exe")
	}
	out := filepath.Join(tmpDir, name)
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(gobin, "build", "-o", out, pkg)
	cmd.Dir = ModuleRoot(t)
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=%s go build %s: %v\n%s", goos, pkg, err, b)
	}
	builds[key] = out
	return out
}

// BuildTest compiles the tests of pkg for Windows (go test -c) once per test
// process, to run them under wine.
func BuildTest(t testing.TB, pkg string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	key := "test " + pkg
	if p, ok := builds[key]; ok {
		return p
	}
	if tmpDir == "" {
		d, err := os.MkdirTemp("", "spntrust-winetest-")
		if err != nil {
			t.Fatal(err)
		}
		tmpDir = d
	}
	out := filepath.Join(tmpDir, "windows", filepath.Base(pkg)+".test.exe")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "test", "-c", "-o", out, pkg)
	cmd.Dir = ModuleRoot(t)
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=windows go test -c %s: %v\n%s", pkg, err, b)
	}
	builds[key] = out
	return out
}

// WinPath is the path wine's Z: drive gives a Unix path.
func WinPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return "Z:" + strings.ReplaceAll(p, "/", `\`)
}

// Cleanup removes the binaries Build and BuildTest made; call it from
// TestMain after the tests ran.
func Cleanup() {
	buildMu.Lock()
	defer buildMu.Unlock()
	if tmpDir != "" {
		os.RemoveAll(tmpDir)
		tmpDir = ""
		builds = map[string]string{}
	}
}
