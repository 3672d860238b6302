package ldapx_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/spntrust/spntrust/ldapx"
)

// multiResolver routes each name to the resolver of the longest matching domain suffix.
type multiResolver map[string]ldapx.Resolver

func (m multiResolver) pick(name string) (ldapx.Resolver, error) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	best := ""
	for d := range m {
		if (name == d || strings.HasSuffix(name, "."+d)) && len(d) > len(best) {
			best = d
		}
	}
	if best == "" {
		return nil, fmt.Errorf("no resolver for %s: %w", name, ldapx.ErrNotFound)
	}
	return m[best], nil
}

func (m multiResolver) LookupSRV(ctx context.Context, name string) ([]ldapx.SRV, error) {
	r, err := m.pick(name)
	if err != nil {
		return nil, err
	}
	return r.LookupSRV(ctx, name)
}

func (m multiResolver) LookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
	r, err := m.pick(host)
	if err != nil {
		return nil, err
	}
	return r.LookupHost(ctx, host)
}
