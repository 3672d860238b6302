package ldapx

// LoggedOnUserKerberos reports whether a Kerberos bind with no principal
// and no secret binds as the logged-on user: on Windows through SSPI
// (sspi_windows.go), unless KRB5CCNAME names a credential cache. Elsewhere
// such a bind needs a credential cache.
func LoggedOnUserKerberos() bool { return sspiCurrentUser(Credentials{Mechanism: MechKerberos}) }
