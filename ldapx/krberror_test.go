package ldapx

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/krberror"
	"github.com/jcmturner/gokrb5/v8/messages"

	"github.com/spntrust/spntrust/statuscode"
)

// oldLDAPXTable is the classification ldapx.ClassifyKRBError made before
// the codes moved to statuscode (one table for explain, iislog, the probes
// and the checks): code, problem, and the hint it gave. Every code it knew
// must read the same from statuscode.ClassifyKerberos.
var oldLDAPXTable = []struct {
	code    int32
	problem statuscode.KerberosProblem
	hint    string
}{
	{errorcode.KDC_ERR_PREAUTH_FAILED, statuscode.KerberosBadCredentials, "the password is wrong or the keytab holds an old key version (a password change invalidates keytabs)"},
	{errorcode.KRB_AP_ERR_BAD_INTEGRITY, statuscode.KerberosBadCredentials, "the password is wrong or the keytab holds an old key version (a password change invalidates keytabs)"},
	{errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN, statuscode.KerberosUnknownClient, "no such account in this realm: check the user name, and that the realm is the AD domain's DNS name in upper case"},
	{errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN, statuscode.KerberosUnknownService, "the KDC knows no account holding this service principal name: check the DC's DNS name and its SPNs (setspn -Q)"},
	{errorcode.KDC_ERR_PRINCIPAL_NOT_UNIQUE, statuscode.KerberosDuplicateService, "two accounts hold the same service principal name (setspn -X -F lists duplicates)"},
	{errorcode.KRB_AP_ERR_SKEW, statuscode.KerberosClockSkew, "this machine's clock and the KDC's differ by more than the allowed skew (5 minutes by default): synchronise time"},
	{errorcode.KRB_AP_ERR_TKT_NYV, statuscode.KerberosClockSkew, "this machine's clock and the KDC's differ by more than the allowed skew (5 minutes by default): synchronise time"},
	{errorcode.KDC_ERR_NEVER_VALID, statuscode.KerberosClockSkew, "this machine's clock and the KDC's differ by more than the allowed skew (5 minutes by default): synchronise time"},
	{errorcode.KDC_ERR_CLIENT_REVOKED, statuscode.KerberosAccountLocked, "the account is disabled, locked out or expired"},
	{errorcode.KDC_ERR_NAME_EXP, statuscode.KerberosAccountLocked, "the account is disabled, locked out or expired"},
	{errorcode.KDC_ERR_KEY_EXPIRED, statuscode.KerberosPasswordExpired, "the account's password has expired or must be changed at next logon"},
	{errorcode.KDC_ERR_ETYPE_NOSUPP, statuscode.KerberosEncType, "no encryption type both sides support, or the account has no keys (never had a password set)"},
	{errorcode.KDC_ERR_NULL_KEY, statuscode.KerberosEncType, "no encryption type both sides support, or the account has no keys (never had a password set)"},
	{errorcode.KDC_ERR_WRONG_REALM, statuscode.KerberosWrongRealm, "the realm is wrong: an AD realm is the domain's DNS name in upper case"},
	{errorcode.KRB_AP_ERR_MODIFIED, statuscode.KerberosTicketModified, "the service could not decrypt its ticket: its key differs from the KDC's (duplicate SPN, stale keytab, or a DNS alias pointing to another host)"},
	{errorcode.KRB_AP_ERR_BADKEYVER, statuscode.KerberosTicketModified, "the service could not decrypt its ticket: its key differs from the KDC's (duplicate SPN, stale keytab, or a DNS alias pointing to another host)"},
	{errorcode.KRB_AP_ERR_NOKEY, statuscode.KerberosTicketModified, "the service could not decrypt its ticket: its key differs from the KDC's (duplicate SPN, stale keytab, or a DNS alias pointing to another host)"},
	{errorcode.KDC_ERR_POLICY, statuscode.KerberosPolicy, "the KDC's policy refused the request (logon hours, workstation restriction, protected users, or delegation settings)"},
	{errorcode.KDC_ERR_BADOPTION, statuscode.KerberosPolicy, "the KDC's policy refused the request (logon hours, workstation restriction, protected users, or delegation settings)"},
	{errorcode.KDC_ERR_PREAUTH_REQUIRED, statuscode.KerberosOther, "pre-authentication is required (normal first reply of an AS exchange)"},
}

