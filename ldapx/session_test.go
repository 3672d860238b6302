package ldapx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// hostsResolver answers from a fixed table, as /etc/hosts does; other
// names are "no such host".
type hostsResolver map[string][]netip.Addr

func (h hostsResolver) LookupHost(_ context.Context, host string) ([]netip.Addr, error) {
	if a, ok := h[host]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("host %s: %w", host, ErrNotFound)
}

// srvResolver is a DNS server with SRV records and addresses.
type srvResolver struct {
	srv   map[string][]SRV
	hosts hostsResolver
}

func (s srvResolver) LookupSRV(_ context.Context, name string) ([]SRV, error) {
	if r, ok := s.srv[name]; ok {
		return r, nil
	}
	return nil, fmt.Errorf("SRV %s: %w (NXDOMAIN from 192.0.2.53:53)", name, ErrNotFound)
}

func (s srvResolver) LookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := s.hosts.LookupHost(ctx, host); err == nil {
		return a, nil
	}
	return nil, fmt.Errorf("A %s: %w (NXDOMAIN from 192.0.2.53:53)", host, ErrNotFound)
}

// fakeConn is a connection that was made.
type fakeConn struct{ dc string }

func (*fakeConn) Close() error { return nil }

// recordingConnector fails the DCs in fail and records every DC tried.
type recordingConnector struct {
	mu    sync.Mutex
	tried []string
	fail  map[string]error
}

func (r *recordingConnector) Connect(_ context.Context, dc string) (*fakeConn, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tried = append(r.tried, dc)
	if err := r.fail[dc]; err != nil {
		return nil, err
	}
	return &fakeConn{dc: dc}, nil
}

func TestSessionFailover(t *testing.T) {
	dns := srvResolver{srv: map[string][]SRV{
		"_ldap._tcp.dc._msdcs.corp.example": {
			{Target: "dc3.corp.example", Port: 389, Priority: 10},
			{Target: "dc1.corp.example", Port: 389, Priority: 0, Weight: 100},
			{Target: "dc2.corp.example", Port: 389, Priority: 0, Weight: 50},
		},
	}}
	refused := errors.New("dial tcp 10.0.0.1:389: connection refused")
	tests := []struct {
		name      string
		server    string
		fail      map[string]error
		wantTried []string
		wantDC    string
		wantErr   []string // substrings of the error, in this order
	}{
		{
			name:      "the first DC by priority and weight answers",
			wantTried: []string{"dc1.corp.example"},
			wantDC:    "dc1.corp.example",
		},
		{
			name:      "an unreachable DC is skipped for the next in SRV order",
			fail:      map[string]error{"dc1.corp.example": refused, "dc2.corp.example": refused},
			wantTried: []string{"dc1.corp.example", "dc2.corp.example", "dc3.corp.example"},
			wantDC:    "dc3.corp.example",
		},
		{
			name:      "when every DC fails the error names each one and its reason, in order",
			fail:      map[string]error{"dc1.corp.example": refused, "dc2.corp.example": errors.New("i/o timeout"), "dc3.corp.example": errors.New("TLS handshake: bad certificate")},
			wantTried: []string{"dc1.corp.example", "dc2.corp.example", "dc3.corp.example"},
			wantErr:   []string{"no DC could be used (3 tried, in order)", "dc1.corp.example: dial tcp 10.0.0.1:389: connection refused", "dc2.corp.example: i/o timeout", "dc3.corp.example: TLS handshake: bad certificate"},
		},
		{
			name: "refused credentials stop the search: the next DC would refuse them too",
			fail: map[string]error{"dc1.corp.example": &AuthError{Mechanism: MechSimple, Principal: "admin", Step: "bind",
				LDAPCode: 49, Err: errors.New("invalid credentials")}},
			wantTried: []string{"dc1.corp.example"},
			wantErr:   []string{"connect to dc1.corp.example: simple bind as admin failed at bind"},
		},
		{
			name:      "a named server is the only DC tried",
			server:    "dc9.corp.example",
			fail:      map[string]error{"dc9.corp.example": refused},
			wantTried: []string{"dc9.corp.example"},
			wantErr:   []string{"connect to the DC dc9.corp.example: dial tcp 10.0.0.1:389: connection refused"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := &recordingConnector{fail: tt.fail}
			var failed []string
			s := &Session[*fakeConn]{DNS: dns, Connector: conn, Failed: func(dc string, _ error) { failed = append(failed, dc) }}
			c, dc, err := s.Connect(context.Background(), tt.server, "corp.example")
			if strings.Join(conn.tried, ",") != strings.Join(tt.wantTried, ",") {
				t.Errorf("tried %v, want %v", conn.tried, tt.wantTried)
			}
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("connected to %s, want an error", dc)
				}
				msg, at := err.Error(), 0
				for _, w := range tt.wantErr {
					i := strings.Index(msg[at:], w)
					if i < 0 {
						t.Fatalf("error %q lacks %q (after offset %d)", msg, w, at)
					}
					at += i + len(w)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if dc != tt.wantDC || c.dc != tt.wantDC {
				t.Errorf("connected to %s (conn %s), want %s", dc, c.dc, tt.wantDC)
			}
			for _, f := range failed {
				if _, ok := tt.fail[f]; !ok {
					t.Errorf("Failed told about %s, which did not fail", f)
				}
			}
			if len(failed) != len(tt.wantTried)-1 {
				t.Errorf("Failed told about %v, want every DC before %s", failed, tt.wantDC)
			}
		})
	}
}

