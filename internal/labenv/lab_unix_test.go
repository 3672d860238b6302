//go:build unix

package labenv_test

import (
	"os"
	"syscall"
	"testing"

	"github.com/spntrust/spntrust/internal/labenv"
)

// TestLabRequireExclusive proves that RequireExclusive holds the use lock so
// that a Require in another test (or process) would wait.
func TestLabRequireExclusive(t *testing.T) {
	env := labenv.RequireExclusive(t)
	f, err := os.Open(env.Dir + "/.in-use.lock")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err == nil {
		t.Error("a shared lock was granted while RequireExclusive holds the lab")
	}
}
