//go:build windows

package ldapx

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"

	"github.com/alexbrainman/sspi"
	"github.com/go-ldap/ldap/v3"

	"github.com/spntrust/spntrust/internal/onwine"
)

// On Windows, a Kerberos bind without a password, keytab or credential
// cache uses the logged-on user's credentials through SSPI's Kerberos
// package, as ADUC and setspn do: the LSA holds the tickets, spntrust never
// sees a secret. The SASL GSSAPI exchange (RFC 4752) and the integrity
// layer are the same as with gokrb5; SSPI makes and checks the RFC 4121 wrap
// tokens (EncryptMessage/DecryptMessage with KERB_WRAP_NO_ENCRYPT: signed,
// not sealed, as "Sign or Seal" with signing only). The package used is
// "Kerberos", not "Negotiate": SASL GSSAPI carries raw Kerberos tokens;
// SPNEGO belongs to GSS-SPNEGO.
//
// The base sspi package is used directly, not its kerberos subpackage,
// whose init panics where the Kerberos package is missing (a Windows without
// it cannot run any spntrust command then, offline ones included).

// kerbWrapNoEncrypt is KERB_WRAP_NO_ENCRYPT (SECQOP_WRAP_NO_ENCRYPT): wrap
// with integrity only.
const kerbWrapNoEncrypt = 0x80000001

// sspiFlags asks for mutual authentication and per-message integrity with
// sequence numbers: what the integrity layer needs, no confidentiality.
const sspiFlags = sspi.ISC_REQ_MUTUAL_AUTH | sspi.ISC_REQ_INTEGRITY | sspi.ISC_REQ_SEQUENCE_DETECT | sspi.ISC_REQ_REPLAY_DETECT

// sspiCurrentUser reports whether a Kerberos bind with creds uses the
// logged-on user through SSPI: no principal and no secret of any kind.
func sspiCurrentUser(creds Credentials) bool {
	return creds.Principal == "" && creds.Password == "" && creds.KeytabPath == "" &&
		creds.CCachePath == "" && os.Getenv("KRB5CCNAME") == ""
}

// loggedOnUser names the logged-on user for messages: user@DNSDOMAIN as
// Windows sets them in the environment of every logon session.
func loggedOnUser() string {
	u, d := os.Getenv("USERNAME"), os.Getenv("USERDNSDOMAIN")
	switch {
	case u != "" && d != "":
		return u + "@" + strings.ToUpper(d)
	case u != "":
		return u + " (logged-on user)"
	}
	return "(the logged-on user)"
}

// bindSSPI does the SASL GSSAPI bind for spn with SSPI.
func (c *Conn) bindSSPI(ctx context.Context, spn string, fail func(step, principal, realm string, err error) error) error {
	principal, realm := loggedOnUser(), strings.ToUpper(os.Getenv("USERDNSDOMAIN"))
	info, err := sspi.QueryPackageInfo(sspi.MICROSOFT_KERBEROS_NAME)
	if err != nil {
		return fail("SSPI setup (the Kerberos security package)", principal, realm, sspiError(err))
	}
	cred, err := sspi.AcquireCredentials("", sspi.MICROSOFT_KERBEROS_NAME, sspi.SECPKG_CRED_OUTBOUND, nil)
	if err != nil {
		return fail("SSPI: the logged-on user's Kerberos credentials", principal, realm, sspiError(err))
	}
	defer cred.Release()
	g := &sspiGSSAPI{cred: cred, maxToken: info.MaxToken, overTLS: c.tls, conn: c.layer}
	defer g.release()
	stop := c.watch(ctx)
	defer stop()
	if err := c.l.GSSAPIBindRequest(g, &ldap.GSSAPIBindRequest{ServicePrincipalName: spn}); err != nil {
		c.l.Close()
		return fail("SASL GSSAPI bind (SSPI) to "+c.RemoteAddr(), principal, realm, err)
	}
	if g.layer == saslLayerIntegrity {
		c.layer.enableWrite(g.wrapper, g.serverMax)
		g.sctx = nil // the layer owns the context now; layerConn.Close releases it
	}
	return nil
}

// sspiError names an SSPI status code as spntrust explain would.
func sspiError(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return fmt.Errorf("SSPI status %#08x (spntrust explain %#x): %w", uint32(errno), uint32(errno), err)
	}
	return err
}

// sspiGSSAPI implements ldap.GSSAPIClient over an SSPI Kerberos context.
type sspiGSSAPI struct {
	cred     *sspi.Credentials
	sctx     *sspi.Context
	target   *uint16
	maxToken uint32
	overTLS  bool
	conn     *layerConn
	done     bool

	layer     byte
	serverMax int
	wrapper   *sspiLayer
}

func (g *sspiGSSAPI) release() {
	if g.sctx != nil {
		g.sctx.Release()
		g.sctx = nil
	}
}

// InitSecContext implements ldap.GSSAPIClient.
func (g *sspiGSSAPI) InitSecContext(target string, token []byte) ([]byte, bool, error) {
	return g.InitSecContextWithOptions(target, token, nil)
}

