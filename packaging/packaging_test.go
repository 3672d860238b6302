package packaging

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The path the units, the image and the README install spntrust at.
const installedBinary = "/usr/local/bin/spntrust"

// goTool is the go command of the toolchain running the tests.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// buildSpntrust builds the command (static, as make build does) once per test.
func buildSpntrust(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "spntrust")
	cmd := exec.Command(goTool(), "build", "-o", bin, "./cmd/spntrust")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/spntrust: %v\n%s", err, out)
	}
	return bin
}

// runArgs runs spntrust with args as a scheduler would start it and checks
// that every flag was taken: the run may then fail only at the directory
// (exit 3: no DC of the example domain answers) or at a file it names
// (exit 2), never at the command line itself.
func runArgs(t *testing.T, bin string, env []string, args []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "KRB5CCNAME=FILE:/nonexistent/cache"}, env...)
	out, err := cmd.CombinedOutput()
	code := cmd.ProcessState.ExitCode()
	if strings.Contains(string(out), "for usage") || strings.Contains(string(out), "unknown flag") || strings.Contains(string(out), "unknown shorthand") {
		t.Fatalf("spntrust %s: refused its command line (exit %d, %v):\n%s", strings.Join(args, " "), code, err, out)
	}
	if code != 2 && code != 3 {
		t.Fatalf("spntrust %s: exit %d (%v), want 3 (no DC answers) or 2 (a file):\n%s", strings.Join(args, " "), code, err, out)
	}
}

// unit is a systemd unit file: its directives in order, "Section.Key".
type unit struct {
	lines []string // Section.Key=value, continuation lines joined
}

