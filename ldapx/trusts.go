package ldapx

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Trust is a trustedDomain object under CN=System of a domain.
type Trust struct {
	DN                          string
	TrustPartner                string
	FlatName                    string
	SID                         string // securityIdentifier, S-1-... form
	TrustType                   uint32
	TrustDirection              uint32
	TrustAttributes             uint32
	SupportedEncryptionTypes    uint32
	HasSupportedEncryptionTypes bool
	WhenCreated                 time.Time
	Problems                    []ParseProblem
}

// ReadTrusts lists the trusts of the domain whose DN is domainDN.
func (c *Conn) ReadTrusts(ctx context.Context, domainDN string) ([]Trust, error) {
	if domainDN == "" {
		return nil, errors.New("read trusts: no domain DN")
	}
	var out []Trust
	_, err := c.Search(ctx, SearchRequest{
		BaseDN: "CN=System," + domainDN, Scope: ScopeSubtree, Filter: "(objectClass=trustedDomain)",
		Attributes: []string{"trustPartner", "flatName", "securityIdentifier", "trustType", "trustDirection",
			"trustAttributes", "msDS-SupportedEncryptionTypes", "whenCreated"},
	}, func(e *Entry) error { out = append(out, ParseTrust(e)); return nil })
	if err != nil {
		return out, fmt.Errorf("read trusts of %s: %w", domainDN, err)
	}
	return out, nil
}

// ParseTrust turns a trustedDomain entry into a Trust.
func ParseTrust(e *Entry) Trust {
	r := &attrReader{e: e}
	t := Trust{
		DN:           e.DN,
		TrustPartner: e.Value("trustPartner"),
		FlatName:     e.Value("flatName"),
		SID:          r.sid("securityIdentifier"),
		WhenCreated:  r.generalizedTime("whenCreated"),
	}
	var ok bool
	if t.TrustType, ok = r.uint32("trustType"); !ok && !e.Has("trustType") {
		r.problem("trustType", "", "missing")
	}
	if t.TrustDirection, ok = r.uint32("trustDirection"); !ok && !e.Has("trustDirection") {
		r.problem("trustDirection", "", "missing")
	}
	t.TrustAttributes, _ = r.uint32("trustAttributes")
	t.SupportedEncryptionTypes, t.HasSupportedEncryptionTypes = r.uint32("msDS-SupportedEncryptionTypes")
	if t.TrustPartner == "" {
		r.problem("trustPartner", "", "missing")
	}
	t.Problems = r.problems
	return t
}
