package ldapx

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/krberror"
	"github.com/jcmturner/gokrb5/v8/messages"
)

func TestClassifyKRBError(t *testing.T) {
	cases := []struct {
		code     int32
		name     string
		problem  KerberosProblem
		hintHint string
	}{
		{errorcode.KDC_ERR_PREAUTH_FAILED, "KDC_ERR_PREAUTH_FAILED", KerberosBadCredentials, "password"},
		{errorcode.KRB_AP_ERR_BAD_INTEGRITY, "KRB_AP_ERR_BAD_INTEGRITY", KerberosBadCredentials, "keytab"},
		{errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN, "KDC_ERR_C_PRINCIPAL_UNKNOWN", KerberosUnknownClient, "upper case"},
		{errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN, "KDC_ERR_S_PRINCIPAL_UNKNOWN", KerberosUnknownService, "setspn"},
		{errorcode.KDC_ERR_PRINCIPAL_NOT_UNIQUE, "KDC_ERR_PRINCIPAL_NOT_UNIQUE", KerberosDuplicateService, "same service principal"},
		{errorcode.KRB_AP_ERR_SKEW, "KRB_AP_ERR_SKEW", KerberosClockSkew, "clock"},
		{errorcode.KDC_ERR_CLIENT_REVOKED, "KDC_ERR_CLIENT_REVOKED", KerberosAccountLocked, "locked"},
		{errorcode.KDC_ERR_KEY_EXPIRED, "KDC_ERR_KEY_EXPIRED", KerberosPasswordExpired, "expired"},
		{errorcode.KDC_ERR_ETYPE_NOSUPP, "KDC_ERR_ETYPE_NOSUPP", KerberosEncType, "encryption"},
		{errorcode.KDC_ERR_WRONG_REALM, "KDC_ERR_WRONG_REALM", KerberosWrongRealm, "upper case"},
		{errorcode.KRB_AP_ERR_MODIFIED, "KRB_AP_ERR_MODIFIED", KerberosTicketModified, "duplicate SPN"},
		{errorcode.KDC_ERR_POLICY, "KDC_ERR_POLICY", KerberosPolicy, "policy"},
		{errorcode.KRB_ERR_GENERIC, "KRB_ERR_GENERIC", KerberosOther, ""},
		{999, "KRB_ERROR_999", KerberosOther, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ClassifyKRBError(tc.code)
			if c.Code != tc.code || c.Name != tc.name || c.Problem != tc.problem || !strings.Contains(c.Hint, tc.hintHint) {
				t.Fatalf("ClassifyKRBError(%d) = %+v", tc.code, c)
			}
		})
	}
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
	if err.Kerberos == nil || err.Kerberos.Problem != KerberosBadCredentials {
		t.Fatalf("class %+v", err.Kerberos)
	}
}
