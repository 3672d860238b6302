package ldapx

import (
	"errors"
	"regexp"
	"strconv"

	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/messages"
)

// KerberosProblem is what a KRB-ERROR code means for someone running an audit.
type KerberosProblem string

// Kinds of Kerberos failure, from the KRB-ERROR code.
const (
	KerberosBadCredentials   KerberosProblem = "bad-credentials"      // wrong password or stale keytab
	KerberosUnknownClient    KerberosProblem = "unknown-client"       // principal or realm not found
	KerberosUnknownService   KerberosProblem = "unknown-service"      // SPN not registered
	KerberosDuplicateService KerberosProblem = "duplicate-service"    // SPN on two accounts
	KerberosClockSkew        KerberosProblem = "clock-skew"           // clocks differ too much
	KerberosAccountLocked    KerberosProblem = "account-unusable"     // disabled, locked or expired
	KerberosPasswordExpired  KerberosProblem = "password-expired"     // must change password
	KerberosEncType          KerberosProblem = "encryption-type"      // no common encryption type / no keys
	KerberosWrongRealm       KerberosProblem = "wrong-realm"          // realm name wrong (often its case)
	KerberosTicketModified   KerberosProblem = "ticket-undecryptable" // service cannot decrypt (key mismatch)
	KerberosPolicy           KerberosProblem = "policy"               // KDC policy refused
	KerberosOther            KerberosProblem = "other"
)

// KRBErrorClass explains one KRB-ERROR code.
type KRBErrorClass struct {
	Code    int32
	Name    string // e.g. KDC_ERR_PREAUTH_FAILED
	Problem KerberosProblem
	Hint    string // likely causes, for the user
}

// ClassifyKRBError maps a KRB-ERROR code (RFC 4120 7.5.9, [MS-KILE] 3.1.5)
// to its meaning and usual causes. It is the one place Kerberos error codes
// are interpreted.
func ClassifyKRBError(code int32) KRBErrorClass {
	c := KRBErrorClass{Code: code, Name: krbErrorName(code), Problem: KerberosOther}
	switch code {
	case errorcode.KDC_ERR_PREAUTH_FAILED, errorcode.KRB_AP_ERR_BAD_INTEGRITY:
		c.Problem = KerberosBadCredentials
		c.Hint = "the password is wrong or the keytab holds an old key version (a password change invalidates keytabs)"
	case errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN:
		c.Problem = KerberosUnknownClient
		c.Hint = "no such account in this realm: check the user name, and that the realm is the AD domain's DNS name in upper case"
	case errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN:
		c.Problem = KerberosUnknownService
		c.Hint = "the KDC knows no account holding this service principal name: check the DC's DNS name and its SPNs (setspn -Q)"
	case errorcode.KDC_ERR_PRINCIPAL_NOT_UNIQUE:
		c.Problem = KerberosDuplicateService
		c.Hint = "two accounts hold the same service principal name (setspn -X -F lists duplicates)"
	case errorcode.KRB_AP_ERR_SKEW, errorcode.KRB_AP_ERR_TKT_NYV, errorcode.KDC_ERR_NEVER_VALID:
		c.Problem = KerberosClockSkew
		c.Hint = "this machine's clock and the KDC's differ by more than the allowed skew (5 minutes by default): synchronise time"
	case errorcode.KDC_ERR_CLIENT_REVOKED, errorcode.KDC_ERR_NAME_EXP:
		c.Problem = KerberosAccountLocked
		c.Hint = "the account is disabled, locked out or expired"
	case errorcode.KDC_ERR_KEY_EXPIRED:
		c.Problem = KerberosPasswordExpired
		c.Hint = "the account's password has expired or must be changed at next logon"
	case errorcode.KDC_ERR_ETYPE_NOSUPP, errorcode.KDC_ERR_NULL_KEY:
		c.Problem = KerberosEncType
		c.Hint = "no encryption type both sides support, or the account has no keys (never had a password set)"
	case errorcode.KDC_ERR_WRONG_REALM:
		c.Problem = KerberosWrongRealm
		c.Hint = "the realm is wrong: an AD realm is the domain's DNS name in upper case"
	case errorcode.KRB_AP_ERR_MODIFIED, errorcode.KRB_AP_ERR_BADKEYVER, errorcode.KRB_AP_ERR_NOKEY:
		c.Problem = KerberosTicketModified
		c.Hint = "the service could not decrypt its ticket: its key differs from the KDC's (duplicate SPN, stale keytab, or a DNS alias pointing to another host)"
	case errorcode.KDC_ERR_POLICY, errorcode.KDC_ERR_BADOPTION:
		c.Problem = KerberosPolicy
		c.Hint = "the KDC's policy refused the request (logon hours, workstation restriction, protected users, or delegation settings)"
	case errorcode.KDC_ERR_PREAUTH_REQUIRED:
		c.Hint = "pre-authentication is required (normal first reply of an AS exchange)"
	}
	return c
}

// errorcode.Lookup returns "(24) KDC_ERR_PREAUTH_FAILED Pre-authentication ...".
var krbLookupName = regexp.MustCompile(`^\(\d+\) (\S+)`)

func krbErrorName(code int32) string {
	m := krbLookupName.FindStringSubmatch(errorcode.Lookup(code))
	if m == nil {
		return "KRB_ERROR_" + strconv.Itoa(int(code))
	}
	return m[1]
}

// gokrb5 flattens KRB-ERRORs from the KDC into its own krberror.Krberror
// text ("... KRB Error: (24) KDC_ERR_PREAUTH_FAILED ..."), losing the
// struct; the code survives only in that text, which is gokrb5's own
// fixed format from messages.KRBError.Error.
var krbErrorText = regexp.MustCompile(`KRB Error: \((\d+)\)`)

// KRBErrorCode extracts the KRB-ERROR code from an error returned by gokrb5
// or by this package: the messages.KRBError itself where it survives, else
// the code gokrb5 printed into its flattened error text.
func KRBErrorCode(err error) (int32, bool) {
	if err == nil {
		return 0, false
	}
	var v messages.KRBError
	if errors.As(err, &v) {
		return v.ErrorCode, true
	}
	var p *messages.KRBError
	if errors.As(err, &p) && p != nil {
		return p.ErrorCode, true
	}
	m := krbErrorText.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, false
	}
	n, perr := strconv.ParseInt(m[1], 10, 32)
	if perr != nil {
		return 0, false
	}
	return int32(n), true
}
