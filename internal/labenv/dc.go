package labenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Timeouts for the lab.sh calls StopDC and StartDC make: stop waits 20 s for
// samba to exit before KILL; start waits up to 120 s for the DC to be healthy.
const (
	stopTimeout  = 60 * time.Second
	startTimeout = 180 * time.Second
	// exclusiveWait bounds how long StopDC waits for other lab tests (other
	// test processes or parallel tests holding Require's shared lock) to end.
	exclusiveWait = 3 * time.Minute
)

// Script returns the path of the lab.sh that wrote the lab.env (LAB_SCRIPT),
// else testdata/lab/lab.sh found by walking up from the working directory to
// the module root.
func (e *Env) Script() (string, error) {
	if p := e.Vars["LAB_SCRIPT"]; p != "" {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "testdata", "lab", "lab.sh")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", errors.New("lab.sh not found: lab.env has no LAB_SCRIPT and no testdata/lab/lab.sh above the working directory")
}

// dcNumber validates n (1-based, as in `lab.sh stop-dc N`) against e.DCs.
func (e *Env) dcNumber(n int) error {
	if n < 1 || n > len(e.DCs) {
		return fmt.Errorf("DC number %d out of range: the lab has DC1..DC%d (1 = %s)", n, len(e.DCs), e.DCs[0].Domain)
	}
	return nil
}

// runScript runs `lab.sh args...` for this lab (its LAB_DIR, LAB_BASE and
// LAB_HOSTNET), bounded by timeout.
func (e *Env) runScript(timeout time.Duration, args ...string) error {
	script, err := e.Script()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, script, args...)
	// LAB_USE_LOCK_HELD: StopDC holds the use lock already; lab.sh must not
	// wait for it (it would wait for this very process).
	cmd.Env = append(os.Environ(), "LAB_DIR="+e.Dir, "LAB_USE_LOCK_HELD=1")
	if len(e.DCs) > 0 {
		cmd.Env = append(cmd.Env, "LAB_BASE="+e.DCs[0].IP)
	}
	if e.HostNet != "" {
		cmd.Env = append(cmd.Env, "LAB_HOSTNET="+e.HostNet)
	}
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return fmt.Errorf("%s %s: no result after %v:\n%s", script, strings.Join(args, " "), timeout, out)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w:\n%s", script, strings.Join(args, " "), err, out)
	}
	return nil
}

// refreshPIDs re-reads lab.env for the DCs' current pids (start-dc rewrites it).
func (e *Env) refreshPIDs() {
	p := e.Path
	if p == "" {
		p = Path()
	}
	f, err := os.Open(p)
	if err != nil {
		return
	}
	defer f.Close()
	fresh, err := Parse(f)
	if err != nil {
		return
	}
	for i := range e.DCs {
		if i < len(fresh.DCs) {
			e.DCs[i].PID = fresh.DCs[i].PID
		}
	}
}

// needRoot ends the test when this process cannot drive lab.sh: t.Fatal under
// SPNTRUST_LAB_REQUIRED=1, t.Skip otherwise.
func needRoot(t testing.TB, what string) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	msg := what + " needs root (lab.sh stops and starts the DC's samba): run the tests as root, as `sudo make test` does"
	if Required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// StopDC stops lab DC number n (1 = DC1 lab.test, 2 = DC2 partner.test,
// 3 = DC3 extern.test, as in `lab.sh stop-dc N`) and registers a t.Cleanup
// that starts it again and waits until its LDAP, Kerberos, DNS and local RPC
// answer (`lab.sh start-dc N`). Needs root.
//
// Other lab tests must not see a DC vanish under them: Require holds a shared
// lock on the lab for the duration of each test, and StopDC first trades the
// shared lock of e (call it on the Env that Require returned to this test) for
// an exclusive one, waiting (bounded) until every other lab test has ended;
// tests that call Require meanwhile wait until the DC is back. A parent test
// that holds its own Env while a subtest calls StopDC would wait for itself:
// StopDC then fails after a bounded wait, naming the lock.
func (e *Env) StopDC(t testing.TB, n int) {
	t.Helper()
	if err := e.dcNumber(n); err != nil {
		t.Fatal(err)
	}
	needRoot(t, "StopDC")
	if err := e.lockExclusive(exclusiveWait); err != nil {
		t.Fatalf("StopDC(%d): %v", n, err)
	}
	t.Cleanup(func() {
		defer e.unlockExclusive()
		if err := e.runScript(startTimeout, "start-dc", fmt.Sprint(n)); err != nil {
			t.Errorf("restarting DC%d after the test: %v (bring the lab back with `sudo testdata/lab/lab.sh up`)", n, err)
			return
		}
		e.refreshPIDs()
	})
	if err := e.runScript(stopTimeout, "stop-dc", fmt.Sprint(n)); err != nil {
		t.Fatalf("StopDC(%d): %v", n, err)
	}
	e.refreshPIDs()
}

// StartDC starts lab DC number n (1-based) if it is not running and waits
// until it is healthy (`lab.sh start-dc N`). StopDC's cleanup does this
// already; StartDC is for a test that wants the DC back before it ends.
// Needs root.
func (e *Env) StartDC(t testing.TB, n int) {
	t.Helper()
	if err := e.dcNumber(n); err != nil {
		t.Fatal(err)
	}
	needRoot(t, "StartDC")
	if err := e.runScript(startTimeout, "start-dc", fmt.Sprint(n)); err != nil {
		t.Fatalf("StartDC(%d): %v", n, err)
	}
	e.refreshPIDs()
}

// RequireExclusive is Require for a test that changes the lab (writes to a
// directory, restarts a DC, ...): it holds the lab's use lock exclusively
// until the test ends, waiting (bounded) until every other lab test has ended
// (they hold it shared through Require), and other lab tests wait while it
// runs. So no other test sees the change. Call it instead of Require, not
// inside a test whose parent holds its own Require'd Env: the parent's shared
// lock would make it wait for itself (it fails after a bounded wait).
func RequireExclusive(t testing.TB) *Env {
	t.Helper()
	e := Require(t)
	if err := e.lockExclusive(exclusiveWait); err != nil {
		t.Fatalf("RequireExclusive: %v", err)
	}
	return e
}
