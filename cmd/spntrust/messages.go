package main

import (
	"os"
	"runtime"
)

// needUser checks, once the password is known, that a principal is named
// where the bind needs one: simple and NTLM binds always do; Kerberos does
// unless it runs from a credential cache (no password, no keytab, after
// kinit) or, on Windows, as the logged-on user (SSPI). A missing --user is bad usage (exit 2) naming the flag, not a
// failed audit.
func needUser(o *targetOptions, password string) error {
	if o.user != "" {
		return nil
	}
	switch {
	case o.auth == "simple" || o.auth == "ntlm":
		return usageError("--auth %s needs --user (user@REALM or DOMAIN\\user), with --password-file or $%s", o.auth, passwordEnv)
	case o.keytab != "":
		return usageError("--keytab needs --user: the principal whose keys the keytab holds (user@REALM)")
	case password != "":
		return usageError("a password was given (--password-file or $%s) but no --user: name the principal it belongs to (--user user@REALM)", passwordEnv)
	case os.Getenv("KRB5CCNAME") == "" && runtime.GOOS != "windows":
		// On Windows a Kerberos bind without credentials uses the logged-on
		// user's ticket through SSPI, as ADUC and setspn do.
		return usageError("no --user and no Kerberos credential cache: give --user user@REALM with --password-file (or $%s), --keytab, or run kinit and set KRB5CCNAME", passwordEnv)
	}
	return nil
}
