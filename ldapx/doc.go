// Package ldapx connects to Active Directory domain controllers and reads the
// objects spntrust audits.
//
// It wraps go-ldap only where AD needs more than plain LDAP:
//
//   - Dial verifies TLS by default (LDAPS or StartTLS) and routes every byte
//     through a wrapper connection so that a SASL security layer can be
//     switched on after a Kerberos bind.
//   - Bind speaks Kerberos (GSSAPI with the RFC 4752 integrity layer that DCs
//     requiring LDAP signing insist on), simple bind over TLS only, and
//     go-ldap's NTLM bind.
//   - Session is the one way to reach a directory: discover the DCs of a
//     domain through SRV records (or take the one named), connect and bind,
//     and on failure try the next; DCResolver resolves DC names through the
//     system resolver, then the chosen DNS server.
//   - Search pages (1000 entries a page) and streams entries to a callback.
//   - The Read* functions return plain structs for the audit package; a value
//     that cannot be parsed is recorded as a ParseProblem, never a panic.
//
// Kerberos binds belong on plain LDAP (389): the integrity layer protects
// every message there. Over LDAPS or StartTLS the client selects no SASL
// layer, because AD and Samba refuse sign or seal on top of TLS; Samba's
// default configuration then refuses the bind altogether, and the error
// says so. Channel binding tokens (Windows "LDAP channel binding") are not
// sent.
//
// A Conn may be used from several goroutines: go-ldap multiplexes requests
// and the layer serialises wrapped writes, so sequence numbers stay in
// order.
//
// Passwords never appear in errors or in the String form of Credentials.
package ldapx
