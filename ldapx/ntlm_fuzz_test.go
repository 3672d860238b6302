package ldapx

import (
	"bytes"
	"testing"
	"time"
)

// Fuzz targets for what the NTLM/SPNEGO bind parses from the DC: the
// CHALLENGE message, SPNEGO replies, bind responses and NTLM-sealed
// messages. Each must reject garbage with an error, never panic.

func FuzzParseChallenge(f *testing.F) {
	good := testServer{challenge: make([]byte, 8), targetInfo: avList(avPair{avNbDomainName, utf16le("LAB")},
		avPair{avTimestamp, make([]byte, 8)})}.challengeMessage(0xe2898235)
	f.Add(good)
	f.Add(good[:40])
	f.Add([]byte("NTLMSSP\x00\x02\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		ch, err := parseChallenge(msg)
		if err != nil {
			return
		}
		// A parsed challenge must be answerable without a panic.
		c := &ntlmClient{user: "u", domain: "D", ntHash: ntlmHash("p"), now: time.Now, random: cryptoRandom}
		c.negotiateMessage()
		_, _ = c.authenticateMessage(msg)
		_ = ch
	})
}

func FuzzParseNegTokenResp(f *testing.F) {
	f.Add(spnegoResp([]byte("token"), []byte("mic")))
	f.Add(spnegoInit(mechTypeList(oidNTLMSSP), []byte("x")))
	f.Add([]byte{0xa1, 0x03, 0x30, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parseNegTokenResp(b)
	})
}

func FuzzParseBindResponse(f *testing.F) {
	f.Add([]byte{0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00})
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parseBindResponse(b, 1)
	})
}

func FuzzNTLMUnwrap(f *testing.F) {
	exported := bytes.Repeat([]byte{9}, 16)
	srv, err := newNTLMSecurity(exported, true)
	if err != nil {
		f.Fatal(err)
	}
	// The client's own tokens are a fine seed: they must be refused (wrong keys).
	tok, _ := srv.Wrap([]byte("seed message"))
	f.Add(tok)
	f.Add(make([]byte, 16))
	f.Fuzz(func(t *testing.T, tok []byte) {
		cli, err := newNTLMSecurity(exported, true)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = cli.Unwrap(tok)
	})
}
