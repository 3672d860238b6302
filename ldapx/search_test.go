package ldapx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// pagedServer serves searches over n entries in pages, like a DC, and
// finishes the last page with finalCode (0 = success).
type pagedServer struct {
	n         int
	finalCode int64
	referral  string

	mu       sync.Mutex
	requests []uint32 // page size of every search request seen
}

func (s *pagedServer) serve(t *testing.T, conn net.Conn) {
	defer conn.Close()
	for {
		req, err := ber.ReadPacket(conn)
		if err != nil {
			return
		}
		if len(req.Children) < 2 || req.Children[1].Tag != ldap.ApplicationSearchRequest {
			continue // unbind, abandon
		}
		id := req.Children[0].Value.(int64)
		var paging *ldap.ControlPaging
		if len(req.Children) > 2 {
			c, err := ldap.DecodeControl(req.Children[2].Children[0])
			if err == nil {
				paging, _ = c.(*ldap.ControlPaging)
			}
		}
		if paging == nil {
			t.Errorf("search without paging control")
			return
		}
		s.mu.Lock()
		s.requests = append(s.requests, paging.PagingSize)
		s.mu.Unlock()
		start := 0
		if len(paging.Cookie) > 0 {
			start, _ = strconv.Atoi(string(paging.Cookie))
		}
		var out []byte
		code := int64(0)
		next := ""
		if paging.PagingSize > 0 {
			end := start + int(paging.PagingSize)
			if end >= s.n {
				end = s.n
				code = s.finalCode
			} else {
				next = strconv.Itoa(end)
			}
			for i := start; i < end; i++ {
				out = append(out, searchEntry(id, fmt.Sprintf("CN=e%d,DC=lab,DC=test", i), "cn", fmt.Sprintf("e%d", i)).Bytes()...)
			}
			if s.referral != "" && next == "" {
				ref := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Response")
				ref.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
				r := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchResultReference, nil, "Reference")
				r.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, s.referral, "URI"))
				ref.AppendChild(r)
				out = append(out, ref.Bytes()...)
			}
		}
		done := ldapResult(id, ldap.ApplicationSearchResultDone, code)
		ctrls := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "Controls")
		pc := ldap.NewControlPaging(0)
		pc.SetCookie([]byte(next))
		ctrls.AppendChild(pc.Encode())
		done.AppendChild(ctrls)
		out = append(out, done.Bytes()...)
		if _, err := conn.Write(out); err != nil {
			return
		}
	}
}

