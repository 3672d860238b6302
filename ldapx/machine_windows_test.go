//go:build windows

package ldapx

import (
	"net/netip"
	"strings"
	"testing"
)

// The adapters' DNS servers are what a resolver without --dns-server asks
// on Windows: each is an address with port 53. (internal/winetest runs this
// under wine, whose adapters carry the host's resolv.conf servers.)
func TestWindowsSystemDNSServers(t *testing.T) {
	servers, err := systemDNSServers()
	if err != nil {
		if !strings.Contains(err.Error(), "--dns-server") {
			t.Fatalf("an error without the way out: %v", err)
		}
		t.Skipf("no adapter with a DNS server here: %v", err)
	}
	t.Logf("DNS servers: %v", servers)
	for _, s := range servers {
		ap, err := netip.ParseAddrPort(s)
		if err != nil || ap.Port() != 53 {
			t.Errorf("DNS server %q is not address:53 (%v)", s, err)
		}
	}
	r, err := NewDNSResolver("", 0)
	if err != nil || len(r.Servers()) != len(servers) {
		t.Errorf("NewDNSResolver without a server: %v, %v; want the adapters' %v", r, err, servers)
	}
}

// MachineDomain reads the joined domain, else USERDNSDOMAIN, else says what
// to give instead.
func TestWindowsMachineDomainFallsBackToUserDNSDomain(t *testing.T) {
	t.Setenv("USERDNSDOMAIN", "")
	d, err := MachineDomain()
	if err != nil {
		if !strings.Contains(err.Error(), "--domain") {
			t.Errorf("error does not name --domain: %v", err)
		}
		t.Setenv("USERDNSDOMAIN", "CORP.EXAMPLE.")
		if d, err := MachineDomain(); err != nil || d != "corp.example" {
			t.Errorf("with USERDNSDOMAIN: %q, %v; want corp.example", d, err)
		}
		return
	}
	// A domain-joined machine: the joined domain wins over the environment.
	t.Setenv("USERDNSDOMAIN", "other.example")
	if d2, err := MachineDomain(); err != nil || d2 != d {
		t.Errorf("joined domain %q, then %q, %v", d, d2, err)
	}
}
