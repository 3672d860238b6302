package ldapx

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SPNAccount is an object holding at least one servicePrincipalName. Times
// are zero when the attribute is absent or means "never".
type SPNAccount struct {
	DN                 string
	SAMAccountName     string
	SID                string
	ObjectClasses      []string
	SAMAccountType     uint32
	UserAccountControl uint32
	PwdLastSet         time.Time
	LastLogonTimestamp time.Time
	AccountExpires     time.Time // zero: never expires
	AdminCount         int
	// SupportedEncryptionTypes is msDS-SupportedEncryptionTypes; when
	// HasSupportedEncryptionTypes is false the attribute is unset and the
	// KDC's default applies.
	SupportedEncryptionTypes    uint32
	HasSupportedEncryptionTypes bool
	SPNs                        []string
	DNSHostName                 string
	OperatingSystem             string // computers: operatingSystem (e.g. "Windows Server 2003")
	Problems                    []ParseProblem
}

// SPNAccountAttributes are the only attributes ReadSPNAccounts requests.
var SPNAccountAttributes = []string{
	"distinguishedName", "sAMAccountName", "objectSid", "objectClass", "sAMAccountType",
	"userAccountControl", "pwdLastSet", "lastLogonTimestamp", "accountExpires", "adminCount",
	"msDS-SupportedEncryptionTypes", "servicePrincipalName", "dNSHostName", "operatingSystem",
}

// ReadSPNAccounts streams every object under baseDN (normally the default
// naming context) that holds a servicePrincipalName to fn.
func (c *Conn) ReadSPNAccounts(ctx context.Context, baseDN string, fn func(SPNAccount) error) (SearchStats, error) {
	if baseDN == "" {
		return SearchStats{}, errors.New("read SPN accounts: no base DN")
	}
	// An account with more SPNs than the DC returns in one search (AD's
	// MaxValRange, 1500 by default) comes back with only the first range,
	// as servicePrincipalName;range=0-1499. Those entries are completed
	// with range retrieval after the paged search, which cannot be
	// interrupted by another request on the same connection.
	var ranged []*Entry
	st, err := c.Search(ctx, SearchRequest{
		BaseDN: baseDN, Scope: ScopeSubtree, Filter: "(servicePrincipalName=*)", Attributes: SPNAccountAttributes,
	}, func(e *Entry) error {
		if _, _, ok := e.rangedAttr(spnAttr); ok {
			ranged = append(ranged, e)
			return nil
		}
		return fn(ParseSPNAccount(e))
	})
	for _, e := range ranged {
		rerr := c.completeRange(ctx, e, spnAttr)
		a := ParseSPNAccount(e)
		if rerr != nil {
			a.Problems = append(a.Problems, ParseProblem{DN: e.DN, Attribute: spnAttr,
				Problem: fmt.Sprintf("only %d values read: range retrieval of the rest failed: %v", len(a.SPNs), rerr)})
		}
		if ferr := fn(a); ferr != nil && err == nil {
			err = ferr
		}
	}
	if err != nil {
		return st, fmt.Errorf("read SPN accounts of %s: %w", baseDN, err)
	}
	return st, nil
}

const spnAttr = "servicePrincipalName"

// maxRangeRounds bounds range retrieval (1500 values a round by default:
// far more SPNs than any account can hold).
const maxRangeRounds = 1000

// rangedAttr finds attr returned with a range option ("attr;range=0-1499",
// or "attr;range=1500-*" for the last range) and returns the key it is
// stored under and the high bound (-1 for "*").
func (e *Entry) rangedAttr(attr string) (key string, high int, ok bool) {
	prefix := strings.ToLower(attr) + ";range="
	for k := range e.attrs {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		_, hi, _ := strings.Cut(k[len(prefix):], "-")
		if hi == "*" {
			return k, -1, true
		}
		n, err := strconv.Atoi(hi)
		if err != nil || n < 0 {
			return k, -2, true
		}
		return k, n, true
	}
	return "", 0, false
}

// completeRange reads the remaining values of a ranged attribute of e
// ([MS-ADTS] 3.1.1.3.1.3.3: ask for "attr;range=<next>-*" until the DC
// answers with a range ending in "*") and stores all of them under attr.
// On error e keeps the values read so far.
func (c *Conn) completeRange(ctx context.Context, e *Entry, attr string) error {
	key, high, _ := e.rangedAttr(attr)
	values := e.attrs[key]
	delete(e.attrs, key)
	defer func() { e.attrs[strings.ToLower(attr)] = values }()
	for round := 0; high != -1; round++ {
		if high < 0 || round >= maxRangeRounds {
			return fmt.Errorf("bad range %q", key)
		}
		want := fmt.Sprintf("%s;range=%d-*", attr, high+1)
		var got *Entry
		if _, err := c.Search(ctx, SearchRequest{BaseDN: e.DN, Scope: ScopeBase, Filter: "(objectClass=*)", Attributes: []string{want}},
			func(r *Entry) error { got = r; return nil }); err != nil {
			return err
		}
		if got == nil {
			return fmt.Errorf("%s: object not returned", want)
		}
		k, h, ok := got.rangedAttr(attr)
		if !ok {
			return fmt.Errorf("%s: the DC returned no range", want)
		}
		if h != -1 && h <= high {
			return fmt.Errorf("%s: the DC returned range %q, which does not advance", want, k)
		}
		values = append(values, got.attrs[k]...)
		key, high = k, h
	}
	return nil
}

// ParseSPNAccount turns a search entry into an SPNAccount.
func ParseSPNAccount(e *Entry) SPNAccount {
	r := &attrReader{e: e}
	a := SPNAccount{
		DN:              e.DN,
		SAMAccountName:  e.Value("sAMAccountName"),
		SID:             r.sid("objectSid"),
		ObjectClasses:   e.Values("objectClass"),
		SPNs:            e.Values(spnAttr),
		DNSHostName:     e.Value("dNSHostName"),
		OperatingSystem: e.Value("operatingSystem"),
	}
	a.SAMAccountType, _ = r.uint32("sAMAccountType")
	a.UserAccountControl, _ = r.uint32("userAccountControl")
	a.PwdLastSet = r.fileTime("pwdLastSet")
	a.LastLogonTimestamp = r.fileTime("lastLogonTimestamp")
	a.AccountExpires = r.fileTime("accountExpires")
	a.AdminCount = r.int("adminCount", 0)
	a.SupportedEncryptionTypes, a.HasSupportedEncryptionTypes = r.uint32("msDS-SupportedEncryptionTypes")
	if k, _, ok := e.rangedAttr(spnAttr); ok && len(a.SPNs) == 0 {
		// Not completed by range retrieval (ReadSPNAccounts does that):
		// keep the first range and say the rest is missing.
		a.SPNs = e.Values(k)
		r.problem(spnAttr, k, fmt.Sprintf("only the first %d values were read: the account holds more than the DC returns at once (range retrieval)", len(a.SPNs)))
	}
	if a.SAMAccountName == "" {
		r.problem("sAMAccountName", "", "missing")
	}
	if !e.Has("objectSid") {
		r.problem("objectSid", "", "missing")
	}
	a.Problems = r.problems
	return a
}
