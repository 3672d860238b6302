package ldapx

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
)

func TestKerberosLoginsLogInOncePerKey(t *testing.T) {
	k := NewKerberosLogins()
	var logins atomic.Int32
	login := func(user string) func() (*client.Client, string, string, error) {
		return func() (*client.Client, string, string, error) {
			logins.Add(1)
			return client.NewWithPassword(user, "LAB.TEST", "secret", config.New()), user + "@LAB.TEST", "LAB.TEST", nil
		}
	}
	var wg sync.WaitGroup
	got := make([]*client.Client, 10)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, principal, _, err := k.client("alice|lab.test", login("alice"))
			if err != nil || principal != "alice@LAB.TEST" {
				t.Errorf("bind %d: %v %q", i, err, principal)
			}
			got[i] = cl
		}()
	}
	wg.Wait()
	if logins.Load() != 1 {
		t.Fatalf("%d logins for ten binds of one principal to one realm, want 1", logins.Load())
	}
	for _, cl := range got[1:] {
		if cl != got[0] {
			t.Fatal("binds got different clients")
		}
	}
	if _, _, _, err := k.client("alice|partner.test", login("alice")); err != nil || logins.Load() != 2 {
		t.Fatalf("another realm's DCs: %v, %d logins, want 2", err, logins.Load())
	}

	// A failed login is not kept: the next bind tries again.
	refused := errors.New("KDC_ERR_PREAUTH_FAILED")
	if _, _, _, err := k.client("bob|lab.test", func() (*client.Client, string, string, error) { return nil, "bob@LAB.TEST", "LAB.TEST", refused }); err != refused {
		t.Fatalf("want the login's error, got %v", err)
	}
	if _, _, _, err := k.client("bob|lab.test", login("bob")); err != nil || logins.Load() != 3 {
		t.Fatalf("after a failed login: %v, %d logins", err, logins.Load())
	}

	k.Close()
	if got[0].Credentials.HasPassword() {
		t.Error("Close left a login's password in its client")
	}
	if _, _, _, err := k.client("alice|lab.test", login("alice")); err == nil {
		t.Error("a bind after Close logged in")
	}
}
