// Package statuscode decodes the status codes a Kerberos failure leaves
// behind: Win32 errors, SSPI HRESULTs (SEC_E_*), NTSTATUS values, Kerberos
// protocol errors (KDC_ERR_*, KRB_AP_ERR_*) and IIS 401 substatus codes.
//
// The table is curated, not complete: every entry says what the code means,
// what usually causes it where Kerberos and IIS are concerned, and which
// spntrust check finds that cause. Codes are given in decimal (IIS logs'
// sc-win32-status), as negative 32-bit numbers (-2146893042, as .NET and
// PowerShell print HRESULTs), in hex (0x8009030E) or by name
// (SEC_E_WRONG_PRINCIPAL, KRB_AP_ERR_SKEW, 401.1).
package statuscode

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Family is the numbering space a code belongs to. The same number means
// different things in different families (5 is ERROR_ACCESS_DENIED and
// KDC_ERR_S_OLD_MAST_KVNO), so a code is always a family and a value.
type Family string

const (
	Win32    Family = "win32"    // Win32 error codes (winerror.h, lmerr.h)
	HRESULT  Family = "hresult"  // HRESULTs, here the SSPI ones: SEC_E_*, SEC_I_*
	NTSTATUS Family = "ntstatus" // NTSTATUS values (ntstatus.h)
	Kerberos Family = "kerberos" // Kerberos protocol error codes (RFC 4120 7.5.9)
	HTTP     Family = "http"     // IIS 401 substatus codes; Value is the substatus
)

// Label is the family's name for people.
func (f Family) Label() string {
	switch f {
	case Win32:
		return "Win32 error"
	case HRESULT:
		return "SSPI status (HRESULT)"
	case NTSTATUS:
		return "NTSTATUS"
	case Kerberos:
		return "Kerberos error"
	case HTTP:
		return "IIS HTTP 401 substatus"
	}
	return string(f)
}

// Code is one entry of the table.
type Code struct {
	Family Family `json:"family"`
	Name   string `json:"name"`
	// Value is the code's number; for HTTP it is the 401 substatus.
	Value uint32 `json:"value"`
	// Meaning is what the code says, close to the vendor's message text.
	Meaning string `json:"meaning"`
	// Short is the likely cause in a few words, for one-line verdicts.
	Short string `json:"short,omitempty"`
	// Cause is the likely cause in Kerberos and IIS terms.
	Cause string `json:"cause"`
	// Checks are the spntrust check IDs that find the cause.
	Checks []string `json:"checks,omitempty"`
	// Problem classifies Kerberos codes by the fix they need (see
	// ClassifyKerberos); empty for other families and unclassified codes.
	Problem KerberosProblem `json:"problem,omitempty"`
	// Hint is the likely cause in one clause, for bind and probe errors.
	Hint string `json:"hint,omitempty"`
	// Normal marks codes that are part of a healthy handshake (the first,
	// anonymous leg of Negotiate) rather than a failure.
	Normal bool `json:"normal,omitempty"`
	// Related names the same condition in other families.
	Related []string `json:"related,omitempty"`
	Source  string   `json:"source"`
}

// Number formats the value the way the family is usually written:
// "0x80090322 (2148074274)", "1326 (0x52E)", "41", "401.1".
func (c Code) Number() string {
	switch c.Family {
	case HTTP:
		return fmt.Sprintf("401.%d", c.Value)
	case Kerberos:
		return strconv.FormatUint(uint64(c.Value), 10)
	case Win32:
		return fmt.Sprintf("%d (0x%X)", c.Value, c.Value)
	}
	return fmt.Sprintf("0x%08X (%d)", c.Value, c.Value)
}

// Hex is the value as 0x%08X ("" for HTTP substatus codes).
func (c Code) Hex() string {
	if c.Family == HTTP {
		return ""
	}
	return fmt.Sprintf("0x%08X", c.Value)
}

// ShortCause is Short, or Meaning when the entry has no Short.
func (c Code) ShortCause() string {
	if c.Short != "" {
		return c.Short
	}
	return strings.TrimSuffix(c.Meaning, ".")
}

// Interpretation is one reading of an input: a code, and how the input's
// number was mapped to it when not directly (HRESULT_FROM_WIN32, MIT krb5).
type Interpretation struct {
	Code
	Via string `json:"via,omitempty"`
}

// Result is everything an input can mean.
type Result struct {
	Input string `json:"input"`
	// Numeric inputs: the value as unsigned and signed 32-bit numbers.
	Numeric         bool             `json:"numeric"`
	Unsigned        uint32           `json:"unsigned,omitempty"`
	Signed          int32            `json:"signed,omitempty"`
	Interpretations []Interpretation `json:"interpretations"`
}

