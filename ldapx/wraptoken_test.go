package ldapx

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"io"
	"strings"
	"testing"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/types"
)

func testKey(t *testing.T, etype int32) types.EncryptionKey {
	t.Helper()
	et, err := crypto.GetEtype(etype)
	if err != nil {
		t.Fatal(err)
	}
	// A real string-to-key derivation, as a password login would do.
	kv, err := et.StringToKey("Passw0rd!", "LAB.TESTAdministrator", et.GetDefaultStringToKeyParams())
	if err != nil {
		t.Fatal(err)
	}
	return types.EncryptionKey{KeyType: etype, KeyValue: kv}
}

// pair returns the client (initiator) and server (acceptor) ends of one context.
func pair(t *testing.T, etype int32, subkey bool) (cli, srv *gssWrapper) {
	t.Helper()
	key := testKey(t, etype)
	cli, err := newGSSWrapper(key, true, subkey, 100, 7000)
	if err != nil {
		t.Fatal(err)
	}
	srv, err = newGSSWrapper(key, false, subkey, 7000, 100)
	if err != nil {
		t.Fatal(err)
	}
	return cli, srv
}

func TestWrapTokenRoundTripsForEveryAESType(t *testing.T) {
	for _, et := range []int32{etypeID.AES128_CTS_HMAC_SHA1_96, etypeID.AES256_CTS_HMAC_SHA1_96,
		etypeID.AES128_CTS_HMAC_SHA256_128, etypeID.AES256_CTS_HMAC_SHA384_192} {
		for _, subkey := range []bool{false, true} {
			cli, srv := pair(t, et, subkey)
			for i, msg := range [][]byte{[]byte("first LDAP message"), {}, bytes.Repeat([]byte{0x30}, 70000)} {
				tok, err := cli.Wrap(msg)
				if err != nil {
					t.Fatalf("etype %d: wrap: %v", et, err)
				}
				got, err := srv.Unwrap(tok)
				if err != nil {
					t.Fatalf("etype %d subkey %v msg %d: unwrap: %v", et, subkey, i, err)
				}
				if !bytes.Equal(got, msg) {
					t.Fatalf("etype %d: payload changed", et)
				}
				back, err := srv.Wrap(msg)
				if err != nil {
					t.Fatal(err)
				}
				if got, err := cli.Unwrap(back); err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("etype %d: server→client: %v", et, err)
				}
			}
		}
	}
}

func TestWrapTokenMatchesGokrb5Layout(t *testing.T) {
	cli, _ := pair(t, etypeID.AES256_CTS_HMAC_SHA1_96, true)
	tok, err := cli.Wrap([]byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	var wt gssapi.WrapToken
	if err := wt.Unmarshal(tok, false); err != nil {
		t.Fatalf("gokrb5 cannot parse our token: %v", err)
	}
	if wt.Flags != wrapFlagAcceptorSubkey || wt.SndSeqNum != 100 || wt.EC != 12 || string(wt.Payload) != "hello" {
		t.Fatalf("unexpected header: flags %#x seq %d ec %d payload %q", wt.Flags, wt.SndSeqNum, wt.EC, wt.Payload)
	}
	if ok, err := wt.Verify(cli.key, keyusage.GSSAPI_INITIATOR_SEAL); !ok {
		t.Fatalf("gokrb5 does not verify our checksum with the initiator usage: %v", err)
	}
}

func TestUnwrapUndoesRightRotation(t *testing.T) {
	cli, srv := pair(t, etypeID.AES128_CTS_HMAC_SHA1_96, true)
	tok, err := srv.Wrap([]byte("rotated payload"))
	if err != nil {
		t.Fatal(err)
	}
	// Rotate the body right by RRC bytes as Windows senders do (RFC 4121 4.2.5).
	for _, rrc := range []int{12, 28, 5} {
		body := append([]byte(nil), tok[16:]...)
		r := rrc % len(body)
		rot := append(append([]byte{}, body[len(body)-r:]...), body[:len(body)-r]...)
		rt := append(append([]byte{}, tok[:16]...), rot...)
		binary.BigEndian.PutUint16(rt[6:8], uint16(rrc))
		c2, _ := newGSSWrapper(cli.key, true, true, 0, 7000)
		got, err := c2.Unwrap(rt)
		if err != nil || string(got) != "rotated payload" {
			t.Fatalf("rrc %d: got %q, %v", rrc, got, err)
		}
	}
}

func TestUnwrapRejectsBadTokensWithoutPanicking(t *testing.T) {
	cli, srv := pair(t, etypeID.AES256_CTS_HMAC_SHA1_96, true)
	good, err := srv.Wrap([]byte("payload"))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte { b := append([]byte(nil), good...); b[i] ^= 0x01; return b }
	withRRC := func(v uint16) []byte {
		b := append([]byte(nil), good...)
		binary.BigEndian.PutUint16(b[6:8], v)
		return b
	}
	cases := []struct {
		name string
		tok  []byte
		want string
	}{
		{"empty token", nil, "shorter than"},
		{"truncated header", good[:10], "shorter than"},
		{"header only", good[:16], "cannot hold"},
		{"wrong token ID", flip(1), "not a wrap token"},
		{"token from our own side", func() []byte { b := append([]byte(nil), good...); b[2] &^= wrapFlagSentByAcceptor; return b }(), "our own side"},
		{"sealed flag", func() []byte { b := append([]byte(nil), good...); b[2] |= wrapFlagSealed; return b }(), "sealed"},
		{"bad filler", flip(3), "filler"},
		{"tampered payload", flip(17), "does not verify"},
		{"tampered sequence number", flip(15), "does not verify"},
		{"lying RRC", withRRC(3), "does not verify"},
		{"garbage", bytes.Repeat([]byte{0xff}, 40), "not a wrap token"},
		{"random bytes after valid header", append(append([]byte{}, good[:16]...), randBytes(t, 3)...), "cannot hold"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c2, _ := newGSSWrapper(cli.key, true, true, 100, 7000)
			_, err := c2.Unwrap(tc.tok)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got %v", tc.want, err)
			}
		})
	}
}

