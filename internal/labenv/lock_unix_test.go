//go:build unix

package labenv

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestUseLock(t *testing.T) {
	dir := t.TempDir()
	a := &Env{Dir: dir}
	b := &Env{Dir: dir}
	if err := a.lockShared(time.Second); err != nil {
		t.Fatal(err)
	}
	if err := b.lockShared(time.Second); err != nil {
		t.Fatalf("two shared holders: %v", err)
	}
	if err := a.lockExclusive(300 * time.Millisecond); err == nil {
		t.Fatal("exclusive lock granted while another test holds a shared one")
	}
	b.unlockShared()
	if err := a.lockExclusive(time.Second); err != nil {
		t.Fatalf("exclusive after the others ended: %v", err)
	}
	if err := b.lockShared(300 * time.Millisecond); err == nil {
		t.Fatal("shared lock granted while a DC is stopped (exclusive held)")
	}
	a.unlockExclusive()
	if err := b.lockShared(time.Second); err != nil {
		t.Fatalf("shared after the exclusive holder ended: %v", err)
	}
	b.unlockShared()
}

// TestUseLockTurnstile: while a writer waits for the use lock, new readers
// from other processes queue behind it (the turnstile is closed), so a
// stream of tests cannot starve a StopDC.
func TestUseLockTurnstile(t *testing.T) {
	if _, err := exec.LookPath("flock"); err != nil {
		t.Skip("flock(1) not installed")
	}
	dir := t.TempDir()
	reader, writer := &Env{Dir: dir}, &Env{Dir: dir}
	if err := reader.lockShared(time.Second); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- writer.lockExclusive(10 * time.Second) }()
	time.Sleep(300 * time.Millisecond) // the writer now waits with the turnstile closed
	other := exec.Command("flock", "-n", "-s", filepath.Join(dir, turnstileName), "true")
	if err := other.Run(); err == nil {
		t.Error("another process passed the turnstile while a writer waits")
	}
	reader.unlockShared()
	if err := <-done; err != nil {
		t.Fatalf("writer after the reader ended: %v", err)
	}
	writer.unlockExclusive()
	if err := exec.Command("flock", "-n", "-s", filepath.Join(dir, turnstileName), "true").Run(); err != nil {
		t.Errorf("turnstile still closed after the writer ended: %v", err)
	}
}
