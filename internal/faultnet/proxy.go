package faultnet

import (
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ProxyMode is how a Proxy treats its connections.
type ProxyMode int32

// Proxy modes.
const (
	// ProxyForward copies bytes both ways between the client and the target.
	ProxyForward ProxyMode = iota
	// ProxySilent keeps every connection open and forwards nothing more,
	// either way; new connections are accepted and never answered: a DC
	// that hangs (its process stopped, a network path that drops packets).
	ProxySilent
	// ProxyDrop closes every connection and each new one at once: a DC
	// whose service went away.
	ProxyDrop
)

func (m ProxyMode) String() string {
	switch m {
	case ProxyForward:
		return "forward"
	case ProxySilent:
		return "silent"
	case ProxyDrop:
		return "drop"
	}
	return fmt.Sprintf("ProxyMode(%d)", int32(m))
}

// Proxy is a TCP proxy in front of a real server (a lab DC's LDAPS port,
// say) whose behaviour can be changed while clients use it: forward, go
// silent, drop. TLS passes through untouched, so the client verifies the
// real server's certificate. Unlike the fake servers of this package it
// needs no testing.TB: bench tools run it too (bench/faultproxy).
type Proxy struct {
	Addr   string // the address it listens on
	target string
	l      net.Listener
	mode   atomic.Int32
	// toClient counts the bytes forwarded from the target to clients
	// (every connection); silentAfter > 0 switches to ProxySilent once that
	// many were forwarded (the chunk that crosses it is cut there).
	toClient    atomic.Int64
	silentAfter atomic.Int64
	changed     func(ProxyMode, int64)

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// NewProxy listens on listen and forwards each connection to target.
// changed, when set, is told of every mode change with the bytes forwarded
// to clients by then.
func NewProxy(listen, target string, changed func(ProxyMode, int64)) (*Proxy, error) {
	l, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("fault proxy: listen %s: %w", listen, err)
	}
	p := &Proxy{Addr: l.Addr().String(), target: target, l: l, conns: map[net.Conn]struct{}{}, changed: changed}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Mode is the current mode.
func (p *Proxy) Mode() ProxyMode { return ProxyMode(p.mode.Load()) }

// SetMode changes the mode; ProxyDrop closes every open connection.
func (p *Proxy) SetMode(m ProxyMode) {
	if ProxyMode(p.mode.Swap(int32(m))) == m {
		return
	}
	if m == ProxyDrop {
		p.mu.Lock()
		for c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	}
	if p.changed != nil {
		p.changed(m, p.toClient.Load())
	}
}

// SilentAfter makes the proxy go silent once n bytes (n > 0) have been
// forwarded from the target to clients, counted from its start: mid-answer,
// as a DC that hangs while it sends a page.
func (p *Proxy) SilentAfter(n int64) { p.silentAfter.Store(n) }

// Forwarded is the number of bytes forwarded from the target to clients.
func (p *Proxy) Forwarded() int64 { return p.toClient.Load() }

// Close stops listening and closes every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	err := p.l.Close()
	p.wg.Wait()
	return err
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.untrack(c)
			p.serve(c)
		}()
	}
}

func (p *Proxy) serve(client net.Conn) {
	switch p.Mode() {
	case ProxyDrop:
		return
	case ProxySilent:
		_, _ = io.Copy(io.Discard, client) // until the client gives up
		return
	}
	server, err := net.DialTimeout("tcp", p.target, 10*time.Second)
	if err != nil {
		return
	}
	if !p.track(server) {
		return
	}
	defer p.untrack(server)
	done := make(chan struct{}, 2)
	go func() { p.pipe(server, client, false); done <- struct{}{} }()
	go func() { p.pipe(client, server, true); done <- struct{}{} }()
	<-done
	// One side ended: end both (in silent mode the other side is held open
	// until its peer closes it, which is what a hung server looks like).
	if p.Mode() != ProxySilent {
		client.Close()
		server.Close()
	}
	<-done
}

// pipe copies from src to dst while the mode is ProxyForward; in
// ProxySilent it reads and discards (nothing reaches dst); toClient marks
// the target-to-client direction, which is counted.
func (p *Proxy) pipe(dst, src net.Conn, toClient bool) {
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 && p.Mode() == ProxyForward {
			chunk := buf[:n]
			if toClient {
				if lim := p.silentAfter.Load(); lim > 0 {
					sent := p.toClient.Load()
					if sent+int64(len(chunk)) >= lim {
						chunk = chunk[:max(0, lim-sent)]
						p.toClient.Add(int64(len(chunk)))
						if len(chunk) > 0 {
							_, _ = dst.Write(chunk)
						}
						p.SetMode(ProxySilent)
						continue
					}
				}
				p.toClient.Add(int64(len(chunk)))
			}
			if _, werr := dst.Write(chunk); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
