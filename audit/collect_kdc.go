package audit

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// kdcClockProbePrincipal is the client name of the clock probe. The KDC
// answers an AS-REQ without pre-authentication for it with a KRB-ERROR
// (C_PRINCIPAL_UNKNOWN, or PREAUTH_REQUIRED should such an account exist),
// and every KRB-ERROR carries the KDC's clock (stime, susec; RFC 4120 5.9.1).
// No credential is needed or sent.
const kdcClockProbePrincipal = "spntrust-clock-probe"

// maxKDCReply bounds the reply read from a KDC.
const maxKDCReply = 1 << 20

// KDCClock asks the KDC at addr (host:port) for its time and returns a
// clock sample. now is the local clock (a seam for tests).
func KDCClock(ctx context.Context, addr, realm string, now func() time.Time) (ClockSample, error) {
	req, err := messages.NewASReqForTGT(realm, config.New(), types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, kdcClockProbePrincipal))
	if err != nil {
		return ClockSample{}, fmt.Errorf("build clock probe for %s: %w", realm, err)
	}
	b, err := req.Marshal()
	if err != nil {
		return ClockSample{}, fmt.Errorf("encode clock probe for %s: %w", realm, err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return ClockSample{}, fmt.Errorf("KDC %s: %w", addr, err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	frame := make([]byte, 4+len(b))
	binary.BigEndian.PutUint32(frame, uint32(len(b)))
	copy(frame[4:], b)

	sent := now()
	if _, err := conn.Write(frame); err != nil {
		return ClockSample{}, fmt.Errorf("KDC %s: send: %w", addr, err)
	}
	var lenBuf [4]byte
	if _, err := io.ReadFull(conn, lenBuf[:]); err != nil {
		return ClockSample{}, fmt.Errorf("KDC %s: read reply: %w", addr, err)
	}
	n := binary.BigEndian.Uint32(lenBuf[:])
	if n == 0 || n > maxKDCReply {
		return ClockSample{}, fmt.Errorf("KDC %s: reply length %d is not plausible", addr, n)
	}
	reply := make([]byte, n)
	if _, err := io.ReadFull(conn, reply); err != nil {
		return ClockSample{}, fmt.Errorf("KDC %s: read reply: %w", addr, err)
	}
	received := now()

	var krbErr messages.KRBError
	if err := krbErr.Unmarshal(reply); err != nil {
		return ClockSample{}, fmt.Errorf("KDC %s: reply is not a KRB-ERROR (%v); cannot read its clock", addr, err)
	}
	remote := krbErr.STime.Add(time.Duration(krbErr.Susec) * time.Microsecond)
	rtt := received.Sub(sent)
	return ClockSample{
		Source:      "kdc:" + addr,
		RemoteTime:  remote.UTC(),
		LocalTime:   sent.Add(rtt / 2).UTC(),
		RoundTripMs: float64(rtt) / float64(time.Millisecond),
	}, nil
}