// Hex is the numeric input as 0x%08X ("" for names).
func (r Result) Hex() string {
	if !r.Numeric {
		return ""
	}
	return fmt.Sprintf("0x%08X", r.Unsigned)
}

// SyntaxError says an input is neither a number nor a code name.
type SyntaxError struct {
	Input  string
	Reason string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("cannot read status code %q: %s; give a decimal number (2148074254 or -2146893042), "+
		"hex (0x8009030E), a name (SEC_E_WRONG_PRINCIPAL, KRB_AP_ERR_SKEW) or an IIS substatus (401.1)", e.Input, e.Reason)
}

// UnknownError says an input was read but is not in the table.
type UnknownError struct {
	Input   string
	Numeric bool
	Value   uint32
}

func (e *UnknownError) Error() string {
	if e.Numeric {
		return fmt.Sprintf("unknown status code %q (%d = 0x%08X = %d signed): not in spntrust's table of "+
			"Win32, SSPI, NTSTATUS, Kerberos and IIS 401 codes; on Windows `certutil -error 0x%08X` decodes "+
			"any Windows code, and [MS-ERREF] lists them all", e.Input, e.Value, e.Value, int32(e.Value), e.Value)
	}
	return fmt.Sprintf("unknown status code name %q: not in spntrust's table; names look like "+
		"SEC_E_WRONG_PRINCIPAL, KRB_AP_ERR_MODIFIED, KDC_ERR_S_PRINCIPAL_UNKNOWN, STATUS_LOGON_FAILURE, "+
		"ERROR_LOGON_FAILURE or 401.1", e.Input)
}

// mitKrb5Base is ERROR_TABLE_BASE_krb5 of MIT krb5 and Heimdal: their
// libraries report Kerberos protocol error n as base+n (-1765328384 + n).
const mitKrb5Base = -1765328384

// index is built once from the read-only table.
type indexes struct {
	byName  map[string]Code
	byValue map[Family]map[uint32]Code
}

var index = sync.OnceValue(func() indexes {
	ix := indexes{byName: map[string]Code{}, byValue: map[Family]map[uint32]Code{}}
	for _, c := range table {
		ix.byName[normName(c.Name)] = c
		if ix.byValue[c.Family] == nil {
			ix.byValue[c.Family] = map[uint32]Code{}
		}
		ix.byValue[c.Family][c.Value] = c
	}
	return ix
})

// All returns every code in the table, ordered by family and value.
func All() []Code {
	out := append([]Code(nil), table...)
	order := map[Family]int{Win32: 0, HRESULT: 1, NTSTATUS: 2, Kerberos: 3, HTTP: 4}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Family != out[j].Family {
			return order[out[i].Family] < order[out[j].Family]
		}
		return out[i].Value < out[j].Value
	})
	return out
}

// Lookup returns the code of a family with the given value.
func Lookup(f Family, v uint32) (Code, bool) {
	c, ok := index().byValue[f][v]
	return c, ok
}

// ByName returns the code with the given name (any case; MIT krb5 spellings
// such as KRB5KDC_ERR_PREAUTH_FAILED are accepted).
func ByName(name string) (Code, bool) {
	n := normName(name)
	if c, ok := index().byName[n]; ok {
		return c, true
	}
	// MIT krb5 / Heimdal prefix their protocol errors with KRB5.
	if rest, ok := strings.CutPrefix(n, "KRB5"); ok {
		if c, ok := index().byName[rest]; ok && c.Family == Kerberos {
			return c, true
		}
	}
	return Code{}, false
}

// Win32Status decodes an IIS sc-win32-status value, which is a Win32 error
// or, for authentication, an SSPI HRESULT written as an unsigned decimal
// (2148074254 = 0x8009030E). It never reads the value as a Kerberos code.
func Win32Status(v uint32) (Code, bool) {
	if c, ok := Lookup(Win32, v); ok {
		return c, true
	}
	if c, ok := Lookup(HRESULT, v); ok {
		return c, true
	}
	return Lookup(NTSTATUS, v)
}

// Substatus401 returns the IIS 401.n entry.
func Substatus401(sub int) (Code, bool) {
	if sub < 0 || sub > 0xFFFF {
		return Code{}, false
	}
	return Lookup(HTTP, uint32(sub))
}

func normName(s string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "-", "_"))
}

// Query is a parsed input: a name, an IIS substatus or a 32-bit number.
type Query struct {
	Input   string
	Name    string // set for names
	HTTPSub int    // set (>= 0) for 401.n inputs; -1 otherwise
	Numeric bool
	Value   uint32
}

