package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/audit/collect"
	"github.com/spntrust/spntrust/audit/pipeline"
	"github.com/spntrust/spntrust/krbprobe"
	"github.com/spntrust/spntrust/ldapx"
	"github.com/spntrust/spntrust/remediate"
)

// passwordEnv is the environment variable a password may come from.
// Passwords are never accepted on the command line (argv is visible to
// every user of the machine).
const passwordEnv = "SPNTRUST_PASSWORD"

// targetOptions are the flags that select and authenticate to a live
// directory; audit, remediate, fix and probe share them.
type targetOptions struct {
	domain       string
	server       string
	dnsServer    string
	dnsSource    string
	paging       string
	user         string
	auth         string
	security     string
	passwordFile string
	keytab       string
	caFile       string
	insecure     bool
	followTrusts bool
	timeout      time.Duration
	workers      int
	probeTickets bool
	probeLimit   int
	etypes       string
	keyProbes    bool
	keyLimit     int
	keyRate      int
	timings      bool
}

func (o *targetOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.domain, "domain", "", "audit this domain's forest; DCs are found through DNS SRV records")
	f.StringVar(&o.server, "server", "", "audit through this DC (host name, resolved by the system resolver — /etc/hosts first — then --dns-server; or IP)")
	f.StringVar(&o.dnsServer, "dns-server", "", "DNS server (IP[:port]) for SRV, KDC and SPN host lookups; default: /etc/resolv.conf")
	f.StringVar(&o.dnsSource, "dns-source", collect.DNSSourceAuto, "where SPN host answers come from: auto (the AD-integrated zones, read over LDAP alongside the accounts; the DNS server for names they do not hold) or dns (ask the DNS server for every name)")
	f.StringVar(&o.paging, "paging", string(ldapx.PagingWhenCapped), "when LDAP searches are paged: auto (ask for all results at once; page only when the DC caps the search at its MaxPageSize, as Windows DCs do, and from then on) or always (page every search, as ldapsearch -E pr=1000 does)")
	f.StringVar(&o.user, "user", "", "principal to bind as: user@REALM, DOMAIN\\user or user; empty with Kerberos: the credential cache's owner")
	f.StringVar(&o.auth, "auth", "kerberos", "authentication: kerberos (GSSAPI with signing), ntlm (NTLMv2 in GSS-SPNEGO, sealed; --user DOMAIN\\name), or simple (only over LDAPS/StartTLS)")
	f.StringVar(&o.security, "security", "", "transport: plain (389; Kerberos signs and NTLM seals every message), ldaps (636) or starttls (both with channel binding); default: plain for kerberos/ntlm, ldaps for simple")
	f.StringVar(&o.passwordFile, "password-file", "", "read the password from this file (first line); else $"+passwordEnv+", else a prompt, else the Kerberos credential cache")
	f.StringVar(&o.keytab, "keytab", "", "Kerberos keytab holding the --user principal's keys")
	f.StringVar(&o.caFile, "ca-file", "", "PEM file of the CA(s) that sign the DCs' certificates (LDAPS/StartTLS); default: the system pool")
	f.BoolVar(&o.insecure, "insecure-skip-verify", false, "do not verify DC certificates (prints a warning; never use in production)")
	f.BoolVar(&o.followTrusts, "follow-trusts", false, "also collect the forests and domains this one trusts, where the credentials are accepted")
	f.DurationVar(&o.timeout, "timeout", 30*time.Second, "bound on each network exchange and each DC's reads")
	f.IntVar(&o.workers, "workers", 4, "domains collected at once (DNS queries: four times as many)")
	f.BoolVar(&o.probeTickets, "probe-tickets", false, "ask the KDC for a ticket for each SPN a client would request and record the referral path (Kerberos only)")
	f.IntVar(&o.probeLimit, "probe-limit", collect.DefaultProbeLimit, "at most this many ticket requests per audit")
	f.StringVar(&o.etypes, "etypes", "windows", "encryption types the ticket probes offer: windows (AES256, AES128, RC4, as a current Windows client) or aes (AES only, as a client after RC4 removal)")
	f.BoolVar(&o.keyProbes, "key-probes", true, "ask each SPN holder's KDC which key types it holds (AES, RC4, DES) with one credential-free AS-REQ per account: no password is sent and no logon fails, so badPwdCount is untouched; --key-probes=false to skip")
	f.IntVar(&o.keyLimit, "key-probe-limit", collect.DefaultKeyProbeLimit, "at most this many accounts asked about their keys per audit (the rest are judged from pwdLastSet)")
	f.IntVar(&o.keyRate, "key-probe-rate", collect.DefaultKeyProbeRate, "key probes per second, all KDCs together")
	f.BoolVar(&o.timings, "timings", false, "print how long each collection phase took (LDAP, DNS, KDC) to stderr")
}

