// Package krbprobe asks a KDC for service tickets the way a Windows client
// does and records what happened: which realms referred the request on,
// which principal the ticket was issued for, or which KRB-ERROR came back.
//
// It drives the TGS exchanges itself (gokrb5 follows referrals silently)
// so that the cross-realm path is visible.
package krbprobe

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/iana/patype"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/spntrust/spntrust/ldapx"
	"github.com/spntrust/spntrust/statuscode"
)

// maxReferrals bounds a referral chain (a misconfigured trust can loop).
const maxReferrals = 8

// Result is the outcome of one ticket request.
type Result struct {
	SPN         string
	ClientRealm string
	Issued      bool
	Realm       string   // realm of the service ticket
	Principal   string   // service principal the ticket names
	Path        []string // realms asked, in order, starting with the client's
	ErrorCode   int32
	ErrorName   string
	Err         error
	// NotTested says why the request was not made (RequestFrom without a
	// cross-realm TGT for the client realm); "" when it was.
	NotTested string
	// TicketEtype encrypts the ticket (the service account's key);
	// SessionEtype is the session key's type. Set when Issued.
	TicketEtype, SessionEtype int32
}

// Encryption types a ticket request offers.
var (
	// WindowsClientEtypes is what a current Windows client offers by
	// default: AES256, AES128 and still RC4-HMAC (unless a policy removed it).
	WindowsClientEtypes = []int32{18, 17, 23}
	// AESOnlyEtypes is what a client offers once RC4 is removed.
	AESOnlyEtypes = []int32{18, 17}
)

// Prober requests tickets with one logged-in client.
type Prober struct {
	Client  *client.Client
	Config  *config.Config
	Timeout time.Duration // per KDC exchange; zero: 10 s
	// Resolver finds the KDCs of realms the configuration does not name
	// (the realms a referral leads to); nil: only configured realms.
	Resolver ldapx.Resolver
	// Etypes are the encryption types each request offers, in order of
	// preference; nil: WindowsClientEtypes.
	Etypes []int32
}

// Request asks for a ticket for spn starting at the client's realm and
// follows referrals (RFC 6806) from realm to realm.
func (p *Prober) Request(ctx context.Context, spn string) Result {
	return p.request(ctx, "", spn)
}

// RequestFrom asks for spn the way a client of clientRealm does: with a
// cross-realm TGT for clientRealm from the credentials' realm, it starts
// the TGS exchanges at clientRealm's KDC and follows the referrals from
// there (Path starts with clientRealm). Where no cross-realm TGT can be
// had (no direct trust, no KDC), NotTested says why and nothing is claimed.
func (p *Prober) RequestFrom(ctx context.Context, clientRealm, spn string) Result {
	return p.request(ctx, strings.ToUpper(clientRealm), spn)
}

func (p *Prober) request(ctx context.Context, from, spn string) Result {
	realm := p.Client.Credentials.Domain()
	crealm := realm
	res := Result{SPN: spn, ClientRealm: realm}
	fail := func(err error) Result {
		res.Err = err
		if code, ok := ldapx.KRBErrorCode(err); ok {
			c := statuscode.ClassifyKerberos(code)
			res.ErrorCode, res.ErrorName = code, c.Name
		}
		return res
	}
	// A TGT of the client's realm and its session key, from gokrb5's login.
	tgt, key, err := p.Client.GetServiceTicket("krbtgt/" + realm)
	if err != nil {
		return fail(fmt.Errorf("get a TGT for %s: %w", realm, err))
	}
	etypes := p.Etypes
	if len(etypes) == 0 {
		etypes = WindowsClientEtypes
	}
	cfg := *p.Config
	cfg.LibDefaults.Canonicalize = true // ask for referrals, as Windows clients do
	// The offered types are part of the request body the authenticator's
	// checksum covers, so they are set before the request is built.
	cfg.LibDefaults.DefaultTGSEnctypeIDs = etypes
	if from != "" && !strings.EqualFold(from, realm) {
		rep, err := p.tgs(ctx, &cfg, crealm, realm, tgt, key, types.NewPrincipalName(nametype.KRB_NT_SRV_INST, "krbtgt/"+from))
		if err == nil {
			if n := rep.Ticket.SName.NameString; len(n) != 2 || !strings.EqualFold(n[0], "krbtgt") || !strings.EqualFold(n[1], from) {
				err = fmt.Errorf("the KDC of %s issued %s, not a TGT for %s (no direct trust)", realm, rep.Ticket.SName.PrincipalNameString(), from)
			}
		}
		if err != nil {
			res.NotTested = fmt.Sprintf("no cross-realm TGT for %s from %s: %v", from, realm, err)
			return res
		}
		res.ClientRealm = from
		tgt, key, realm = rep.Ticket, rep.DecryptedEncPart.Key, from
	}
	sname := types.NewPrincipalName(nametype.KRB_NT_SRV_INST, spn)
	for hop := 0; hop <= maxReferrals; hop++ {
		res.Path = append(res.Path, realm)
		rep, err := p.tgs(ctx, &cfg, crealm, realm, tgt, key, sname)
		if err != nil {
			return fail(fmt.Errorf("TGS-REQ for %s: %w", spn, err))
		}
		names := rep.Ticket.SName.NameString
		if len(names) == 2 && strings.EqualFold(names[0], "krbtgt") && !strings.EqualFold(names[1], realm) {
			// A referral: a TGT for the next realm on the path.
			tgt, key, realm = rep.Ticket, rep.DecryptedEncPart.Key, names[1]
			continue
		}
		res.Issued = true
		res.TicketEtype, res.SessionEtype = rep.Ticket.EncPart.EType, rep.DecryptedEncPart.Key.KeyType
		res.Realm = rep.Ticket.Realm
		res.Principal = rep.Ticket.SName.PrincipalNameString()
		return res
	}
	return fail(fmt.Errorf("more than %d referrals for %s: the trust path loops", maxReferrals, spn))
}

