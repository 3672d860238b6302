package faultnet

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// DNSMode is how a DNS server misbehaves.
type DNSMode int

// DNS behaviours.
const (
	// DNSSilent reads queries and never answers: every query times out.
	DNSSilent DNSMode = iota
	// DNSGarbage answers every query with bytes that are not a DNS message
	// (but carry the query's ID, so a client reads them as its answer).
	DNSGarbage
	// DNSZone answers from Zone: A records for the names it lists,
	// NXDOMAIN for the rest. SRV names in SRV get SRV answers.
	DNSZone
)

// DNSServer is a UDP and TCP DNS server on loopback.
type DNSServer struct {
	Addr string // 127.0.0.1:port, UDP and TCP
	Mode DNSMode
	// Zone maps a lower-case name (no trailing dot) to IPv4 addresses.
	Zone map[string][]string
	// SRV maps a lower-case SRV name to "target:port" values.
	SRV map[string][]string

	mu      sync.Mutex
	queries int
}

// Queries returns how many queries arrived.
func (s *DNSServer) Queries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries
}

// StartDNS starts a DNS server in the given mode on a free loopback port.
func StartDNS(t testing.TB, mode DNSMode) *DNSServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("faultnet: DNS listen: %v", err)
	}
	addr := pc.LocalAddr().String()
	l := listen(t, addr) // TCP on the same port, for truncated answers
	s := &DNSServer{Addr: addr, Mode: mode, Zone: map[string][]string{}, SRV: map[string][]string{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65535)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if out := s.answer(buf[:n]); out != nil {
				pc.WriteTo(out, from)
			}
		}
	}()
	t.Cleanup(func() { pc.Close(); <-done })
	serveTCP(t, l, func(c net.Conn) {
		for {
			var l [2]byte
			if _, err := readFull(c, l[:]); err != nil {
				return
			}
			q := make([]byte, int(l[0])<<8|int(l[1]))
			if _, err := readFull(c, q); err != nil {
				return
			}
			out := s.answer(q)
			if out == nil {
				continue
			}
			c.Write(append([]byte{byte(len(out) >> 8), byte(len(out))}, out...))
		}
	})
	return s
}

func readFull(c net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := c.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// answer returns the reply to one query, or nil for none.
func (s *DNSServer) answer(q []byte) []byte {
	s.mu.Lock()
	s.queries++
	s.mu.Unlock()
	switch s.Mode {
	case DNSSilent:
		return nil
	case DNSGarbage:
		if len(q) < 2 {
			return nil
		}
		// The query's ID, a response flag, then counts that promise
		// records the message does not hold.
		return append([]byte{q[0], q[1], 0x81, 0x80, 0, 1, 0, 9, 0, 0, 0, 0}, []byte("\x03not\x01a\x07message")...)
	}
	req := new(dns.Msg)
	if err := req.Unpack(q); err != nil || len(req.Question) != 1 {
		return nil
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	question := req.Question[0]
	name := strings.TrimSuffix(strings.ToLower(question.Name), ".")
	s.mu.Lock()
	addrs, hasA := s.Zone[name]
	srvs, hasSRV := s.SRV[name]
	s.mu.Unlock()
	switch {
	case hasA:
		if question.Qtype == dns.TypeA {
			for _, a := range addrs {
				ip, err := netip.ParseAddr(a)
				if err != nil || !ip.Is4() {
					continue
				}
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IP(ip.AsSlice())})
			}
		}
	case hasSRV:
		if question.Qtype == dns.TypeSRV {
			for _, v := range srvs {
				host, port, _ := net.SplitHostPort(v)
				p := 0
				for _, ch := range port {
					p = p*10 + int(ch-'0')
				}
				m.Answer = append(m.Answer, &dns.SRV{Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeSRV, Class: dns.ClassINET, Ttl: 60},
					Priority: 0, Weight: 100, Port: uint16(p), Target: dns.Fqdn(host)})
			}
		}
	default:
		m.Rcode = dns.RcodeNameError
	}
	out, err := m.Pack()
	if err != nil {
		return nil
	}
	return out
}