func (o *targetOptions) live() bool { return o.domain != "" || o.server != "" }

// validate checks the flags before any network traffic.
func (o *targetOptions) validate() error {
	if o.domain != "" && o.server != "" {
		return usageError("--domain and --server are exclusive: name a domain to discover its DCs, or one DC")
	}
	switch o.auth {
	case "kerberos", "ntlm", "simple":
	default:
		return usageError("--auth %q: use kerberos, ntlm or simple", o.auth)
	}
	switch o.dnsSource {
	case collect.DNSSourceAuto, collect.DNSSourceServer:
	default:
		return usageError("--dns-source %q: use %s (zones read from the directory, the DNS server for the rest) or %s (the DNS server for every name)",
			o.dnsSource, collect.DNSSourceAuto, collect.DNSSourceServer)
	}
	if _, err := ldapx.ParsePaging(o.paging); err != nil {
		return usageError("--paging: %v", err)
	}
	switch o.security {
	case "":
		o.security = "plain"
		if o.auth == "simple" {
			o.security = "ldaps"
		}
	case "plain", "ldaps", "starttls":
	default:
		return usageError("--security %q: use plain, ldaps or starttls", o.security)
	}
	if o.auth == "simple" && o.security == "plain" {
		return usageError("--auth simple sends the password in clear text: use --security ldaps or starttls")
	}
	if o.keytab != "" && o.auth != "kerberos" {
		return usageError("--keytab needs --auth kerberos")
	}
	for flag, path := range map[string]string{"--password-file": o.passwordFile, "--keytab": o.keytab, "--ca-file": o.caFile} {
		if path == "" {
			continue
		}
		if _, err := os.Stat(path); err != nil {
			return usageError("%s: %v", flag, err)
		}
	}
	if o.timeout <= 0 {
		return usageError("--timeout must be positive")
	}
	if o.probeTickets && o.auth != "kerberos" {
		return usageError("--probe-tickets needs --auth kerberos (tickets are requested with the same credentials)")
	}
	if o.probeLimit < 1 {
		return usageError("--probe-limit must be at least 1")
	}
	if o.etypes != "windows" && o.etypes != "aes" {
		return usageError("--etypes %q: use windows (AES and RC4, as Windows clients offer today) or aes (AES only)", o.etypes)
	}
	if o.keyLimit < 1 || o.keyRate < 1 {
		return usageError("--key-probe-limit %d and --key-probe-rate %d: both must be at least 1 (--key-probes=false skips the probes)", o.keyLimit, o.keyRate)
	}
	if o.workers < 1 || o.workers > 64 {
		return usageError("--workers %d: use 1-64", o.workers)
	}
	return nil
}