func TestSessionDiscoveryFailureNamesTheRecords(t *testing.T) {
	s := &Session[*fakeConn]{DNS: srvResolver{}, Connector: &recordingConnector{}}
	_, _, err := s.Connect(context.Background(), "", "corp.example")
	if err == nil || !strings.Contains(err.Error(), "_ldap._tcp.dc._msdcs.corp.example") || !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want the SRV name asked and ErrNotFound", err)
	}
}

// refusingDialer records the addresses dialled and refuses them all, so
// the test sees which address a name became without opening a socket.
type refusingDialer struct {
	mu   sync.Mutex
	addr []string
}

func (d *refusingDialer) DialContext(_ context.Context, _, addr string) (net.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.addr = append(d.addr, addr)
	return nil, fmt.Errorf("dial tcp %s: connection refused", addr)
}

func TestSessionDialsDCNamesThroughTheSystemResolver(t *testing.T) {
	etcHosts := hostsResolver{"dc1.lab.test": {netip.MustParseAddr("127.0.0.11")}}
	dnsServer := srvResolver{
		srv: map[string][]SRV{"_ldap._tcp.dc._msdcs.lab.test": {
			{Target: "dc1.lab.test", Port: 389},
			{Target: "dc2.lab.test", Port: 389, Priority: 5},
		}},
		hosts: hostsResolver{"dc2.lab.test": {netip.MustParseAddr("127.0.0.12")}, "dc1.lab.test": {netip.MustParseAddr("192.0.2.1")}},
	}
	tests := []struct {
		name     string
		server   string
		dns      HostResolver // the chosen DNS server's fallback; nil: none chosen
		wantDial []string
		wantErr  []string
	}{
		{
			name:     "a --server name only /etc/hosts knows is dialled at its /etc/hosts address",
			server:   "dc1.lab.test",
			wantDial: []string{"127.0.0.11:389"},
		},
		{
			name:     "/etc/hosts wins over the chosen DNS server for a name both know",
			server:   "dc1.lab.test",
			dns:      dnsServer,
			wantDial: []string{"127.0.0.11:389"},
		},
		{
			name:     "an SRV target the system does not know is dialled at the chosen DNS server's answer",
			dns:      dnsServer,
			wantDial: []string{"127.0.0.11:389", "127.0.0.12:389"},
		},
		{
			name:     "an IP address is dialled as given, with its port",
			server:   "127.0.0.13:3268",
			wantDial: []string{"127.0.0.13:3268"},
		},
		{
			name:    "a name no resolver knows says what was asked of whom and what to do",
			server:  "dc7.lab.test",
			dns:     dnsServer,
			wantErr: []string{"the DC name dc7.lab.test does not resolve", "asked the system resolver (/etc/hosts", "DNS name not found", "asked the DNS server 192.0.2.53:53: A dc7.lab.test", "NXDOMAIN from 192.0.2.53:53", "give --dns-server"},
		},
		{
			name:    "without a chosen DNS server only the system resolver is asked",
			server:  "dc7.lab.test",
			wantErr: []string{"the DC name dc7.lab.test does not resolve", "asked the system resolver", "give --dns-server"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dialer := &refusingDialer{}
			names := DCResolver{System: etcHosts, DNS: tt.dns, DNSLabel: "DNS server 192.0.2.53:53",
				Hint: "give --dns-server with the IP of a DNS server of the domain, or the DC's IP address"}
			s := &Session[*Conn]{DNS: dnsServer, Connector: DialBinder{Options: Options{HostResolver: names, Dialer: dialer, Resolver: dnsServer}}}
			_, _, err := s.Connect(context.Background(), tt.server, "lab.test")
			if err == nil {
				t.Fatal("connected through a dialer that refuses everything")
			}
			if strings.Join(dialer.addr, ",") != strings.Join(tt.wantDial, ",") {
				t.Errorf("dialled %v, want %v (error: %v)", dialer.addr, tt.wantDial, err)
			}
			if tt.wantErr == nil {
				return
			}
			var ue *UnresolvedError
			if !errors.As(err, &ue) || ue.Name != tt.server {
				t.Errorf("err = %v, want an UnresolvedError for %s", err, tt.server)
			}
			if strings.Count(err.Error(), "asked the ") != 1+btoi(tt.dns != nil) {
				t.Errorf("error %q: want one answer per resolver asked", err)
			}
			msg, at := err.Error(), 0
			for _, w := range tt.wantErr {
				i := strings.Index(msg[at:], w)
				if i < 0 {
					t.Fatalf("error %q lacks %q (after offset %d)", msg, w, at)
				}
				at += i + len(w)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
