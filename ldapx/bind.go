package ldapx

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/spntrust/spntrust/statuscode"
)

// Mechanism names an authentication method.
type Mechanism string

// Authentication mechanisms.
const (
	MechKerberos Mechanism = "kerberos"
	MechNTLM     Mechanism = "ntlm"
	MechSimple   Mechanism = "simple"
)

// Credentials say who binds and with what secret. Password is never logged
// and never part of an error; String redacts it.
type Credentials struct {
	Mechanism Mechanism
	// Principal is "user", "user@REALM" or "DOMAIN\user"; for simple binds
	// also a UPN or a DN. Empty with a credential cache: the cache's owner.
	Principal string
	// Realm is the Kerberos realm (or, for simple and NTLM, the domain);
	// empty means the one in Principal, else the DC's domain. Kerberos
	// realms are upper-cased: an AD realm is its DNS name in upper case.
	Realm    string
	Password string
	// KeytabPath and CCachePath select other Kerberos credential sources.
	// With neither a password nor a keytab, the cache in CCachePath or
	// $KRB5CCNAME is used.
	KeytabPath string
	CCachePath string
	// Krb5ConfigPath is a krb5.conf; empty means $KRB5_CONFIG, and when
	// that is unset too, a configuration built in memory from the realm and
	// KDCs found in DNS (_kerberos._tcp.<domain>) through Options.Resolver.
	Krb5ConfigPath string
	// Logins, if set, shares Kerberos logins among the binds that use
	// these credentials; nil logs in afresh at every bind.
	Logins *KerberosLogins
}

// String describes the credentials without the password.
func (c Credentials) String() string {
	var src string
	switch {
	case c.Password != "":
		src = "password"
	case c.KeytabPath != "":
		src = "keytab " + c.KeytabPath
	case c.CCachePath != "":
		src = "ccache " + c.CCachePath
	default:
		src = "no secret"
	}
	return fmt.Sprintf("%s principal=%q realm=%q (%s)", c.Mechanism, c.Principal, c.Realm, src)
}

// GoString keeps %#v from printing the password.
func (c Credentials) GoString() string { return "ldapx.Credentials{" + c.String() + "}" }

// AuthError is a failed bind. It names the principal and realm, carries the
// LDAP result code and the Kerberos error class where there is one, and a
// hint with the usual causes; it never contains the password.
type AuthError struct {
	Mechanism Mechanism
	Principal string
	Realm     string
	Step      string // what was being done: "login", "service ticket", "bind", ...
	LDAPCode  uint16 // LDAP result code, 0 when the failure was not an LDAP result
	Kerberos  *statuscode.KerberosError
	Hint      string
	Err       error
}

func (e *AuthError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s bind as %s", e.Mechanism, orUnknown(e.Principal))
	if e.Realm != "" {
		label := "realm"
		if e.Mechanism != MechKerberos {
			label = "domain" // NTLM and simple binds name a domain, not a Kerberos realm
		}
		fmt.Fprintf(&b, " (%s %s)", label, e.Realm)
	}
	fmt.Fprintf(&b, " failed at %s", e.Step)
	if e.Kerberos != nil {
		fmt.Fprintf(&b, ": %s (%d)", e.Kerberos.Name, e.Kerberos.Code)
	} else if e.LDAPCode != 0 {
		fmt.Fprintf(&b, ": LDAP result %d %s", e.LDAPCode, ldap.LDAPResultCodeMap[e.LDAPCode])
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, " — %s", e.Hint)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *AuthError) Unwrap() error { return e.Err }

func orUnknown(s string) string {
	if s == "" {
		return "(unknown principal)"
	}
	return s
}

// usualCauses is appended to bad-credential hints.
const usualCauses = "usual causes: wrong password, realm not in upper case (AD realms are the DNS domain in capitals), clock skew over 5 minutes, account locked or disabled"

// ErrSimpleBindNeedsTLS is returned for a simple bind on a connection
// without TLS.
var ErrSimpleBindNeedsTLS = errors.New("simple bind refused: the connection is not protected by TLS, so the password would cross the network in clear text " +
	"(and DCs that require LDAP signing reject it with strongerAuthRequired); connect with ldaps or starttls, or use kerberos")