func pagedConn(t *testing.T, s *pagedServer) *Conn {
	a, b := net.Pipe()
	go s.serve(t, b)
	lc := newLayerConn(a)
	l := ldap.NewConn(lc, false)
	l.Start()
	l.SetTimeout(5 * time.Second)
	c := &Conn{l: l, layer: lc}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestSearchStreamsEveryPage(t *testing.T) {
	s := &pagedServer{n: 2503}
	c := pagedConn(t, s)
	seen := map[string]bool{}
	st, err := c.Search(context.Background(), SearchRequest{BaseDN: "DC=lab,DC=test", Scope: ScopeSubtree, Filter: "(cn=*)", Attributes: []string{"cn"}},
		func(e *Entry) error { seen[e.Value("cn")] = true; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries != 2503 || len(seen) != 2503 || st.Pages != 3 {
		t.Fatalf("stats %+v, %d distinct entries", st, len(seen))
	}
	for _, size := range s.requests {
		if size != DefaultPageSize {
			t.Fatalf("page size %d requested, want %d", size, DefaultPageSize)
		}
	}
}

func TestSearchStopsWhenTheCallbackFailsAndReleasesThePagedResult(t *testing.T) {
	s := &pagedServer{n: 50}
	c := pagedConn(t, s)
	stop := errors.New("stop here")
	n := 0
	_, err := c.Search(context.Background(), SearchRequest{BaseDN: "DC=lab,DC=test", Filter: "(cn=*)", Attributes: []string{"cn"}, PageSize: 10},
		func(e *Entry) error {
			n++
			if n == 15 {
				return stop
			}
			return nil
		})
	if !errors.Is(err, stop) || n != 15 {
		t.Fatalf("err %v after %d entries", err, n)
	}
	// The connection still works, and the server was told to drop the result (page size 0).
	if _, err := c.Search(context.Background(), SearchRequest{BaseDN: "DC=lab,DC=test", Filter: "(cn=*)", Attributes: []string{"cn"}, PageSize: 100},
		func(*Entry) error { return nil }); err != nil {
		t.Fatalf("connection unusable after an early stop: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if fmt.Sprint(s.requests) != "[10 10 0 100]" {
		t.Fatalf("page sizes requested: %v, want [10 10 0 100]", s.requests)
	}
}

func TestSearchReportsPartialResults(t *testing.T) {
	cases := []struct {
		name     string
		server   *pagedServer
		reason   string
		code     uint16
		entries  int
		referral bool
	}{
		{"size limit", &pagedServer{n: 5, finalCode: ldap.LDAPResultSizeLimitExceeded}, "size limit", ldap.LDAPResultSizeLimitExceeded, 5, false},
		{"referral result", &pagedServer{n: 2, finalCode: ldap.LDAPResultReferral}, "referral", ldap.LDAPResultReferral, 2, false},
		{"time limit", &pagedServer{n: 1, finalCode: ldap.LDAPResultTimeLimitExceeded}, "time limit", ldap.LDAPResultTimeLimitExceeded, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := pagedConn(t, tc.server)
			n := 0
			st, err := c.Search(context.Background(), SearchRequest{BaseDN: "DC=lab,DC=test", Filter: "(cn=*)", Attributes: []string{"cn"}},
				func(*Entry) error { n++; return nil })
			var pe *PartialError
			if !errors.As(err, &pe) || pe.LDAPCode != tc.code || !strings.Contains(pe.Error(), tc.reason) {
				t.Fatalf("want PartialError %q (%d), got %v", tc.reason, tc.code, err)
			}
			if n != tc.entries || st.Entries != tc.entries {
				t.Fatalf("%d entries delivered, stats %+v", n, st)
			}
		})
	}
}

func TestSearchCollectsContinuationReferences(t *testing.T) {
	c := pagedConn(t, &pagedServer{n: 3, referral: "ldap://lab.test/DC=DomainDnsZones,DC=lab,DC=test"})
	st, err := c.Search(context.Background(), SearchRequest{BaseDN: "DC=lab,DC=test", Filter: "(cn=*)", Attributes: []string{"cn"}},
		func(*Entry) error { return nil })
	if err != nil || st.Entries != 3 || len(st.Referrals) != 1 || !strings.Contains(st.Referrals[0], "DomainDnsZones") {
		t.Fatalf("stats %+v err %v", st, err)
	}
}

func TestSearchNeedsAttributesAndAHealthyContext(t *testing.T) {
	c := pagedConn(t, &pagedServer{n: 1})
	if _, err := c.Search(context.Background(), SearchRequest{BaseDN: "DC=x"}, func(*Entry) error { return nil }); err == nil {
		t.Fatal("search without attributes accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Search(ctx, SearchRequest{BaseDN: "DC=x", Attributes: []string{"cn"}}, func(*Entry) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

func TestSearchFailsWhenTheServerGoesAway(t *testing.T) {
	a, b := net.Pipe()
	go func() {
		ber.ReadPacket(b) // read the request, answer half an entry, hang up
		b.Write(searchEntry(1, "CN=x", "cn", "x").Bytes()[:7])
		b.Close()
	}()
	lc := newLayerConn(a)
	l := ldap.NewConn(lc, false)
	l.Start()
	l.SetTimeout(2 * time.Second)
	c := &Conn{l: l, layer: lc}
	defer c.Close()
	_, err := c.Search(context.Background(), SearchRequest{BaseDN: "DC=x", Filter: "(cn=*)", Attributes: []string{"cn"}}, func(*Entry) error { return nil })
	if err == nil {
		t.Fatal("a search cut off mid-entry reported success")
	}
}
