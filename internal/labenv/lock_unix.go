//go:build unix

package labenv

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// useLockName is the file in LAB_DIR that lab tests hold a shared flock on
// (Require) and that StopDC holds exclusively while a DC is down.
//
// turnstileName is taken exclusively by a writer (StopDC, RequireExclusive,
// lab.sh) while it waits for the use lock, and briefly shared by every new
// reader before it takes the use lock: new readers queue behind a waiting
// writer instead of starving it (test after test in another process would
// otherwise always hold the use lock shared).
const (
	useLockName   = ".in-use.lock"
	turnstileName = ".in-use.wait"
)

// held counts the shared use locks this process holds. A process that holds
// one already skips the turnstile (a nested or parallel Require in the same
// test binary must not queue behind a writer that waits for that very lock).
var held struct {
	sync.Mutex
	n int
}

// flockWait takes a flock (syscall.LOCK_SH or LOCK_EX) on f, polling so that
// the wait is bounded.
func flockWait(f *os.File, how int, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if err != syscall.EWOULDBLOCK && err != syscall.EINTR {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s still locked after %v", f.Name(), wait)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// openUseLock opens (creating it when allowed) the lab's use lock; nil when
// this process cannot (e.g. not root and lab.sh has not created it yet).
func (e *Env) openUseLock() *os.File { return e.openLockFile(useLockName) }

func (e *Env) openLockFile(name string) *os.File {
	p := filepath.Join(e.Dir, name)
	f, err := os.OpenFile(p, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		f, err = os.Open(p)
		if err != nil {
			return nil
		}
	}
	return f
}

// lockShared holds a shared lock on the lab until unlockShared: the lab is
// in use by a test. A DC being stopped by another test (StopDC) makes this
// wait, bounded by wait.
func (e *Env) lockShared(wait time.Duration) error {
	f := e.openUseLock()
	if f == nil {
		return nil // no lock file we may open: run unprotected
	}
	held.Lock()
	reentrant := held.n > 0
	held.Unlock()
	if !reentrant {
		if ts := e.openLockFile(turnstileName); ts != nil {
			err := flockWait(ts, syscall.LOCK_SH, wait)
			defer ts.Close() // pass the turnstile: released once the use lock is ours
			if err != nil {
				f.Close()
				return fmt.Errorf("waiting for a test or lab.sh that changes the lab (StopDC, RequireExclusive, scale swap): %w", err)
			}
		}
	}
	if err := flockWait(f, syscall.LOCK_SH, wait); err != nil {
		f.Close()
		return fmt.Errorf("waiting for a test or lab.sh that changes the lab (StopDC, RequireExclusive, scale swap): %w", err)
	}
	held.Lock()
	held.n++
	held.Unlock()
	e.shared = f
	return nil
}

func (e *Env) unlockShared() {
	if e.shared != nil {
		e.shared.Close() // closing the descriptor releases the flock
		e.shared = nil
		held.Lock()
		held.n--
		held.Unlock()
	}
}

// lockExclusive trades e's shared lock for an exclusive one, waiting until
// no other lab test holds the lab.
func (e *Env) lockExclusive(wait time.Duration) error {
	e.unlockShared()
	if e.exclusive != nil {
		return nil
	}
	f := e.openUseLock()
	if f == nil {
		return fmt.Errorf("cannot open %s", filepath.Join(e.Dir, useLockName))
	}
	// Close the turnstile to new readers while waiting for the current ones.
	if ts := e.openLockFile(turnstileName); ts != nil {
		defer ts.Close()
		if err := flockWait(ts, syscall.LOCK_EX, wait); err != nil {
			f.Close()
			return fmt.Errorf("another test or lab.sh is changing the lab: %w", err)
		}
	}
	if err := flockWait(f, syscall.LOCK_EX, wait); err != nil {
		f.Close()
		return fmt.Errorf("other lab tests are still running (each holds a shared lock from labenv.Require until it ends; "+
			"a parent test's Env counts too: call StopDC on the Env Require returned to this test): %w", err)
	}
	e.exclusive = f
	return nil
}

func (e *Env) unlockExclusive() {
	if e.exclusive != nil {
		e.exclusive.Close()
		e.exclusive = nil
	}
}
