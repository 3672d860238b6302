package ldapx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/jcmturner/gokrb5/v8/asn1tools"
	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/chksumtype"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// RFC 4752 section 3.3 security layer bits.
const (
	saslLayerNone      = 0x01
	saslLayerIntegrity = 0x02
	saslLayerConf      = 0x04
)

// clientMaxBuffer is the largest SASL buffer we accept, sent to the server.
const clientMaxBuffer = 64 << 10

// krb5MechOID is the DER encoding of the Kerberos V5 GSS-API mechanism OID
// 1.2.840.113554.1.2.2 (RFC 1964 section 1.1), the prefix of every initial
// context token.
var krb5MechOID = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02}

// saslGSSAPI implements ldap.GSSAPIClient over a gokrb5 client. Unlike
// go-ldap's own client it verifies the AP-REP and the server's wrap token,
// negotiates the integrity layer (RFC 4752) and arms the layerConn so that
// every later LDAP message is wrapped.
type saslGSSAPI struct {
	cl   *client.Client
	conn *layerConn
	// overTLS: TLS already protects the connection. AD and Samba refuse
	// sign or seal on top of TLS ("Sign or Seal are not allowed if TLS is
	// used"), so no layer is chosen there when the server offers none.
	overTLS bool
	// channelBindings is the hash of the TLS channel (RFC 5929
	// tls-server-end-point) for the authenticator's Bnd field; nil on plain LDAP.
	channelBindings []byte
	// spnego: the context is for SASL GSS-SPNEGO (no RFC 4752 negotiation;
	// the context flags select integrity).
	spnego bool

	// set while the context is established
	sessionKey types.EncryptionKey
	authCTime  time.Time
	authCusec  int
	initSeq    uint64
	subkey     types.EncryptionKey
	acceptSeq  uint64
	haveAPRep  bool
	layer      byte
	serverMax  int
	wrapper    *gssWrapper
}

// InitSecContext implements ldap.GSSAPIClient.
func (g *saslGSSAPI) InitSecContext(target string, token []byte) ([]byte, bool, error) {
	return g.InitSecContextWithOptions(target, token, nil)
}

// InitSecContextWithOptions implements ldap.GSSAPIClient: the first call
// returns the AP-REQ, the second consumes the server's AP-REP.
func (g *saslGSSAPI) InitSecContextWithOptions(target string, token []byte, apOptions []int) ([]byte, bool, error) {
	if token == nil {
		tkt, key, err := g.cl.GetServiceTicket(target)
		if err != nil {
			return nil, false, fmt.Errorf("get service ticket for %s: %w", target, err)
		}
		g.sessionKey = key
		out, err := g.apReq(tkt, key, apOptions)
		if err != nil {
			return nil, false, err
		}
		return out, true, nil
	}
	if err := g.acceptAPRep(token); err != nil {
		return nil, false, err
	}
	return []byte{}, false, nil
}

func (g *saslGSSAPI) apReq(tkt messages.Ticket, key types.EncryptionKey, apOptions []int) ([]byte, error) {
	auth, err := types.NewAuthenticator(g.cl.Credentials.Domain(), g.cl.Credentials.CName())
	if err != nil {
		return nil, fmt.Errorf("build Kerberos authenticator: %w", err)
	}
	ctxFlags := uint32(gssapi.ContextFlagMutual | gssapi.ContextFlagSequence | gssapi.ContextFlagInteg)
	if !g.spnego {
		// In SASL GSSAPI the layer is chosen in the negotiation after the
		// context (RFC 4752); in GSS-SPNEGO the context flags choose it, and
		// this client speaks the integrity layer only.
		ctxFlags |= gssapi.ContextFlagConf
	}
	auth.Cksum = types.Checksum{
		CksumType: chksumtype.GSSAPI,
		Checksum:  gssChecksum(ctxFlags, g.channelBindings),
	}
	g.authCTime = auth.CTime
	g.authCusec = auth.Cusec
	g.initSeq = uint64(auth.SeqNumber)
	req, err := messages.NewAPReq(tkt, key, auth)
	if err != nil {
		return nil, fmt.Errorf("build AP-REQ: %w", err)
	}
	types.SetFlag(&req.APOptions, flags.APOptionMutualRequired)
	for _, o := range apOptions {
		types.SetFlag(&req.APOptions, o)
	}
	b, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("marshal AP-REQ: %w", err)
	}
	// RFC 1964 / RFC 4121 4.1: [APPLICATION 0] { mech OID, TOK_ID 01 00, AP-REQ }
	inner := make([]byte, 0, len(krb5MechOID)+2+len(b))
	inner = append(inner, krb5MechOID...)
	inner = append(inner, 0x01, 0x00)
	inner = append(inner, b...)
	return asn1tools.AddASNAppTag(inner, 0), nil
}

// gssChecksum builds the RFC 4121 4.1.1 authenticator checksum: the
// channel binding hash (Bnd; 16 zero bytes without a channel) and the
// context flags, little-endian.
func gssChecksum(ctxFlags uint32, channelBindings []byte) []byte {
	b := make([]byte, 24)
	binary.LittleEndian.PutUint32(b[0:4], 16)
	copy(b[4:20], channelBindings)
	binary.LittleEndian.PutUint32(b[20:24], ctxFlags)
	return b
}

