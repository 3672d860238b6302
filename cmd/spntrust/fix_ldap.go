package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/ldapx"
)

// ldapDirectory implements remediate.Directory over one bound connection to
// a DC of the accounts' domain.
type ldapDirectory struct {
	conn   *ldapx.Conn
	baseDN string // the DC's default naming context, searched for SPN holders
}

func (d *ldapDirectory) ReadSPNs(ctx context.Context, dn string) ([]string, error) {
	return d.conn.ReadValues(ctx, dn, "servicePrincipalName")
}

func (d *ldapDirectory) ModifySPNs(ctx context.Context, dn string, remove, add []string) error {
	return d.conn.ModifyValues(ctx, dn, "servicePrincipalName", remove, add)
}

// SPNHolders searches the DC's domain. Holders in other domains of the
// forest are refused by the DC itself (Windows Server 2012 R2 and later, and
// Samba, check uniqueness forest-wide on write).
func (d *ldapDirectory) SPNHolders(ctx context.Context, spn string) ([]string, error) {
	var dns []string
	_, err := d.conn.Search(ctx, ldapx.SearchRequest{
		BaseDN: d.baseDN, Scope: ldapx.ScopeSubtree,
		Filter:     "(servicePrincipalName=" + ldapFilterEscape(spn) + ")",
		Attributes: []string{"sAMAccountName"},
	}, func(e *ldapx.Entry) error {
		dns = append(dns, e.DN)
		return nil
	})
	var partial *ldapx.PartialError
	if err != nil && !errors.As(err, &partial) {
		return nil, fmt.Errorf("search holders of %s: %w", spn, err)
	}
	return dns, nil
}

// ldapFilterEscape escapes a value for an LDAP equality filter (RFC 4515).
func ldapFilterEscape(v string) string {
	return strings.NewReplacer(`\`, `\5c`, `*`, `\2a`, `(`, `\28`, `)`, `\29`, "\x00", `\00`).Replace(v)
}
