package main

// Secrets: every command is run with a known, unique password, which must
// reach the directory (the bind) and nothing else: not stdout or stderr, not
// the snapshot, reports, history database, baseline, remediation scripts or
// backups, and not the argv or environment of a child process. spntrust
// spawns no child processes today; the monitor below asserts that too.
//
// The monitor samples /proc every millisecond while a command runs, so a
// child living less than that could slip through; a child that stays
// around long enough to matter (a shell, a kinit, a browser) is caught.

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"golang.org/x/crypto/md4" //nolint:staticcheck // the NT hash is MD4

	"github.com/spntrust/spntrust/internal/faultnet"
	"github.com/spntrust/spntrust/internal/labenv"
	"github.com/spntrust/spntrust/reports"
)

// uniquePassword returns a password no file or message contains by chance.
func uniquePassword(t *testing.T) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "Spn-Secret-" + hex.EncodeToString(b) + "!"
}

// childWatch records every process whose parent is this test process while
// it runs.
type childWatch struct {
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	seen map[int]string // pid → argv and environment (NUL-separated)
	// before are the children the test had when the watch began (the
	// history tests' PostgreSQL cluster): not the command's.
	before map[int]bool
}

func watchChildren(t *testing.T) *childWatch {
	t.Helper()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skipf("no /proc to watch child processes: %v", err)
	}
	w := &childWatch{stop: make(chan struct{}), done: make(chan struct{}), seen: map[int]string{}}
	self := os.Getpid()
	w.scan(self)
	w.before = map[int]bool{}
	for pid := range w.seen {
		w.before[pid] = true
	}
	w.seen = map[int]string{}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			w.scan(self)
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

func (w *childWatch) scan(self int) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may contain spaces and parens.
		rest := stat[bytes.LastIndexByte(stat, ')')+1:]
		fields := strings.Fields(string(rest))
		if len(fields) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid != self || w.before[pid] {
			continue
		}
		argv, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		env, _ := os.ReadFile("/proc/" + e.Name() + "/environ")
		// A child caught between fork and exec shows an empty (or the
		// parent's) command line: keep every distinct observation, so the
		// one after exec is seen too.
		obs := string(argv) + "\x00" + string(env)
		w.mu.Lock()
		if !strings.Contains(w.seen[pid], obs) {
			w.seen[pid] += obs + "\x00"
		}
		w.mu.Unlock()
	}
}

// end stops the watch and returns what was seen.
func (w *childWatch) end() map[int]string {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen
}

// secretRun is one command run for the secrets audit.
type secretRun struct {
	name     string
	args     []string
	env      map[string]string
	wantCode int // -1: any
}

// runSecretCommands runs every command with the child watch on and fails on
// any leak of pw in their output, their children or the files under dir.
func runSecretCommands(t *testing.T, pw, dir string, runs []secretRun) {
	t.Helper()
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			for k, v := range r.env {
				t.Setenv(k, v)
			}
			w := watchChildren(t)
			code, out, errOut := runLive(t, r.args...)
			children := w.end()
			if r.wantCode >= 0 && code != r.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, r.wantCode, out, errOut)
			}
			if strings.Contains(out, pw) {
				t.Errorf("the password appears on stdout")
			}
			if strings.Contains(errOut, pw) {
				t.Errorf("the password appears on stderr:\n%s", errOut)
			}
			for _, h := range ntHashForms(pw) {
				if strings.Contains(out, string(h)) || strings.Contains(errOut, string(h)) {
					t.Errorf("the password's NT hash (%d-byte form) appears on stdout or stderr", len(h))
				}
			}
			for pid, cmd := range children {
				argv, env, _ := strings.Cut(cmd, "\x00\x00")
				t.Errorf("spntrust spawned a child process %d: %q", pid, strings.ReplaceAll(argv, "\x00", " "))
				if strings.Contains(cmd, pw) {
					t.Errorf("child %d has the password in its argv or environment", pid)
				}
				_ = env
			}
		})
	}
	scanFiles(t, pw, dir)
}

