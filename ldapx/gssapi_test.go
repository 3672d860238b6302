package ldapx

import (
	"bytes"
	"encoding/binary"
	"net"
	"strings"
	"testing"

	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
)

// negotiation sets up a client that has "seen" an AP-REP and a server-side
// wrapper, returning the server's offer token for the given layers.
func negotiation(t *testing.T, layers byte, serverMax uint32, overTLS bool) (*saslGSSAPI, *gssWrapper, []byte) {
	t.Helper()
	key := testKey(t, etypeID.AES256_CTS_HMAC_SHA1_96)
	a, _ := net.Pipe()
	t.Cleanup(func() { a.Close() })
	g := &saslGSSAPI{conn: newLayerConn(a), overTLS: overTLS, sessionKey: testKey(t, etypeID.AES128_CTS_HMAC_SHA1_96),
		subkey: key, initSeq: 41, acceptSeq: 900, haveAPRep: true}
	srv, err := newGSSWrapper(key, false, true, 900, 41)
	if err != nil {
		t.Fatal(err)
	}
	var offer [4]byte
	binary.BigEndian.PutUint32(offer[:], serverMax)
	offer[0] = layers
	tok, err := srv.Wrap(offer[:])
	if err != nil {
		t.Fatal(err)
	}
	return g, srv, tok
}

func TestNegotiateSaslAuthChoosesIntegrity(t *testing.T) {
	g, srv, tok := negotiation(t, saslLayerNone|saslLayerIntegrity|saslLayerConf, 0x00ffffff, false)
	out, err := g.NegotiateSaslAuth(tok, "")
	if err != nil {
		t.Fatal(err)
	}
	reply, err := srv.Unwrap(out)
	if err != nil {
		t.Fatalf("server cannot verify our reply: %v", err)
	}
	if !bytes.Equal(reply, []byte{saslLayerIntegrity, 0x01, 0x00, 0x00}) {
		t.Fatalf("reply % x, want integrity with a 64 KiB buffer", reply)
	}
	if g.layer != saslLayerIntegrity || g.serverMax != 0xffffff || g.conn.armed.Load() == nil {
		t.Fatal("layer not armed")
	}
	// The reply used the initiator's first sequence number; the next message continues from it.
	if seq := binary.BigEndian.Uint64(out[8:16]); seq != 41 {
		t.Fatalf("reply sequence number %d, want 41", seq)
	}
	next, _ := g.wrapper.Wrap([]byte("search"))
	if seq := binary.BigEndian.Uint64(next[8:16]); seq != 42 {
		t.Fatalf("next sequence number %d, want 42", seq)
	}
}

func TestNegotiateSaslAuthCarriesAuthzid(t *testing.T) {
	g, srv, tok := negotiation(t, saslLayerIntegrity, 65536, false)
	out, err := g.NegotiateSaslAuth(tok, "u:alice")
	if err != nil {
		t.Fatal(err)
	}
	reply, _ := srv.Unwrap(out)
	if string(reply[4:]) != "u:alice" {
		t.Fatalf("authzid %q", reply[4:])
	}
}

func TestNegotiateSaslAuthOverTLSChoosesNoLayer(t *testing.T) {
	g, srv, tok := negotiation(t, saslLayerNone|saslLayerIntegrity, 65536, true)
	out, err := g.NegotiateSaslAuth(tok, "")
	if err != nil {
		t.Fatal(err)
	}
	reply, _ := srv.Unwrap(out)
	if reply[0] != saslLayerNone || g.conn.armed.Load() != nil {
		t.Fatalf("over TLS want no layer and nothing armed, got % x", reply)
	}
}

func TestNegotiateSaslAuthRefuses(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(g *saslGSSAPI, tok []byte) []byte
		layers byte
		want   string
	}{
		{"confidentiality only", nil, saslLayerConf, "speaks integrity"},
		{"tampered offer", func(_ *saslGSSAPI, tok []byte) []byte { tok[len(tok)-1] ^= 1; return tok }, saslLayerIntegrity, "does not verify"},
		{"truncated token", func(_ *saslGSSAPI, tok []byte) []byte { return tok[:2] }, saslLayerIntegrity, "too short"},
		{"no AP-REP seen", func(g *saslGSSAPI, tok []byte) []byte { g.haveAPRep = false; return tok }, saslLayerIntegrity, "mutual authentication"},
		{"subkey flag without subkey", func(g *saslGSSAPI, tok []byte) []byte { g.subkey.KeyValue = nil; return tok }, saslLayerIntegrity, "acceptor subkey"},
		{"replayed sequence number", func(g *saslGSSAPI, tok []byte) []byte { g.acceptSeq = 901; return tok }, saslLayerIntegrity, "sequence number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, _, tok := negotiation(t, tc.layers, 65536, false)
			if tc.mutate != nil {
				tok = tc.mutate(g, tok)
			}
			_, err := g.NegotiateSaslAuth(tok, "")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want %q, got %v", tc.want, err)
			}
			if g.conn.armed.Load() != nil {
				t.Fatal("layer armed after a refused negotiation")
			}
		})
	}
}

func TestSplitInitialToken(t *testing.T) {
	inner := append(append([]byte{}, krb5MechOID...), 0x02, 0x00, 0xAA, 0xBB)
	tok := append([]byte{0x60, byte(len(inner))}, inner...)
	body, id, err := splitInitialToken(tok)
	if err != nil || id != 0x0200 || !bytes.Equal(body, []byte{0xAA, 0xBB}) {
		t.Fatalf("%x %x %v", body, id, err)
	}
	for name, bad := range map[string][]byte{
		"empty":         nil,
		"not [APP 0]":   {0x30, 0x00},
		"length lies":   append([]byte{0x60, 0x7f}, inner...),
		"other mech":    {0x60, 0x05, 0x06, 0x03, 0x2a, 0x03, 0x04},
		"long form cut": {0x60, 0x84, 0x01},
	} {
		if _, _, err := splitInitialToken(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestGSSChecksumCarriesFlags(t *testing.T) {
	c := gssChecksum(0x3a, nil)
	if len(c) != 24 || binary.LittleEndian.Uint32(c[0:4]) != 16 || binary.LittleEndian.Uint32(c[20:24]) != 0x3a {
		t.Fatalf("% x", c)
	}
}

func TestGSSChecksumCarriesChannelBindings(t *testing.T) {
	cb := channelBindingHash([]byte("tls-server-end-point:abc"))
	c := gssChecksum(0x3a, cb)
	if !bytes.Equal(c[4:20], cb) || binary.LittleEndian.Uint32(c[20:24]) != 0x3a {
		t.Fatalf("Bnd % x, want % x", c[4:20], cb)
	}
}
