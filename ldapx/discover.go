package ldapx

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// DiscoverDCs finds the domain controllers of domain through DNS SRV
// records: _ldap._tcp.dc._msdcs.<domain> (registered only by AD DCs), then
// _ldap._tcp.<domain>. Records come sorted by priority and weight.
func DiscoverDCs(ctx context.Context, r Resolver, domain string) ([]SRV, error) {
	domain = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	if domain == "" {
		return nil, errors.New("discover DCs: no domain name")
	}
	var errs []error
	for _, name := range []string{"_ldap._tcp.dc._msdcs." + domain, "_ldap._tcp." + domain} {
		recs, err := r.LookupSRV(ctx, name)
		if err == nil && len(recs) > 0 {
			out := make([]SRV, 0, len(recs))
			for _, s := range recs {
				if s.Target == "" || s.Target == "." {
					continue // "service not available here" (RFC 2782)
				}
				out = append(out, s)
			}
			if len(out) > 0 {
				SortSRV(out)
				return out, nil
			}
			err = fmt.Errorf("SRV %s: only \".\" targets", name)
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("discover DCs of %s: %w", domain, errors.Join(errs...))
}

// DiscoverKDCs returns the Kerberos KDCs of a realm's DNS domain from
// _kerberos._tcp.<domain>, sorted by priority and weight.
func DiscoverKDCs(ctx context.Context, r Resolver, domain string) ([]SRV, error) {
	domain = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	recs, err := r.LookupSRV(ctx, "_kerberos._tcp."+domain)
	if err != nil {
		return nil, fmt.Errorf("discover KDCs of %s: %w", domain, err)
	}
	SortSRV(recs)
	return recs, nil
}
