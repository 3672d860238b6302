package collect

import (
	"context"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/spntrust/spntrust/audit"
)

// countingQuerier counts the questions asked per name and type.
type countingQuerier struct {
	DNSQuerier
	mu    sync.Mutex
	asked map[string]int
}

func (c *countingQuerier) Query(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	c.mu.Lock()
	c.asked[dns.TypeToString[qtype]+" "+name]++
	c.mu.Unlock()
	return c.DNSQuerier.Query(ctx, name, qtype)
}

func TestPrefetchedHostsAreNotAskedAgain(t *testing.T) {
	z := zone{rrs: []dns.RR{
		rr("mp01.lab.test. 60 IN A 127.0.1.21"),
		rr("portal.lab.test. 60 IN CNAME app04.lab.test."), rr("app04.lab.test. 60 IN A 127.0.1.24"),
	}}
	q := &countingQuerier{DNSQuerier: z, asked: map[string]int{}}
	ctx := context.Background()
	p := startHostPrefetch(ctx, q, isNX, 3)
	// As accounts stream in: the short and full forms of one host, twice.
	for _, h := range []HostQuery{{Name: "mp01", Suffix: "lab.test"}, {Name: "MP01.lab.test"}, {Name: "mp01.lab.test"}, {Name: "portal.lab.test"}, {Name: "ghost.lab.test"}} {
		p.add(h)
	}
	seen, known := p.finish()
	if len(seen) != 4 {
		t.Errorf("hosts recorded = %+v, want the 4 distinct names", seen)
	}
	got := collectDNS(ctx, q, isNX, []HostQuery{{Name: "mp01", Suffix: "lab.test"}, {Name: "mp01.lab.test"}, {Name: "portal.lab.test"}, {Name: "ghost.lab.test"}}, nil, 3, known)

	if n := q.asked["A mp01.lab.test"]; n != 1 {
		t.Errorf("A mp01.lab.test asked %d times, want once", n)
	}
	if n := q.asked["A ghost.lab.test"]; n != 1 {
		t.Errorf("an NXDOMAIN answer is final: A ghost.lab.test asked %d times, want once", n)
	}
	if len(got.Hosts) != 4 {
		t.Fatalf("hosts = %+v", got.Hosts)
	}
	for _, h := range got.Hosts {
		switch h.Name {
		case "mp01":
			if h.QueriedAs != "mp01.lab.test" || len(h.A) != 1 {
				t.Errorf("short name: %+v", h)
			}
		case "portal.lab.test":
			if h.Canonical != "app04.lab.test" {
				t.Errorf("CNAME: %+v", h)
			}
		case "ghost.lab.test":
			if h.Status != audit.DNSNXDomain {
				t.Errorf("ghost: %+v", h)
			}
		}
	}
}
