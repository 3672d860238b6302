//go:build !windows

package ldapx

import (
	"errors"
	"fmt"
	"net"

	"github.com/miekg/dns"
)

// MachineDomain: only Windows machines say which domain they are joined to
// in a way spntrust reads; elsewhere --domain or --server is needed.
func MachineDomain() (string, error) {
	return "", errors.New("name the domain with --domain or a DC with --server (the machine's own domain is read only on Windows)")
}

// systemDNSServers returns the nameservers of /etc/resolv.conf.
func systemDNSServers() ([]string, error) {
	cc, err := dns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil {
		return nil, fmt.Errorf("read /etc/resolv.conf: %w", err)
	}
	var out []string
	for _, s := range cc.Servers {
		out = append(out, net.JoinHostPort(s, cc.Port))
	}
	if len(out) == 0 {
		return nil, errors.New("/etc/resolv.conf names no nameserver")
	}
	return out, nil
}
