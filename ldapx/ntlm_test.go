package ldapx

import (
	"bytes"
	"crypto/rc4"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The NTLMv2 values of MS-NLMP 4.2.4 (User "User", domain "Domain",
// password "Password", server challenge 0123456789abcdef, client challenge
// aa..aa, time 0, random session key 55..55).
func TestNTLMv2SpecVectors(t *testing.T) {
	key := ntowfv2(ntlmHash("Password"), "User", "Domain")
	if want := unhex(t, "0c868a403bfd7a93a3001ef22ef02e3f"); !bytes.Equal(key, want) {
		t.Fatalf("NTOWFv2 = %x, want %x", key, want)
	}
	var temp bytes.Buffer
	temp.Write([]byte{1, 1, 0, 0, 0, 0, 0, 0})
	temp.Write(make([]byte, 8))               // time
	temp.Write(bytes.Repeat([]byte{0xaa}, 8)) // client challenge
	temp.Write(make([]byte, 4))
	temp.Write([]byte{2, 0, 12, 0})
	temp.Write(utf16le("Domain"))
	temp.Write([]byte{1, 0, 12, 0})
	temp.Write(utf16le("Server"))
	temp.Write(make([]byte, 4)) // MsvAvEOL
	temp.Write(make([]byte, 4))
	proof := hmacMD5(key, unhex(t, "0123456789abcdef"), temp.Bytes())
	if want := unhex(t, "68cd0ab851e51c96aabc927bebef6a1c"); !bytes.Equal(proof, want) {
		t.Fatalf("NTProofStr = %x, want %x", proof, want)
	}
	base := hmacMD5(key, proof)
	if want := unhex(t, "8de40ccadbc14a82f15cb0ad0de95ca3"); !bytes.Equal(base, want) {
		t.Fatalf("SessionBaseKey = %x, want %x", base, want)
	}
	exported := bytes.Repeat([]byte{0x55}, 16)
	enc := make([]byte, 16)
	rc, _ := rc4.NewCipher(base)
	rc.XORKeyStream(enc, exported)
	if want := unhex(t, "c5dad2544fc9799094ce1ce90bc9d03e"); !bytes.Equal(enc, want) {
		t.Fatalf("EncryptedRandomSessionKey = %x, want %x", enc, want)
	}
	cSign, _, cSeal, _ := ntlmSessionKeys(exported)
	if want := unhex(t, "4788dc861b4782f35d43fd98fe1a2d39"); !bytes.Equal(cSign, want) {
		t.Fatalf("client signing key = %x, want %x", cSign, want)
	}
	if want := unhex(t, "59f600973cc4960a25480a7c196e4c58"); !bytes.Equal(cSeal, want) {
		t.Fatalf("client sealing key = %x, want %x", cSeal, want)
	}
	sec, err := newNTLMSecurity(exported, true)
	if err != nil {
		t.Fatal(err)
	}
	out, err := sec.Wrap(utf16le("Plaintext"))
	if err != nil {
		t.Fatal(err)
	}
	want := append(unhex(t, "010000007fb38ec5c55d497600000000"), unhex(t, "54e50165bf1936dc996020c1811b0f06fb5f")...)
	if !bytes.Equal(out, want) {
		t.Fatalf("sealed message = %x\nwant             %x", out, want)
	}
}

// testServer is the acceptor's side of NTLMSSP, enough to check what the
// client sends: it verifies the NTLMv2 proof and the MIC, recovers the
// session key, and seals and unseals as the server.
type testServer struct {
	challenge  []byte
	targetInfo []byte
}

func (s testServer) challengeMessage(flags uint32) []byte {
	msg := make([]byte, 56)
	copy(msg, ntlmSignature)
	binary.LittleEndian.PutUint32(msg[8:], 2)
	binary.LittleEndian.PutUint32(msg[20:], flags)
	copy(msg[24:32], s.challenge)
	binary.LittleEndian.PutUint16(msg[40:], uint16(len(s.targetInfo)))
	binary.LittleEndian.PutUint16(msg[42:], uint16(len(s.targetInfo)))
	binary.LittleEndian.PutUint32(msg[44:], 56)
	return append(msg, s.targetInfo...)
}

func avList(pairs ...avPair) []byte {
	var b []byte
	for _, p := range append(pairs, avPair{id: avEOL}) {
		var h [4]byte
		binary.LittleEndian.PutUint16(h[:], p.id)
		binary.LittleEndian.PutUint16(h[2:], uint16(len(p.value)))
		b = append(append(b, h[:]...), p.value...)
	}
	return b
}

func TestNTLMAuthenticateVerifiesAtTheServer(t *testing.T) {
	cb := channelBindingHash([]byte("tls-server-end-point:" + strings.Repeat("\x42", 32)))
	stamp := filetime(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	srv := testServer{
		challenge: unhex(t, "0123456789abcdef"),
		targetInfo: avList(avPair{avNbDomainName, utf16le("LAB")}, avPair{avDNSDomainName, utf16le("lab.test")},
			avPair{avTimestamp, stamp}),
	}
	c := &ntlmClient{user: "alice", domain: "LAB", ntHash: ntlmHash("Pw-1"), sessionSecurity: true,
		channelBindings: cb, targetSPN: "ldap/dc1.lab.test", now: time.Now, random: cryptoRandom}
	neg := c.negotiateMessage()
	serverFlags := c.requestedFlags()
	chal := srv.challengeMessage(serverFlags)
	auth, err := c.authenticateMessage(chal)
	if err != nil {
		t.Fatal(err)
	}
	field := func(i int) []byte {
		b, err := payloadField(auth, 12+8*i, "field")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	lm, nt, dom, user, encKey := field(0), field(1), field(2), field(3), field(5)
	if !bytes.Equal(lm, make([]byte, 24)) {
		t.Errorf("LM response %x, want Z(24) with MsvAvTimestamp", lm)
	}
	if decodeUTF16LE(dom) != "LAB" || decodeUTF16LE(user) != "alice" {
		t.Errorf("domain %q user %q", decodeUTF16LE(dom), decodeUTF16LE(user))
	}
	key := ntowfv2(ntlmHash("Pw-1"), "alice", "LAB")
	proof, temp := nt[:16], nt[16:]
	if !bytes.Equal(hmacMD5(key, srv.challenge, temp), proof) {
		t.Fatal("the server cannot verify the NTLMv2 proof")
	}
	if !bytes.Equal(temp[8:16], stamp) {
		t.Errorf("the response carries time %x, not the server's MsvAvTimestamp %x", temp[8:16], stamp)
	}
	// The client's AV pairs: the server's, plus flags, channel bindings and target name.
	pairs := map[uint16][]byte{}
	for info := temp[28 : len(temp)-4]; len(info) >= 4; {
		id, n := binary.LittleEndian.Uint16(info), int(binary.LittleEndian.Uint16(info[2:]))
		pairs[id] = info[4 : 4+n]
		info = info[4+n:]
		if id == avEOL {
			break
		}
	}
	if !bytes.Equal(pairs[avChannelBindings], cb) {
		t.Errorf("MsvAvChannelBindings %x, want %x", pairs[avChannelBindings], cb)
	}
	if binary.LittleEndian.Uint32(pairs[avFlags]) != avFlagMICPresent {
		t.Errorf("MsvAvFlags %x, want MIC present", pairs[avFlags])
	}
	if decodeUTF16LE(pairs[avTargetName]) != "ldap/dc1.lab.test" {
		t.Errorf("MsvAvTargetName %q", decodeUTF16LE(pairs[avTargetName]))
	}
	exported := make([]byte, 16)
	rc, _ := rc4.NewCipher(hmacMD5(key, proof))
	rc.XORKeyStream(exported, encKey)
	zeroMIC := append([]byte{}, auth...)
	copy(zeroMIC[72:88], make([]byte, 16))
	if !bytes.Equal(hmacMD5(exported, neg, chal, zeroMIC), auth[72:88]) {
		t.Fatal("the MIC does not verify with the recovered session key")
	}
	if got := binary.LittleEndian.Uint32(auth[60:]); got&(ntlmNegotiateSign|ntlmNegotiateSeal|ntlmNegotiateKeyExch) != ntlmNegotiateSign|ntlmNegotiateSeal|ntlmNegotiateKeyExch {
		t.Errorf("negotiated flags %#x lack sign, seal or key exchange", got)
	}

	// Both sides seal and unseal with the exported key.
	cli, err := newNTLMSecurity(c.exportedKey, true)
	if err != nil {
		t.Fatal(err)
	}
	server := serverSecurity(t, exported)
	for i, msg := range []string{"first LDAP message", "", "third"} {
		tok, err := cli.Wrap([]byte(msg))
		if err != nil {
			t.Fatal(err)
		}
		got, err := server.Unwrap(tok)
		if err != nil || string(got) != msg {
			t.Fatalf("message %d: server unwrapped %q, %v", i, got, err)
		}
		back, _ := server.Wrap([]byte("reply " + msg))
		got, err = cli.Unwrap(back)
		if err != nil || string(got) != "reply "+msg {
			t.Fatalf("reply %d: client unwrapped %q, %v", i, got, err)
		}
	}
}

// serverSecurity is the acceptor's context: the directions swapped.
func serverSecurity(t *testing.T, exported []byte) *ntlmSecurity {
	t.Helper()
	cSign, sSign, cSeal, sSeal := ntlmSessionKeys(exported)
	send, err := newNTLMDirection(sSign, sSeal)
	if err != nil {
		t.Fatal(err)
	}
	recv, err := newNTLMDirection(cSign, cSeal)
	if err != nil {
		t.Fatal(err)
	}
	return &ntlmSecurity{seal: true, send: send, recv: recv}
}

func TestNTLMUnwrapRefusesAlteredReplayedAndShort(t *testing.T) {
	exported := bytes.Repeat([]byte{7}, 16)
	for _, seal := range []bool{true, false} {
		cli, _ := newNTLMSecurity(exported, seal)
		srv := serverSecurity(t, exported)
		srv.seal = seal
		tok, _ := srv.Wrap([]byte("hello"))
		altered := append([]byte{}, tok...)
		altered[len(altered)-1] ^= 1
		if _, err := cli.Unwrap(altered); err == nil || !strings.Contains(err.Error(), "does not verify") {
			t.Errorf("seal=%v: altered message: %v", seal, err)
		}
		cli2, _ := newNTLMSecurity(exported, seal)
		if _, err := cli2.Unwrap(tok); err != nil {
			t.Fatalf("seal=%v: %v", seal, err)
		}
		if _, err := cli2.Unwrap(tok); err == nil || !strings.Contains(err.Error(), "sequence number") {
			t.Errorf("seal=%v: replayed message: %v", seal, err)
		}
		if _, err := cli2.Unwrap(tok[:10]); err == nil {
			t.Errorf("seal=%v: a 10-byte message was accepted", seal)
		}
	}
}

func TestParseChallengeRefusesMalformed(t *testing.T) {
	good := testServer{challenge: make([]byte, 8), targetInfo: avList(avPair{avNbDomainName, utf16le("LAB")})}.
		challengeMessage(ntlmNegotiateTargetInfo | ntlmNegotiateUnicode)
	if _, err := parseChallenge(good); err != nil {
		t.Fatalf("good challenge: %v", err)
	}
	tests := []struct {
		name string
		msg  []byte
		want string
	}{
		{"empty", nil, "not an NTLMSSP message"},
		{"wrong type", func() []byte { b := append([]byte{}, good...); b[8] = 3; return b }(), "type 3"},
		{"no target info", testServer{challenge: make([]byte, 8)}.challengeMessage(ntlmNegotiateUnicode), "NTLMv2 needs it"},
		{"target info past the end", func() []byte { b := append([]byte{}, good...); binary.LittleEndian.PutUint32(b[44:], 9999); return b }(), "outside"},
		{"AV pair longer than its list", func() []byte {
			b := append([]byte{}, good...)
			binary.LittleEndian.PutUint16(b[56+2:], 200)
			return b
		}(), "claims 200 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseChallenge(tt.msg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestNTLMRefusesWeakServerOffers(t *testing.T) {
	c := &ntlmClient{user: "u", domain: "D", ntHash: ntlmHash("p"), sessionSecurity: true, now: time.Now, random: cryptoRandom}
	c.negotiateMessage()
	full := c.requestedFlags()
	for _, drop := range []struct {
		bit  uint32
		want string
	}{
		{ntlmNegotiateKeyExch, "key exchange"},
		{ntlmNegotiate128, "128-bit"},
		{ntlmNegotiateExtendedSecurity, "extended session security"},
		{ntlmNegotiateSeal, "signing and sealing"},
	} {
		msg := testServer{challenge: make([]byte, 8), targetInfo: avList()}.challengeMessage(full &^ drop.bit)
		if _, err := c.authenticateMessage(msg); err == nil || !strings.Contains(err.Error(), drop.want) {
			t.Errorf("server without %s: %v", drop.want, err)
		}
	}
}
