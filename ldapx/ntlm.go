package ldapx

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/rc4"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/crypto/md4" //nolint:staticcheck // NTLM is defined over MD4 (MS-NLMP 3.3.1)
)

// NTLM (MS-NLMP) for the SASL GSS-SPNEGO bind: NTLMv2 responses, the MIC,
// and the keys of NTLMSSP session security (signing and sealing with
// extended session security, 128-bit keys and key exchange). Every name and
// number below is from MS-NLMP section 2.2 unless said otherwise.

// NEGOTIATE flags (MS-NLMP 2.2.2.5).
const (
	ntlmNegotiateUnicode          = 0x00000001
	ntlmRequestTarget             = 0x00000004
	ntlmNegotiateSign             = 0x00000010
	ntlmNegotiateSeal             = 0x00000020
	ntlmNegotiateNTLM             = 0x00000200
	ntlmNegotiateAlwaysSign       = 0x00008000
	ntlmNegotiateExtendedSecurity = 0x00080000
	ntlmNegotiateTargetInfo       = 0x00800000
	ntlmNegotiateVersion          = 0x02000000
	ntlmNegotiate128              = 0x20000000
	ntlmNegotiateKeyExch          = 0x40000000
	ntlmNegotiate56               = 0x80000000
)

// AV_PAIR identifiers (MS-NLMP 2.2.2.1).
const (
	avEOL             = 0x0000
	avNbDomainName    = 0x0002
	avDNSDomainName   = 0x0004
	avFlags           = 0x0006
	avTimestamp       = 0x0007
	avTargetName      = 0x0009
	avChannelBindings = 0x000A
)

// avFlagMICPresent says the AUTHENTICATE message carries a MIC.
const avFlagMICPresent = 0x00000002

var ntlmSignature = []byte("NTLMSSP\x00")

// ntlmVersion is the VERSION structure we send: Windows 10 (10.0), build
// 19041, NTLMSSP revision 15. Servers use it only for debugging.
var ntlmVersion = []byte{10, 0, 0x61, 0x4a, 0, 0, 0, 15}

// ntlmClient runs the client side of one NTLM exchange.
type ntlmClient struct {
	user, domain string
	ntHash       []byte // MD4 of the UTF-16LE password: a secret like the password
	// sessionSecurity asks for signing and sealing (not over TLS: AD and
	// Samba refuse sign or seal on top of TLS).
	sessionSecurity bool
	// channelBindings is the MD5 of the gss_channel_bindings_struct for the
	// TLS channel (nil: no channel, 16 zero bytes are sent).
	channelBindings []byte
	// targetSPN is sent as MsvAvTargetName ("ldap/dc1.example.com").
	targetSPN string
	now       func() time.Time
	random    func([]byte) error

	negotiate, challenge []byte
	flags                uint32
	exportedKey          []byte
}

// ntlmHash returns NTOWFv1: MD4 of the password in UTF-16LE.
func ntlmHash(password string) []byte {
	h := md4.New()
	h.Write(utf16le(password))
	return h.Sum(nil)
}

func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, r := range u {
		binary.LittleEndian.PutUint16(b[2*i:], r)
	}
	return b
}

