package ldapx

import (
	"context"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/go-ldap/ldap/v3"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
)

// Kerberos through SASL GSS-SPNEGO, for DCs that offer SPNEGO but not the
// plain GSSAPI mechanism. The AP-REQ travels as SPNEGO's optimistic token;
// the DC's reply carries the AP-REP. There is no RFC 4752 negotiation: the
// context flags (integrity, no confidentiality) select the layer, and every
// later message is an RFC 4121 wrap token, as after the GSSAPI bind.

var (
	oidKRB5   = asn1.ObjectIdentifier{1, 2, 840, 113554, 1, 2, 2}
	oidMSKRB5 = asn1.ObjectIdentifier{1, 2, 840, 48018, 1, 2, 2} // Microsoft's alias of the Kerberos OID
)

// bindKerberosSPNEGO runs the context of g through GSS-SPNEGO.
func (c *Conn) bindKerberosSPNEGO(ctx context.Context, g *saslGSSAPI, spn string) (*gssWrapper, error) {
	g.spnego = true
	defer g.DeleteSecContext() // the wrapper keeps the key it needs
	apReq, _, err := g.InitSecContextWithOptions(spn, nil, nil)
	if err != nil {
		return nil, err
	}
	mechs := mechTypeList(oidKRB5)
	var w *gssWrapper
	err = c.saslStep(ctx, 1, saslMechSPNEGO, spnegoInit(mechs, apReq), func(res *saslResult) error {
		switch res.code {
		case ldap.LDAPResultSuccess:
		case ldap.LDAPResultSaslBindInProgress:
			return errors.New("the DC asked for a further SPNEGO round after the Kerberos AP-REQ (a mechListMIC request), which this client does not send")
		default:
			return res.resultError()
		}
		resp, err := parseNegTokenResp(res.serverCreds)
		if err != nil {
			return err
		}
		if resp.State != negAcceptCompleted && resp.State != -1 {
			return fmt.Errorf("the DC ended SPNEGO in state %d, not accept-completed", resp.State)
		}
		if resp.SupportedMech != nil && !resp.SupportedMech.Equal(oidKRB5) && !resp.SupportedMech.Equal(oidMSKRB5) {
			return fmt.Errorf("the DC chose SPNEGO mechanism %v, not Kerberos", resp.SupportedMech)
		}
		if resp.ResponseToken == nil {
			return errors.New("the DC's SPNEGO reply carries no AP-REP: mutual authentication failed")
		}
		if err := g.acceptAPRep(resp.ResponseToken); err != nil {
			return err
		}
		key, acceptorSubkey := g.sessionKey, false
		if g.subkey.KeyType != 0 && len(g.subkey.KeyValue) > 0 {
			key, acceptorSubkey = g.subkey, true
		}
		if resp.MechListMIC != nil {
			var mic gssapi.MICToken
			if err := mic.Unmarshal(resp.MechListMIC, true); err != nil {
				return fmt.Errorf("the DC's SPNEGO mechListMIC: %w", err)
			}
			mic.Payload = mechs
			if ok, err := mic.Verify(key, keyusage.GSSAPI_ACCEPTOR_SIGN); !ok {
				return fmt.Errorf("the DC's SPNEGO mechListMIC does not verify: %v", err)
			}
		}
		w, err = newGSSWrapper(key, true, acceptorSubkey, g.initSeq, g.acceptSeq)
		if err != nil {
			return fmt.Errorf("set up the security layer: %w", err)
		}
		// The bind's response is plain; everything after it is wrapped.
		c.layer.armRead(w)
		return nil
	})
	return w, err
}
