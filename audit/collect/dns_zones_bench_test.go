package collect

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/miekg/dns"

	"github.com/spntrust/spntrust/ldapx"
)

// BenchmarkZoneStore measures what the AD zones read during a collection
// cost: the heap the store keeps per DNS node (a forward A and a reverse PTR
// per host, as in the scale lab) and the time to answer a host's three
// questions from it. The store lives only until the DNS phase ends.
func BenchmarkZoneStore(b *testing.B) {
	for _, hosts := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("hosts=%d", hosts), func(b *testing.B) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			fwd := make([]ldapx.DNSNode, 0, hosts)
			rev := make([]ldapx.DNSNode, 0, hosts)
			for i := range hosts {
				name := fmt.Sprintf("sc%06d", i)
				addr := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
				fwd = append(fwd, ldapx.DNSNode{Zone: "corp.example", Name: name, Records: []ldapx.DNSRecord{{Type: ldapx.DNSTypeA, TTL: 1200, Data: addr}}})
				rev = append(rev, ldapx.DNSNode{Zone: "10.in-addr.arpa", Name: fmt.Sprintf("%d.%d.%d", i&255, i>>8&255, i>>16&255),
					Records: []ldapx.DNSRecord{{Type: ldapx.DNSTypePTR, TTL: 1200, Data: name + ".corp.example"}}})
			}
			s := newZoneStore()
			s.add("dc1", "CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example", fwd)
			s.add("dc1", "CN=MicrosoftDNS,DC=DomainDnsZones,DC=corp,DC=example", rev)
			fwd, rev = nil, nil // what the collector hands over is dropped after add
			runtime.GC()
			runtime.ReadMemStats(&after)
			perNode := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(2*hosts)
			b.ResetTimer()
			for i := range b.N {
				n := i % hosts
				if _, ok, err := s.answer(fmt.Sprintf("sc%06d.corp.example", n), dns.TypeA); !ok || err != nil {
					b.Fatal("not answered")
				}
				s.answer(fmt.Sprintf("sc%06d.corp.example", n), dns.TypeAAAA)
				s.answer(fmt.Sprintf("%d.%d.%d.10.in-addr.arpa", n&255, n>>8&255, n>>16&255), dns.TypePTR)
			}
			runtime.KeepAlive(s)
			b.ReportMetric(perNode, "heapB/node") // after ResetTimer, which drops metrics
		})
	}
}
