//go:build !windows

package ldapx

import (
	"context"
	"errors"
)

// sspiCurrentUser: the logged-on user's Kerberos through SSPI exists only
// on Windows; elsewhere a bind without secrets uses the credential cache.
func sspiCurrentUser(Credentials) bool { return false }

func (c *Conn) bindSSPI(context.Context, string, func(step, principal, realm string, err error) error) error {
	return errors.New("SSPI binds exist only on Windows")
}
