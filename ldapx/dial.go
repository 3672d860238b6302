package ldapx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// Security selects how the LDAP connection is protected.
type Security string

// Connection security modes.
const (
	SecurityPlain    Security = "plain"    // LDAP on 389; Kerberos adds its own signing layer
	SecurityLDAPS    Security = "ldaps"    // TLS from the first byte, port 636
	SecurityStartTLS Security = "starttls" // LDAP on 389 upgraded with the StartTLS extended operation
)

// DefaultTimeout applies to every network operation when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Options describe one connection to one domain controller.
type Options struct {
	// Address is "host" or "host:port"; the port defaults to 389 (plain,
	// starttls) or 636 (ldaps).
	Address  string
	Security Security
	// CAFile is a PEM bundle of CAs that sign the DC's certificate; empty
	// means the system pool. Verification is on unless InsecureSkipVerify.
	CAFile             string
	InsecureSkipVerify bool
	// Timeout bounds each network operation (dial, TLS handshake, each LDAP
	// request, each DNS query). Zero means DefaultTimeout.
	Timeout time.Duration
	// ServerName is the DC's DNS name, used to verify its certificate and
	// to build the Kerberos service name ldap/<ServerName>. Empty means the
	// host part of Address (or, for an IP address, the dnsHostName the
	// rootDSE reports when Kerberos needs one).
	ServerName string
	// Resolver finds KDCs through DNS SRV records (the chosen DNS server),
	// and resolves Address when HostResolver is nil. Nil means the system
	// resolver.
	Resolver Resolver
	// HostResolver, when set, resolves the host name in Address (a
	// DCResolver: the system resolver, then the chosen DNS server).
	HostResolver HostResolver
	// Dialer opens the TCP connection; nil means a net.Dialer with Timeout.
	// It is the socket seam of tests.
	Dialer Dialer
	// Now is the clock used to time rootDSE reads; nil means time.Now.
	Now func() time.Time
	// Paging says when searches are paged; empty means PagingWhenCapped.
	Paging Paging
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Dialer opens network connections; *net.Dialer implements it.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Conn is one LDAP connection to a domain controller.
type Conn struct {
	l     *ldap.Conn
	layer *layerConn
	opts  Options
	host  string // host part of Address
	ip    string // address actually connected to
	tls   bool
	bound Mechanism
	// sentChannelBinding is the channel binding hash the bind sent (nil
	// on plain LDAP and for simple binds).
	sentChannelBinding []byte
	// forceSPNEGO makes Kerberos binds use GSS-SPNEGO even where the DC
	// offers GSSAPI (tests: Samba offers both).
	forceSPNEGO bool
	// capped is set once the DC capped an unpaged search: later searches
	// on this connection are paged from their first request.
	capped atomic.Bool
}

// Dial connects to the DC in opts.Address and protects the connection as
// opts.Security asks. It does not bind.
func Dial(ctx context.Context, opts Options) (*Conn, error) {
	if opts.Security == "" {
		opts.Security = SecurityPlain
	}
	paging, err := ParsePaging(string(opts.Paging))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", opts.Address, err)
	}
	opts.Paging = paging
	var defPort string
	switch opts.Security {
	case SecurityPlain, SecurityStartTLS:
		defPort = "389"
	case SecurityLDAPS:
		defPort = "636"
	default:
		return nil, fmt.Errorf("dial %s: unknown security mode %q (want plain, ldaps or starttls)", opts.Address, opts.Security)
	}
	host, port, err := splitHostPort(opts.Address, defPort)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", opts.Address, err)
	}
	var tlsCfg *tls.Config
	if opts.Security != SecurityPlain {
		if tlsCfg, err = buildTLSConfig(opts, host); err != nil {
			return nil, fmt.Errorf("dial %s: %w", opts.Address, err)
		}
	}
	addrs, err := resolveHost(ctx, opts, host)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", opts.Address, err)
	}
	var errs []error
	for _, a := range addrs {
		c, err := dialOne(ctx, opts, tlsCfg, net.JoinHostPort(a, port))
		if err == nil {
			c.host, c.ip = host, a
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("dial %s (%s): %w", opts.Address, opts.Security, errors.Join(errs...))
}

func dialOne(ctx context.Context, opts Options, tlsCfg *tls.Config, addr string) (*Conn, error) {
	var d Dialer = &net.Dialer{Timeout: opts.timeout()}
	if opts.Dialer != nil {
		d = opts.Dialer
	}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	var nc net.Conn = raw
	switch opts.Security {
	case SecurityLDAPS:
		nc, err = tlsHandshake(ctx, opts, raw, tlsCfg)
	case SecurityStartTLS:
		if err = startTLS(ctx, opts, raw); err == nil {
			nc, err = tlsHandshake(ctx, opts, raw, tlsCfg)
		}
	}
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("%s: %w", addr, err)
	}
	lc := newLayerConn(nc)
	l := ldap.NewConn(lc, opts.Security != SecurityPlain)
	l.Start()
	l.SetTimeout(opts.timeout())
	return &Conn{l: l, layer: lc, opts: opts, tls: opts.Security != SecurityPlain}, nil
}