func TestEveryCodeTheOldLDAPXTableKnewIsClassifiedTheSame(t *testing.T) {
	classified := map[int32]bool{}
	for _, tc := range oldLDAPXTable {
		classified[tc.code] = true
		t.Run(krbName(tc.code), func(t *testing.T) {
			c := statuscode.ClassifyKerberos(tc.code)
			if c.Code != tc.code || c.Name != krbName(tc.code) || c.Problem != tc.problem || c.Hint != tc.hint {
				t.Fatalf("ClassifyKerberos(%d) = %+v; want name %s, problem %s, hint %q", tc.code, c, krbName(tc.code), tc.problem, tc.hint)
			}
		})
	}
	// The old table named every other code the way gokrb5 does, with
	// problem "other" and no hint; names gokrb5 lacks were KRB_ERROR_<n>.
	for code := int32(0); code < 128; code++ {
		if classified[code] {
			continue
		}
		c := statuscode.ClassifyKerberos(code)
		if c.Name != krbName(code) || c.Problem != statuscode.KerberosOther || c.Hint != "" {
			t.Errorf("ClassifyKerberos(%d) = name %s problem %s hint %q; the old table said %s, other, no hint", code, c.Name, c.Problem, c.Hint, krbName(code))
		}
	}
	if c := statuscode.ClassifyKerberos(999); c.Name != "KRB_ERROR_999" || c.Problem != statuscode.KerberosOther || c.Known {
		t.Errorf("ClassifyKerberos(999) = %+v", c)
	}
}

// krbName is the name the old table gave a code: gokrb5's, else KRB_ERROR_<n>.
var gokrb5Name = regexp.MustCompile(`^\((\d+)\) (\S+)`)

func krbName(code int32) string {
	if m := gokrb5Name.FindStringSubmatch(errorcode.Lookup(code)); m != nil {
		return m[2]
	}
	return fmt.Sprintf("KRB_ERROR_%d", code)
}

func TestKRBErrorCodeFindsTheCodeWhereverGokrb5LeftIt(t *testing.T) {
	kerr := messages.KRBError{ErrorCode: errorcode.KDC_ERR_PREAUTH_FAILED, EText: "bad"}
	// What gokrb5's AS exchange and AffirmLogin return: the struct flattened into text.
	flattened := fmt.Errorf("could not get valid TGT for client's realm: %v",
		krberror.Errorf(kerr, krberror.KDCError, "AS Exchange Error: kerberos error response from KDC"))
	cases := []struct {
		name   string
		err    error
		want   int32
		wantOK bool
	}{
		{"the struct itself", kerr, 24, true},
		{"the struct wrapped with %w", fmt.Errorf("bind: %w", messages.KRBError{ErrorCode: 37}), 37, true},
		{"a pointer to the struct", fmt.Errorf("x: %w", &messages.KRBError{ErrorCode: 6}), 6, true},
		{"gokrb5's flattened text", flattened, 24, true},
		{"unrelated error", errors.New("connection refused"), 0, false},
		{"nil", nil, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := KRBErrorCode(tc.err)
			if got != tc.want || ok != tc.wantOK {
				t.Fatalf("KRBErrorCode = %d, %v; want %d, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestKerberosAuthErrorNamesPrincipalRealmAndCauses(t *testing.T) {
	err := kerberosAuthError("login", "alice@LAB.TEST", "LAB.TEST", messages.KRBError{ErrorCode: errorcode.KDC_ERR_PREAUTH_FAILED})
	msg := err.Error()
	for _, w := range []string{"alice@LAB.TEST", "realm LAB.TEST", "login", "KDC_ERR_PREAUTH_FAILED (24)", "upper case", "clock skew", "locked"} {
		if !strings.Contains(msg, w) {
			t.Errorf("%q missing from %s", w, msg)
		}
	}
	if err.Kerberos == nil || err.Kerberos.Problem != statuscode.KerberosBadCredentials {
		t.Fatalf("class %+v", err.Kerberos)
	}
}
