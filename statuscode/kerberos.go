package statuscode

import (
	"strconv"
	"strings"
)

// KerberosProblem is what a KRB-ERROR code means for someone running an
// audit or a bind: the class of fix it needs.
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

// KerberosError is one KRB-ERROR code read through the table: the reading
// the collectors, the bind errors, the ticket probe and the checks share.
type KerberosError struct {
	Code    int32
	Name    string // e.g. KDC_ERR_PREAUTH_FAILED; KRB_ERROR_<n> for a code the table lacks
	Problem KerberosProblem
	Hint    string // likely causes in one clause, for error messages ("" when none is known)
	// Entry is the table's entry (zero when Known is false), with the
	// meaning, cause and checks `spntrust explain` prints.
	Entry Code
	Known bool
}

// ClassifyKerberos reads a KRB-ERROR code (RFC 4120 7.5.9, [MS-KILE]
// 3.1.5). It never fails: an unknown code is KRB_ERROR_<n>, problem other.
func ClassifyKerberos(code int32) KerberosError {
	e := KerberosError{Code: code, Name: "KRB_ERROR_" + strconv.Itoa(int(code)), Problem: KerberosOther}
	if code < 0 {
		return e
	}
	c, ok := Lookup(Kerberos, uint32(code))
	if !ok {
		return e
	}
	e.Entry, e.Known, e.Name, e.Hint = c, true, c.Name, c.Hint
	if c.Problem != "" {
		e.Problem = c.Problem
	}
	return e
}

// Label is the name with the code, as error messages and findings print it:
// "KDC_ERR_S_PRINCIPAL_UNKNOWN (7)".
func (e KerberosError) Label() string {
	var b strings.Builder
	b.WriteString(e.Name)
	b.WriteString(" (")
	b.WriteString(strconv.Itoa(int(e.Code)))
	b.WriteString(")")
	return b.String()
}
