package faultnet

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// echoServer answers every read with the same bytes, 10 times over.
func echoServer(t *testing.T) string {
	l := listen(t, "127.0.0.1:0")
	serveTCP(t, l, func(c net.Conn) {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			if _, err := c.Write(bytes.Repeat(buf[:n], 10)); err != nil {
				return
			}
		}
	})
	return l.Addr().String()
}

func newTestProxy(t *testing.T) *Proxy {
	t.Helper()
	p, err := NewProxy("127.0.0.1:0", echoServer(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func dialProxy(t *testing.T, p *Proxy) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestProxyForwardsThenGoesSilentMidAnswer(t *testing.T) {
	p := newTestProxy(t)
	p.SilentAfter(25)
	c := dialProxy(t, p)
	if _, err := c.Write([]byte("ab")); err != nil { // 20 bytes back: under the limit
		t.Fatal(err)
	}
	got := make([]byte, 20)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "abababababababababab" {
		t.Fatalf("forwarded %q, %v", got, err)
	}
	if _, err := c.Write([]byte("cd")); err != nil { // 20 more: only 5 pass, then silence
		t.Fatal(err)
	}
	got = make([]byte, 5)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "cdcdc" {
		t.Fatalf("before the cut %q, %v", got, err)
	}
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	n, err := c.Read(make([]byte, 10))
	if ne, ok := err.(net.Error); n != 0 || !ok || !ne.Timeout() {
		t.Errorf("after the cut read %d bytes, err %v: want nothing and the connection still open", n, err)
	}
	if p.Mode() != ProxySilent || p.Forwarded() != 25 {
		t.Errorf("mode %v, forwarded %d; want silent after 25", p.Mode(), p.Forwarded())
	}
	// a new connection is accepted and never answered
	c2 := dialProxy(t, p)
	c2.Write([]byte("x"))
	c2.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := c2.Read(make([]byte, 10)); n != 0 || err == nil {
		t.Errorf("a new connection to a silent proxy got %d bytes, %v", n, err)
	}
}

func TestProxyDropClosesConnections(t *testing.T) {
	p := newTestProxy(t)
	c := dialProxy(t, p)
	c.Write([]byte("a"))
	if _, err := io.ReadFull(c, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	p.SetMode(ProxyDrop)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("connection still open after ProxyDrop")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Error("connection not closed after ProxyDrop (read timed out)")
	}
	c2 := dialProxy(t, p)
	c2.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c2.Read(make([]byte, 1)); err == nil {
		t.Error("a new connection to a dropping proxy was not closed")
	}
}
