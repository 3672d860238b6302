package ldapx

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// layerConn sits between go-ldap and the network (or TLS) connection. Until a
// SASL security layer is agreed it passes LDAP messages through unchanged,
// but it parses their BER framing so it always knows where a message ends:
// go-ldap's reader goroutine is usually already blocked in Read when the
// layer is agreed, and the switch to unwrapping must happen exactly after the
// bind's final (plain) response. Buffering lives here, below that boundary,
// so no byte of a wrapped frame can be handed out as plain LDAP.
type layerConn struct {
	net.Conn
	br *bufio.Reader

	// armed is set by NegotiateSaslAuth (or the SPNEGO bind); the reader
	// switches to unwrapping after the next LDAP message completes (the
	// bind's final response).
	armed atomic.Pointer[armedLayer]

	// intercept, while set, receives whole plain LDAP messages instead of
	// go-ldap's reader: a bind this package runs itself (SASL GSS-SPNEGO,
	// which go-ldap cannot send) reads its responses there.
	intercept atomic.Pointer[interception]

	rmu       sync.Mutex
	rw        securityLayer // non-nil once reads are unwrapped
	pending   []byte        // bytes ready for the caller
	remaining int64         // content bytes of the current plain message still to pass through

	wmu     sync.Mutex
	ww      securityLayer // non-nil once writes are wrapped
	maxSend int           // largest payload per wrap token (0 = no limit)
}

// securityLayer wraps and unwraps the LDAP messages of a SASL security
// layer: RFC 4121 wrap tokens (Kerberos) or NTLMSSP sealing.
type securityLayer interface {
	Wrap(payload []byte) ([]byte, error)
	Unwrap(tok []byte) ([]byte, error)
	overhead() int // bytes a wrapped message adds to its payload
}

type armedLayer struct{ l securityLayer }

// interception hands one bind response to the bind code. The reader waits
// for done before it reads on, so a security layer the bind arms on seeing
// the response (its keys may come from it) is in place for the very next
// message.
type interception struct {
	msg  chan []byte // capacity 1
	fail chan error  // capacity 1: the connection failed while waiting
	done chan struct{}
}

func newInterception() *interception {
	return &interception{msg: make(chan []byte, 1), fail: make(chan error, 1), done: make(chan struct{})}
}

func newLayerConn(c net.Conn) *layerConn {
	return &layerConn{Conn: c, br: bufio.NewReaderSize(c, 64<<10)}
}

// armRead makes the reader unwrap everything after the next complete message.
func (c *layerConn) armRead(w securityLayer) { c.armed.Store(&armedLayer{l: w}) }

// enableWrite wraps every later Write; maxBuf is the peer's maximum SASL
// buffer size (0 = not limited).
func (c *layerConn) enableWrite(w securityLayer, maxBuf int) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.ww = w
	c.maxSend = 0
	if maxBuf > 0 {
		c.maxSend = maxBuf - w.overhead()
		if c.maxSend < 1 {
			c.maxSend = 1
		}
	}
}

// layered reports whether the security layer is active in both directions.
func (c *layerConn) layered() bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ww != nil
}

func (c *layerConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for {
		if len(c.pending) > 0 {
			n := copy(p, c.pending)
			c.pending = c.pending[n:]
			if len(c.pending) == 0 && c.remaining == 0 && c.rw == nil {
				c.messageDone()
			}
			return n, nil
		}
		if c.rw != nil {
			frame, err := readFrame(c.br)
			if err != nil {
				return 0, fmt.Errorf("read SASL security layer frame: %w", err)
			}
			payload, err := c.rw.Unwrap(frame)
			if err != nil {
				return 0, fmt.Errorf("unwrap SASL security layer frame: %w", err)
			}
			c.pending = payload
			continue
		}
		if c.remaining > 0 {
			want := int64(len(p))
			if want > c.remaining {
				want = c.remaining
			}
			n, err := c.br.Read(p[:want])
			c.remaining -= int64(n)
			if c.remaining == 0 {
				c.messageDone()
			}
			if err != nil && c.remaining > 0 && errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return n, err
		}
		hdr, length, err := readBERHeader(c.br)
		if err != nil {
			c.interceptFailed(err)
			return 0, err
		}
		if ic := c.intercept.Load(); ic != nil {
			msg := make([]byte, len(hdr)+int(length))
			copy(msg, hdr)
			if _, err := io.ReadFull(c.br, msg[len(hdr):]); err != nil {
				c.interceptFailed(unexpected(err))
				return 0, unexpected(err)
			}
			select {
			case ic.msg <- msg:
			default: // a second message in one exchange: not a bind response
			}
			<-ic.done
			c.messageDone()
			continue
		}
		c.pending = hdr
		c.remaining = length
	}
}

// interceptFailed tells a bind waiting for its response that the
// connection failed instead.
func (c *layerConn) interceptFailed(err error) {
	if ic := c.intercept.Load(); ic != nil {
		select {
		case ic.fail <- err:
		default:
		}
	}
}

// messageDone is called when a plain LDAP message has been fully handed out.
func (c *layerConn) messageDone() {
	if w := c.armed.Swap(nil); w != nil {
		c.rw = w.l
	}
}

// Close closes the connection and frees what the layer holds outside Go
// (the SSPI context of a Windows bind, whose layer has a release method).
func (c *layerConn) Close() error {
	err := c.Conn.Close()
	c.wmu.Lock()
	w := c.ww
	c.wmu.Unlock()
	if r, ok := w.(interface{ release() }); ok {
		r.release()
	}
	return err
}

func (c *layerConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.ww == nil {
		return c.Conn.Write(p)
	}
	var out []byte
	for rest := p; len(rest) > 0; {
		chunk := rest
		if c.maxSend > 0 && len(chunk) > c.maxSend {
			chunk = chunk[:c.maxSend]
		}
		rest = rest[len(chunk):]
		tok, err := c.ww.Wrap(chunk)
		if err != nil {
			return 0, fmt.Errorf("wrap LDAP message for the SASL security layer: %w", err)
		}
		out = appendFrame(out, tok)
	}
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// maxBERLength bounds the content length of one plain LDAP message header we
// accept; it only guards against garbage since content is streamed, not held.
const maxBERLength = 1 << 31

// readBERHeader reads the identifier and length octets of one BER element
// and returns them with the content length. LDAP forbids the indefinite form.
func readBERHeader(r io.ByteReader) ([]byte, int64, error) {
	hdr := make([]byte, 0, 10)
	tag, err := r.ReadByte()
	if err != nil {
		return nil, 0, err
	}
	if tag&0x1f == 0x1f {
		return nil, 0, fmt.Errorf("LDAP message with high tag number form (first octet %#02x) is not valid", tag)
	}
	hdr = append(hdr, tag)
	l, err := r.ReadByte()
	if err != nil {
		return nil, 0, unexpected(err)
	}
	hdr = append(hdr, l)
	if l < 0x80 {
		return hdr, int64(l), nil
	}
	n := int(l & 0x7f)
	if n == 0 {
		return nil, 0, errors.New("LDAP message uses BER indefinite length, which LDAP forbids")
	}
	if n > 4 {
		return nil, 0, fmt.Errorf("LDAP message length field of %d octets is too large", n)
	}
	var length int64
	for i := 0; i < n; i++ {
		b, err := r.ReadByte()
		if err != nil {
			return nil, 0, unexpected(err)
		}
		hdr = append(hdr, b)
		length = length<<8 | int64(b)
	}
	if length > maxBERLength {
		return nil, 0, fmt.Errorf("LDAP message length %d is too large", length)
	}
	return hdr, length, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
