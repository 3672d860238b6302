package ldapx

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// KDCClock is a KDC's clock as read from a KRB-ERROR, bracketed by the
// local clock before and after the exchange.
type KDCClock struct {
	KDC         string
	Realm       string
	KDCTime     time.Time // stime + susec of the KRB-ERROR
	LocalBefore time.Time
	LocalAfter  time.Time
	ErrorCode   int32 // the KRB-ERROR's code (usually 6 or 25)
}

// Skew is the KDC's clock minus the local clock at the exchange's
// midpoint (a positive skew: the KDC is ahead).
func (k KDCClock) Skew() time.Duration {
	mid := k.LocalBefore.Add(k.LocalAfter.Sub(k.LocalBefore) / 2)
	return k.KDCTime.Sub(mid)
}

// ProbeKDCTime asks the KDC at kdcAddr ("host:port", TCP) for a TGT for
// principal without pre-authentication. Every KRB-ERROR carries the KDC's
// time, so this measures clock skew without any valid credentials; the
// default principal is one that should not exist ("spntrust-clock-probe").
// now is the local clock (nil: time.Now).
func ProbeKDCTime(ctx context.Context, kdcAddr, realm, principal string, timeout time.Duration, now func() time.Time) (KDCClock, error) {
	if now == nil {
		now = time.Now
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if principal == "" {
		principal = "spntrust-clock-probe"
	}
	realm = strings.ToUpper(realm)
	res := KDCClock{KDC: kdcAddr, Realm: realm}
	req, err := messages.NewASReqForTGT(realm, config.New(), types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, principal))
	if err != nil {
		return res, fmt.Errorf("probe KDC %s: build AS-REQ: %w", kdcAddr, err)
	}
	b, err := req.Marshal()
	if err != nil {
		return res, fmt.Errorf("probe KDC %s: marshal AS-REQ: %w", kdcAddr, err)
	}
	res.LocalBefore = now()
	reply, err := KDCExchange(ctx, kdcAddr, b, timeout)
	res.LocalAfter = now()
	if err != nil {
		return res, fmt.Errorf("probe KDC %s: %w", kdcAddr, err)
	}
	var kerr messages.KRBError
	if err := kerr.Unmarshal(reply); err != nil {
		return res, fmt.Errorf("probe KDC %s: the reply is not a KRB-ERROR (does %s need no pre-authentication?): %w", kdcAddr, principal, err)
	}
	res.ErrorCode = kerr.ErrorCode
	res.KDCTime = kerr.STime.Add(time.Duration(kerr.Susec) * time.Microsecond).UTC()
	if kerr.STime.IsZero() {
		return res, errors.New("probe KDC " + kdcAddr + ": KRB-ERROR without a server time")
	}
	return res, nil
}

// KDCExchange sends one Kerberos message to the KDC at addr over TCP
// (4-byte length framing, RFC 4120 7.2.2) and returns the reply, within
// timeout and the context's deadline.
func KDCExchange(ctx context.Context, addr string, req []byte, timeout time.Duration) ([]byte, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	msg := make([]byte, 4, 4+len(req))
	binary.BigEndian.PutUint32(msg, uint32(len(req)))
	msg = append(msg, req...)
	if _, err := conn.Write(msg); err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	return readKDCReply(conn)
}

// readKDCReply reads one TCP-framed Kerberos message (RFC 4120 7.2.2).
func readKDCReply(r io.Reader) ([]byte, error) {
	var l [4]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return nil, fmt.Errorf("read reply length: %w", err)
	}
	n := binary.BigEndian.Uint32(l[:])
	if n == 0 || n > 1<<20 {
		return nil, fmt.Errorf("reply length %d is not a Kerberos message", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("read reply: %w", unexpected(err))
	}
	return b, nil
}
