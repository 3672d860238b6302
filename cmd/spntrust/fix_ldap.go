package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

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

const encTypesAttr = "msDS-SupportedEncryptionTypes"

// ReadEncTypes implements remediate.EncTypesDirectory: nil when unset.
func (d *ldapDirectory) ReadEncTypes(ctx context.Context, dn string) (*uint32, error) {
	vals, err := d.conn.ReadValues(ctx, dn, encTypesAttr)
	if err != nil || len(vals) == 0 {
		return nil, err
	}
	n, err := strconv.ParseUint(vals[0], 10, 32)
	if err != nil {
		return nil, fmt.Errorf("%s of %s is %q, not a number", encTypesAttr, dn, vals[0])
	}
	v := uint32(n)
	return &v, nil
}

// SetEncTypes implements remediate.EncTypesDirectory: one Modify that
// deletes the old value and adds the new one, so it fails (and changes
// nothing) if the value changed since it was read.
func (d *ldapDirectory) SetEncTypes(ctx context.Context, dn string, old, v *uint32) error {
	var remove, add []string
	if old != nil {
		remove = []string{strconv.FormatUint(uint64(*old), 10)}
	}
	if v != nil && *v != 0 {
		add = []string{strconv.FormatUint(uint64(*v), 10)}
	}
	return d.conn.ModifyValues(ctx, dn, encTypesAttr, remove, add)
}