// acceptAPRep parses the server's reply token: an AP-REP (mutual
// authentication) or a KRB-ERROR, which is returned as messages.KRBError so
// the error classifier sees its code.
func (g *saslGSSAPI) acceptAPRep(token []byte) error {
	body, tokID, err := splitInitialToken(token)
	if err != nil {
		return fmt.Errorf("server's GSSAPI reply: %w", err)
	}
	switch tokID {
	case 0x0200:
		var rep messages.APRep
		if err := rep.Unmarshal(body); err != nil {
			return fmt.Errorf("parse AP-REP: %w", err)
		}
		plain, err := crypto.DecryptEncPart(rep.EncPart, g.sessionKey, keyusage.AP_REP_ENCPART)
		if err != nil {
			return fmt.Errorf("decrypt AP-REP (server did not prove knowledge of the session key): %w", err)
		}
		var part messages.EncAPRepPart
		if err := part.Unmarshal(plain); err != nil {
			return fmt.Errorf("parse AP-REP encrypted part: %w", err)
		}
		if part.CTime.Unix() != g.authCTime.Unix() || part.Cusec != g.authCusec {
			return errors.New("AP-REP time does not match our authenticator: mutual authentication failed")
		}
		g.subkey = part.Subkey
		g.acceptSeq = uint64(part.SequenceNumber)
		g.haveAPRep = true
		return nil
	case 0x0300:
		var kerr messages.KRBError
		if err := kerr.Unmarshal(body); err != nil {
			return fmt.Errorf("parse KRB-ERROR from the LDAP server: %w", err)
		}
		return kerr
	default:
		return fmt.Errorf("unexpected GSSAPI token ID %#04x in the server's reply", tokID)
	}
}

// splitInitialToken strips the RFC 2743 3.1 framing [APPLICATION 0]{OID,...}
// and returns the inner Kerberos message and its 2-byte token ID.
func splitInitialToken(tok []byte) ([]byte, uint16, error) {
	if len(tok) < 2 || tok[0] != 0x60 {
		return nil, 0, errors.New("not a GSS-API initial context token")
	}
	lenBytes := 1
	length := int(tok[1])
	if tok[1]&0x80 != 0 {
		n := int(tok[1] & 0x7f)
		if n == 0 || n > 4 || len(tok) < 2+n {
			return nil, 0, errors.New("GSS-API token has a bad length")
		}
		length = 0
		for _, b := range tok[2 : 2+n] {
			length = length<<8 | int(b)
		}
		lenBytes = 1 + n
	}
	rest := tok[1+lenBytes:]
	if length != len(rest) {
		return nil, 0, fmt.Errorf("GSS-API token length %d does not match its %d bytes", length, len(rest))
	}
	if len(rest) < len(krb5MechOID)+2 || string(rest[:len(krb5MechOID)]) != string(krb5MechOID) {
		return nil, 0, errors.New("GSS-API token is not for the Kerberos V5 mechanism")
	}
	rest = rest[len(krb5MechOID):]
	return rest[2:], binary.BigEndian.Uint16(rest[:2]), nil
}

// NegotiateSaslAuth implements ldap.GSSAPIClient: verify the server's wrap
// token offering security layers, choose integrity, and answer with our
// choice and receive buffer size in a wrap token of our own.
func (g *saslGSSAPI) NegotiateSaslAuth(token []byte, authzid string) ([]byte, error) {
	if !g.haveAPRep {
		return nil, errors.New("server skipped mutual authentication (no AP-REP) before SASL negotiation")
	}
	if len(token) < 3 {
		return nil, fmt.Errorf("server's SASL negotiation token of %d bytes is too short", len(token))
	}
	// The token's flags say which key the acceptor uses (RFC 4121 4.2.2).
	acceptorSubkey := token[2]&wrapFlagAcceptorSubkey != 0
	key := g.sessionKey
	if acceptorSubkey {
		if g.subkey.KeyType == 0 || len(g.subkey.KeyValue) == 0 {
			return nil, errors.New("server's wrap token uses an acceptor subkey, but its AP-REP carried none")
		}
		key = g.subkey
	}
	w, err := newGSSWrapper(key, true, acceptorSubkey, g.initSeq, g.acceptSeq)
	if err != nil {
		return nil, fmt.Errorf("set up the SASL security layer: %w", err)
	}
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
		reply[0] = saslLayerNone
	case layers&saslLayerIntegrity != 0:
		g.layer = saslLayerIntegrity
		reply[0] = saslLayerIntegrity
		var max [4]byte
		binary.BigEndian.PutUint32(max[:], clientMaxBuffer)
		copy(reply[1:4], max[1:4])
	case layers&saslLayerNone != 0:
		// The server offers no layer we can use but accepts none: nothing
		// to wrap (the connection is usually TLS then).
		g.layer = saslLayerNone
		reply[0] = saslLayerNone
	default:
		return nil, fmt.Errorf("server offers SASL security layers %#02x; this client speaks integrity (0x02) or none (0x01)", layers)
	}
	reply = append(reply, authzid...)
	out, err := w.Wrap(reply)
	if err != nil {
		return nil, fmt.Errorf("wrap SASL negotiation reply: %w", err)
	}
	g.wrapper = w
	if g.layer == saslLayerIntegrity {
		// The bind's final response is still plain; everything after it is
		// wrapped (RFC 4752 3.1, RFC 4422 3.7).
		g.conn.armRead(w)
	}
	return out, nil
}

// DeleteSecContext implements ldap.GSSAPIClient. go-ldap calls it when the
// bind returns; the wrapper keeps the keys the layer still needs.
func (g *saslGSSAPI) DeleteSecContext() error {
	g.sessionKey = types.EncryptionKey{}
	g.subkey = types.EncryptionKey{}
	return nil
}
