package ldapx

import (
	"context"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// SPNEGO (RFC 4178) as LDAP's SASL "GSS-SPNEGO" mechanism, the one Windows
// and Samba DCs offer for NTLM. go-ldap speaks only the "GSSAPI" SASL
// mechanism, so this package sends these binds itself, through layerConn's
// interception of the bind responses.

var (
	oidSPNEGO  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 2}
	oidNTLMSSP = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 2, 10}
)

// SPNEGO negotiation states (RFC 4178 4.2.2).
const (
	negAcceptCompleted  = 0
	negAcceptIncomplete = 1
	negReject           = 2
	negRequestMIC       = 3
)

func explicit(tag int, der []byte) []byte {
	b, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: tag, IsCompound: true, Bytes: der})
	return b
}

func derSequence(parts ...[]byte) []byte {
	var body []byte
	for _, p := range parts {
		body = append(body, p...)
	}
	b, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: body})
	return b
}

func derOctets(v []byte) []byte {
	b, _ := asn1.Marshal(v)
	return b
}

// mechTypeList is the DER of MechTypeList, which the mechListMIC covers.
func mechTypeList(mechs ...asn1.ObjectIdentifier) []byte {
	b, _ := asn1.Marshal(mechs)
	return b
}

// spnegoInit frames a NegTokenInit as the GSS-API initial context token
// (RFC 2743 3.1: [APPLICATION 0] { SPNEGO OID, negTokenInit [0] }).
func spnegoInit(mechList, mechToken []byte) []byte {
	init := explicit(0, derSequence(explicit(0, mechList), explicit(2, derOctets(mechToken))))
	oid, _ := asn1.Marshal(oidSPNEGO)
	b, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: 0, IsCompound: true, Bytes: append(oid, init...)})
	return b
}

// spnegoResp builds the client's negTokenResp [1] with a response token
// and a mechListMIC (negState is the server's to send).
func spnegoResp(responseToken, mic []byte) []byte {
	var parts [][]byte
	if responseToken != nil {
		parts = append(parts, explicit(2, derOctets(responseToken)))
	}
	if mic != nil {
		parts = append(parts, explicit(3, derOctets(mic)))
	}
	return explicit(1, derSequence(parts...))
}

// negTokenResp is a parsed server reply.
type negTokenResp struct {
	State         int
	SupportedMech asn1.ObjectIdentifier
	ResponseToken []byte
	MechListMIC   []byte
}

// parseNegTokenResp parses the server's negTokenResp; a reply framed as an
// initial context token (some servers do) is unframed first.
func parseNegTokenResp(b []byte) (*negTokenResp, error) {
	var outer asn1.RawValue
	rest, err := asn1.Unmarshal(b, &outer)
	if err != nil {
		return nil, fmt.Errorf("SPNEGO reply is not DER: %w", err)
	}
	if len(rest) != 0 {
		return nil, errors.New("SPNEGO reply has trailing bytes")
	}
	if outer.Class == asn1.ClassApplication && outer.Tag == 0 {
		var oid asn1.ObjectIdentifier
		inner, err := asn1.Unmarshal(outer.Bytes, &oid)
		if err != nil || !oid.Equal(oidSPNEGO) {
			return nil, errors.New("SPNEGO reply framed for another mechanism")
		}
		if _, err := asn1.Unmarshal(inner, &outer); err != nil {
			return nil, fmt.Errorf("SPNEGO reply: %w", err)
		}
	}
	if outer.Class != asn1.ClassContextSpecific || outer.Tag != 1 {
		return nil, fmt.Errorf("SPNEGO reply is not a negTokenResp (class %d tag %d)", outer.Class, outer.Tag)
	}
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(outer.Bytes, &seq); err != nil || seq.Tag != asn1.TagSequence {
		return nil, errors.New("SPNEGO negTokenResp is not a SEQUENCE")
	}
	r := &negTokenResp{State: -1}
	for body := seq.Bytes; len(body) > 0; {
		var f asn1.RawValue
		if body, err = asn1.Unmarshal(body, &f); err != nil {
			return nil, fmt.Errorf("SPNEGO negTokenResp field: %w", err)
		}
		if f.Class != asn1.ClassContextSpecific {
			return nil, errors.New("SPNEGO negTokenResp field is not context-tagged")
		}
		switch f.Tag {
		case 0:
			var e asn1.Enumerated
			if _, err := asn1.Unmarshal(f.Bytes, &e); err != nil {
				return nil, fmt.Errorf("SPNEGO negState: %w", err)
			}
			r.State = int(e)
		case 1:
			if _, err := asn1.Unmarshal(f.Bytes, &r.SupportedMech); err != nil {
				return nil, fmt.Errorf("SPNEGO supportedMech: %w", err)
			}
		case 2:
			if _, err := asn1.Unmarshal(f.Bytes, &r.ResponseToken); err != nil {
				return nil, fmt.Errorf("SPNEGO responseToken: %w", err)
			}
		case 3:
			if _, err := asn1.Unmarshal(f.Bytes, &r.MechListMIC); err != nil {
				return nil, fmt.Errorf("SPNEGO mechListMIC: %w", err)
			}
		}
	}
	return r, nil
}

