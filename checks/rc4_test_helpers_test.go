package checks

import (
	"time"

	"github.com/spntrust/spntrust/audit"
)

// RC4-removal test builders.

func withKeys(a audit.Account, outcome string, etypes ...int32) audit.Account {
	a.Keys = &audit.AccountKeys{Outcome: outcome, Etypes: etypes}
	return a
}

func withEnc(a audit.Account, v uint32) audit.Account { a.SupportedEncryptionTypes = &v; return a }

func withPwdLastSet(a audit.Account, t time.Time) audit.Account { a.PwdLastSet = &t; return a }

func withUAC(a audit.Account, bits uint32) audit.Account { a.UserAccountControl |= bits; return a }

// aesSince gives the snapshot's domain its AES marker and a collection time.
func aesSince(s *audit.Snapshot, since, now time.Time) *audit.Snapshot {
	s.Domains[0].AESKeysSince = &since
	s.Collection.FinishedAt = now
	return s
}

var (
	marker  = time.Date(2010, 5, 1, 0, 0, 0, 0, time.UTC)
	before  = time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC)
	after   = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	auditAt = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
)