func hmacMD5(key []byte, parts ...[]byte) []byte {
	m := hmac.New(md5.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// ntowfv2 is MS-NLMP 3.3.2's NTOWFv2: HMAC-MD5 keyed with the NT hash over
// the upper-cased user name and the domain as typed.
func ntowfv2(ntHash []byte, user, domain string) []byte {
	return hmacMD5(ntHash, utf16le(strings.ToUpper(user)+domain))
}

func (c *ntlmClient) requestedFlags() uint32 {
	f := uint32(ntlmNegotiateUnicode | ntlmRequestTarget | ntlmNegotiateNTLM | ntlmNegotiateAlwaysSign |
		ntlmNegotiateExtendedSecurity | ntlmNegotiateTargetInfo | ntlmNegotiateVersion |
		ntlmNegotiate128 | ntlmNegotiateKeyExch | ntlmNegotiate56)
	if c.sessionSecurity {
		f |= ntlmNegotiateSign | ntlmNegotiateSeal
	}
	return f
}

// negotiateMessage builds the NEGOTIATE_MESSAGE (no domain or workstation
// supplied).
func (c *ntlmClient) negotiateMessage() []byte {
	b := make([]byte, 40)
	copy(b, ntlmSignature)
	binary.LittleEndian.PutUint32(b[8:], 1)
	binary.LittleEndian.PutUint32(b[12:], c.requestedFlags())
	// DomainNameFields and WorkstationFields stay zero (offset 40 = end).
	binary.LittleEndian.PutUint32(b[20:], 40)
	binary.LittleEndian.PutUint32(b[28:], 40)
	copy(b[32:], ntlmVersion)
	c.negotiate = b
	return b
}

// ntlmChallenge is what the client needs of a CHALLENGE_MESSAGE.
type ntlmChallenge struct {
	flags      uint32
	challenge  [8]byte
	targetInfo []avPair
	timestamp  []byte // MsvAvTimestamp, 8 bytes, if the server sent one
	nbDomain   string
	dnsDomain  string
}

type avPair struct {
	id    uint16
	value []byte
}

// payloadField reads a (length, max length, offset) field of a message and
// returns its bytes, checking they lie inside the message.
func payloadField(msg []byte, at int, what string) ([]byte, error) {
	if len(msg) < at+8 {
		return nil, fmt.Errorf("NTLM message of %d bytes has no %s field", len(msg), what)
	}
	n := int(binary.LittleEndian.Uint16(msg[at:]))
	off := int(binary.LittleEndian.Uint32(msg[at+4:]))
	if n == 0 {
		return nil, nil
	}
	if off < 0 || off > len(msg) || n > len(msg)-off {
		return nil, fmt.Errorf("NTLM %s field (%d bytes at offset %d) lies outside the %d-byte message", what, n, off, len(msg))
	}
	return msg[off : off+n], nil
}

// parseChallenge parses and checks a CHALLENGE_MESSAGE. It never panics on
// malformed input.
func parseChallenge(msg []byte) (*ntlmChallenge, error) {
	if len(msg) < 32 || !bytes.Equal(msg[:8], ntlmSignature) {
		return nil, errors.New("the server's NTLM token is not an NTLMSSP message")
	}
	if t := binary.LittleEndian.Uint32(msg[8:]); t != 2 {
		return nil, fmt.Errorf("the server sent NTLM message type %d, want 2 (CHALLENGE)", t)
	}
	ch := &ntlmChallenge{flags: binary.LittleEndian.Uint32(msg[20:])}
	copy(ch.challenge[:], msg[24:32])
	if ch.flags&ntlmNegotiateTargetInfo == 0 {
		return nil, errors.New("the server's NTLM challenge carries no target information: NTLMv2 needs it (the server may only allow NTLMv1, which spntrust does not speak)")
	}
	info, err := payloadField(msg, 40, "TargetInfo")
	if err != nil {
		return nil, err
	}
	for len(info) > 0 {
		if len(info) < 4 {
			return nil, errors.New("NTLM target information ends inside an AV_PAIR header")
		}
		id := binary.LittleEndian.Uint16(info)
		n := int(binary.LittleEndian.Uint16(info[2:]))
		if len(info) < 4+n {
			return nil, fmt.Errorf("NTLM AV_PAIR %#x claims %d bytes, %d remain", id, n, len(info)-4)
		}
		v := info[4 : 4+n]
		info = info[4+n:]
		if id == avEOL {
			break
		}
		switch id {
		case avTimestamp:
			if n != 8 {
				return nil, fmt.Errorf("NTLM MsvAvTimestamp of %d bytes, want 8", n)
			}
			ch.timestamp = v
		case avNbDomainName:
			ch.nbDomain = decodeUTF16LE(v)
		case avDNSDomainName:
			ch.dnsDomain = decodeUTF16LE(v)
		}
		ch.targetInfo = append(ch.targetInfo, avPair{id: id, value: v})
	}
	return ch, nil
}

func decodeUTF16LE(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// filetime converts t to a Windows FILETIME (100 ns since 1601), little-endian.
func filetime(t time.Time) []byte {
	const epochDelta = 116444736000000000 // 1601-01-01 to 1970-01-01 in 100 ns
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, uint64(t.UnixNano()/100+epochDelta))
	return b
}

// authenticateMessage answers the challenge with the NTLMv2 response, the
// encrypted exported session key and the MIC, and returns the message.
func (c *ntlmClient) authenticateMessage(challengeMsg []byte) ([]byte, error) {
	ch, err := parseChallenge(challengeMsg)
	if err != nil {
		return nil, err
	}
	c.challenge = challengeMsg
	want := c.requestedFlags()
	// The negotiated flags are what both sides support; 128-bit keys,
	// extended session security and key exchange are required here, since
	// the weaker variants (40/56-bit, NTLMv1 keys) are not worth speaking.
	c.flags = ch.flags & want
	for _, req := range []struct {
		bit  uint32
		name string
	}{
		{ntlmNegotiateExtendedSecurity, "extended session security"},
		{ntlmNegotiate128, "128-bit keys"},
		{ntlmNegotiateKeyExch, "key exchange"},
	} {
		if c.flags&req.bit == 0 {
			return nil, fmt.Errorf("the server's NTLM challenge does not offer %s (flags %#08x)", req.name, ch.flags)
		}
	}
	if c.sessionSecurity && c.flags&(ntlmNegotiateSign|ntlmNegotiateSeal) != ntlmNegotiateSign|ntlmNegotiateSeal {
		return nil, fmt.Errorf("the server's NTLM challenge does not offer signing and sealing (flags %#08x)", ch.flags)
	}

	var clientChallenge [8]byte
	if err := c.random(clientChallenge[:]); err != nil {
		return nil, fmt.Errorf("NTLM client challenge: %w", err)
	}
	ts := ch.timestamp
	if ts == nil {
		ts = filetime(c.now())
	}
	// The server's AV pairs, plus ours: MIC present, channel bindings,
	// target name (MS-NLMP 3.1.5.1.2).
	var info bytes.Buffer
	putAV := func(id uint16, v []byte) {
		var h [4]byte
		binary.LittleEndian.PutUint16(h[:], id)
		binary.LittleEndian.PutUint16(h[2:], uint16(len(v)))
		info.Write(h[:])
		info.Write(v)
	}
	for _, p := range ch.targetInfo {
		if p.id == avFlags || p.id == avChannelBindings || p.id == avTargetName {
			continue
		}
		putAV(p.id, p.value)
	}
	var fl [4]byte
	binary.LittleEndian.PutUint32(fl[:], avFlagMICPresent)
	putAV(avFlags, fl[:])
	cb := c.channelBindings
	if cb == nil {
		cb = make([]byte, 16)
	}
	putAV(avChannelBindings, cb)
	if c.targetSPN != "" {
		putAV(avTargetName, utf16le(c.targetSPN))
	}
	putAV(avEOL, nil)

	// temp = RespType, HiRespType, Z(6), Time, ClientChallenge, Z(4), AV pairs, Z(4)
	var temp bytes.Buffer
	temp.Write([]byte{1, 1, 0, 0, 0, 0, 0, 0})
	temp.Write(ts)
	temp.Write(clientChallenge[:])
	temp.Write([]byte{0, 0, 0, 0})
	temp.Write(info.Bytes())
	temp.Write([]byte{0, 0, 0, 0})

	key := ntowfv2(c.ntHash, c.user, c.domain)
	proof := hmacMD5(key, ch.challenge[:], temp.Bytes())
	ntResponse := append(append([]byte{}, proof...), temp.Bytes()...)
	sessionBaseKey := hmacMD5(key, proof)
	// NTLMv2: KeyExchangeKey is the SessionBaseKey (MS-NLMP 3.4.5.1).
	c.exportedKey = make([]byte, 16)
	if err := c.random(c.exportedKey); err != nil {
		return nil, fmt.Errorf("NTLM session key: %w", err)
	}
	encryptedKey := make([]byte, 16)
	rc, err := rc4.NewCipher(sessionBaseKey)
	if err != nil {
		return nil, err
	}
	rc.XORKeyStream(encryptedKey, c.exportedKey)

	// With MsvAvTimestamp the LM response is Z(24) (MS-NLMP 3.1.5.1.2).
	lmResponse := make([]byte, 24)
	domain, user := utf16le(c.domain), utf16le(c.user)
	const header = 88
	fields := [][]byte{lmResponse, ntResponse, domain, user, nil /* workstation */, encryptedKey}
	msg := make([]byte, header)
	copy(msg, ntlmSignature)
	binary.LittleEndian.PutUint32(msg[8:], 3)
	off := header
	for i, f := range fields {
		at := 12 + 8*i
		binary.LittleEndian.PutUint16(msg[at:], uint16(len(f)))
		binary.LittleEndian.PutUint16(msg[at+2:], uint16(len(f)))
		binary.LittleEndian.PutUint32(msg[at+4:], uint32(off))
		off += len(f)
	}
	binary.LittleEndian.PutUint32(msg[60:], c.flags)
	copy(msg[64:], ntlmVersion)
	for _, f := range fields {
		msg = append(msg, f...)
	}
	mic := hmacMD5(c.exportedKey, c.negotiate, c.challenge, msg)
	copy(msg[72:88], mic)
	return msg, nil
}

// ntlmSessionKeys derives the four keys of extended session security from
// the exported session key (MS-NLMP 3.4.5.2, 3.4.5.3).
func ntlmSessionKeys(exported []byte) (clientSign, serverSign, clientSeal, serverSeal []byte) {
	derive := func(magic string) []byte {
		h := md5.New()
		h.Write(exported)
		h.Write([]byte(magic + "\x00"))
		return h.Sum(nil)
	}
	return derive("session key to client-to-server signing key magic constant"),
		derive("session key to server-to-client signing key magic constant"),
		derive("session key to client-to-server sealing key magic constant"),
		derive("session key to server-to-client sealing key magic constant")
}

// cryptoRandom fills b from crypto/rand.
func cryptoRandom(b []byte) error {
	_, err := rand.Read(b)
	return err
}
