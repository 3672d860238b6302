package ldapx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// SRV is one DNS SRV record.
type SRV struct {
	Target   string // without the trailing dot
	Port     uint16
	Priority uint16
	Weight   uint16
}

// Resolver is the DNS seam: the miekg/dns implementation for a chosen
// server, the system resolver, or a fake in tests.
type Resolver interface {
	// LookupSRV returns the SRV records of name (e.g.
	// "_ldap._tcp.dc._msdcs.lab.test"); a name that does not exist gives
	// an error wrapping ErrNotFound.
	LookupSRV(ctx context.Context, name string) ([]SRV, error)
	// LookupHost returns the IPv4 and IPv6 addresses of host.
	LookupHost(ctx context.Context, host string) ([]netip.Addr, error)
}

// ErrNotFound marks a DNS name or record set that does not exist.
var ErrNotFound = errors.New("DNS name not found")

// DNSResolver queries given DNS servers directly with miekg/dns, so a lab or
// foreign forest is reachable without touching /etc/resolv.conf.
type DNSResolver struct {
	servers  []string // host:port
	timeout  time.Duration
	attempts int
}

// NewDNSResolver returns a resolver for server ("IP" or "IP:port"); an empty
// server means the nameservers of /etc/resolv.conf. timeout bounds each
// query (zero: 5 s); each query is tried up to 3 times over all servers.
func NewDNSResolver(server string, timeout time.Duration) (*DNSResolver, error) {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	r := &DNSResolver{timeout: timeout, attempts: 3}
	if server != "" {
		host, port, err := splitHostPort(server, "53")
		if err != nil {
			return nil, fmt.Errorf("DNS server %q: %w", server, err)
		}
		r.servers = []string{net.JoinHostPort(host, port)}
		return r, nil
	}
	// /etc/resolv.conf, or on Windows the network adapters' DNS servers.
	servers, err := systemDNSServers()
	if err != nil {
		return nil, err
	}
	r.servers = servers
	return r, nil
}

// Servers returns the host:port of each server asked, in order.
func (r *DNSResolver) Servers() []string { return append([]string(nil), r.servers...) }

// exchange asks each server in turn, retrying timeouts and server failures,
// over UDP and then TCP when the answer is truncated. NXDOMAIN is final.
func (r *DNSResolver) exchange(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	m.SetEdns0(4096, false)
	var errs []error
	for attempt := 0; attempt < r.attempts; attempt++ {
		for _, srv := range r.servers {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			in, err := r.exchangeOne(ctx, m, srv)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", srv, err))
				continue
			}
			switch in.Rcode {
			case dns.RcodeSuccess:
				return in, nil
			case dns.RcodeNameError:
				return nil, fmt.Errorf("%s %s: %w (NXDOMAIN from %s)", dns.TypeToString[qtype], name, ErrNotFound, srv)
			default:
				errs = append(errs, fmt.Errorf("%s: %s", srv, dns.RcodeToString[in.Rcode]))
			}
		}
	}
	return nil, fmt.Errorf("%s %s: %w", dns.TypeToString[qtype], name, errors.Join(errs...))
}

func (r *DNSResolver) exchangeOne(ctx context.Context, m *dns.Msg, srv string) (*dns.Msg, error) {
	qctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	c := &dns.Client{Net: "udp", Timeout: r.timeout}
	in, _, err := c.ExchangeContext(qctx, m, srv)
	if err == nil && in.Truncated {
		tc := &dns.Client{Net: "tcp", Timeout: r.timeout}
		in, _, err = tc.ExchangeContext(qctx, m, srv)
	}
	return in, err
}

// LookupSRV implements Resolver.
func (r *DNSResolver) LookupSRV(ctx context.Context, name string) ([]SRV, error) {
	in, err := r.exchange(ctx, name, dns.TypeSRV)
	if err != nil {
		return nil, err
	}
	var out []SRV
	for _, rr := range in.Answer {
		if s, ok := rr.(*dns.SRV); ok {
			out = append(out, SRV{Target: strings.TrimSuffix(s.Target, "."), Port: s.Port, Priority: s.Priority, Weight: s.Weight})
		}
	}
	if len(out) == 0 {
		// Name the server asked: a workstation's resolver that does not
		// serve the domain answers like this, and the user must see which.
		return nil, fmt.Errorf("SRV %s: %w (no records at DNS server %s)", name, ErrNotFound, strings.Join(r.servers, ", "))
	}
	SortSRV(out)
	return out, nil
}

// LookupHost implements Resolver. A CNAME chain in the answer is followed
// by the server; every A and AAAA record in the answer is returned.
func (r *DNSResolver) LookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
	var out []netip.Addr
	var errs []error
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		in, err := r.exchange(ctx, host, qt)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, rr := range in.Answer {
			switch v := rr.(type) {
			case *dns.A:
				if a, ok := netip.AddrFromSlice(v.A.To4()); ok {
					out = append(out, a)
				}
			case *dns.AAAA:
				if a, ok := netip.AddrFromSlice(v.AAAA); ok {
					out = append(out, a)
				}
			}
		}
	}
	if len(out) == 0 {
		if len(errs) > 0 {
			return nil, errors.Join(errs...)
		}
		return nil, fmt.Errorf("host %s: %w (no A or AAAA records)", host, ErrNotFound)
	}
	return out, nil
}

// SystemResolver uses Go's net.Resolver (the operating system's
// configuration), for platforms without /etc/resolv.conf.
type SystemResolver struct{ R *net.Resolver }

func (s SystemResolver) resolver() *net.Resolver {
	if s.R != nil {
		return s.R
	}
	return net.DefaultResolver
}

// LookupSRV implements Resolver.
func (s SystemResolver) LookupSRV(ctx context.Context, name string) ([]SRV, error) {
	_, recs, err := s.resolver().LookupSRV(ctx, "", "", name)
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			return nil, fmt.Errorf("SRV %s: %w", name, ErrNotFound)
		}
		return nil, fmt.Errorf("SRV %s: %w", name, err)
	}
	out := make([]SRV, 0, len(recs))
	for _, r := range recs {
		out = append(out, SRV{Target: strings.TrimSuffix(r.Target, "."), Port: r.Port, Priority: r.Priority, Weight: r.Weight})
	}
	SortSRV(out)
	return out, nil
}

// LookupHost implements Resolver.
func (s SystemResolver) LookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
	addrs, err := s.resolver().LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("host %s: %w", host, err)
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap()
	}
	return addrs, nil
}

// SortSRV orders records by priority (lowest first), then weight (highest
// first), then target name, so results are stable across runs.
func SortSRV(s []SRV) {
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].Priority != s[j].Priority {
			return s[i].Priority < s[j].Priority
		}
		if s[i].Weight != s[j].Weight {
			return s[i].Weight > s[j].Weight
		}
		return s[i].Target < s[j].Target
	})
}
