package collect

import (
	"context"
	"time"

	"github.com/spntrust/spntrust/ldapx"

	"github.com/spntrust/spntrust/audit"
)

// KDCClock asks the KDC at addr (host:port) for its time — from the
// KRB-ERROR it returns to a credential-free AS-REQ — and returns a clock
// sample. now is the local clock (a seam for tests).
func KDCClock(ctx context.Context, addr, realm string, timeout time.Duration, now func() time.Time) (audit.ClockSample, error) {
	k, err := ldapx.ProbeKDCTime(ctx, addr, realm, "", timeout, now)
	if err != nil {
		return audit.ClockSample{}, err
	}
	rtt := k.LocalAfter.Sub(k.LocalBefore)
	return audit.ClockSample{
		Source:      "kdc:" + addr,
		RemoteTime:  k.KDCTime.UTC(),
		LocalTime:   k.LocalBefore.Add(rtt / 2).UTC(),
		RoundTripMs: float64(rtt) / float64(time.Millisecond),
	}, nil
}
