package main

import (
	"context"
	"errors"

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
// Samba, check uniqueness forest-wide on write). Referrals the DC returns
// (a partial result) do not hide the holders it did return.
func (d *ldapDirectory) SPNHolders(ctx context.Context, spn string) ([]string, error) {
	accts, err := d.conn.ReadSPNHolders(ctx, d.baseDN, []string{spn})
	var partial *ldapx.PartialError
	if err != nil && !errors.As(err, &partial) {
		return nil, err
	}
	dns := make([]string, 0, len(accts))
	for _, a := range accts {
		dns = append(dns, a.DN)
	}
	return dns, nil
}
