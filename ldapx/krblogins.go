package ldapx

import (
	"errors"
	"sync"

	"github.com/jcmturner/gokrb5/v8/client"
)

// KerberosLogins lets the connections of one run share their Kerberos
// logins, as programs sharing a credential cache do: the first bind of a
// principal to the DCs of a realm logs in (the AS exchange), and later binds
// reuse its TGT and service tickets instead of logging in again. An audit
// opens three connections to each DC; without it, each one was an AS
// exchange (and a logon event on the DC). Close destroys the logins: their
// keys, and the renewal goroutines gokrb5 runs for their TGTs.
type KerberosLogins struct {
	mu     sync.Mutex
	logins map[string]*kerberosLogin
	closed bool
}

type kerberosLogin struct {
	mu               sync.Mutex
	cl               *client.Client
	principal, realm string
}

// NewKerberosLogins returns an empty set of shared logins.
func NewKerberosLogins() *KerberosLogins {
	return &KerberosLogins{logins: map[string]*kerberosLogin{}}
}

// client returns the logged-in client for key, creating it with login on
// first use (or after a failed attempt). Binds to other keys go on meanwhile.
func (k *KerberosLogins) client(key string, login func() (*client.Client, string, string, error)) (*client.Client, string, string, error) {
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		return nil, "", "", errors.New("kerberos logins already closed")
	}
	l := k.logins[key]
	if l == nil {
		l = &kerberosLogin{}
		k.logins[key] = l
	}
	k.mu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cl == nil {
		cl, principal, realm, err := login()
		if err != nil {
			return nil, principal, realm, err
		}
		l.cl, l.principal, l.realm = cl, principal, realm
	}
	return l.cl, l.principal, l.realm, nil
}

// Close destroys every login. Connections already bound keep working:
// their signing keys come from their own Kerberos exchange.
func (k *KerberosLogins) Close() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.closed = true
	for key, l := range k.logins {
		l.mu.Lock()
		if l.cl != nil {
			l.cl.Destroy()
		}
		l.mu.Unlock()
		delete(k.logins, key)
	}
}