func tlsHandshake(ctx context.Context, opts Options, raw net.Conn, cfg *tls.Config) (net.Conn, error) {
	hctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	tc := tls.Client(raw, cfg)
	if err := tc.HandshakeContext(hctx); err != nil {
		return nil, fmt.Errorf("TLS handshake (server name %q): %w", cfg.ServerName, err)
	}
	return tc, nil
}

// startTLS sends the StartTLS extended request (RFC 4511 4.14) on the raw
// connection before go-ldap owns it, so the TLS connection can sit below
// the layer wrapper like an LDAPS one.
func startTLS(ctx context.Context, opts Options, raw net.Conn) error {
	deadline := time.Now().Add(opts.timeout())
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := raw.SetDeadline(deadline); err != nil {
		return fmt.Errorf("StartTLS: %w", err)
	}
	defer raw.SetDeadline(time.Time{})
	stop := context.AfterFunc(ctx, func() { raw.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	pkt := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Request")
	pkt.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(1), "MessageID"))
	req := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationExtendedRequest, nil, "Start TLS")
	req.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, "1.3.6.1.4.1.1466.20037", "TLS Extended Command"))
	pkt.AppendChild(req)
	if _, err := raw.Write(pkt.Bytes()); err != nil {
		return fmt.Errorf("StartTLS request: %w", err)
	}
	resp, err := ber.ReadPacket(raw)
	if err != nil {
		return fmt.Errorf("StartTLS response: %w", err)
	}
	if len(resp.Children) < 2 || resp.Children[1].Tag != ldap.ApplicationExtendedResponse {
		return errors.New("StartTLS response: not an extended response")
	}
	if err := ldap.GetLDAPError(resp); err != nil {
		return fmt.Errorf("StartTLS refused: %w", err)
	}
	return nil
}

func buildTLSConfig(opts Options, host string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
	if opts.ServerName != "" {
		cfg.ServerName = opts.ServerName
	}
	if opts.CAFile != "" {
		pem, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", opts.CAFile)
		}
		cfg.RootCAs = pool
	}
	// Skipping verification is an explicit, separate choice of the caller.
	cfg.InsecureSkipVerify = opts.InsecureSkipVerify
	return cfg, nil
}

func splitHostPort(addr, defPort string) (string, string, error) {
	if addr == "" {
		return "", "", errors.New("no address")
	}
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		return ap.Addr().String(), strconv.Itoa(int(ap.Port())), nil
	}
	if a, err := netip.ParseAddr(addr); err == nil {
		return a.String(), defPort, nil
	}
	if h, p, err := net.SplitHostPort(addr); err == nil {
		if _, err := strconv.ParseUint(p, 10, 16); err != nil {
			return "", "", fmt.Errorf("bad port %q", p)
		}
		return h, p, nil
	}
	return addr, defPort, nil
}

func resolveHost(ctx context.Context, opts Options, host string) ([]string, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []string{a.String()}, nil
	}
	var r HostResolver = opts.HostResolver
	if r == nil && opts.Resolver != nil {
		r = opts.Resolver
	}
	if r == nil {
		return []string{host}, nil // the dialer resolves through the system
	}
	addrs, err := r.LookupHost(ctx, host)
	var ue *UnresolvedError
	if errors.As(err, &ue) {
		return nil, err // it says what was asked of whom
	}
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no A or AAAA records", host)
	}
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out, nil
}

// Close ends the connection.
func (c *Conn) Close() error { return c.l.Close() }

// IsTLS reports whether the connection is protected by TLS (LDAPS or StartTLS).
func (c *Conn) IsTLS() bool { return c.tls }

// Signed reports whether a SASL integrity layer protects the connection.
func (c *Conn) Signed() bool { return c.layer.layered() }

// RemoteAddr is the address the connection reached.
func (c *Conn) RemoteAddr() string { return c.layer.RemoteAddr().String() }

// watch closes the connection if ctx ends before the returned stop is
// called: go-ldap's calls take no context, and a half-done request leaves
// the connection unusable anyway.
func (c *Conn) watch(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, func() { c.l.Close() })
}
