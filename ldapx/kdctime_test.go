package ldapx

import (
	"context"
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

func fakeKDC(t *testing.T, reply func(req []byte) []byte) string {
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
		req, err := readKDCReply(c)
		if err != nil {
			return
		}
		c.Write(reply(req))
	}()
	return ln.Addr().String()
}

func TestProbeKDCTimeReadsTheKDCClockFromAKRBError(t *testing.T) {
	kdcNow := time.Date(2026, 11, 25, 12, 12, 0, 0, time.UTC)
	addr := fakeKDC(t, func(req []byte) []byte {
		var as messages.ASReq
		if err := as.Unmarshal(req); err != nil || as.ReqBody.CName.PrincipalNameString() != "spntrust-clock-probe" {
			t.Errorf("AS-REQ %v %+v", err, as.ReqBody.CName)
		}
		e := messages.NewKRBError(types.NewPrincipalName(nametype.KRB_NT_SRV_INST, "krbtgt/LAB.TEST"), "LAB.TEST", errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN, "")
		e.STime, e.Susec = kdcNow, 500000
		b, _ := e.Marshal()
		out := make([]byte, 4)
		binary.BigEndian.PutUint32(out, uint32(len(b)))
		return append(out, b...)
	})
	local := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) // 12 minutes behind the KDC
	clk, err := ProbeKDCTime(context.Background(), addr, "lab.test", "", time.Second, func() time.Time { return local })
	if err != nil {
		t.Fatal(err)
	}
	if clk.ErrorCode != errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN || clk.Realm != "LAB.TEST" {
		t.Fatalf("%+v", clk)
	}
	if got := clk.Skew(); got != 12*time.Minute+500*time.Millisecond {
		t.Fatalf("skew %v", got)
	}
}

func TestProbeKDCTimeRejectsGarbage(t *testing.T) {
	for name, reply := range map[string][]byte{
		"not Kerberos":     {0, 0, 0, 3, 1, 2, 3},
		"absurd length":    {0x7f, 0, 0, 0},
		"closed mid-reply": {0, 0, 0, 9, 1},
	} {
		t.Run(name, func(t *testing.T) {
			addr := fakeKDC(t, func([]byte) []byte { return reply })
			_, err := ProbeKDCTime(context.Background(), addr, "LAB.TEST", "", time.Second, nil)
			if err == nil || !strings.Contains(err.Error(), addr) {
				t.Fatalf("got %v", err)
			}
		})
	}
}
