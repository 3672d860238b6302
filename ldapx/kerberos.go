package ldapx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"
	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/keytab"

	"github.com/spntrust/spntrust/statuscode"
)

// bindKerberos does a SASL GSSAPI bind with the RFC 4752 integrity layer.
func (c *Conn) bindKerberos(ctx context.Context, creds Credentials) error {
	fail := func(step, principal, realm string, err error) error {
		ae := kerberosAuthError(step, principal, realm, err)
		if c.tls && ae.LDAPCode == ldap.LDAPResultStrongAuthRequired {
			ae.Hint = "over TLS this client binds without a SASL layer (AD and Samba forbid sign or seal on top of TLS), " +
				"but this DC also demands one: Samba's default \"ldap server require strong auth = yes\" refuses GSSAPI over TLS entirely; " +
				"use Kerberos on plain LDAP (389), which is integrity-protected by the signing layer"
		}
		return ae
	}
	dcHost, err := c.serverFQDN(ctx)
	if err != nil {
		return fail("finding the DC's DNS name", creds.Principal, creds.Realm, err)
	}
	dcDomain := ""
	if i := strings.IndexByte(dcHost, '.'); i > 0 {
		dcDomain = dcHost[i+1:]
	}
	spn := "ldap/" + dcHost
	if sspiCurrentUser(creds) {
		// Windows, no secret given: the logged-on user's tickets (sspi_windows.go).
		return c.bindSSPI(ctx, spn, fail)
	}

	var setupErr error // a failure before the AS exchange
	login := func() (*client.Client, string, string, error) {
		cl, principal, realm, err := c.kerberosClient(ctx, creds, dcDomain)
		if err != nil {
			setupErr = err
			return nil, principal, realm, err
		}
		if cl.Credentials.HasPassword() || cl.Credentials.HasKeytab() {
			if err := ctxDo(ctx, cl.Login); err != nil {
				cl.Destroy()
				return nil, principal, realm, err
			}
		}
		return cl, principal, realm, nil
	}
	var cl *client.Client
	var principal, realm string
	if creds.Logins != nil {
		// One login per principal and DC realm (the krb5 configuration
		// built for it names that realm's KDCs).
		cl, principal, realm, err = creds.Logins.client(creds.String()+"\x00"+dcDomain, login)
	} else {
		cl, principal, realm, err = login()
		if cl != nil {
			defer cl.Destroy()
		}
	}
	switch {
	case setupErr != nil:
		return fail("Kerberos setup", orUnknown(principal), realm, setupErr)
	case err != nil:
		return fail("login (AS exchange with the KDC)", principal, realm, err)
	}
	if err := ctxDo(ctx, func() error { _, _, err := cl.GetServiceTicket(spn); return err }); err != nil {
		return fail("service ticket for "+spn, principal, realm, err)
	}

	cb, err := c.channelBindings()
	if err != nil {
		return fail("channel binding", principal, realm, err)
	}
	c.sentChannelBinding = cb
	g := &saslGSSAPI{cl: cl, conn: c.layer, overTLS: c.tls, channelBindings: cb}
	stop := c.watch(ctx)
	defer stop()
	if !c.forceSPNEGO {
		err = c.l.GSSAPIBindRequest(g, &ldap.GSSAPIBindRequest{ServicePrincipalName: spn})
		if err == nil {
			if g.layer == saslLayerIntegrity {
				c.layer.enableWrite(g.wrapper, g.serverMax)
			}
			return nil
		}
		if !ldap.IsErrorWithCode(err, ldap.LDAPResultAuthMethodNotSupported) {
			// The reader may already be armed for a layer that never came
			// up: the connection cannot be trusted for anything else.
			c.l.Close()
			return fail("SASL GSSAPI bind to "+c.RemoteAddr(), principal, realm, err)
		}
		// The DC does not offer SASL GSSAPI (nothing was armed at the first
		// step): try Kerberos inside GSS-SPNEGO on the same connection.
		g = &saslGSSAPI{cl: cl, conn: c.layer, overTLS: c.tls, channelBindings: cb}
	}
	if c.tls {
		return fail("SASL GSS-SPNEGO bind to "+c.RemoteAddr(), principal, realm,
			errors.New("Kerberos in GSS-SPNEGO over TLS is not supported (its context flags would ask for a layer on top of TLS); use plain LDAP, where the bind signs every message"))
	}
	w, err := c.bindKerberosSPNEGO(ctx, g, spn)
	if err != nil {
		c.l.Close()
		return fail("SASL GSS-SPNEGO bind (Kerberos) to "+c.RemoteAddr(), principal, realm, err)
	}
	c.layer.enableWrite(w, 0)
	return nil
}