func readUnit(t *testing.T, path string) unit {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var u unit
	section, cont := "", ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cont != "" {
			line = cont + " " + line
			cont = ""
		}
		if strings.HasSuffix(line, `\`) {
			cont = strings.TrimSuffix(line, `\`)
			continue
		}
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			u.lines = append(u.lines, section+"."+line)
		}
	}
	return u
}

// all returns every value of Section.Key, in order.
func (u unit) all(key string) []string {
	var out []string
	for _, l := range u.lines {
		if k, v, ok := strings.Cut(l, "="); ok && k == key {
			out = append(out, strings.Join(strings.Fields(v), " "))
		}
	}
	return out
}

func (u unit) one(t *testing.T, key string) string {
	t.Helper()
	v := u.all(key)
	if len(v) == 0 {
		t.Errorf("%s is not set", key)
		return ""
	}
	return v[len(v)-1]
}

// copyTree copies dir into a new temporary directory, replacing the
// installed binary's path with bin in every file: systemd-analyze verify
// checks that ExecStart's program exists.
func copyTree(t *testing.T, dir, bin string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), bytes.ReplaceAll(data, []byte(installedBinary), []byte(bin)), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// verify runs systemd-analyze verify; any message is a failure (it
// reports unknown directives as warnings and still exits 0).
func verify(t *testing.T, dir string, units ...string) (string, error) {
	t.Helper()
	args := []string{"verify", "--man=no"}
	for _, u := range units {
		args = append(args, filepath.Join(dir, u))
	}
	cmd := exec.Command("systemd-analyze", args...)
	cmd.Env = append(os.Environ(), "SYSTEMD_LOG_COLOR=0")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("SPNTRUST_LAB_REQUIRED") == "1" {
			t.Fatalf("%s is not installed (make test needs it)", name)
		}
		t.Skipf("%s is not installed: %v", name, err)
	}
}

func TestSystemdUnitsVerifyAndAreHardened(t *testing.T) {
	needTool(t, "systemd-analyze")
	bin := buildSpntrust(t)
	svc := readUnit(t, "systemd/spntrust-audit.service")
	drop := readUnit(t, "systemd/spntrust-audit.service.d/password-file.conf")
	timer := readUnit(t, "systemd/spntrust-audit.timer")

	// The units as shipped name the documented path.
	for _, u := range []unit{svc, drop} {
		for _, start := range u.all("Service.ExecStart") {
			if start != "" && !strings.HasPrefix(start, installedBinary+" audit ") {
				t.Errorf("ExecStart=%s: want %s audit ...", start, installedBinary)
			}
		}
	}

	t.Run("systemd-analyze verify, keytab", func(t *testing.T) {
		dir := copyTree(t, "systemd", bin)
		os.RemoveAll(filepath.Join(dir, "spntrust-audit.service.d"))
		if out, err := verify(t, dir, "spntrust-audit.service", "spntrust-audit.timer"); err != nil || out != "" {
			t.Errorf("systemd-analyze verify: %v\n%s", err, out)
		}
	})
	t.Run("systemd-analyze verify, password-file drop-in", func(t *testing.T) {
		dir := copyTree(t, "systemd", bin)
		if out, err := verify(t, dir, "spntrust-audit.service", "spntrust-audit.timer"); err != nil || out != "" {
			t.Errorf("systemd-analyze verify with the drop-in: %v\n%s", err, out)
		}
		// The check can fail: verify reads the drop-in, and a directive
		// it does not know is reported.
		f, _ := os.OpenFile(filepath.Join(dir, "spntrust-audit.service.d", "password-file.conf"), os.O_APPEND|os.O_WRONLY, 0)
		f.WriteString("ProtectSytem=strict\n")
		f.Close()
		if out, _ := verify(t, dir, "spntrust-audit.service"); !strings.Contains(out, "ProtectSytem") {
			t.Errorf("systemd-analyze verify did not report an unknown directive in the drop-in: %q", out)
		}
	})
	t.Run("systemd-analyze security", func(t *testing.T) {
		dir := copyTree(t, "systemd", bin)
		// Exposure on systemd's 0-10 scale, given as tenths: at most 2.0 ("OK").
		out, err := exec.Command("systemd-analyze", "security", "--offline=yes", "--threshold=20", filepath.Join(dir, "spntrust-audit.service")).CombinedOutput()
		if err != nil {
			t.Errorf("systemd-analyze security: exposure above 2.0 (%v):\n%s", err, out)
		}
		if m := regexp.MustCompile(`Overall exposure level for \S+: (\S+)`).FindSubmatch(out); m != nil {
			t.Logf("exposure %s", m[1])
		}
	})

	// What the issue asks of the service, beyond what verify checks.
	want := map[string]string{
		"Service.Type":            "oneshot",
		"Service.DynamicUser":     "yes",
		"Service.ProtectSystem":   "strict",
		"Service.StateDirectory":  "spntrust",
		"Service.NoNewPrivileges": "yes",
		"Service.LoadCredential":  "keytab:/etc/spntrust/auditor.keytab",
		"Service.Environment":     "HOME=/var/lib/spntrust",
	}
	for k, v := range want {
		if got := svc.one(t, k); got != v {
			t.Errorf("%s=%s, want %s", k, got, v)
		}
	}
	if got := svc.all("Service.Environment"); !contains(got, "SPNTRUST_HISTORY=/var/lib/spntrust/history.db") {
		t.Errorf("the service keeps no SQLite history in its state directory: Environment=%v", got)
	}
	if got := drop.all("Service.LoadCredential"); len(got) != 2 || got[0] != "" || got[1] != "password:/etc/spntrust/password" {
		t.Errorf("the drop-in's LoadCredential= %v: want the keytab reset and the password file loaded", got)
	}
	for k, v := range map[string]string{"Timer.Persistent": "true", "Timer.Unit": "spntrust-audit.service", "Install.WantedBy": "timers.target"} {
		if got := timer.one(t, k); got != v {
			t.Errorf("timer %s=%s, want %s", k, got, v)
		}
	}
	if timer.one(t, "Timer.OnCalendar") == "" {
		t.Error("the timer has no OnCalendar=")
	}

	// Credentials: from $CREDENTIALS_DIRECTORY (%d), never the command line.
	starts := map[string]string{"keytab": svc.one(t, "Service.ExecStart"), "password": drop.all("Service.ExecStart")[1]}
	for cred, start := range starts {
		if cred == "keytab" && !strings.Contains(start, " --keytab %d/keytab ") {
			t.Errorf("ExecStart does not read the keytab credential: %s", start)
		}
		if cred == "password" && !strings.Contains(start, " --password-file %d/password ") {
			t.Errorf("the drop-in's ExecStart does not read the password credential: %s", start)
		}
		if regexp.MustCompile(`(?i)password[= ][^%-]|SPNTRUST_PASSWORD`).MatchString(start) {
			t.Errorf("a password on the command line: %s", start)
		}
	}

	// The command lines, expanded as systemd expands them with the example
	// spntrust.env, are taken by spntrust.
	env := readEnvFile(t, "systemd/spntrust.env")
	for cred, start := range starts {
		t.Run("ExecStart with the "+cred, func(t *testing.T) {
			creds, state := t.TempDir(), t.TempDir()
			os.WriteFile(filepath.Join(creds, cred), []byte("not a real "+cred+"\n"), 0o600)
			args := expandExecStart(t, start, env, creds, state)
			runArgs(t, bin, []string{"SPNTRUST_HISTORY=" + filepath.Join(state, "history.db")}, args[1:])
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// readEnvFile reads an EnvironmentFile= (KEY=value, value optionally in
// double quotes).
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not KEY=value", path, line)
		}
		env[k] = strings.Trim(v, `"`)
	}
	for _, k := range []string{"SPNTRUST_DOMAIN", "SPNTRUST_USER"} {
		if env[k] == "" {
			t.Errorf("%s does not set %s, which ExecStart needs", path, k)
		}
	}
	return env
}

// expandExecStart expands a command line as systemd does: ${VAR} is one
// word, $VAR is split on white space, %d is the credentials directory; the
// state directory is moved to state.
func expandExecStart(t *testing.T, line string, env map[string]string, creds, state string) []string {
	t.Helper()
	var out []string
	for _, w := range strings.Fields(line) {
		switch {
		case strings.HasPrefix(w, "${") && strings.HasSuffix(w, "}"):
			out = append(out, env[strings.Trim(w, "${}")])
		case strings.HasPrefix(w, "$"):
			out = append(out, strings.Fields(env[w[1:]])...)
		default:
			w = strings.ReplaceAll(w, "%d", creds)
			out = append(out, strings.ReplaceAll(w, "/var/lib/spntrust", state))
		}
	}
	return out
}

// isStatic checks that bin is an ELF without a program interpreter or
// shared libraries.
func isStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s is dynamically linked (PT_INTERP)", bin)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("%s needs shared libraries %v", bin, libs)
	}
}
