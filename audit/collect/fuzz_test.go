package collect

import (
	"context"
	"errors"
	"testing"

	"github.com/miekg/dns"

	"github.com/spntrust/spntrust/audit"
)

// byteZone answers every query with the same message, decoded from fuzzer
// bytes: whatever a hostile or broken DNS server sends.
type byteZone struct {
	msg *dns.Msg
	err error
	n   int
}

func (z *byteZone) Query(_ context.Context, _ string, _ uint16) (*dns.Msg, error) {
	z.n++
	if z.err != nil {
		return nil, z.err
	}
	return z.msg.Copy(), nil
}

func packed(t testing.TB, q string, answers ...string) []byte {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(q), dns.TypeA)
	m.Response = true
	for _, a := range answers {
		r, err := dns.NewRR(a)
		if err != nil {
			t.Fatal(err)
		}
		m.Answer = append(m.Answer, r)
	}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzLookupHost feeds a DNS answer built from arbitrary bytes (through
// dns.Msg.Unpack, as the resolver would) and an arbitrary host name to the
// host and SRV lookups. They must never panic or loop, and what they record
// must be a snapshot that saves and loads.
func FuzzLookupHost(f *testing.F) {
	f.Add(packed(f, "web01.lab.test", "web01.lab.test. 60 IN A 127.0.1.10"), "web01.lab.test", "lab.test")
	f.Add(packed(f, "portal.lab.test", "portal.lab.test. 60 IN CNAME app04.lab.test.", "app04.lab.test. 60 IN A 127.0.1.4"), "portal.lab.test", "")
	f.Add(packed(f, "loop.lab.test", "loop.lab.test. 60 IN CNAME loop2.lab.test.", "loop2.lab.test. 60 IN CNAME loop.lab.test."), "loop.lab.test", "")
	f.Add(packed(f, "mp01", "mp01.lab.test. 60 IN AAAA ::1", "mp01.lab.test. 60 IN A 0.0.0.0"), "MP01", "Lab.Test.")
	f.Add(packed(f, "x", "10.1.0.127.in-addr.arpa. 60 IN PTR web01.lab.test.", "x. 1 IN SRV 0 0 389 dc1.lab.test."), "x", "")
	f.Add([]byte{0, 0, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0}, ".", "")
	f.Add([]byte("garbage"), "", "")
	f.Fuzz(func(t *testing.T, raw []byte, host, suffix string) {
		z := &byteZone{msg: new(dns.Msg)}
		if err := z.msg.Unpack(raw); err != nil {
			z.err = errors.New("unpack: " + err.Error())
		}
		ctx := context.Background()
		isNX := func(err error) bool { return false }
		h := LookupHost(ctx, z, HostQuery{Name: host, Suffix: suffix}, isNX)
		if max := maxCNAMEHops + 3 + len(h.A) + len(h.AAAA); z.n > max {
			t.Fatalf("LookupHost asked %d questions for one host", z.n)
		}
		if h.Status == audit.DNSOK && len(h.A)+len(h.AAAA) == 0 {
			t.Fatalf("status ok without an address: %+v", h)
		}
		srv := LookupSRV(ctx, z, "_ldap._tcp."+host, isNX)
		snap := &audit.Snapshot{SchemaVersion: audit.SchemaVersion, DNS: audit.DNS{Hosts: []audit.HostLookup{h}, SRV: []audit.SRVLookup{srv}}}
		if h.Name == "" {
			snap.DNS.Hosts = nil // CollectDNS drops empty names
		}
		data, err := audit.Marshal(snap)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Unmarshal(data); err != nil {
			t.Fatalf("a snapshot recording this DNS answer does not load: %v", err)
		}
	})
}