// saslResult is one bind response of a SASL exchange.
type saslResult struct {
	code        uint16
	diagnostic  string
	serverCreds []byte
}

// saslMessageID numbers the bind requests this package sends itself, far
// from go-ldap's counter (which starts at 1) so the two never meet.
const saslMessageID = 0x7ff00000

// saslStep sends one SASL bind request with mechanism mech and token and
// hands the DC's response to handle. go-ldap's reader is parked in
// layerConn.Read meanwhile; the response is intercepted there, and the
// reader reads on only after handle returned, so handle may arm the
// security layer for the next message. Nothing else may use the connection
// during the exchange (a bind never runs beside other requests).
func (c *Conn) saslStep(ctx context.Context, step int, mech string, token []byte, handle func(*saslResult) error) error {
	id := int64(saslMessageID + step)
	env := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Request")
	env.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
	req := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationBindRequest, nil, "Bind Request")
	req.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 3, "Version"))
	req.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "User Name"))
	auth := ber.Encode(ber.ClassContext, ber.TypeConstructed, 3, "", "authentication")
	auth.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, mech, "SASL Mech"))
	auth.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, string(token), "Credentials"))
	req.AppendChild(auth)
	env.AppendChild(req)

	ic := newInterception()
	c.layer.intercept.Store(ic)
	defer func() {
		c.layer.intercept.Store(nil)
		close(ic.done)
	}()
	if _, err := c.layer.Write(env.Bytes()); err != nil {
		return fmt.Errorf("send SASL %s bind request: %w", mech, err)
	}
	timer := time.NewTimer(c.opts.timeout())
	defer timer.Stop()
	var msg []byte
	select {
	case msg = <-ic.msg:
	case err := <-ic.fail:
		return fmt.Errorf("the DC closed or broke the connection during the SASL %s bind: %w", mech, err)
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return fmt.Errorf("SASL %s bind: no response within %v", mech, c.opts.timeout())
	}
	res, err := parseBindResponse(msg, id)
	if err != nil {
		return err
	}
	return handle(res)
}

// parseBindResponse reads an LDAPMessage holding a BindResponse. It never
// panics on malformed input.
func parseBindResponse(msg []byte, wantID int64) (*saslResult, error) {
	p, err := ber.DecodePacketErr(msg)
	if err != nil {
		return nil, fmt.Errorf("bind response is not BER: %w", err)
	}
	if len(p.Children) < 2 {
		return nil, errors.New("bind response has no message ID and operation")
	}
	if id, ok := p.Children[0].Value.(int64); !ok || id != wantID {
		return nil, fmt.Errorf("bind response has message ID %v, want %d", p.Children[0].Value, wantID)
	}
	op := p.Children[1]
	if op.ClassType != ber.ClassApplication || op.Tag != ldap.ApplicationBindResponse || len(op.Children) < 3 {
		return nil, fmt.Errorf("the DC answered the bind with LDAP operation %d, not a bind response", op.Tag)
	}
	code, ok := op.Children[0].Value.(int64)
	if !ok || code < 0 || code > 0xffff {
		return nil, errors.New("bind response has no result code")
	}
	r := &saslResult{code: uint16(code)}
	r.diagnostic, _ = op.Children[2].Value.(string)
	for _, ch := range op.Children[3:] {
		if ch.ClassType == ber.ClassContext && ch.Tag == 7 {
			if ch.Data != nil {
				r.serverCreds = append([]byte{}, ch.Data.Bytes()...)
			}
		}
	}
	return r, nil
}

// resultError turns a failed bind result into an *ldap.Error, so the
// classification shared with the other binds sees the code and message.
func (r *saslResult) resultError() error {
	return &ldap.Error{ResultCode: r.code, Err: errors.New(r.diagnostic)}
}
