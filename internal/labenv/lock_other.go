//go:build !unix

package labenv

import "time"

// The lab runs on Linux only; elsewhere the use lock is a no-op.
func (e *Env) lockShared(time.Duration) error    { return nil }
func (e *Env) unlockShared()                     {}
func (e *Env) lockExclusive(time.Duration) error { return nil }
func (e *Env) unlockExclusive()                  {}