// InitSecContextWithOptions implements ldap.GSSAPIClient: the first call
// returns the AP-REQ, the second consumes the AP-REP (mutual
// authentication, checked by SSPI).
func (g *sspiGSSAPI) InitSecContextWithOptions(target string, token []byte, _ []int) ([]byte, bool, error) {
	if g.sctx == nil {
		t, err := syscall.UTF16PtrFromString(target)
		if err != nil {
			return nil, false, fmt.Errorf("SPN %q: %w", target, err)
		}
		g.target = t
		g.sctx = sspi.NewClientContext(g.cred, sspiFlags)
	}
	out := make([]byte, g.maxToken)
	var in, outb [1]sspi.SecBuffer
	in[0].Set(sspi.SECBUFFER_TOKEN, token)
	outb[0].Set(sspi.SECBUFFER_TOKEN, out)
	ret := g.sctx.Update(g.target, sspi.NewSecBufferDesc(outb[:]), sspi.NewSecBufferDesc(in[:]))
	switch ret {
	case sspi.SEC_E_OK:
		g.done = true
	case sspi.SEC_I_CONTINUE_NEEDED:
	case sspi.SEC_I_COMPLETE_NEEDED, sspi.SEC_I_COMPLETE_AND_CONTINUE:
		if r := sspi.CompleteAuthToken(g.sctx.Handle, sspi.NewSecBufferDesc(outb[:])); r != sspi.SEC_E_OK {
			return nil, false, sspiError(fmt.Errorf("CompleteAuthToken: %w", r))
		}
		g.done = ret == sspi.SEC_I_COMPLETE_NEEDED
	default:
		return nil, false, sspiError(fmt.Errorf("InitializeSecurityContext for %s: %w", target, ret))
	}
	if g.done {
		const need = sspi.ISC_REQ_MUTUAL_AUTH | sspi.ISC_REQ_INTEGRITY
		if g.sctx.EstablishedFlags&need != need {
			return nil, false, fmt.Errorf("SSPI context for %s lacks mutual authentication or integrity (flags %#x)", target, g.sctx.EstablishedFlags)
		}
	}
	return out[:outb[0].BufferSize], !g.done, nil
}

// NegotiateSaslAuth implements ldap.GSSAPIClient as saslGSSAPI does: verify
// the server's offer, choose integrity (or none over TLS), answer wrapped,
// and arm the reader.
func (g *sspiGSSAPI) NegotiateSaslAuth(token []byte, authzid string) ([]byte, error) {
	if !g.done {
		return nil, errors.New("server skipped mutual authentication before SASL negotiation")
	}
	_, _, blockSize, trailer, err := g.sctx.Sizes()
	if err != nil {
		return nil, sspiError(fmt.Errorf("query SSPI context sizes: %w", err))
	}
	w := &sspiLayer{sctx: g.sctx, trailer: trailer, blockSize: blockSize}
	offer, err := w.Unwrap(token)
	if err != nil {
		return nil, fmt.Errorf("verify the server's SASL negotiation token: %w", err)
	}
	if len(offer) != 4 {
		return nil, fmt.Errorf("server's SASL negotiation payload has %d bytes, want 4", len(offer))
	}
	layers := offer[0]
	g.serverMax = int(offer[1])<<16 | int(offer[2])<<8 | int(offer[3])
	reply := make([]byte, 4, 4+len(authzid))
	switch {
	case g.overTLS && layers&saslLayerNone != 0:
		g.layer = saslLayerNone
	case layers&saslLayerIntegrity != 0:
		g.layer = saslLayerIntegrity
		binary.BigEndian.PutUint32(reply, clientMaxBuffer)
	case layers&saslLayerNone != 0:
		g.layer = saslLayerNone
	default:
		return nil, fmt.Errorf("server offers SASL security layers %#02x; this client speaks integrity (0x02) or none (0x01)", layers)
	}
	reply[0] = g.layer
	reply = append(reply, authzid...)
	out, err := w.Wrap(reply)
	if err != nil {
		return nil, fmt.Errorf("wrap SASL negotiation reply: %w", err)
	}
	g.wrapper = w
	if g.layer == saslLayerIntegrity {
		g.conn.armRead(w)
	}
	return out, nil
}

// DeleteSecContext implements ldap.GSSAPIClient; the context lives on in
// the layer when one was agreed (bindSSPI releases it otherwise).
func (g *sspiGSSAPI) DeleteSecContext() error { return nil }

// sspiLayer is the integrity layer over an established SSPI context: RFC
// 4121 wrap tokens made and checked by the Kerberos package, which keeps
// the sequence numbers.
type sspiLayer struct {
	mu                 sync.Mutex
	sctx               *sspi.Context
	trailer, blockSize uint32
}

func (w *sspiLayer) overhead() int { return int(w.trailer + w.blockSize) }

// errLayerReleased is returned after the connection closed.
var errLayerReleased = errors.New("the SSPI context was released with its connection")

// release deletes the SSPI context; layerConn.Close calls it. Wrap and
// Unwrap fail after it.
func (w *sspiLayer) release() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sctx != nil {
		w.sctx.Release()
		w.sctx = nil
	}
}

