package ldapx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"
)

// HostResolver turns a host name into addresses. SystemResolver (Go's
// net.Resolver: /etc/hosts and nsswitch first, as every tool on the machine
// does) and DNSResolver (one chosen DNS server) implement it; tests inject
// fakes.
type HostResolver interface {
	LookupHost(ctx context.Context, host string) ([]netip.Addr, error)
}

// DCResolver resolves the names of domain controllers before they are
// dialled: through the system resolver first, then, for a name the system
// does not know, through the DNS server the user chose (a jump host that is
// not domain-joined knows the DCs only from the AD DNS). The audit's DNS
// observations never go through it: they ask the chosen DNS server.
type DCResolver struct {
	// System is the machine's resolver; nil means SystemResolver{}.
	System HostResolver
	// SystemLabel names System in errors; empty means a description of
	// Go's resolver on this machine.
	SystemLabel string
	// DNS is the chosen DNS server, asked only for names System does not
	// resolve; nil when none was chosen (the system resolver already asked
	// the machine's DNS servers).
	DNS HostResolver
	// DNSLabel names DNS in errors, e.g. "DNS server 127.0.0.11:53".
	DNSLabel string
	// Hint ends the error for a name no resolver knows: what the user can
	// do about it, in the words of the caller's interface (flags).
	Hint string
}

// systemLabel describes Go's resolver on Linux, where it reads
// /etc/nsswitch.conf, /etc/hosts and /etc/resolv.conf.
const systemLabel = "system resolver (/etc/hosts, then the DNS servers of /etc/resolv.conf)"

// LookupHost implements HostResolver. An IP address is returned as is.
func (r DCResolver) LookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
	host = strings.TrimSuffix(strings.TrimSpace(host), ".")
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	if host == "" {
		return nil, errors.New("resolve DC: no host name")
	}
	sys := r.System
	if sys == nil {
		sys = SystemResolver{}
	}
	ue := &UnresolvedError{Name: host, Hint: r.Hint}
	addrs, err := sys.LookupHost(ctx, host)
	if err == nil && len(addrs) > 0 {
		return addrs, nil
	}
	ue.Answers = append(ue.Answers, ResolverAnswer{Resolver: firstNonEmptyStr(r.SystemLabel, systemLabel), Err: noAddress(host, err)})
	if r.DNS != nil && ctx.Err() == nil {
		addrs, err := r.DNS.LookupHost(ctx, host)
		if err == nil && len(addrs) > 0 {
			return addrs, nil
		}
		ue.Answers = append(ue.Answers, ResolverAnswer{Resolver: firstNonEmptyStr(r.DNSLabel, "the chosen DNS server"), Err: noAddress(host, err)})
	}
	return nil, ue
}

func noAddress(host string, err error) error {
	if err == nil {
		return fmt.Errorf("host %s: %w (no A or AAAA records)", host, ErrNotFound)
	}
	return err
}

// ResolverAnswer is what one resolver said about a name.
type ResolverAnswer struct {
	Resolver string
	Err      error
}

// UnresolvedError is a DC name that no resolver asked could resolve. It
// says what was asked, of whom, what each answered, and what to do.
type UnresolvedError struct {
	Name    string
	Answers []ResolverAnswer
	Hint    string
}

func (e *UnresolvedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the DC name %s does not resolve to an address", e.Name)
	for i, a := range e.Answers {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%sasked the %s: %s", sep, a.Resolver, oneLine(a.Err))
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, " — %s", e.Hint)
	}
	return b.String()
}

// Unwrap gives the resolvers' errors (ErrNotFound among them where a
// resolver said the name does not exist).
func (e *UnresolvedError) Unwrap() []error {
	var out []error
	for _, a := range e.Answers {
		out = append(out, a.Err)
	}
	return out
}

// oneLine joins the lines of an error (errors.Join separates with
// newlines) so each resolver's answer stays on one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}

