package ldapx

import (
	"context"
	"strings"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
)

// KerberosClient returns a logged-in gokrb5 client for creds, for callers
// other than the LDAP bind (ticket probes). The configuration comes from
// creds.Krb5ConfigPath or $KRB5_CONFIG, else it is built in memory with the
// KDCs of the client's realm and of domain found through resolver's DNS SRV
// records — the same rules the bind uses. The caller destroys the client.
func KerberosClient(ctx context.Context, creds Credentials, resolver Resolver, domain string) (*client.Client, *config.Config, error) {
	return (&Conn{opts: Options{Resolver: resolver}}).KerberosClient(ctx, creds, domain)
}

// KerberosClient is the package's KerberosClient for a caller connected to
// a DC of domain: KDC names resolve as the DC's name did (Options), and
// where DNS names no KDC of the DC's realm (a resolver that does not serve
// the AD zones, a DC named in /etc/hosts), the DC itself is asked, as the
// bind does — every AD DC is a KDC of its domain.
func (c *Conn) KerberosClient(ctx context.Context, creds Credentials, domain string) (*client.Client, *config.Config, error) {
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	cl, principal, realm, err := c.kerberosClient(ctx, creds, domain)
	if err != nil {
		return nil, nil, kerberosAuthError("Kerberos setup", orUnknown(principal), realm, err)
	}
	if cl.Credentials.HasPassword() || cl.Credentials.HasKeytab() {
		if err := ctxDo(ctx, cl.Login); err != nil {
			cl.Destroy()
			return nil, nil, kerberosAuthError("login (AS exchange with the KDC)", principal, realm, err)
		}
	}
	return cl, cl.Config, nil
}

// FindKDCs returns "address:port" of the KDCs of realm from DNS SRV
// records (_kerberos._tcp.<realm in lower case>), resolving their names
// through the same resolver.
func FindKDCs(ctx context.Context, r Resolver, realm string) ([]string, error) {
	c := &Conn{opts: Options{Resolver: r}}
	return c.findKDCs(ctx, realm)
}
