package ldapx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/types"
)

// RFC 4121 section 4.2.2 token flags.
const (
	wrapFlagSentByAcceptor = 0x01
	wrapFlagSealed         = 0x02
	wrapFlagAcceptorSubkey = 0x04
)

const (
	wrapTokenHeaderLen = 16
	// maxFrameLen bounds a SASL buffer we accept from the server. A peer can
	// advertise at most 2^24-1 bytes in the 3-byte max-buffer field; a length
	// above that plus token overhead is garbage, not a message.
	maxFrameLen = 1<<24 + 64
)

// errRC4Layer explains why an RC4 session key cannot carry the layer: RC4
// uses the older RFC 4757 token format, which this package does not speak.
var errRC4Layer = errors.New("the Kerberos session key is RC4-HMAC, whose RFC 4757 wrap tokens are not supported; " +
	"allow AES for the DC account (msDS-SupportedEncryptionTypes) or the client")

// gssWrapper holds one direction pair of an established RFC 4121 context:
// the key, who we are, and the sequence numbers of both directions. It wraps
// and unwraps integrity-only (unsealed) wrap tokens.
type gssWrapper struct {
	mu             sync.Mutex
	key            types.EncryptionKey
	initiator      bool
	acceptorSubkey bool
	sendSeq        uint64
	recvSeq        uint64
	checksumLen    int
}

func newGSSWrapper(key types.EncryptionKey, initiator, acceptorSubkey bool, sendSeq, recvSeq uint64) (*gssWrapper, error) {
	switch key.KeyType {
	case etypeID.AES128_CTS_HMAC_SHA1_96, etypeID.AES256_CTS_HMAC_SHA1_96,
		etypeID.AES128_CTS_HMAC_SHA256_128, etypeID.AES256_CTS_HMAC_SHA384_192:
	case etypeID.RC4_HMAC, etypeID.RC4_HMAC_EXP:
		return nil, errRC4Layer
	default:
		return nil, fmt.Errorf("encryption type %d has no RFC 4121 wrap tokens here", key.KeyType)
	}
	et, err := crypto.GetEtype(key.KeyType)
	if err != nil {
		return nil, fmt.Errorf("encryption type %d: %w", key.KeyType, err)
	}
	return &gssWrapper{
		key:            key,
		initiator:      initiator,
		acceptorSubkey: acceptorSubkey,
		sendSeq:        sendSeq,
		recvSeq:        recvSeq,
		checksumLen:    et.GetHMACBitLength() / 8,
	}, nil
}

func (w *gssWrapper) sendFlags() byte {
	var f byte
	if !w.initiator {
		f |= wrapFlagSentByAcceptor
	}
	if w.acceptorSubkey {
		f |= wrapFlagAcceptorSubkey
	}
	return f
}

func (w *gssWrapper) usages() (send, recv uint32) {
	if w.initiator {
		return keyusage.GSSAPI_INITIATOR_SEAL, keyusage.GSSAPI_ACCEPTOR_SEAL
	}
	return keyusage.GSSAPI_ACCEPTOR_SEAL, keyusage.GSSAPI_INITIATOR_SEAL
}

// overhead is the number of bytes a wrap token adds to its payload.
func (w *gssWrapper) overhead() int { return wrapTokenHeaderLen + w.checksumLen }

// Wrap returns an integrity-protected wrap token carrying payload and
// advances the send sequence number.
func (w *gssWrapper) Wrap(payload []byte) ([]byte, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	send, _ := w.usages()
	if payload == nil {
		payload = []byte{}
	}
	wt := gssapi.WrapToken{
		Flags:     w.sendFlags(),
		EC:        uint16(w.checksumLen),
		RRC:       0,
		SndSeqNum: w.sendSeq,
		Payload:   payload,
	}
	if err := wt.SetCheckSum(w.key, send); err != nil {
		return nil, fmt.Errorf("wrap token checksum: %w", err)
	}
	b, err := wt.Marshal()
	if err != nil {
		return nil, fmt.Errorf("marshal wrap token: %w", err)
	}
	w.sendSeq++
	return b, nil
}