func TestUnwrapRejectsReplayAndReordering(t *testing.T) {
	cli, srv := pair(t, etypeID.AES256_CTS_HMAC_SHA1_96, false)
	t1, _ := srv.Wrap([]byte("one"))
	t2, _ := srv.Wrap([]byte("two"))
	if _, err := cli.Unwrap(t2); err == nil || !strings.Contains(err.Error(), "sequence number") {
		t.Fatalf("out-of-order token accepted: %v", err)
	}
	if _, err := cli.Unwrap(t1); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Unwrap(t1); err == nil {
		t.Fatal("replayed token accepted")
	}
}

func TestSequenceNumbersIncrement(t *testing.T) {
	cli, _ := pair(t, etypeID.AES256_CTS_HMAC_SHA1_96, true)
	for want := uint64(100); want < 105; want++ {
		tok, err := cli.Wrap([]byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		if got := binary.BigEndian.Uint64(tok[8:16]); got != want {
			t.Fatalf("sequence number %d, want %d", got, want)
		}
	}
}

func TestRC4SessionKeyIsRefusedClearly(t *testing.T) {
	_, err := newGSSWrapper(types.EncryptionKey{KeyType: etypeID.RC4_HMAC, KeyValue: make([]byte, 16)}, true, true, 0, 0)
	if err == nil || !strings.Contains(err.Error(), "RC4") {
		t.Fatalf("want RC4 explanation, got %v", err)
	}
}

func TestReadFrame(t *testing.T) {
	cli, srv := pair(t, etypeID.AES256_CTS_HMAC_SHA1_96, true)
	tok, _ := srv.Wrap([]byte("framed"))
	frame := appendFrame(nil, tok)
	cases := []struct {
		name    string
		in      []byte
		wantErr string
	}{
		{"complete frame", frame, ""},
		{"no bytes", nil, "EOF"},
		{"truncated length", frame[:2], "EOF"},
		{"truncated body", frame[:len(frame)-3], "truncated"},
		{"zero length", []byte{0, 0, 0, 0}, "outside"},
		{"huge length", []byte{0x7f, 0xff, 0xff, 0xff, 1, 2}, "outside"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readFrame(bytes.NewReader(tc.in))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if p, err := cli.Unwrap(got); err != nil || string(p) != "framed" {
					t.Fatalf("unwrap: %q %v", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("want %q, got %v", tc.wantErr, err)
			}
		})
	}
}

func randBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		t.Fatal(err)
	}
	return b
}