// password returns the password from the file, the environment or a prompt;
// "" means none (Kerberos then uses the keytab or credential cache).
func (a *App) password(o *targetOptions) (string, error) {
	if o.passwordFile != "" {
		data, err := os.ReadFile(o.passwordFile)
		if err != nil {
			return "", usageError("--password-file: %v", err)
		}
		line, _, _ := strings.Cut(string(data), "\n")
		pw := strings.TrimRight(line, "\r")
		if pw == "" {
			return "", usageError("--password-file %s: the first line is empty", o.passwordFile)
		}
		return pw, nil
	}
	if pw := os.Getenv(passwordEnv); pw != "" {
		return pw, nil
	}
	if o.keytab != "" || o.user == "" {
		return "", nil
	}
	if a.Stdin != nil && term.IsTerminal(int(a.Stdin.Fd())) {
		fmt.Fprintf(a.Stderr, "Password for %s: ", o.user)
		pw, err := term.ReadPassword(int(a.Stdin.Fd()))
		fmt.Fprintln(a.Stderr)
		if err != nil {
			return "", usageError("read password: %v", err)
		}
		return string(pw), nil
	}
	if o.auth != "kerberos" {
		return "", usageError("no password for %s: use --password-file FILE or $%s (passwords are never taken from the command line)", o.user, passwordEnv)
	}
	return "", nil
}

// Connector reaches the live directory the target flags name. The factory
// injects it (App.Connector); the default, ldapConnector, discovers, dials
// and binds over LDAP, and command tests inject a fake, so commands run
// without sockets.
type Connector interface {
	// Collector is the live source of audit, remediate and fix.
	Collector(t *targetOptions) pipeline.Collector
	// FixDirectory connects to a DC to change SPNs (fix --apply, --rollback);
	// it returns the DC's name and a function closing the connection.
	FixDirectory(ctx context.Context, t *targetOptions) (remediate.Directory, string, func(), error)
	// ServiceCollector is the live source of probe: a targeted collection
	// of the declared services (and the ConfigMgr management points q asks for).
	ServiceCollector(t *targetOptions, q collect.ServiceQuery) pipeline.Collector
}

// ldapConnector is the Connector over LDAP, DNS and Kerberos.
type ldapConnector struct{ app *App }

// session is an authenticated way to reach the directory and the KDCs.
type session struct {
	// resolver is the chosen DNS server (--dns-server, else the servers of
	// /etc/resolv.conf): DC discovery, KDCs and the audit's observations.
	resolver *ldapx.DNSResolver
	// names resolves the DC names that are dialled: the system resolver,
	// then the --dns-server.
	names ldapx.DCResolver
	creds ldapx.Credentials
	opts  ldapx.Options // the connection flags; Address is set per DC
}

// connector dials and binds one DC with the session's flags and credentials.
func (s *session) connector() ldapx.DialBinder {
	return ldapx.DialBinder{Options: s.opts, Credentials: s.creds}
}

// dial connects and binds to the DC at address.
func (s *session) dial(ctx context.Context, address string) (*ldapx.Conn, error) {
	return s.connector().Connect(ctx, address)
}