// Wrap signs payload (EncryptMessage with KERB_WRAP_NO_ENCRYPT) and returns
// the token: header and checksum, the data, any padding.
func (w *sspiLayer) Wrap(payload []byte) ([]byte, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sctx == nil {
		return nil, errLayerReleased
	}
	data := append([]byte(nil), payload...) // SSPI works in place
	if onWine() {
		return w.wrapWine(data)
	}
	var b [3]sspi.SecBuffer
	b[0].Set(sspi.SECBUFFER_TOKEN, make([]byte, w.trailer))
	b[1].Set(sspi.SECBUFFER_DATA, data)
	b[2].Set(sspi.SECBUFFER_PADDING, make([]byte, w.blockSize))
	if ret := sspi.EncryptMessage(w.sctx.Handle, kerbWrapNoEncrypt, sspi.NewSecBufferDesc(b[:]), 0); ret != sspi.SEC_E_OK {
		return nil, sspiError(fmt.Errorf("EncryptMessage (sign only): %w", ret))
	}
	out := make([]byte, 0, int(b[0].BufferSize+b[1].BufferSize+b[2].BufferSize))
	out = append(out, b[0].Bytes()...)
	out = append(out, b[1].Bytes()...)
	return append(out, b[2].Bytes()...), nil
}

// Unwrap checks a wrap token from the server (checksum and sequence number,
// by DecryptMessage) and returns its payload; a sealed token is refused, as
// only integrity was negotiated.
func (w *sspiLayer) Unwrap(tok []byte) ([]byte, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sctx == nil {
		return nil, errLayerReleased
	}
	buf := append([]byte(nil), tok...)
	if onWine() {
		return w.unwrapWine(buf)
	}
	var b [2]sspi.SecBuffer
	b[0].Set(sspi.SECBUFFER_STREAM, buf)
	b[1].Set(sspi.SECBUFFER_DATA, nil)
	var qop uint32
	if ret := sspi.DecryptMessage(w.sctx.Handle, sspi.NewSecBufferDesc(b[:]), 0, &qop); ret != sspi.SEC_E_OK {
		return nil, sspiError(fmt.Errorf("DecryptMessage (verify): %w", ret))
	}
	if qop&kerbWrapNoEncrypt == 0 {
		return nil, errors.New("peer sent a sealed (encrypted) wrap token, but only the integrity layer was negotiated")
	}
	return append([]byte(nil), b[1].Bytes()...), nil
}

// Wine's Kerberos package (MIT krb5 underneath) lays the buffers of
// EncryptMessage/DecryptMessage out differently from Windows: it reads no
// SECBUFFER_STREAM, and it puts the token's first len(data) bytes in the
// data buffer and the rest in the token buffer. Only the buffer layout
// differs; the token on the wire and its checks (done by gss_wrap/gss_unwrap)
// are the same. This is what lets the SSPI bind be tested under wine.
var onWine = onwine.Detected

func (w *sspiLayer) wrapWine(data []byte) ([]byte, error) {
	tok := make([]byte, w.trailer+w.blockSize+64)
	var b [2]sspi.SecBuffer
	b[0].Set(sspi.SECBUFFER_DATA, data)
	b[1].Set(sspi.SECBUFFER_TOKEN, tok)
	if ret := sspi.EncryptMessage(w.sctx.Handle, kerbWrapNoEncrypt, sspi.NewSecBufferDesc(b[:]), 0); ret != sspi.SEC_E_OK {
		return nil, sspiError(fmt.Errorf("EncryptMessage (sign only, wine): %w", ret))
	}
	return append(data, b[1].Bytes()...), nil
}

func (w *sspiLayer) unwrapWine(buf []byte) ([]byte, error) {
	// The payload's length comes from the RFC 4121 header: wine's
	// DecryptMessage does not set the data buffer's size.
	if len(buf) < wrapTokenHeaderLen || buf[0] != 0x05 || buf[1] != 0x04 {
		return nil, fmt.Errorf("not an RFC 4121 wrap token (%d bytes)", len(buf))
	}
	n := len(buf) - wrapTokenHeaderLen - int(binary.BigEndian.Uint16(buf[4:6]))
	if n < 0 {
		return nil, fmt.Errorf("wrap token of %d bytes is shorter than its checksum", len(buf))
	}
	var b [2]sspi.SecBuffer
	b[0].Set(sspi.SECBUFFER_DATA, buf)
	b[1].Set(sspi.SECBUFFER_TOKEN, nil)
	var qop uint32
	if ret := sspi.DecryptMessage(w.sctx.Handle, sspi.NewSecBufferDesc(b[:]), 0, &qop); ret != sspi.SEC_E_OK {
		return nil, sspiError(fmt.Errorf("DecryptMessage (verify, wine): %w", ret))
	}
	if qop&kerbWrapNoEncrypt == 0 {
		return nil, errors.New("peer sent a sealed (encrypted) wrap token, but only the integrity layer was negotiated")
	}
	return append([]byte(nil), buf[:n]...), nil
}
