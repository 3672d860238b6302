package ldapx

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/iana/patype"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/spntrust/spntrust/statuscode"
)

// Which long-term keys does the KDC hold for an account? The keys are
// secret and not readable over LDAP, but an AS-REQ without
// pre-authentication is answered with KDC_ERR_PREAUTH_REQUIRED and
// PA-ETYPE-INFO2 (RFC 4120 5.2.7.5), naming the key the client is to use:
// the strongest of the offered types the KDC has a key for (measured on
// Samba: aes256-cts for an account with AES keys, rc4-hmac for one with only
// an NT hash). Offering AES, RC4 and DES therefore tells whether the account
// has AES keys, and if not, whether it has RC4 or only DES. The request carries no
// password and no pre-authentication data, so there is no failed logon:
// badPwdCount is not touched and the account cannot be locked out by it.

// keyProbeEtypes are offered in every key probe, strongest first: AES
// (SHA-1), RC4 and single DES, so each kind of key the KDC holds is named.
var keyProbeEtypes = []int32{
	etypeID.AES256_CTS_HMAC_SHA1_96, etypeID.AES128_CTS_HMAC_SHA1_96,
	etypeID.RC4_HMAC, etypeID.DES_CBC_MD5, etypeID.DES_CBC_CRC,
}

// AccountKeys is what a key probe learnt of one account.
type AccountKeys struct {
	Principal string
	// Etypes are the key types the KDC named (IANA numbers), sorted: its
	// strongest key of the offered types; nil when Outcome says it named none.
	Etypes []int32
	// Outcome: "keys" (PA-ETYPE-INFO2 listed them), "no-preauth" (the
	// account does not require pre-authentication and the KDC sent an
	// AS-REP, whose encryption type is the one key named), "unknown"
	// (no such principal), "no-keys" (KDC_ERR_ETYPE_NOSUPP: no key of any
	// offered type), "revoked" (disabled, locked or expired), or "error".
	Outcome   string
	ErrorCode int32
}

// Key probe outcomes.
const (
	KeysListed    = "keys"
	KeysNoPreauth = "no-preauth"
	KeysUnknown   = "unknown"
	KeysNone      = "no-keys"
	KeysRevoked   = "revoked"
	KeysError     = "error"
)

// ProbeAccountKeys sends one credential-free AS-REQ for principal
// (sAMAccountName, e.g. "svc-web" or "WEB01$") in realm to the KDC at
// kdcAddr ("host:port", TCP) and reads the key types from the answer.
func ProbeAccountKeys(ctx context.Context, kdcAddr, realm, principal string, timeout time.Duration) (AccountKeys, error) {
	realm = strings.ToUpper(realm)
	res := AccountKeys{Principal: principal + "@" + realm}
	req, err := messages.NewASReqForTGT(realm, config.New(), types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, principal))
	if err != nil {
		return res, fmt.Errorf("key probe %s: build AS-REQ: %w", res.Principal, err)
	}
	req.ReqBody.EType = keyProbeEtypes
	req.PAData = nil // no pre-authentication: no password is used
	b, err := req.Marshal()
	if err != nil {
		return res, fmt.Errorf("key probe %s: marshal AS-REQ: %w", res.Principal, err)
	}
	reply, err := KDCExchange(ctx, kdcAddr, b, timeout)
	if err != nil {
		return res, fmt.Errorf("key probe %s at %s: %w", res.Principal, kdcAddr, err)
	}
	return res, parseKeyProbeReply(&res, reply)
}

// parseKeyProbeReply fills keys from the KDC's answer. It never panics on
// malformed input.
func parseKeyProbeReply(keys *AccountKeys, reply []byte) error {
	var rep messages.ASRep
	if err := rep.Unmarshal(reply); err == nil {
		keys.Outcome = KeysNoPreauth
		keys.Etypes = []int32{rep.EncPart.EType}
		return nil
	}
	var kerr messages.KRBError
	if err := kerr.Unmarshal(reply); err != nil {
		keys.Outcome = KeysError
		return fmt.Errorf("key probe %s: the KDC's reply is neither AS-REP nor KRB-ERROR: %w", keys.Principal, err)
	}
	keys.ErrorCode = kerr.ErrorCode
	// Pre-authentication required (or failed) carries the hints read below;
	// any other answer is read through the one table of codes.
	if kerr.ErrorCode != errorcode.KDC_ERR_PREAUTH_REQUIRED && kerr.ErrorCode != errorcode.KDC_ERR_PREAUTH_FAILED {
		switch c := statuscode.ClassifyKerberos(kerr.ErrorCode); c.Problem {
		case statuscode.KerberosUnknownClient:
			keys.Outcome = KeysUnknown
		case statuscode.KerberosEncType:
			keys.Outcome = KeysNone
		case statuscode.KerberosAccountLocked:
			keys.Outcome = KeysRevoked
		default:
			keys.Outcome = KeysError
			return fmt.Errorf("key probe %s: KDC answered %s", keys.Principal, c.Label())
		}
		return nil
	}
	var pas types.PADataSequence
	if err := pas.Unmarshal(kerr.EData); err != nil {
		keys.Outcome = KeysError
		return fmt.Errorf("key probe %s: the KDC's pre-authentication hints are not PA-DATA: %w", keys.Principal, err)
	}
	seen := map[int32]bool{}
	for _, pa := range pas {
		switch pa.PADataType {
		case patype.PA_ETYPE_INFO2:
			var info types.ETypeInfo2
			if err := info.Unmarshal(pa.PADataValue); err != nil {
				continue
			}
			for _, e := range info {
				seen[e.EType] = true
			}
		case patype.PA_ETYPE_INFO:
			var info types.ETypeInfo
			if err := info.Unmarshal(pa.PADataValue); err != nil {
				continue
			}
			for _, e := range info {
				seen[e.EType] = true
			}
		}
	}
	if len(seen) == 0 {
		// Pre-authentication required but no key to use named: an account
		// without a password (Samba's Guest, a computer never joined).
		keys.Outcome = KeysNone
		return nil
	}
	keys.Outcome = KeysListed
	for e := range seen {
		keys.Etypes = append(keys.Etypes, e)
	}
	sort.Slice(keys.Etypes, func(i, j int) bool { return keys.Etypes[i] < keys.Etypes[j] })
	return nil
}
