package ldapx

import (
	"context"

	"github.com/miekg/dns"
)

// Query asks the resolver's servers one question and returns the answer
// (the audit collector reads CNAME chains, A/AAAA and PTR from it). A name
// that does not exist is an error wrapping ErrNotFound.
func (r *DNSResolver) Query(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	return r.exchange(ctx, name, qtype)
}
