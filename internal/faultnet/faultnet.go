// Package faultnet starts misbehaving network servers on loopback for tests:
// an LDAP "domain controller" that accepts TCP and never answers, one that
// answers the bind and then drops the connection in the middle of a page, DNS
// servers that never answer or answer garbage, and KDCs that are unreachable
// or silent. Every server is real (a socket the code under test dials) and is
// shut down, with its connections, when the test ends.
package faultnet

import (
	"net"
	"sync"
	"testing"
	"time"
)

// tracker closes a listener and every connection it accepted on cleanup.
type tracker struct {
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
	wg     sync.WaitGroup
}

func (tr *tracker) add(c net.Conn) bool {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.closed {
		c.Close()
		return false
	}
	tr.conns = append(tr.conns, c)
	return true
}

func (tr *tracker) closeAll() {
	tr.mu.Lock()
	tr.closed = true
	for _, c := range tr.conns {
		c.Close()
	}
	tr.mu.Unlock()
}

// serveTCP accepts on l until the test ends and runs handle per connection.
func serveTCP(t testing.TB, l net.Listener, handle func(net.Conn)) {
	tr := &tracker{}
	tr.wg.Add(1)
	go func() {
		defer tr.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if !tr.add(c) {
				return
			}
			tr.wg.Add(1)
			go func() {
				defer tr.wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		tr.closeAll()
		tr.wg.Wait()
	})
}

// listen opens a TCP listener on addr ("127.0.0.1:0" for any port).
func listen(t testing.TB, addr string) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("faultnet: listen %s: %v", addr, err)
	}
	return l
}

// SilentTCP listens on addr ("127.0.0.1:0" for any free port), accepts every
// connection and never writes a byte: a DC or KDC that hangs. It returns the
// address it listens on.
func SilentTCP(t testing.TB, addr string) string {
	t.Helper()
	l := listen(t, addr)
	serveTCP(t, l, func(c net.Conn) {
		buf := make([]byte, 4096)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	})
	return l.Addr().String()
}

// ClosedPort returns an address on host where nothing listens: a port that
// was just bound and released (connections are refused).
func ClosedPort(t testing.TB, host string) string {
	t.Helper()
	l := listen(t, net.JoinHostPort(host, "0"))
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TryListen reports whether addr can be listened on (ports below 1024 need
// root or CAP_NET_BIND_SERVICE).
func TryListen(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return l.Close()
}

// ClosedPortHost returns a loopback IP on which nothing listens on port 88
// (or any port the tests use): 127.0.3.1, unused by the lab (which uses
// 127.0.0.11-13 and 127.0.1.x). It fails the test if something does listen.
func ClosedPortHost(t testing.TB) string {
	t.Helper()
	const ip = "127.0.3.1"
	if c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, "88"), time.Second); err == nil {
		c.Close()
		t.Fatalf("faultnet: something listens on %s:88; the unreachable-KDC address is taken", ip)
	}
	return ip
}