// Unwrap verifies a wrap token from the peer (header, flags, sequence number
// and checksum) and returns its payload. It never panics on short or
// malformed input.
func (w *gssWrapper) Unwrap(tok []byte) ([]byte, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(tok) < wrapTokenHeaderLen {
		return nil, fmt.Errorf("wrap token of %d bytes is shorter than its %d-byte header", len(tok), wrapTokenHeaderLen)
	}
	if tok[0] != 0x05 || tok[1] != 0x04 {
		return nil, fmt.Errorf("not a wrap token: token ID %#02x%02x, want 0x0504", tok[0], tok[1])
	}
	flags := tok[2]
	fromAcceptor := flags&wrapFlagSentByAcceptor != 0
	if fromAcceptor == !w.initiator {
		return nil, errors.New("wrap token claims to come from our own side (SentByAcceptor flag): reflected or forged token")
	}
	if flags&wrapFlagSealed != 0 {
		return nil, errors.New("peer sent a sealed (encrypted) wrap token, but only the integrity layer was negotiated")
	}
	if (flags&wrapFlagAcceptorSubkey != 0) != w.acceptorSubkey {
		return nil, fmt.Errorf("wrap token AcceptorSubkey flag is %v, context uses acceptor subkey %v", flags&wrapFlagAcceptorSubkey != 0, w.acceptorSubkey)
	}
	if tok[3] != 0xFF {
		return nil, fmt.Errorf("wrap token filler byte is %#02x, want 0xff", tok[3])
	}
	ec := int(binary.BigEndian.Uint16(tok[4:6]))
	rrc := int(binary.BigEndian.Uint16(tok[6:8]))
	seq := binary.BigEndian.Uint64(tok[8:16])
	body := tok[wrapTokenHeaderLen:]
	if ec != w.checksumLen {
		return nil, fmt.Errorf("wrap token checksum length %d, want %d for encryption type %d", ec, w.checksumLen, w.key.KeyType)
	}
	if len(body) < ec {
		return nil, fmt.Errorf("wrap token body of %d bytes cannot hold a %d-byte checksum", len(body), ec)
	}
	// RFC 4121 4.2.5: the sender may rotate the body right by RRC bytes;
	// rotate it back left before splitting payload and checksum.
	plain := make([]byte, len(body))
	if len(body) > 0 {
		r := rrc % len(body)
		n := copy(plain, body[r:])
		copy(plain[n:], body[:r])
	}
	wt := gssapi.WrapToken{
		Flags:     flags,
		EC:        uint16(ec),
		RRC:       uint16(rrc),
		SndSeqNum: seq,
		Payload:   plain[:len(plain)-ec],
		CheckSum:  plain[len(plain)-ec:],
	}
	_, recv := w.usages()
	if ok, err := wt.Verify(w.key, recv); !ok || err != nil {
		return nil, fmt.Errorf("wrap token checksum does not verify (message altered or wrong key): %w", err)
	}
	if seq != w.recvSeq {
		return nil, fmt.Errorf("wrap token sequence number %d, want %d (message replayed, lost or reordered)", seq, w.recvSeq)
	}
	w.recvSeq++
	return wt.Payload, nil
}

// writeFrame writes one SASL buffer: a 4-byte big-endian length and the token.
func appendFrame(dst, tok []byte) []byte {
	var l [4]byte
	binary.BigEndian.PutUint32(l[:], uint32(len(tok)))
	dst = append(dst, l[:]...)
	return append(dst, tok...)
}

// readFrame reads one SASL buffer (4-byte big-endian length, then that many
// bytes). A length shorter than a wrap token header or above maxFrameLen is
// rejected before anything is allocated.
func readFrame(r io.Reader) ([]byte, error) {
	var l [4]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(l[:])
	if n < wrapTokenHeaderLen || n > maxFrameLen {
		return nil, fmt.Errorf("SASL buffer length %d is outside %d..%d: not a security-layer frame", n, wrapTokenHeaderLen, maxFrameLen)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("SASL buffer truncated: %w", err)
	}
	return buf, nil
}