// ntHashForms are the NT hash of pw (MD4 of its UTF-16LE form, what NTLM
// derives its keys from, and a secret like the password) as raw bytes and
// as lower- and upper-case hex.
func ntHashForms(pw string) [][]byte {
	h := md4.New()
	for _, r := range utf16.Encode([]rune(pw)) {
		h.Write([]byte{byte(r), byte(r >> 8)})
	}
	sum := h.Sum(nil)
	x := hex.EncodeToString(sum)
	return [][]byte{sum, []byte(x), []byte(strings.ToUpper(x))}
}

// sensitive are the files that must be private to their owner: snapshots,
// reports, history, baselines, backups and scripts. Everything spntrust
// writes falls under one of these, so every file it wrote must be 0600.
func scanFiles(t *testing.T, pw, dir string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if filepath.Base(path) == "password" {
			return nil // the input
		}
		n++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, []byte(pw)) {
			t.Errorf("%s contains the password", path)
		}
		// UTF-16LE, as unicodePwd or a PowerShell script would hold it.
		var u16 []byte
		for _, r := range pw {
			u16 = append(u16, byte(r), 0)
		}
		if bytes.Contains(data, u16) {
			t.Errorf("%s contains the password in UTF-16", path)
		}
		for _, h := range ntHashForms(pw) {
			if bytes.Contains(data, h) {
				t.Errorf("%s contains the password's NT hash (%d-byte form)", path, len(h))
			}
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if m := info.Mode().Perm(); m != 0o600 {
			t.Errorf("%s has mode %#o, want 0600", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("only %d files written under %s: the commands did not run", n, dir)
	}
	t.Logf("%d files checked", n)
}

// reportOutputs asks for every report format, each into its own file.
func reportOutputs(dir, prefix string) []string {
	var args []string
	for _, f := range reports.FormatNames() {
		args = append(args, "--output", f+"="+filepath.Join(dir, prefix+"."+f))
	}
	return args
}

func TestSecretsNeverLeakOffline(t *testing.T) {
	pw := uniquePassword(t)
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "password")
	if err := os.WriteFile(pwFile, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dc := faultnet.StartDC(t, "fault.test", faultnet.DCHealthy)
	dns := faultnet.StartDNS(t, faultnet.DNSZone)
	dns.Zone[dc.FQDN] = []string{faultnet.ClosedPortHost(t)}
	refused := faultnet.StartDC(t, "fault.test", faultnet.DCHealthy)
	refused.RejectBinds = true

	conn := func(addr, ca string, withFile bool) []string {
		a := []string{"--server", addr, "--auth", "simple", "--security", "ldaps", "--ca-file", ca,
			"--user", "auditor@FAULT.TEST", "--dns-server", dns.Addr, "--timeout", "5s"}
		if withFile {
			a = append(a, "--password-file", pwFile)
		}
		return a
	}
	snap := filepath.Join(dir, "snap.json")
	hist := filepath.Join(dir, "history.db")
	envHist := filepath.Join(dir, "env-history.db")
	env := map[string]string{passwordEnv: pw}
	noEnv := map[string]string{passwordEnv: ""}
	runs := []secretRun{
		{"audit with --password-file, snapshot, history and every report format",
			append(append(append([]string{"audit"}, conn(dc.Addr, dc.CAFile, true)...), "--save-snapshot", snap, "--history", hist), reportOutputs(dir, "file")...), noEnv, ExitOK},
		{"audit with $SPNTRUST_PASSWORD and history",
			append(append([]string{"audit"}, conn(dc.Addr, dc.CAFile, false)...), "--history", hist, "--save-snapshot", filepath.Join(dir, "snap-env.json")), env, ExitOK},
		{"audit with a refused password (password file)", append([]string{"audit"}, conn(refused.Addr, refused.CAFile, true)...), noEnv, ExitIncomplete},
		{"audit with a refused password ($SPNTRUST_PASSWORD)", append([]string{"audit", "--format", "json"}, conn(refused.Addr, refused.CAFile, false)...), env, ExitIncomplete},
		{"audit replayed from the snapshot in every format", append([]string{"audit", "--from", snap}, reportOutputs(dir, "replay")...), env, ExitOK},
		{"diff of the history", []string{"diff", "--history", hist}, env, -1},
		{"diff of the history as JSON", []string{"diff", "--history", hist, "--format", "json"}, env, -1},
		{"baseline create", []string{"baseline", "create", "--from", snap, "--out", filepath.Join(dir, "baseline.json"), "--owner", "secops", "--reason", "CHG-1"}, env, ExitOK},
		{"remediate from the snapshot", []string{"remediate", "--from", snap, "--out", filepath.Join(dir, "remediation")}, env, -1},
		{"remediate collected live", append([]string{"remediate", "--out", filepath.Join(dir, "remediation-live")}, conn(dc.Addr, dc.CAFile, true)...), noEnv, -1},
		{"fix dry run from the snapshot", []string{"fix", "--from", snap}, env, -1},
		{"fix dry run collected live", append([]string{"fix"}, conn(dc.Addr, dc.CAFile, false)...), env, -1},
		{"fix rollback of a missing backup", append([]string{"fix", "--rollback", filepath.Join(dir, "none.json"), "--apply"}, conn(dc.Addr, dc.CAFile, false)...), env, -1},
		{"audit recording into $SPNTRUST_HISTORY", append([]string{"audit", "--output", filepath.Join(dir, "env-history.txt")}, conn(dc.Addr, dc.CAFile, true)...),
			map[string]string{passwordEnv: "", historyEnv: envHist}, ExitOK},
		{"history import of the snapshot and the JSON report", []string{"history", "import", "--history", envHist, snap, filepath.Join(dir, "file.json")}, env, ExitOK},
		{"diff of $SPNTRUST_HISTORY", []string{"diff"}, map[string]string{passwordEnv: pw, historyEnv: envHist}, -1},
	}
	runSecretCommands(t, pw, dir, runs)
	got := dc.Passwords()
	if len(got) == 0 {
		t.Fatal("the fake DC received no bind: the password was never used")
	}
	for _, p := range got {
		if p != pw {
			t.Errorf("the DC received password %q, want the test's", p)
		}
	}
}

func TestLabSecretsNeverLeak(t *testing.T) {
	env := labenv.Require(t)
	t.Setenv("KRB5_CONFIG", "")
	t.Setenv("KRB5CCNAME", "FILE:/nonexistent/spntrust-no-cache")
	pw, err := env.AdminPassword()
	if err != nil {
		t.Fatal(err)
	}
	if len(pw) < 8 {
		t.Fatalf("the lab password is too short (%d) to search for without false hits", len(pw))
	}
	wrong := uniquePassword(t)
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "password")
	if err := os.WriteFile(pwFile, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dc1 := env.DCs[0]
	admin := env.AdminUser + "@" + dc1.Realm
	target := []string{"--domain", dc1.Domain, "--dns-server", dc1.IP, "--user", admin}
	withFile := append(append([]string(nil), target...), "--password-file", pwFile)
	snap := filepath.Join(dir, "snap.json")
	hist := filepath.Join(dir, "history.db")
	envHist := filepath.Join(dir, "env-history.db")
	pwEnv := map[string]string{passwordEnv: pw}
	noEnv := map[string]string{passwordEnv: ""}
	runs := []secretRun{
		{"audit (kerberos, password file), trusts, ticket probes, snapshot, history, every format",
			append(append(append([]string{"audit"}, withFile...), "--follow-trusts", "--probe-tickets", "--save-snapshot", snap, "--history", hist), reportOutputs(dir, "lab")...), noEnv, ExitOK},
		{"audit (kerberos, $SPNTRUST_PASSWORD)", append(append([]string{"audit"}, target...), "--history", hist, "--output", filepath.Join(dir, "env.txt")), pwEnv, ExitOK},
		{"audit (simple over LDAPS, password file)", append(append([]string{"audit", "--auth", "simple", "--ca-file", env.CAFile}, withFile...), "--output", filepath.Join(dir, "simple.txt")), noEnv, ExitOK},
		{"audit (ntlm, $SPNTRUST_PASSWORD)", append(append([]string{"audit", "--auth", "ntlm"}, target...), "--output", filepath.Join(dir, "ntlm.txt")), pwEnv, ExitOK},
		{"audit (ntlm sealed, DOMAIN\\user, trusts, history)", []string{"audit", "--auth", "ntlm", "--domain", dc1.Domain, "--dns-server", dc1.IP,
			"--user", dc1.NetBIOS + `\` + env.AdminUser, "--password-file", pwFile, "--follow-trusts", "--history", hist, "--output", filepath.Join(dir, "ntlm2.txt")}, noEnv, ExitOK},
		{"audit with a wrong password (ntlm)", append([]string{"audit", "--auth", "ntlm"}, target...), map[string]string{passwordEnv: wrong}, ExitIncomplete},
		{"audit with a wrong password (kerberos)", append([]string{"audit"}, target...), map[string]string{passwordEnv: wrong}, ExitIncomplete},
		{"audit with a wrong password (simple)", append([]string{"audit", "--auth", "simple", "--ca-file", env.CAFile}, target...), map[string]string{passwordEnv: wrong}, ExitIncomplete},
		{"probe", append([]string{"probe", "http://mp01.lab.test/", "--runs-as-computer"}, withFile...), noEnv, -1},
		{"probe as JSON with $SPNTRUST_PASSWORD", append([]string{"probe", "http://web01.lab.test/", "--runs-as-computer", "--format", "json"}, target...), pwEnv, -1},
		{"remediate collected live", append([]string{"remediate", "--out", filepath.Join(dir, "remediation")}, withFile...), noEnv, -1},
		{"fix dry run collected live", append([]string{"fix"}, target...), pwEnv, -1},
		{"diff of the history", []string{"diff", "--history", hist}, pwEnv, -1},
		{"baseline create", []string{"baseline", "create", "--from", snap, "--out", filepath.Join(dir, "baseline.json"), "--owner", "secops", "--reason", "CHG-1"}, pwEnv, ExitOK},
		{"audit (kerberos, password file) recording into $SPNTRUST_HISTORY", append(append([]string{"audit"}, withFile...), "--output", filepath.Join(dir, "env-history.txt")),
			map[string]string{passwordEnv: "", historyEnv: envHist}, ExitOK},
		{"history import of the snapshot and the JSON report", []string{"history", "import", "--history", envHist, snap, filepath.Join(dir, "lab.json")}, pwEnv, ExitOK},
		{"diff of $SPNTRUST_HISTORY", []string{"diff"}, map[string]string{passwordEnv: pw, historyEnv: envHist}, -1},
	}
	runSecretCommands(t, pw, dir, runs)
	// The wrong password must not appear either.
	scanFiles(t, wrong, dir)
}

// The watch itself must see a child, or the "no child" result means nothing.
func TestChildWatchSeesAChild(t *testing.T) {
	w := watchChildren(t)
	cmd := exec.Command("sleep", "0.2")
	cmd.Env = append(os.Environ(), "MARKER=spntrust-child-watch")
	if err := cmd.Run(); err != nil {
		t.Skipf("no sleep binary: %v", err)
	}
	seen := w.end()
	found := false
	for _, c := range seen {
		found = found || (strings.Contains(c, "sleep") && strings.Contains(c, "MARKER=spntrust-child-watch"))
	}
	if !found {
		t.Fatalf("the watch missed a 200 ms child: %v", seen)
	}
}
