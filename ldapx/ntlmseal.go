package ldapx

import (
	"crypto/hmac"
	"crypto/rc4"
	"encoding/binary"
	"fmt"
	"sync"
)

// ntlmSignatureLen is the size of an NTLMSSP_MESSAGE_SIGNATURE with extended
// session security: version (4), checksum (8), sequence number (4).
const ntlmSignatureLen = 16

// ntlmDirection is one direction of NTLMSSP session security: its signing
// key, its RC4 sealing handle (kept across messages: connection-oriented
// NTLM) and its sequence number.
type ntlmDirection struct {
	signKey, sealKey []byte
	handle           *rc4.Cipher
	seq              uint32
}

func newNTLMDirection(signKey, sealKey []byte) (*ntlmDirection, error) {
	d := &ntlmDirection{signKey: signKey, sealKey: sealKey}
	return d, d.resetHandle()
}

// resetHandle starts the RC4 stream afresh from the sealing key. SPNEGO
// needs it after the mechListMIC (MS-SPNG 3.3.5.1: the first message of the
// application sees the RC4 state the mechListMIC saw).
func (d *ntlmDirection) resetHandle() error {
	h, err := rc4.NewCipher(d.sealKey)
	if err != nil {
		return fmt.Errorf("NTLM sealing key: %w", err)
	}
	d.handle = h
	return nil
}

// mac computes the signature of msg at the current sequence number
// (MS-NLMP 3.4.4.2, with key exchange: the checksum is RC4-encrypted).
func (d *ntlmDirection) mac(msg []byte) []byte {
	var seq [4]byte
	binary.LittleEndian.PutUint32(seq[:], d.seq)
	sum := hmacMD5(d.signKey, seq[:], msg)[:8]
	sig := make([]byte, ntlmSignatureLen)
	binary.LittleEndian.PutUint32(sig[0:4], 1)
	d.handle.XORKeyStream(sig[4:12], sum)
	copy(sig[12:16], seq[:])
	return sig
}

// ntlmSecurity is an established NTLMSSP session security context, used as
// the LDAP SASL security layer (every message after the bind is wrapped).
type ntlmSecurity struct {
	mu         sync.Mutex
	seal       bool // confidentiality; otherwise integrity only
	send, recv *ntlmDirection
}

// newNTLMSecurity builds the client's context from the exported session key.
func newNTLMSecurity(exportedKey []byte, seal bool) (*ntlmSecurity, error) {
	cSign, sSign, cSeal, sSeal := ntlmSessionKeys(exportedKey)
	send, err := newNTLMDirection(cSign, cSeal)
	if err != nil {
		return nil, err
	}
	recv, err := newNTLMDirection(sSign, sSeal)
	if err != nil {
		return nil, err
	}
	return &ntlmSecurity{seal: seal, send: send, recv: recv}, nil
}

func (s *ntlmSecurity) overhead() int { return ntlmSignatureLen }

// Sign returns the signature of msg and advances the send sequence number.
func (s *ntlmSecurity) Sign(msg []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	sig := s.send.mac(msg)
	s.send.seq++
	return sig
}

// Verify checks the peer's signature of msg at the expected sequence number.
func (s *ntlmSecurity) Verify(msg, sig []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.verifyLocked(msg, sig)
}

func (s *ntlmSecurity) verifyLocked(msg, sig []byte) error {
	if len(sig) != ntlmSignatureLen {
		return fmt.Errorf("NTLM signature of %d bytes, want %d", len(sig), ntlmSignatureLen)
	}
	if v := binary.LittleEndian.Uint32(sig[0:4]); v != 1 {
		return fmt.Errorf("NTLM signature version %d, want 1", v)
	}
	if seq := binary.LittleEndian.Uint32(sig[12:16]); seq != s.recv.seq {
		return fmt.Errorf("NTLM signature sequence number %d, want %d (message replayed, lost or reordered)", seq, s.recv.seq)
	}
	want := s.recv.mac(msg)
	if !hmac.Equal(want, sig) {
		return fmt.Errorf("NTLM signature does not verify (message altered or wrong key)")
	}
	s.recv.seq++
	return nil
}

// resetHandles restarts both RC4 streams (after the SPNEGO mechListMIC).
func (s *ntlmSecurity) resetHandles() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.send.resetHandle(); err != nil {
		return err
	}
	return s.recv.resetHandle()
}

// Wrap seals (or only signs) payload: signature first, then the message,
// as Windows and Samba frame NTLM in an LDAP SASL buffer.
func (s *ntlmSecurity) Wrap(payload []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]byte, ntlmSignatureLen+len(payload))
	body := out[ntlmSignatureLen:]
	if s.seal {
		// MS-NLMP 3.4.3: the message is encrypted first, then the
		// checksum, with the same RC4 stream.
		s.send.handle.XORKeyStream(body, payload)
	} else {
		copy(body, payload)
	}
	copy(out, s.send.mac(payload))
	s.send.seq++
	return out, nil
}

// Unwrap checks and opens one wrapped message from the server.
func (s *ntlmSecurity) Unwrap(tok []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(tok) < ntlmSignatureLen {
		return nil, fmt.Errorf("NTLM-wrapped message of %d bytes is shorter than its %d-byte signature", len(tok), ntlmSignatureLen)
	}
	sig, body := tok[:ntlmSignatureLen], tok[ntlmSignatureLen:]
	plain := make([]byte, len(body))
	if s.seal {
		s.recv.handle.XORKeyStream(plain, body)
	} else {
		copy(plain, body)
	}
	if err := s.verifyLocked(plain, sig); err != nil {
		return nil, err
	}
	return plain, nil
}