// directory adapts dial to the collector's Connector.
func (s *session) directory(ctx context.Context, address string) (collect.Directory, error) {
	c, err := s.dial(ctx, address)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// directorySession is the discover → connect → bind → next DC session of
// fix and probe.
func (s *session) directorySession(timeout time.Duration) *ldapx.Session[*ldapx.Conn] {
	return &ldapx.Session[*ldapx.Conn]{DNS: s.resolver, Connector: s.connector(), Timeout: timeout}
}

// unresolvedHint ends the error for a DC name that does not resolve.
func unresolvedHint(o *targetOptions) string {
	if o.dnsServer == "" {
		return "give --dns-server with the IP address of a DNS server of the domain (a DC), or --server with the DC's IP address"
	}
	return "check the name, or give --server with the DC's IP address"
}

// session builds the resolvers, credentials and connection options from
// the target flags.
func (a *App) session(o *targetOptions) (*session, error) {
	resolver, err := ldapx.NewDNSResolver(o.dnsServer, o.timeout/3)
	if err != nil {
		return nil, usageError("--dns-server: %v", err)
	}
	pw, err := a.password(o)
	if err != nil {
		return nil, err
	}
	if err := needUser(o, pw); err != nil {
		return nil, err
	}
	creds := ldapx.Credentials{
		Mechanism:  ldapx.Mechanism(o.auth),
		Principal:  o.user,
		Password:   pw,
		KeytabPath: o.keytab,
	}
	if o.insecure {
		fmt.Fprintln(a.Stderr, "spntrust: WARNING: --insecure-skip-verify: DC certificates are not verified; anyone on the path can read and change this session")
	}
	names := ldapx.DCResolver{System: a.DCNames, Hint: unresolvedHint(o)}
	if o.dnsServer != "" {
		// Without --dns-server the system resolver has already asked the
		// servers of /etc/resolv.conf.
		names.DNS = resolver
		names.DNSLabel = "DNS server " + strings.Join(resolver.Servers(), ", ") + " (--dns-server)"
	}
	return &session{resolver: resolver, names: names, creds: creds, opts: ldapx.Options{
		Security: ldapx.Security(o.security), CAFile: o.caFile,
		InsecureSkipVerify: o.insecure, Timeout: o.timeout, Resolver: resolver, HostResolver: names, Now: a.Now,
		Paging: ldapx.Paging(o.paging),
	}}, nil
}

// Collector collects live with the target flags.
func (c *ldapConnector) Collector(o *targetOptions) pipeline.Collector {
	return pipeline.CollectorFunc(func(ctx context.Context) (*audit.Snapshot, error) {
		return c.app.collect(ctx, o)
	})
}

// collect runs a live collection with the target flags.
func (a *App) collect(ctx context.Context, o *targetOptions) (*audit.Snapshot, error) {
	sess, err := a.session(o)
	if err != nil {
		return nil, err
	}
	// The collector opens several connections to each DC: with Kerberos
	// they share one login per realm instead of logging in at each bind.
	logins := ldapx.NewKerberosLogins()
	defer logins.Close()
	sess.creds.Logins = logins
	resolver, creds := sess.resolver, sess.creds
	host, _ := os.Hostname()
	snap, err := collect.Collect(ctx, collect.Config{
		Domain: o.domain, Server: o.server, FollowTrusts: o.followTrusts,
		Connect: sess.directory, Resolver: resolver, Now: a.Now, Timeout: o.timeout, Workers: o.workers,
		ToolVersion: a.Version, Host: host, Principal: creds.Principal, AuthMethod: o.auth, DNSServer: o.dnsServer,
		DNSSource:     o.dnsSource,
		SkipKeyProbes: !o.keyProbes, KeyProbeLimit: o.keyLimit, KeyProbeRate: o.keyRate,
		Tickets: ticketSource(o, creds, resolver), TicketLimit: o.probeLimit,
		Phase: func(name string, took time.Duration) {
			if o.timings {
				fmt.Fprintf(a.Stderr, "spntrust: timing: %s %.3fs\n", name, took.Seconds())
			}
		},
	})
	if err != nil {
		// Unreachable DCs, refused credentials: the audit could not complete.
		return nil, incompleteError(err)
	}
	return snap, nil
}

// ticketSource is the ticket-probe phase of the collection for
// --probe-tickets (nil without it): a Kerberos client with the audit's
// credentials requests service tickets as a client would.
func ticketSource(o *targetOptions, creds ldapx.Credentials, resolver *ldapx.DNSResolver) collect.TicketSource {
	if !o.probeTickets {
		return nil
	}
	return func(ctx context.Context, domain string) (collect.TicketRequester, func(), error) {
		cl, cfg, err := ldapx.KerberosClient(ctx, creds, resolver, domain)
		if err != nil {
			return nil, nil, err
		}
		return &krbprobe.Prober{Client: cl, Config: cfg, Timeout: o.timeout, Resolver: resolver, Etypes: probeEtypes(o.etypes)}, cl.Destroy, nil
	}
}

// probeEtypes maps --etypes to the encryption types a ticket probe offers.
func probeEtypes(name string) []int32 {
	if name == "aes" {
		return krbprobe.AESOnlyEtypes
	}
	return krbprobe.WindowsClientEtypes
}
