package ldapx

import (
	"context"
	"errors"
	"fmt"
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
	Problems                    []ParseProblem
}

// SPNAccountAttributes are the only attributes ReadSPNAccounts requests.
var SPNAccountAttributes = []string{
	"distinguishedName", "sAMAccountName", "objectSid", "objectClass", "sAMAccountType",
	"userAccountControl", "pwdLastSet", "lastLogonTimestamp", "accountExpires", "adminCount",
	"msDS-SupportedEncryptionTypes", "servicePrincipalName", "dNSHostName",
}

// ReadSPNAccounts streams every object under baseDN (normally the default
// naming context) that holds a servicePrincipalName to fn.
func (c *Conn) ReadSPNAccounts(ctx context.Context, baseDN string, fn func(SPNAccount) error) (SearchStats, error) {
	if baseDN == "" {
		return SearchStats{}, errors.New("read SPN accounts: no base DN")
	}
	st, err := c.Search(ctx, SearchRequest{
		BaseDN: baseDN, Scope: ScopeSubtree, Filter: "(servicePrincipalName=*)", Attributes: SPNAccountAttributes,
	}, func(e *Entry) error { return fn(ParseSPNAccount(e)) })
	if err != nil {
		return st, fmt.Errorf("read SPN accounts of %s: %w", baseDN, err)
	}
	return st, nil
}

// ParseSPNAccount turns a search entry into an SPNAccount.
func ParseSPNAccount(e *Entry) SPNAccount {
	r := &attrReader{e: e}
	a := SPNAccount{
		DN:             e.DN,
		SAMAccountName: e.Value("sAMAccountName"),
		SID:            r.sid("objectSid"),
		ObjectClasses:  e.Values("objectClass"),
		SPNs:           e.Values("servicePrincipalName"),
		DNSHostName:    e.Value("dNSHostName"),
	}
	a.SAMAccountType, _ = r.uint32("sAMAccountType")
	a.UserAccountControl, _ = r.uint32("userAccountControl")
	a.PwdLastSet = r.fileTime("pwdLastSet")
	a.LastLogonTimestamp = r.fileTime("lastLogonTimestamp")
	a.AccountExpires = r.fileTime("accountExpires")
	a.AdminCount = r.int("adminCount", 0)
	a.SupportedEncryptionTypes, a.HasSupportedEncryptionTypes = r.uint32("msDS-SupportedEncryptionTypes")
	if a.SAMAccountName == "" {
		r.problem("sAMAccountName", "", "missing")
	}
	if !e.Has("objectSid") {
		r.problem("objectSid", "", "missing")
	}
	a.Problems = r.problems
	return a
}