// tgs sends one TGS-REQ for sname to realm's KDC with the given TGT and
// returns the decrypted reply; a KRB-ERROR is returned as the error. The
// authenticator names the client's own realm crealm: gokrb5 writes the
// TGT's realm there, which is wrong once a referral TGT of another realm
// is presented (the KDC answers KRB_AP_ERR_BADMATCH).
func (p *Prober) tgs(ctx context.Context, cfg *config.Config, crealm, realm string, tgt messages.Ticket, key types.EncryptionKey, sname types.PrincipalName) (messages.TGSRep, error) {
	var rep messages.TGSRep
	req, err := messages.NewTGSReq(p.Client.Credentials.CName(), realm, cfg, tgt, key, sname, false)
	if err != nil {
		return rep, fmt.Errorf("build TGS-REQ in %s: %w", realm, err)
	}
	if !strings.EqualFold(tgt.Realm, crealm) {
		if err := setAuthenticator(&req, crealm, tgt, key); err != nil {
			return rep, fmt.Errorf("build TGS-REQ in %s: %w", realm, err)
		}
	}
	b, err := req.Marshal()
	if err != nil {
		return rep, fmt.Errorf("encode TGS-REQ: %w", err)
	}
	reply, err := p.exchange(ctx, realm, b)
	if err != nil {
		return rep, fmt.Errorf("to realm %s: %w", realm, err)
	}
	if err := rep.Unmarshal(reply); err != nil {
		var krbErr messages.KRBError
		if kerr := krbErr.Unmarshal(reply); kerr == nil {
			return rep, fmt.Errorf("realm %s: %w", realm, krbErr)
		}
		return rep, fmt.Errorf("realm %s: reply is neither TGS-REP nor KRB-ERROR: %v", realm, err)
	}
	if err := rep.DecryptEncPart(key); err != nil {
		return rep, fmt.Errorf("realm %s: decrypt TGS-REP: %w", realm, err)
	}
	return rep, nil
}

// setAuthenticator replaces the request's PA-TGS-REQ with one whose
// authenticator names crealm (RFC 4120 5.5.1: the client's realm).
func setAuthenticator(req *messages.TGSReq, crealm string, tgt messages.Ticket, key types.EncryptionKey) error {
	body, err := req.ReqBody.Marshal()
	if err != nil {
		return fmt.Errorf("encode TGS-REQ body: %w", err)
	}
	et, err := crypto.GetEtype(key.KeyType)
	if err != nil {
		return fmt.Errorf("session key type %d: %w", key.KeyType, err)
	}
	sum, err := et.GetChecksumHash(key.KeyValue, body, keyusage.TGS_REQ_PA_TGS_REQ_AP_REQ_AUTHENTICATOR_CHKSUM)
	if err != nil {
		return fmt.Errorf("checksum of the TGS-REQ body: %w", err)
	}
	auth, err := types.NewAuthenticator(crealm, req.ReqBody.CName)
	if err != nil {
		return fmt.Errorf("authenticator: %w", err)
	}
	auth.Cksum = types.Checksum{CksumType: et.GetHashID(), Checksum: sum}
	ap, err := messages.NewAPReq(tgt, key, auth)
	if err != nil {
		return fmt.Errorf("AP-REQ: %w", err)
	}
	apb, err := ap.Marshal()
	if err != nil {
		return fmt.Errorf("encode AP-REQ: %w", err)
	}
	req.PAData = types.PADataSequence{{PADataType: patype.PA_TGS_REQ, PADataValue: apb}}
	return nil
}

// exchange sends one request to the realm's KDCs over TCP, trying each in
// order of preference.
func (p *Prober) exchange(ctx context.Context, realm string, req []byte) ([]byte, error) {
	_, kdcs, err := p.Config.GetKDCs(realm, true)
	if (err != nil || len(kdcs) == 0) && p.Resolver != nil {
		var found []string
		if found, err = ldapx.FindKDCs(ctx, p.Resolver, realm); err == nil {
			kdcs = map[int]string{}
			for i, k := range found {
				kdcs[i+1] = k
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("no KDC known for realm %s (add it to krb5.conf or DNS SRV _kerberos._tcp): %w", realm, err)
	}
	keys := make([]int, 0, len(kdcs))
	for k := range kdcs {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var errs []error
	for _, k := range keys {
		b, err := p.send(ctx, kdcs[k], req)
		if err == nil {
			return b, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

func (p *Prober) send(ctx context.Context, addr string, req []byte) ([]byte, error) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	b, err := ldapx.KDCExchange(ctx, addr, req, timeout)
	if err != nil {
		return nil, fmt.Errorf("KDC %s: %w", addr, err)
	}
	return b, nil
}
