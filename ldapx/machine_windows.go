//go:build windows

package ldapx

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// MachineDomain returns the DNS name of the domain this Windows machine is
// joined to (GetComputerNameEx ComputerNameDnsDomain), else the logged-on
// user's (USERDNSDOMAIN), else an error saying that --domain is needed.
func MachineDomain() (string, error) {
	n := uint32(256)
	buf := make([]uint16, n)
	if err := windows.GetComputerNameEx(windows.ComputerNameDnsDomain, &buf[0], &n); err == nil {
		if d := windows.UTF16ToString(buf[:n]); d != "" {
			return strings.ToLower(strings.TrimSuffix(d, ".")), nil
		}
	}
	if d := os.Getenv("USERDNSDOMAIN"); d != "" {
		return strings.ToLower(strings.TrimSuffix(d, ".")), nil
	}
	return "", errors.New("this machine is not joined to a domain (GetComputerNameEx gives no DNS domain, USERDNSDOMAIN is unset): name one with --domain or a DC with --server")
}

// systemDNSServers returns the DNS servers of the machine's network
// adapters that are up (GetAdaptersAddresses), in adapter order: on a
// domain-joined machine, the DCs' DNS, which serves the SRV records.
func systemDNSServers() ([]string, error) {
	size := uint32(15 << 10)
	var buf []byte
	for i := 0; i < 3; i++ {
		buf = make([]byte, size)
		err := windows.GetAdaptersAddresses(syscall.AF_UNSPEC, windows.GAA_FLAG_SKIP_ANYCAST|windows.GAA_FLAG_SKIP_MULTICAST, 0,
			(*windows.IpAdapterAddresses)(unsafe.Pointer(&buf[0])), &size)
		if err == nil {
			break
		}
		if err != windows.ERROR_BUFFER_OVERFLOW || i == 2 {
			return nil, fmt.Errorf("GetAdaptersAddresses: %w", err)
		}
	}
	var out []string
	seen := map[string]bool{}
	for a := (*windows.IpAdapterAddresses)(unsafe.Pointer(&buf[0])); a != nil; a = a.Next {
		if a.OperStatus != windows.IfOperStatusUp {
			continue
		}
		for s := a.FirstDnsServerAddress; s != nil; s = s.Next {
			ip, ok := sockaddrAddr(s.Address.Sockaddr)
			if !ok || seen[ip.String()] {
				continue
			}
			seen[ip.String()] = true
			out = append(out, netipJoin(ip))
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no network adapter that is up has a DNS server: give one with --dns-server")
	}
	return out, nil
}

func sockaddrAddr(sa *syscall.RawSockaddrAny) (netip.Addr, bool) {
	if sa == nil {
		return netip.Addr{}, false
	}
	switch sa.Addr.Family {
	case syscall.AF_INET:
		p := (*syscall.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrFrom4(p.Addr), true
	case syscall.AF_INET6:
		p := (*syscall.RawSockaddrInet6)(unsafe.Pointer(sa))
		a := netip.AddrFrom16(p.Addr)
		// fec0:0:0:ffff::1-3 are Windows' placeholder "site-local" DNS
		// servers of an adapter without configured IPv6 DNS.
		if a.Is6() && (a.IsLinkLocalUnicast() || strings.HasPrefix(a.String(), "fec0:0:0:ffff::")) {
			return netip.Addr{}, false
		}
		return a, true
	}
	return netip.Addr{}, false
}

func netipJoin(ip netip.Addr) string { return netip.AddrPortFrom(ip, 53).String() }
