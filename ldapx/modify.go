package ldapx

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-ldap/ldap/v3"
)

// ModifyValues deletes the values remove and adds the values add of one
// attribute of dn in a single LDAP Modify request: the directory applies
// all of it or none of it. The error keeps the LDAP result code
// (ldap.IsErrorWithCode), e.g. 19 constraintViolation when a DC refuses a
// duplicate SPN, or 16 noSuchAttribute when a value to delete is absent.
//
// The context bounds the request; when it ends first the connection is
// closed (LDAP has no way to abandon a modify that may already apply), so
// the caller must re-read to learn the outcome.
func (c *Conn) ModifyValues(ctx context.Context, dn, attribute string, remove, add []string) error {
	if dn == "" || attribute == "" {
		return errors.New("modify: no DN or attribute")
	}
	if len(remove) == 0 && len(add) == 0 {
		return nil
	}
	req := ldap.NewModifyRequest(dn, nil)
	if len(remove) > 0 {
		req.Delete(attribute, remove)
	}
	if len(add) > 0 {
		req.Add(attribute, add)
	}
	stop := c.watch(ctx)
	err := c.l.Modify(req)
	interrupted := !stop() // the context ended and closed the connection
	if err != nil {
		if interrupted {
			return fmt.Errorf("modify %s of %s: interrupted (%v); the change may or may not have been applied: re-read it", attribute, dn, ctx.Err())
		}
		return fmt.Errorf("modify %s of %s: %w", attribute, dn, err)
	}
	return nil
}

// ReadValues returns every value of attribute on the object dn, following
// AD's ranged retrieval when the DC returns the values in pieces (more than
// 1,500 by default), so a crowded attribute never reads as empty.
func (c *Conn) ReadValues(ctx context.Context, dn, attribute string) ([]string, error) {
	var got *Entry
	if _, err := c.Search(ctx, SearchRequest{BaseDN: dn, Scope: ScopeBase, Filter: "(objectClass=*)", Attributes: []string{attribute}},
		func(e *Entry) error { got = e; return nil }); err != nil {
		return nil, fmt.Errorf("read %s of %s: %w", attribute, dn, err)
	}
	if got == nil {
		return nil, fmt.Errorf("read %s of %s: no such object", attribute, dn)
	}
	if _, _, ranged := got.rangedAttr(attribute); ranged {
		if err := c.completeRange(ctx, got, attribute); err != nil {
			return nil, fmt.Errorf("read %s of %s: ranged values: %w", attribute, dn, err)
		}
	}
	return got.Values(attribute), nil
}
