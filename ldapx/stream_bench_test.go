package ldapx

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// Issue 10: the collector's memory must grow with the SPN accounts it keeps,
// not with the objects it reads. These benchmarks stream N computer accounts
// (objectClass, objectSid, four SPNs, times, …: the attributes a DC returns
// for SPNAccountAttributes) through ReadSPNAccounts from an in-process paging
// server, and either drop each parsed account or keep it. Reported per entry:
// the heap still held after the search (retained-B/entry) and the peak heap
// during it (peak-heap-MiB). Dropping, the peak stays flat as N grows (one
// page in flight); keeping, both grow linearly with what is kept.
//
//	go test ./ldapx -run '^$' -bench BenchmarkReadSPNAccountsMemory -benchtime 1x

// spnServer serves n SPN-account entries like a DC: in pages when asked
// for them, else all in one search (as Samba does), written a thousand at
// a time.
type spnServer struct{ n int }

func (s *spnServer) serve(conn net.Conn) {
	defer conn.Close()
	for {
		req, err := ber.ReadPacket(conn)
		if err != nil {
			return
		}
		if len(req.Children) < 2 || req.Children[1].Tag != ldap.ApplicationSearchRequest {
			continue
		}
		id := req.Children[0].Value.(int64)
		var paging *ldap.ControlPaging
		if len(req.Children) > 2 {
			if c, err := ldap.DecodeControl(req.Children[2].Children[0]); err == nil {
				paging, _ = c.(*ldap.ControlPaging)
			}
		}
		start, end := 0, s.n
		if paging != nil {
			if len(paging.Cookie) > 0 {
				start, _ = strconv.Atoi(string(paging.Cookie))
			}
			end = min(start+int(paging.PagingSize), s.n)
			if paging.PagingSize == 0 {
				end = start
			}
		}
		var out []byte
		for i := start; i < end; i++ {
			out = append(out, spnAccountEntry(id, i).Bytes()...)
			if len(out) > 1<<20 {
				if _, err := conn.Write(out); err != nil {
					return
				}
				out = out[:0]
			}
		}
		done := ldapResult(id, ldap.ApplicationSearchResultDone, 0)
		if paging != nil {
			next := ""
			if end < s.n {
				next = strconv.Itoa(end)
			}
			ctrls := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "Controls")
			pc := ldap.NewControlPaging(0)
			pc.SetCookie([]byte(next))
			ctrls.AppendChild(pc.Encode())
			done.AppendChild(ctrls)
		}
		out = append(out, done.Bytes()...)
		if _, err := conn.Write(out); err != nil {
			return
		}
	}
}

// spnAccountEntry is computer i as a DC returns it.
func spnAccountEntry(id int64, i int) *ber.Packet {
	name := fmt.Sprintf("ws%06d", i)
	fqdn := name + ".corp.example"
	sid := make([]byte, 28)
	sid[0], sid[1], sid[7] = 1, 5, 5
	binary.LittleEndian.PutUint32(sid[8:], 21)
	binary.LittleEndian.PutUint32(sid[24:], uint32(10000+i))
	attrs := []struct {
		name string
		vals [][]byte
	}{
		{"sAMAccountName", [][]byte{[]byte(name + "$")}},
		{"objectSid", [][]byte{sid}},
		{"objectClass", [][]byte{[]byte("top"), []byte("person"), []byte("organizationalPerson"), []byte("user"), []byte("computer")}},
		{"sAMAccountType", [][]byte{[]byte("805306369")}},
		{"userAccountControl", [][]byte{[]byte("4096")}},
		{"pwdLastSet", [][]byte{[]byte("134061120000000000")}},
		{"lastLogonTimestamp", [][]byte{[]byte("134061120000000000")}},
		{"accountExpires", [][]byte{[]byte("9223372036854775807")}},
		{"msDS-SupportedEncryptionTypes", [][]byte{[]byte("28")}},
		{"servicePrincipalName", [][]byte{[]byte("HOST/" + name), []byte("HOST/" + fqdn), []byte("RestrictedKrbHost/" + name), []byte("RestrictedKrbHost/" + fqdn)}},
		{"dNSHostName", [][]byte{[]byte(fqdn)}},
	}
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Response")
	p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
	e := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchResultEntry, nil, "Entry")
	e.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString,
		"CN="+name+",OU=Computers,DC=corp,DC=example", "DN"))
	list := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attributes")
	for _, a := range attrs {
		at := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attribute")
		at.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, a.name, "Type"))
		vals := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "Values")
		for _, v := range a.vals {
			vals.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, string(v), "Value"))
		}
		at.AppendChild(vals)
		list.AppendChild(at)
	}
	e.AppendChild(list)
	p.AppendChild(e)
	return p
}

func spnServerConn(b *testing.B, n int, paging Paging) *Conn {
	a, srv := net.Pipe()
	go (&spnServer{n: n}).serve(srv)
	lc := newLayerConn(a)
	l := ldap.NewConn(lc, false)
	l.Start()
	l.SetTimeout(time.Minute)
	c := &Conn{l: l, layer: lc, opts: Options{Paging: paging}}
	b.Cleanup(func() { c.Close() })
	return c
}

// heapInUse is the heap in objects (live, or dead and not yet swept).
func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func BenchmarkReadSPNAccountsMemory(b *testing.B) {
	for _, paging := range []Paging{PagingAlways, PagingWhenCapped} {
		for _, keep := range []string{"drop", "keep-1-in-10", "keep-all"} {
			for _, n := range []int{10_000, 100_000} {
				benchReadSPNAccountsMemory(b, paging, keep, n)
			}
		}
	}
}

func benchReadSPNAccountsMemory(b *testing.B, paging Paging, keep string, n int) {
	b.Run(fmt.Sprintf("paging=%s/%s/%dk", paging, keep, n/1000), func(b *testing.B) {
		var kept []SPNAccount
		for i := 0; i < b.N; i++ {
			kept = nil
			c := spnServerConn(b, n, paging)
			runtime.GC()
			base := heapInUse()
			// Sample the heap while the search streams.
			var peak uint64
			stop := make(chan struct{})
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				t := time.NewTicker(time.Millisecond)
				defer t.Stop()
				for {
					peak = max(peak, heapInUse())
					select {
					case <-stop:
						return
					case <-t.C:
					}
				}
			}()
			read := 0
			st, err := c.ReadSPNAccounts(context.Background(), "DC=corp,DC=example", func(a SPNAccount) error {
				read++
				switch {
				case keep == "keep-all", keep == "keep-1-in-10" && read%10 == 0:
					kept = append(kept, a)
				}
				return nil
			})
			close(stop)
			<-sampled
			if err != nil || st.Entries != n {
				b.Fatalf("read %d entries, err %v", st.Entries, err)
			}
			runtime.GC()
			retained := int64(heapInUse()) - int64(base)
			b.ReportMetric(float64(retained)/float64(n), "retained-B/entry")
			b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(len(kept)), "kept")
		}
		runtime.KeepAlive(kept)
	})
}