// Bind authenticates the connection with creds.Mechanism.
func (c *Conn) Bind(ctx context.Context, creds Credentials) error {
	if c.bound != "" {
		return fmt.Errorf("bind: connection already bound with %s", c.bound)
	}
	var err error
	switch creds.Mechanism {
	case MechKerberos:
		err = c.bindKerberos(ctx, creds)
	case MechSimple:
		err = c.bindSimple(ctx, creds)
	case MechNTLM:
		err = c.bindNTLM(ctx, creds)
	default:
		return fmt.Errorf("bind: unknown mechanism %q (want kerberos, ntlm or simple)", creds.Mechanism)
	}
	if err != nil {
		return err
	}
	c.bound = creds.Mechanism
	return nil
}

// Bound returns the mechanism of the successful bind, or "".
func (c *Conn) Bound() Mechanism { return c.bound }

func (c *Conn) bindSimple(ctx context.Context, creds Credentials) error {
	user := creds.Principal
	if !strings.ContainsAny(user, `@\=`) && creds.Realm != "" {
		user += "@" + strings.ToLower(creds.Realm)
	}
	if !c.tls {
		return &AuthError{Mechanism: MechSimple, Principal: user, Realm: creds.Realm, Step: "connection check", Err: ErrSimpleBindNeedsTLS}
	}
	if user == "" || creds.Password == "" {
		// An empty password would be an unauthenticated bind (RFC 4513
		// 5.1.2): it "succeeds" and proves nothing.
		return &AuthError{Mechanism: MechSimple, Principal: user, Realm: creds.Realm, Step: "credential check",
			Err: errors.New("simple bind needs a user and a non-empty password")}
	}
	stop := c.watch(ctx)
	defer stop()
	if err := c.l.Bind(user, creds.Password); err != nil {
		return ldapAuthError(MechSimple, user, creds.Realm, err)
	}
	return nil
}

// ldapAuthError turns a go-ldap bind error into an AuthError with the
// result code and, for AD's "data 52e"-style diagnostics, their meaning.
func ldapAuthError(mech Mechanism, principal, realm string, err error) *AuthError {
	ae := &AuthError{Mechanism: mech, Principal: principal, Realm: realm, Step: "bind", Err: err}
	var le *ldap.Error
	if errors.As(err, &le) {
		ae.LDAPCode = le.ResultCode
		switch le.ResultCode {
		case ldap.LDAPResultInvalidCredentials:
			ae.Hint = usualCauses
			if d := adBindDiagnostic(le.Error()); d != "" {
				ae.Hint = d
			}
		case ldap.LDAPResultStrongAuthRequired:
			ae.Hint = "the DC requires a protected connection or LDAP signing for this bind"
		case ldap.LDAPResultConfidentialityRequired:
			ae.Hint = "the DC requires TLS for this bind"
		}
	}
	if mech == MechSimple {
		// No ticket, no realm, no clock: a simple bind checks a password.
		ae.Hint = strings.Replace(ae.Hint, usualCauses, simpleCauses, 1)
	}
	return ae
}

// simpleCauses replaces usualCauses for a simple bind, where the Kerberos
// causes (realm case, clock skew) play no part.
const simpleCauses = "usual causes: wrong password, wrong user name (give the UPN user@domain or DOMAIN\\user), account locked, disabled or expired"

var adDataCode = regexp.MustCompile(`\bdata ([0-9a-fA-F]{3,8})\b`)

// adBindDiagnostic explains the "data NNN" sub-code AD puts in the
// diagnostic message of invalidCredentials: the Win32 error, in hex, read
// through the one table of codes (statuscode).
func adBindDiagnostic(msg string) string {
	m := adDataCode.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	v, err := strconv.ParseUint(m[1], 16, 32)
	if err != nil {
		return ""
	}
	c, ok := statuscode.Lookup(statuscode.Win32, uint32(v))
	if !ok {
		return ""
	}
	hint := fmt.Sprintf("AD: %s (%s, %s)", c.ShortCause(), strings.ToLower(m[1]), c.Name)
	if c.Name == wrongPassword {
		hint += "; " + usualCauses
	}
	return hint
}

// wrongPassword is the Win32 error AD names for a wrong password (52e):
// its usual causes depend on the mechanism.
const wrongPassword = "ERROR_LOGON_FAILURE"