func firstNonEmptyStr(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// Connector opens an authenticated connection of type C to the DC at
// address (a host name or IP, optionally with a port). DialBinder is the
// real one; tests inject fakes, so a Session runs without sockets.
type Connector[C io.Closer] interface {
	Connect(ctx context.Context, address string) (C, error)
}

// ConnectorFunc adapts a function to Connector.
type ConnectorFunc[C io.Closer] func(ctx context.Context, address string) (C, error)

// Connect implements Connector.
func (f ConnectorFunc[C]) Connect(ctx context.Context, address string) (C, error) {
	return f(ctx, address)
}

// DialBinder is the Connector of live sessions: Dial with Options (Address
// replaced by the DC's), then Bind with Credentials.
type DialBinder struct {
	Options     Options
	Credentials Credentials
}

// Connect implements Connector.
func (d DialBinder) Connect(ctx context.Context, address string) (*Conn, error) {
	opts := d.Options
	opts.Address = address
	conn, err := Dial(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := conn.Bind(ctx, d.Credentials); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// Session is the one way spntrust reaches a directory: discover the DCs of
// a domain through DNS SRV records (or take the one DC the user named),
// connect and bind to the first, and on failure try the next, until one
// answers; when none does, the error names every DC tried and why it
// failed. Refused credentials end the search at once: every DC of a domain
// checks them against the same account, and each try counts towards its
// lockout.
type Session[C io.Closer] struct {
	// DNS finds DCs through SRV records (the chosen DNS server).
	DNS Resolver
	// Connector connects and binds to one DC; the name resolution of DC
	// names is its business (DialBinder: Options.HostResolver).
	Connector Connector[C]
	// Timeout bounds each DC's connection and bind, and the discovery;
	// zero means DefaultTimeout.
	Timeout time.Duration
	// Failed, when set, is told about each DC that could not be used,
	// before the next one is tried.
	Failed func(dc string, err error)
}

func (s *Session[C]) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultTimeout
}

// Discover returns the DC host names of domain from its SRV records, best
// first.
func (s *Session[C]) Discover(ctx context.Context, domain string) ([]string, error) {
	if s.DNS == nil {
		return nil, fmt.Errorf("discover DCs of %s: no DNS resolver", domain)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	recs, err := DiscoverDCs(ctx, s.DNS, domain)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.Target)
	}
	return out, nil
}

// Connect connects to server when it is given, else to the first DC of
// domain that answers. It returns the connection and the DC's name.
func (s *Session[C]) Connect(ctx context.Context, server, domain string) (C, string, error) {
	if server != "" {
		return s.ConnectAny(ctx, []string{server})
	}
	var zero C
	dcs, err := s.Discover(ctx, domain)
	if err != nil {
		return zero, "", err
	}
	return s.ConnectAny(ctx, dcs)
}

// ConnectAny connects to the first of candidates that answers, in order.
func (s *Session[C]) ConnectAny(ctx context.Context, candidates []string) (C, string, error) {
	var zero C
	if len(candidates) == 0 {
		return zero, "", errors.New("connect to a DC: no domain controller to contact")
	}
	var errs []error
	for _, dc := range candidates {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("%s: not tried: %w", dc, err))
			break
		}
		dctx, cancel := context.WithTimeout(ctx, s.timeout())
		c, err := s.Connector.Connect(dctx, dc)
		cancel()
		if err == nil {
			return c, dc, nil
		}
		var authErr *AuthError
		if errors.As(err, &authErr) {
			// Credentials refused: another DC of the domain refuses them
			// too, and each try counts towards the account's lockout.
			return zero, dc, fmt.Errorf("connect to %s: %w", dc, err)
		}
		if s.Failed != nil {
			s.Failed(dc, err)
		}
		errs = append(errs, fmt.Errorf("%s: %w", dc, err))
	}
	if len(candidates) == 1 {
		return zero, "", fmt.Errorf("connect to the DC %w", errs[0])
	}
	return zero, "", &AllDCsFailedError{Tried: len(candidates), Errs: errs}
}

// AllDCsFailedError says that no DC of a list could be used, with each
// one's reason.
type AllDCsFailedError struct {
	Tried int
	Errs  []error
}

func (e *AllDCsFailedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no DC could be used (%d tried, in order)", e.Tried)
	for _, err := range e.Errs {
		fmt.Fprintf(&b, "\n  %s", oneLine(err))
	}
	return b.String()
}

// Unwrap gives each DC's error.
func (e *AllDCsFailedError) Unwrap() []error { return e.Errs }
