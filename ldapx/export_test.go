package ldapx

// ForceSPNEGO makes c's Kerberos bind go through SASL GSS-SPNEGO, as it
// does against a DC that offers no SASL GSSAPI (Samba offers both).
func ForceSPNEGO(c *Conn) { c.forceSPNEGO = true }