// ctxDo runs f (a gokrb5 call, which takes no context and applies its own
// per-KDC timeouts) but returns as soon as ctx ends.
func ctxDo(ctx context.Context, f func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func kerberosAuthError(step, principal, realm string, err error) *AuthError {
	ae := &AuthError{Mechanism: MechKerberos, Principal: principal, Realm: realm, Step: step, Err: err}
	if code, ok := KRBErrorCode(err); ok {
		cls := statuscode.ClassifyKerberos(code)
		ae.Kerberos = &cls
		ae.Hint = cls.Hint
		if cls.Problem == statuscode.KerberosBadCredentials || cls.Problem == statuscode.KerberosUnknownClient {
			ae.Hint += "; " + usualCauses
		}
		return ae
	}
	var le *ldap.Error
	if errors.As(err, &le) {
		ae.LDAPCode = le.ResultCode
		switch le.ResultCode {
		case ldap.LDAPResultStrongAuthRequired:
			ae.Hint = "the DC insists on a SASL security layer or TLS"
		case ldap.LDAPResultInvalidCredentials:
			ae.Hint = "the DC rejected the Kerberos ticket: check time skew and that " + principal + " may log on"
		}
	}
	return ae
}

// serverFQDN is the DC's DNS name for the Kerberos SPN ldap/<name>.
func (c *Conn) serverFQDN(ctx context.Context) (string, error) {
	if c.opts.ServerName != "" {
		return strings.ToLower(strings.TrimSuffix(c.opts.ServerName, ".")), nil
	}
	if _, err := netip.ParseAddr(c.host); err != nil && strings.Contains(c.host, ".") {
		return strings.ToLower(strings.TrimSuffix(c.host, ".")), nil
	}
	// An IP address or short name: ask the DC (rootDSE is anonymous).
	dse, err := c.ReadRootDSE(ctx)
	if err != nil {
		return "", fmt.Errorf("read dnsHostName from rootDSE: %w", err)
	}
	if dse.DNSHostName == "" {
		return "", errors.New("the rootDSE reports no dnsHostName; give the DC's DNS name as the server name")
	}
	return strings.ToLower(dse.DNSHostName), nil
}

// kerberosClient builds the gokrb5 client from a password, a keytab or a
// credential cache, with the krb5 configuration of krb5Config.
func (c *Conn) kerberosClient(ctx context.Context, creds Credentials, dcDomain string) (cl *client.Client, principal, realm string, err error) {
	user, realm := splitPrincipal(creds.Principal, creds.Realm)
	if realm == "" {
		realm = strings.ToUpper(dcDomain)
	}
	dcRealm := strings.ToUpper(dcDomain)
	settings := []func(*client.Settings){client.DisablePAFXFAST(true)}

	if creds.Password == "" && creds.KeytabPath == "" {
		path := creds.CCachePath
		if path == "" {
			path = os.Getenv("KRB5CCNAME")
		}
		if path == "" {
			return nil, creds.Principal, realm, errors.New("no Kerberos credentials: give a password, a keytab, or a credential cache (KRB5CCNAME, as after kinit)")
		}
		path, err = ccacheFile(path)
		if err != nil {
			return nil, creds.Principal, realm, err
		}
		cc, err := credentials.LoadCCache(path)
		if err != nil {
			return nil, creds.Principal, realm, fmt.Errorf("load credential cache %s: %w", path, err)
		}
		realm = cc.DefaultPrincipal.Realm
		principal = cc.DefaultPrincipal.PrincipalName.PrincipalNameString() + "@" + realm
		cfg, err := c.krb5Config(ctx, creds, realm, dcRealm, dcDomain)
		if err != nil {
			return nil, principal, realm, err
		}
		cl, err = client.NewFromCCache(cc, cfg, settings...)
		if err != nil {
			return nil, principal, realm, fmt.Errorf("use credential cache %s: %w", path, err)
		}
		return cl, principal, realm, nil
	}
	if user == "" {
		return nil, "", realm, errors.New("no user principal given")
	}
	principal = user + "@" + realm
	cfg, err := c.krb5Config(ctx, creds, realm, dcRealm, dcDomain)
	if err != nil {
		return nil, principal, realm, err
	}
	if creds.KeytabPath != "" {
		kt, err := keytab.Load(creds.KeytabPath)
		if err != nil {
			return nil, principal, realm, fmt.Errorf("load keytab %s: %w", creds.KeytabPath, err)
		}
		return client.NewWithKeytab(user, realm, kt, cfg, settings...), principal, realm, nil
	}
	return client.NewWithPassword(user, realm, creds.Password, cfg, settings...), principal, realm, nil
}

// splitPrincipal splits "user@REALM" or "DOMAIN\user"; the realm is
// upper-cased (AD realms are upper case). An explicit realm wins.
func splitPrincipal(p, realm string) (user, outRealm string) {
	user = p
	if i := strings.LastIndexByte(p, '@'); i >= 0 {
		user = p[:i]
		if realm == "" {
			realm = p[i+1:]
		}
	} else if i := strings.IndexByte(p, '\\'); i >= 0 {
		// A NetBIOS domain is not a realm; the caller's realm or the DC's
		// domain is used instead.
		user = p[i+1:]
	}
	return user, strings.ToUpper(realm)
}

func ccacheFile(name string) (string, error) {
	switch {
	case strings.HasPrefix(name, "FILE:"):
		return strings.TrimPrefix(name, "FILE:"), nil
	case strings.Contains(name, ":") && !strings.HasPrefix(name, "/") && !(len(name) > 1 && name[1] == ':'):
		typ := name[:strings.IndexByte(name, ':')]
		return "", fmt.Errorf("credential cache type %s is not supported (only FILE caches): set KRB5CCNAME=FILE:/path and kinit again", typ)
	}
	return name, nil
}

// krb5Config loads Krb5ConfigPath or $KRB5_CONFIG, or builds a
// configuration in memory for the client's realm and the DC's realm with
// KDCs from DNS SRV records.
func (c *Conn) krb5Config(ctx context.Context, creds Credentials, realm, dcRealm, dcDomain string) (*config.Config, error) {
	path := creds.Krb5ConfigPath
	if path == "" {
		path = os.Getenv("KRB5_CONFIG")
	}
	if path != "" {
		// KRB5_CONFIG may list several files separated by ':'; gokrb5
		// reads one, so take the first that exists.
		for _, p := range strings.Split(path, ":") {
			if _, err := os.Stat(p); err == nil {
				cfg, err := config.Load(p)
				if err != nil {
					return nil, fmt.Errorf("load krb5 config %s: %w", p, err)
				}
				return cfg, nil
			}
		}
		return nil, fmt.Errorf("krb5 config %s does not exist", path)
	}
	realms := map[string][]string{}
	for _, r := range []string{realm, dcRealm} {
		if r == "" || realms[r] != nil {
			continue
		}
		kdcs, err := c.findKDCs(ctx, r)
		if err != nil && r == dcRealm && c.ip != "" {
			// Every AD DC is a KDC for its domain.
			kdcs, err = []string{net.JoinHostPort(c.ip, "88")}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("find KDCs of realm %s: %w", r, err)
		}
		realms[r] = kdcs
	}
	cfg, err := config.NewFromString(Krb5ConfigString(realm, realms))
	if err != nil {
		return nil, fmt.Errorf("build krb5 config: %w", err)
	}
	return cfg, nil
}

func (c *Conn) findKDCs(ctx context.Context, realm string) ([]string, error) {
	r := c.opts.Resolver
	if r == nil {
		r = SystemResolver{}
	}
	recs, err := DiscoverKDCs(ctx, r, strings.ToLower(realm))
	if err != nil {
		return nil, err
	}
	var out []string
	var errs []error
	for _, s := range recs {
		port := strconv.Itoa(int(s.Port))
		if a, err := netip.ParseAddr(s.Target); err == nil {
			out = append(out, net.JoinHostPort(a.String(), port))
			continue
		}
		// gokrb5 would resolve names with the system resolver alone, which
		// may not know the lab or foreign forest: hand it addresses, from
		// the DC resolver (system, then the chosen DNS server) where the
		// connection has one, as for the DCs' LDAP.
		var hr HostResolver = r
		if c.opts.HostResolver != nil {
			hr = c.opts.HostResolver
		}
		addrs, err := hr.LookupHost(ctx, s.Target)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, a := range addrs {
			out = append(out, net.JoinHostPort(a.String(), port))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no KDC address for %s: %w", realm, errors.Join(errs...))
	}
	return out, nil
}

// aesEnctypes are the only session key types whose RFC 4121 wrap tokens the
// security layer speaks.
const aesEnctypes = "aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96 aes256-cts-hmac-sha384-192 aes128-cts-hmac-sha256-128"

// Krb5ConfigString renders a krb5.conf for defaultRealm and the KDC
// addresses ("host:port") of each realm, mapping each realm's DNS domain
// (the realm in lower case) to it. TCP only: AD tickets with a PAC rarely
// fit in UDP.
func Krb5ConfigString(defaultRealm string, realms map[string][]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[libdefaults]\n default_realm = %s\n dns_lookup_kdc = false\n dns_lookup_realm = false\n udp_preference_limit = 1\n", defaultRealm)
	fmt.Fprintf(&b, " default_tkt_enctypes = %s\n default_tgs_enctypes = %s\n permitted_enctypes = %s\n", aesEnctypes, aesEnctypes, aesEnctypes)
	names := make([]string, 0, len(realms))
	for r := range realms {
		names = append(names, r)
	}
	sort.Strings(names)
	b.WriteString("\n[realms]\n")
	for _, r := range names {
		fmt.Fprintf(&b, " %s = {\n", r)
		for _, k := range realms[r] {
			fmt.Fprintf(&b, "  kdc = %s\n", k)
		}
		b.WriteString(" }\n")
	}
	b.WriteString("\n[domain_realm]\n")
	for _, r := range names {
		d := strings.ToLower(r)
		fmt.Fprintf(&b, " .%s = %s\n %s = %s\n", d, r, d, r)
	}
	return b.String()
}
