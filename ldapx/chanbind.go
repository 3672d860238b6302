package ldapx

import (
	"crypto"
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"

	_ "crypto/sha256" // hash functions the certificate's signature may name
	_ "crypto/sha512"
)

// Channel binding (RFC 5929 "tls-server-end-point", RFC 5056): a bind over
// TLS proves it was made through this TLS connection, so a relay that
// terminates TLS elsewhere cannot reuse it. Windows DCs with LDAP channel
// binding enforced ("LdapEnforceChannelBinding" = 2) refuse binds over
// LDAPS or StartTLS without it, for NTLM and Kerberos alike.

// tlsServerEndPoint returns the channel binding data of RFC 5929 4.1: the
// prefix and the hash of the server's certificate, with the certificate's
// signature hash, or SHA-256 where that is MD5 or SHA-1 (or the signature
// names no hash, as Ed25519 does).
func tlsServerEndPoint(cert *x509.Certificate) []byte {
	h := crypto.SHA256
	switch cert.SignatureAlgorithm {
	case x509.SHA384WithRSA, x509.ECDSAWithSHA384, x509.SHA384WithRSAPSS:
		h = crypto.SHA384
	case x509.SHA512WithRSA, x509.ECDSAWithSHA512, x509.SHA512WithRSAPSS:
		h = crypto.SHA512
	}
	d := h.New()
	d.Write(cert.Raw)
	return append([]byte("tls-server-end-point:"), d.Sum(nil)...)
}

// channelBindingHash is the MD5 of the gss_channel_bindings_struct with no
// addresses and the given application data (RFC 4121 4.1.1.2; MS-NLMP
// MsvAvChannelBindings): what Kerberos puts in the authenticator checksum's
// Bnd field and NTLM in its AV pair.
func channelBindingHash(appData []byte) []byte {
	b := make([]byte, 20, 20+len(appData))
	// initiator addrtype and length, acceptor addrtype and length: all 0.
	binary.LittleEndian.PutUint32(b[16:20], uint32(len(appData)))
	b = append(b, appData...)
	sum := md5.Sum(b)
	return sum[:]
}

// channelBindings returns the channel binding hash of this connection's
// TLS channel, or nil on a connection without TLS.
func (c *Conn) channelBindings() ([]byte, error) {
	if !c.tls {
		return nil, nil
	}
	tc, ok := c.layer.Conn.(*tls.Conn)
	if !ok {
		return nil, errors.New("channel binding: the connection is marked TLS but is not a TLS connection")
	}
	st := tc.ConnectionState()
	if len(st.PeerCertificates) == 0 {
		return nil, errors.New("channel binding: the DC presented no certificate")
	}
	return channelBindingHash(tlsServerEndPoint(st.PeerCertificates[0])), nil
}

// ChannelBinding returns the channel binding hash (RFC 5929
// tls-server-end-point, as MD5 of the GSS channel bindings) that this
// connection's Kerberos or NTLM bind sent, or nil where the connection has
// no TLS or the bind was simple.
func (c *Conn) ChannelBinding() []byte { return append([]byte(nil), c.sentChannelBinding...) }
