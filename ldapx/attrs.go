package ldapx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseProblem records an attribute value that could not be parsed; the
// rest of the object is still returned.
type ParseProblem struct {
	DN        string
	Attribute string
	Value     string // the offending value, printable, possibly shortened
	Problem   string
}

func (p ParseProblem) String() string {
	return fmt.Sprintf("%s: %s=%q: %s", p.DN, p.Attribute, p.Value, p.Problem)
}

// DecodeSID renders a binary security identifier ([MS-DTYP] 2.4.2.2) in
// its S-1-... string form.
func DecodeSID(b []byte) (string, error) {
	if len(b) < 8 {
		return "", fmt.Errorf("SID of %d bytes is shorter than its 8-byte header", len(b))
	}
	if b[0] != 1 {
		return "", fmt.Errorf("SID revision %d, want 1", b[0])
	}
	n := int(b[1])
	if n > 15 {
		return "", fmt.Errorf("SID claims %d sub-authorities, at most 15 exist", n)
	}
	if len(b) != 8+4*n {
		return "", fmt.Errorf("SID with %d sub-authorities must be %d bytes, is %d", n, 8+4*n, len(b))
	}
	var auth uint64
	for _, x := range b[2:8] {
		auth = auth<<8 | uint64(x)
	}
	var s strings.Builder
	s.WriteString("S-1-")
	if auth >= 1<<32 {
		fmt.Fprintf(&s, "0x%012X", auth)
	} else {
		s.WriteString(strconv.FormatUint(auth, 10))
	}
	for i := 0; i < n; i++ {
		s.WriteByte('-')
		s.WriteString(strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[8+4*i:])), 10))
	}
	return s.String(), nil
}

// filetimeEpochDelta is the number of seconds from 1601-01-01 to 1970-01-01.
const filetimeEpochDelta = 11644473600

// FileTime converts a Windows FILETIME (100 ns intervals since 1601-01-01
// UTC) to time. 0 and the maximum int64 mean "never" and give ok=false.
func FileTime(v int64) (t time.Time, ok bool) {
	if v <= 0 || v == math.MaxInt64 {
		return time.Time{}, false
	}
	sec := v/10_000_000 - filetimeEpochDelta
	nsec := (v % 10_000_000) * 100
	return time.Unix(sec, nsec).UTC(), true
}

// ParseFileTime parses the decimal FILETIME string LDAP returns.
func ParseFileTime(s string) (t time.Time, ok bool, err error) {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("not a FILETIME integer: %w", err)
	}
	t, ok = FileTime(v)
	return t, ok, nil
}

// ParseGeneralizedTime parses an LDAP GeneralizedTime as AD writes it
// ("20261124213818.0Z"); a fraction and a numeric zone are accepted.
func ParseGeneralizedTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) < 10 {
		return time.Time{}, errors.New("too short for a GeneralizedTime")
	}
	layouts := []string{
		"20060102150405Z0700", "20060102150405.999999999Z0700",
		"20060102150405,999999999Z0700", "200601021504Z0700", "2006010215Z0700",
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a GeneralizedTime", s)
}

// attrReader parses attributes of one entry and collects problems.
type attrReader struct {
	e        *Entry
	problems []ParseProblem
}

func (r *attrReader) problem(attr, value, msg string) {
	if len(value) > 80 {
		value = value[:80] + "..."
	}
	r.problems = append(r.problems, ParseProblem{DN: r.e.DN, Attribute: attr, Value: value, Problem: msg})
}

// int64 returns the attribute as an integer; ok=false when absent or bad.
func (r *attrReader) int64(attr string) (int64, bool) {
	v := r.e.Value(attr)
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		r.problem(attr, v, "not an integer")
		return 0, false
	}
	return n, true
}

// uint32 reads a 32-bit flag word; AD returns them signed (e.g. -2147483646).
func (r *attrReader) uint32(attr string) (uint32, bool) {
	n, ok := r.int64(attr)
	if !ok {
		return 0, false
	}
	if n < math.MinInt32 || n > math.MaxUint32 {
		r.problem(attr, r.e.Value(attr), "outside the 32-bit range")
		return 0, false
	}
	return uint32(n), true
}

func (r *attrReader) int(attr string, def int) int {
	n, ok := r.int64(attr)
	if !ok || n < math.MinInt32 || n > math.MaxInt32 {
		return def
	}
	return int(n)
}

func (r *attrReader) fileTime(attr string) time.Time {
	v := r.e.Value(attr)
	if v == "" {
		return time.Time{}
	}
	t, _, err := ParseFileTime(v)
	if err != nil {
		r.problem(attr, v, err.Error())
	}
	return t
}

func (r *attrReader) generalizedTime(attr string) time.Time {
	v := r.e.Value(attr)
	if v == "" {
		return time.Time{}
	}
	t, err := ParseGeneralizedTime(v)
	if err != nil {
		r.problem(attr, v, err.Error())
	}
	return t
}

func (r *attrReader) sid(attr string) string {
	raw := r.e.Raw(attr)
	if len(raw) == 0 {
		return ""
	}
	s, err := DecodeSID(raw[0])
	if err != nil {
		r.problem(attr, fmt.Sprintf("%x", raw[0]), err.Error())
		return ""
	}
	return s
}