// Parse reads an input without looking it up: decimal (signed or unsigned
// 32-bit), hex with 0x or with hex letters, a 401.n substatus, or a name.
func Parse(input string) (Query, error) {
	s := strings.TrimSpace(input)
	q := Query{Input: input, HTTPSub: -1}
	if s == "" {
		return q, &SyntaxError{Input: input, Reason: "empty"}
	}
	if len(s) > 128 {
		return q, &SyntaxError{Input: truncate(input, 40), Reason: "longer than any code or name"}
	}
	if st, sub, ok := strings.Cut(s, "."); ok && isDigits(st) && isDigits(sub) {
		if st != "401" {
			return q, &SyntaxError{Input: input, Reason: "only IIS 401 substatus codes (401.1 … 401.5) are decoded"}
		}
		n, err := strconv.Atoi(sub)
		if err != nil || len(sub) > 4 {
			return q, &SyntaxError{Input: input, Reason: "substatus out of range"}
		}
		q.HTTPSub = n
		return q, nil
	}
	if h, ok := cutHexPrefix(s); ok {
		if h == "" || len(h) > 8 || !isHex(h) {
			return q, &SyntaxError{Input: input, Reason: "hex codes are 1 to 8 hex digits after 0x"}
		}
		v, _ := strconv.ParseUint(h, 16, 32)
		q.Numeric, q.Value = true, uint32(v)
		return q, nil
	}
	if isDigits(strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")) && len(s) > 0 && s != "-" && s != "+" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v > 0xFFFFFFFF || v < -0x80000000 {
			return q, &SyntaxError{Input: input, Reason: "does not fit in 32 bits"}
		}
		q.Numeric, q.Value = true, uint32(v) // two's complement for negatives
		return q, nil
	}
	// Hex without 0x, recognisable by its letters: 8009030E, C000006D.
	if len(s) <= 8 && isHex(s) && !isDigits(s) && strings.ContainsAny(s, "0123456789") {
		v, _ := strconv.ParseUint(s, 16, 32)
		q.Numeric, q.Value = true, uint32(v)
		return q, nil
	}
	if !isName(s) {
		return q, &SyntaxError{Input: input, Reason: "not a number and not a code name (letters, digits and _ only)"}
	}
	q.Name = normName(s)
	return q, nil
}

// Explain parses the input and returns every interpretation of it. A
// number that several families define gets one interpretation per family.
func Explain(input string) (Result, error) {
	q, err := Parse(input)
	if err != nil {
		return Result{Input: input}, err
	}
	r := Result{Input: input}
	switch {
	case q.HTTPSub >= 0:
		c, ok := Substatus401(q.HTTPSub)
		if !ok {
			return r, &UnknownError{Input: input}
		}
		r.Interpretations = []Interpretation{{Code: c}}
	case q.Name != "":
		c, ok := ByName(q.Name)
		if !ok {
			return r, &UnknownError{Input: input}
		}
		r.Interpretations = []Interpretation{{Code: c}}
	default:
		r.Numeric, r.Unsigned, r.Signed = true, q.Value, int32(q.Value)
		r.Interpretations = interpret(q.Value)
		if len(r.Interpretations) == 0 {
			return r, &UnknownError{Input: input, Numeric: true, Value: q.Value}
		}
	}
	return r, nil
}

// interpret lists every family that defines v, directly or through the
// usual wrappings.
func interpret(v uint32) []Interpretation {
	var out []Interpretation
	for _, f := range []Family{Win32, HRESULT, NTSTATUS, Kerberos} {
		if c, ok := Lookup(f, v); ok {
			out = append(out, Interpretation{Code: c})
		}
	}
	// HRESULT_FROM_WIN32: 0x8007xxxx wraps Win32 error xxxx.
	if v>>16 == 0x8007 {
		if c, ok := Lookup(Win32, v&0xFFFF); ok {
			out = append(out, Interpretation{Code: c, Via: fmt.Sprintf("HRESULT_FROM_WIN32(%d)", v&0xFFFF)})
		}
	}
	// HRESULT_FROM_NT: NTSTATUS with the 0x10000000 bit set.
	if v&0x10000000 != 0 && v>>28 == 0xD {
		if c, ok := Lookup(NTSTATUS, v&^0x10000000); ok {
			out = append(out, Interpretation{Code: c, Via: "HRESULT_FROM_NT"})
		}
	}
	// MIT krb5 / Heimdal com_err: ERROR_TABLE_BASE_krb5 + protocol error.
	if n := int64(int32(v)) - mitKrb5Base; n >= 0 && n < 128 {
		if c, ok := Lookup(Kerberos, uint32(n)); ok {
			out = append(out, Interpretation{Code: c, Via: fmt.Sprintf("MIT krb5 com_err (ERROR_TABLE_BASE_krb5 %d + %d)", mitKrb5Base, n)})
		}
	}
	return out
}

func cutHexPrefix(s string) (string, bool) {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return s[2:], true
	}
	return "", false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
