package audit

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// listener starts a loopback TCP server that answers one connection with
// reply(request) and returns its address.
func listener(t *testing.T, reply func(req []byte) []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		var l [4]byte
		if _, err := io.ReadFull(c, l[:]); err != nil {
			return
		}
		req := make([]byte, binary.BigEndian.Uint32(l[:]))
		if _, err := io.ReadFull(c, req); err != nil {
			return
		}
		c.Write(reply(req))
	}()
	return ln.Addr().String()
}

func frame(b []byte) []byte {
	out := make([]byte, 4+len(b))
	binary.BigEndian.PutUint32(out, uint32(len(b)))
	copy(out[4:], b)
	return out
}

func TestKDCClockReadsTheKDCTimeFromAKRBError(t *testing.T) {
	kdcTime := time.Date(2026, 11, 25, 12, 7, 0, 0, time.UTC)
	addr := listener(t, func(req []byte) []byte {
		var as messages.ASReq
		if err := as.Unmarshal(req); err != nil {
			t.Errorf("probe is not an AS-REQ: %v", err)
		}
		if len(as.PAData) != 0 {
			t.Errorf("probe carries pre-authentication data: it must send no credential")
		}
		e := messages.NewKRBError(types.NewPrincipalName(nametype.KRB_NT_SRV_INST, "krbtgt/LAB.TEST"), "LAB.TEST", errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN, "")
		e.STime = kdcTime
		e.Susec = 0
		b, _ := e.Marshal()
		return frame(b)
	})
	local := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	s, err := KDCClock(context.Background(), addr, "LAB.TEST", func() time.Time { return local })
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Skew(); got != 7*time.Minute {
		t.Errorf("skew = %v, want 7m", got)
	}
	if !strings.HasPrefix(s.Source, "kdc:") {
		t.Errorf("source = %q", s.Source)
	}
}

func TestKDCClockRejectsGarbage(t *testing.T) {
	for name, reply := range map[string][]byte{
		"not a KRB-ERROR":    frame([]byte("hello, I am not a KDC")),
		"absurd length":      {0xff, 0xff, 0xff, 0xff},
		"closed immediately": nil,
	} {
		t.Run(name, func(t *testing.T) {
			addr := listener(t, func([]byte) []byte { return reply })
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := KDCClock(ctx, addr, "LAB.TEST", time.Now); err == nil {
				t.Error("want an error")
			}
		})
	}
}

func TestKDCClockBoundedWaitOnSilentListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			time.Sleep(3 * time.Second)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := KDCClock(ctx, ln.Addr().String(), "LAB.TEST", time.Now); err == nil {
		t.Error("want a timeout error from a KDC that never answers")
	}
}
