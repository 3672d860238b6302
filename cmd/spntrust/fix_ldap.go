package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/ldapx"
)

// spnModifier is the one write fix needs from ldapx: a single LDAP Modify
// that deletes and adds values of one attribute (all or nothing), with the
// LDAP result code kept in the error.
type spnModifier interface {
	ModifyValues(ctx context.Context, dn, attribute string, remove, add []string) error
}

// errNoModify is returned while the LDAP client cannot write.
var errNoModify = errors.New("this build's LDAP client (ldapx) cannot modify entries yet, so fix --apply cannot write; " +
	"use `spntrust remediate` and apply fix.ldif with ldapmodify, or fix.ps1")

// ldapDirectory implements remediate.Directory over one bound connection to
// a DC of the accounts' domain.
type ldapDirectory struct {
	conn   *ldapx.Conn
	baseDN string // the DC's default naming context, searched for SPN holders
}

func (d *ldapDirectory) ReadSPNs(ctx context.Context, dn string) ([]string, error) {
	var spns []string
	found := false
	_, err := d.conn.Search(ctx, ldapx.SearchRequest{
		BaseDN: dn, Scope: ldapx.ScopeBase, Filter: "(objectClass=*)",
		Attributes: []string{"servicePrincipalName"},
	}, func(e *ldapx.Entry) error {
		found = true
		spns = e.Values("servicePrincipalName")
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read servicePrincipalName of %s: %w", dn, err)
	}
	if !found {
		return nil, fmt.Errorf("read servicePrincipalName of %s: no such object", dn)
	}
	return spns, nil
}

func (d *ldapDirectory) ModifySPNs(ctx context.Context, dn string, remove, add []string) error {
	m, ok := any(d.conn).(spnModifier)
	if !ok {
		return errNoModify
	}
	if err := m.ModifyValues(ctx, dn, "servicePrincipalName", remove, add); err != nil {
		return fmt.Errorf("modify servicePrincipalName of %s: %w", dn, err)
	}
	return nil
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
