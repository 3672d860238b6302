package ldapx

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// ReadSPNHolders returns the objects under baseDN that hold any of spns
// (compared case-insensitively by the directory), in one search.
func (c *Conn) ReadSPNHolders(ctx context.Context, baseDN string, spns []string) ([]SPNAccount, error) {
	if baseDN == "" || len(spns) == 0 {
		return nil, errors.New("read SPN holders: no base DN or no SPN")
	}
	var f strings.Builder
	f.WriteString("(|")
	for _, s := range spns {
		f.WriteString("(servicePrincipalName=" + ldap.EscapeFilter(s) + ")")
	}
	f.WriteString(")")
	var out []SPNAccount
	_, err := c.Search(ctx, SearchRequest{BaseDN: baseDN, Scope: ScopeSubtree, Filter: f.String(), Attributes: SPNAccountAttributes},
		func(e *Entry) error { out = append(out, ParseSPNAccount(e)); return nil })
	if err != nil {
		return out, fmt.Errorf("read holders of %s under %s: %w", strings.Join(spns, ", "), baseDN, err)
	}
	return out, nil
}

// ReadAccount returns the account with the given sAMAccountName under
// baseDN, or nil when there is none.
func (c *Conn) ReadAccount(ctx context.Context, baseDN, samAccountName string) (*SPNAccount, error) {
	var out *SPNAccount
	_, err := c.Search(ctx, SearchRequest{BaseDN: baseDN, Scope: ScopeSubtree,
		Filter:     "(sAMAccountName=" + ldap.EscapeFilter(samAccountName) + ")",
		Attributes: SPNAccountAttributes},
		func(e *Entry) error { a := ParseSPNAccount(e); out = &a; return nil })
	if err != nil {
		return nil, fmt.Errorf("read account %s under %s: %w", samAccountName, baseDN, err)
	}
	return out, nil
}
