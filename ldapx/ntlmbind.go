package ldapx

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// saslMechSPNEGO is the SASL name of SPNEGO (RFC 4178) in AD's rootDSE.
const saslMechSPNEGO = "GSS-SPNEGO"

// ntlmCauses replaces the Kerberos-flavoured hint for a refused NTLM bind.
const ntlmCauses = "usual causes: wrong password, wrong domain (DOMAIN\\user: the NetBIOS or DNS name of the account's domain), account locked or disabled"

// splitNTLMUser splits DOMAIN\user or user@domain; a bare user takes realm.
func splitNTLMUser(principal, realm string) (domain, user string) {
	domain, user = realm, principal
	if i := strings.IndexByte(user, '\\'); i >= 0 {
		domain, user = user[:i], user[i+1:]
	} else if i := strings.LastIndexByte(user, '@'); i >= 0 {
		domain, user = user[i+1:], user[:i]
	}
	return domain, user
}

// bindNTLM authenticates with NTLMv2 inside SASL GSS-SPNEGO, with NTLMSSP
// signing and sealing of every later message on plain LDAP, and channel
// binding over TLS. Where the DC offers no GSS-SPNEGO it falls back to
// Microsoft's "sicily" NTLM bind (no session security).
func (c *Conn) bindNTLM(ctx context.Context, creds Credentials) error {
	domain, user := splitNTLMUser(creds.Principal, creds.Realm)
	fail := func(step string, err error) error {
		ae := ldapAuthError(MechNTLM, user, domain, err)
		ae.Step = step
		if c.tls && ae.LDAPCode == ldap.LDAPResultStrongAuthRequired {
			ae.Hint = "over TLS NTLM binds without signing or sealing (AD and Samba forbid them on top of TLS), but this DC demands them: " +
				"Samba's default \"ldap server require strong auth = yes\" refuses SASL over TLS either way; " +
				"use NTLM on plain LDAP (389), where every message is sealed"
		} else if ae.Hint == usualCauses {
			ae.Hint = ntlmCauses
		} else if strings.HasSuffix(ae.Hint, "; "+usualCauses) {
			ae.Hint = strings.TrimSuffix(ae.Hint, usualCauses) + ntlmCauses
		}
		return ae
	}
	if user == "" || creds.Password == "" {
		return &AuthError{Mechanism: MechNTLM, Principal: user, Realm: domain, Step: "credential check",
			Err: errors.New("NTLM needs a user (DOMAIN\\user or user@domain) and a password")}
	}
	dse, err := c.ReadRootDSE(ctx)
	if err != nil {
		return fail("reading the DC's SASL mechanisms (rootDSE)", err)
	}
	if !slices.ContainsFunc(dse.SupportedSASLMechanisms, func(m string) bool { return strings.EqualFold(m, saslMechSPNEGO) }) {
		return c.bindSicily(ctx, domain, user, creds.Password, fail)
	}
	cb, err := c.channelBindings()
	if err != nil {
		return fail("channel binding", err)
	}
	c.sentChannelBinding = cb
	nc := &ntlmClient{
		user: user, domain: domain, ntHash: ntlmHash(creds.Password),
		sessionSecurity: !c.tls, channelBindings: cb,
		now: c.opts.now, random: cryptoRandom,
	}
	defer clear(nc.ntHash)
	if dse.DNSHostName != "" {
		nc.targetSPN = "ldap/" + strings.ToLower(dse.DNSHostName)
	}
	mechs := mechTypeList(oidNTLMSSP)
	stop := c.watch(ctx)
	defer stop()

	// 1. NegTokenInit with the NEGOTIATE message; the DC answers with the
	// CHALLENGE inside a negTokenResp.
	var challenge []byte
	err = c.saslStep(ctx, 1, saslMechSPNEGO, spnegoInit(mechs, nc.negotiateMessage()), func(res *saslResult) error {
		if res.code != ldap.LDAPResultSaslBindInProgress {
			return res.resultError()
		}
		resp, err := parseNegTokenResp(res.serverCreds)
		if err != nil {
			return err
		}
		if resp.State == negReject {
			return errors.New("the DC rejected NTLM in SPNEGO")
		}
		if resp.SupportedMech != nil && !resp.SupportedMech.Equal(oidNTLMSSP) {
			return fmt.Errorf("the DC chose SPNEGO mechanism %v, not NTLMSSP", resp.SupportedMech)
		}
		challenge = resp.ResponseToken
		return nil
	})
	if err != nil {
		return fail("NTLM negotiate (SASL GSS-SPNEGO bind to "+c.RemoteAddr()+")", err)
	}
	var dcDomains []string // the DC's own domain, NetBIOS and DNS names
	if ch, err := parseChallenge(challenge); err == nil {
		dcDomains = []string{ch.nbDomain, ch.dnsDomain}
		if nc.domain == "" {
			// A bare user name: the account's domain is the DC's (Windows
			// does the same when no domain is typed).
			nc.domain, domain = ch.nbDomain, ch.nbDomain
		}
	}
	auth, err := nc.authenticateMessage(challenge)
	if err != nil {
		return fail("NTLM challenge", err)
	}
	sec, err := newNTLMSecurity(nc.exportedKey, nc.sessionSecurity)
	clear(nc.exportedKey)
	if err != nil {
		return fail("NTLM session security", err)
	}
	// 2. AUTHENTICATE with the mechListMIC; the DC's final answer carries
	// its own mechListMIC. Both RC4 streams restart after the MICs
	// (MS-SPNG 3.3.5.1).
	mic := sec.Sign(mechs)
	if err := sec.resetHandles(); err != nil {
		return fail("NTLM session security", err)
	}
	var refused *saslResult
	err = c.saslStep(ctx, 2, saslMechSPNEGO, spnegoResp(auth, mic), func(res *saslResult) error {
		if res.code != ldap.LDAPResultSuccess {
			refused = res
			return res.resultError()
		}
		if len(res.serverCreds) > 0 {
			final, err := parseNegTokenResp(res.serverCreds)
			if err != nil {
				return err
			}
			if final.State != negAcceptCompleted && final.State != -1 {
				return fmt.Errorf("the DC ended SPNEGO in state %d, not accept-completed", final.State)
			}
			if final.MechListMIC != nil {
				if err := sec.verifyServerMIC(mechs, final.MechListMIC); err != nil {
					return fmt.Errorf("the DC's SPNEGO mechListMIC: %w", err)
				}
			}
		}
		if nc.sessionSecurity {
			// The bind's response is plain; everything after it is sealed.
			c.layer.armRead(sec)
		}
		return nil
	})
	if err != nil {
		err := fail("NTLM authenticate", err)
		var ae *AuthError
		if errors.As(err, &ae) && refused != nil && refused.code == ldap.LDAPResultInvalidCredentials && len(dcDomains) == 2 &&
			!slices.ContainsFunc(dcDomains, func(d string) bool { return strings.EqualFold(d, domain) }) {
			ae.Hint += fmt.Sprintf("; this DC is in domain %s (%s), and it asked domain %s to check the account: is the account in %s?",
				dcDomains[0], dcDomains[1], domain, domain)
		}
		return err
	}
	if nc.sessionSecurity {
		c.layer.enableWrite(sec, 0)
	}
	return nil
}

// verifyServerMIC checks the DC's mechListMIC and restarts the receiving RC4
// stream after it, as the sending one was.
func (s *ntlmSecurity) verifyServerMIC(mechs, mic []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.verifyLocked(mechs, mic); err != nil {
		return err
	}
	return s.recv.resetHandle()
}

// bindSicily is the fallback for DCs that do not offer GSS-SPNEGO:
// go-ldap's Microsoft "sicily" NTLM bind, which has no session security.
func (c *Conn) bindSicily(ctx context.Context, domain, user, password string, fail func(string, error) error) error {
	stop := c.watch(ctx)
	defer stop()
	if err := c.l.NTLMBind(domain, user, password); err != nil {
		return fail("sicily NTLM bind (the DC offers no GSS-SPNEGO)", err)
	}
	return nil
}
