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

// pagedServer serves searches over n entries like a DC: in pages when the
// client asks for them, finishing the last page with finalCode (0 =
// success); unpaged, either in full (as Samba does) or, with maxPageSize,
// like a Windows DC: that many entries and then capCode (default
// sizeLimitExceeded).
type pagedServer struct {
	n         int
	finalCode int64
	referral  string
	// maxPageSize caps unpaged searches (0: answer them in full).
	maxPageSize int
	capCode     int64
	// reversePages serves paged searches from the last entry to the first,
	// so that pages do not hold what the capped unpaged search did.
	reversePages bool

	mu       sync.Mutex
	requests []string // page size of every search request seen, "all" if unpaged
}

func entryDN(i int) string { return fmt.Sprintf("CN=e%d,DC=lab,DC=test", i) }

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
		var out []byte
		entry := func(i int) {
			if s.reversePages && paging != nil {
				i = s.n - 1 - i
			}
			out = append(out, searchEntry(id, entryDN(i), "cn", fmt.Sprintf("e%d", i)).Bytes()...)
		}
		if paging == nil {
			s.mu.Lock()
			s.requests = append(s.requests, "all")
			s.mu.Unlock()
			code, end := s.finalCode, s.n
			if s.maxPageSize > 0 && s.n > s.maxPageSize {
				code, end = ldap.LDAPResultSizeLimitExceeded, s.maxPageSize
				if s.capCode != 0 {
					code = s.capCode
				}
			}
			for i := range end {
				entry(i)
			}
			out = append(out, ldapResult(id, ldap.ApplicationSearchResultDone, code).Bytes()...)
			if _, err := conn.Write(out); err != nil {
				return
			}
			continue
		}
		s.mu.Lock()
		s.requests = append(s.requests, strconv.Itoa(int(paging.PagingSize)))
		s.mu.Unlock()
		start := 0
		if len(paging.Cookie) > 0 {
			start, _ = strconv.Atoi(string(paging.Cookie))
		}
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
				entry(i)
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

func (s *pagedServer) seen() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprint(s.requests)
}

func pagedConn(t *testing.T, s *pagedServer, paging Paging) *Conn {
	a, b := net.Pipe()
	go s.serve(t, b)
	lc := newLayerConn(a)
	l := ldap.NewConn(lc, false)
	l.Start()
	l.SetTimeout(5 * time.Second)
	c := &Conn{l: l, layer: lc, opts: Options{Paging: paging}}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestSearchStreamsEveryPage(t *testing.T) {
	s := &pagedServer{n: 2503}
	c := pagedConn(t, s, PagingAlways)
	seen := map[string]bool{}
	st, err := c.Search(context.Background(), SearchRequest{BaseDN: "DC=lab,DC=test", Scope: ScopeSubtree, Filter: "(cn=*)", Attributes: []string{"cn"}},
		func(e *Entry) error { seen[e.Value("cn")] = true; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries != 2503 || len(seen) != 2503 || st.Pages != 3 {
		t.Fatalf("stats %+v, %d distinct entries", st, len(seen))
	}
	if got := s.seen(); got != "[1000 1000 1000]" {
		t.Fatalf("page sizes requested: %s, want three of %d", got, DefaultPageSize)
	}
}

func TestSearchStoppedByTheCallbackLeavesTheConnectionUsable(t *testing.T) {
	cases := []struct {
		paging   Paging
		n        int
		requests string
	}{
		// Paged, the server is told to drop the result (page size 0).
		{PagingAlways, 50, "[10 10 0 100]"},
		// Unpaged, the rest of the result is read and dropped.
		{PagingWhenCapped, 5000, "[all all]"},
	}
	for _, tc := range cases {
		t.Run(string(tc.paging), func(t *testing.T) {
			s := &pagedServer{n: tc.n}
			c := pagedConn(t, s, tc.paging)
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
			st, err := c.Search(context.Background(), SearchRequest{BaseDN: "DC=lab,DC=test", Filter: "(cn=*)", Attributes: []string{"cn"}, PageSize: 100},
				func(*Entry) error { return nil })
			if err != nil || st.Entries != tc.n {
				t.Fatalf("connection unusable after an early stop: %v, stats %+v", err, st)
			}
			if got := s.seen(); got != tc.requests {
				t.Fatalf("requests: %s, want %s", got, tc.requests)
			}
		})
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
		for _, paging := range []Paging{PagingAlways, PagingWhenCapped} {
			t.Run(tc.name+"/"+string(paging), func(t *testing.T) {
				c := pagedConn(t, &pagedServer{n: tc.server.n, finalCode: tc.server.finalCode}, paging)
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
}

func TestSearchCollectsContinuationReferences(t *testing.T) {
	c := pagedConn(t, &pagedServer{n: 3, referral: "ldap://lab.test/DC=DomainDnsZones,DC=lab,DC=test"}, PagingAlways)
	st, err := c.Search(context.Background(), SearchRequest{BaseDN: "DC=lab,DC=test", Filter: "(cn=*)", Attributes: []string{"cn"}},
		func(*Entry) error { return nil })
	if err != nil || st.Entries != 3 || len(st.Referrals) != 1 || !strings.Contains(st.Referrals[0], "DomainDnsZones") {
		t.Fatalf("stats %+v err %v", st, err)
	}
}

func TestSearchNeedsAttributesAndAHealthyContext(t *testing.T) {
	c := pagedConn(t, &pagedServer{n: 1}, PagingWhenCapped)
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

func TestSearchPagesOnlyWhenTheDCCapsAnUnpagedSearch(t *testing.T) {
	cases := []struct {
		name   string
		server *pagedServer
		paging Paging
		// requests the server sees for two searches in a row
		requests       string
		pages, capped  int
		secondRequests string
	}{
		{"a DC that does not cap (Samba) answers in one search",
			&pagedServer{n: 2503}, PagingWhenCapped, "[all]", 1, 0, "[all all]"},
		{"a DC that caps at MaxPageSize (Windows): paged from the start, and from then on",
			&pagedServer{n: 2503, maxPageSize: 1000, reversePages: true}, PagingWhenCapped, "[all 1000 1000 1000]", 4, 1000, "[all 1000 1000 1000 1000 1000 1000]"},
		{"adminLimitExceeded caps too",
			&pagedServer{n: 2503, maxPageSize: 700, capCode: ldap.LDAPResultAdminLimitExceeded, reversePages: true}, PagingWhenCapped, "[all 1000 1000 1000]", 4, 700, "[all 1000 1000 1000 1000 1000 1000]"},
		{"a result under the cap needs no paging",
			&pagedServer{n: 999, maxPageSize: 1000}, PagingWhenCapped, "[all]", 1, 0, "[all all]"},
		{"always paged, as ldapsearch -E pr=1000 does",
			&pagedServer{n: 2503}, PagingAlways, "[1000 1000 1000]", 3, 0, "[1000 1000 1000 1000 1000 1000]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := pagedConn(t, tc.server, tc.paging)
			search := func() (SearchStats, map[string]int) {
				got := map[string]int{}
				st, err := c.Search(context.Background(), SearchRequest{BaseDN: "DC=lab,DC=test", Scope: ScopeSubtree, Filter: "(cn=*)", Attributes: []string{"cn"}},
					func(e *Entry) error { got[e.DN]++; return nil })
				if err != nil {
					t.Fatal(err)
				}
				return st, got
			}
			st, got := search()
			if len(got) != tc.server.n || st.Entries != tc.server.n {
				t.Fatalf("%d distinct entries, stats %+v, want %d", len(got), st, tc.server.n)
			}
			for dn, k := range got {
				if k != 1 {
					t.Fatalf("%s delivered %d times", dn, k)
				}
			}
			if st.Pages != tc.pages || st.Capped != tc.capped || tc.server.seen() != tc.requests {
				t.Fatalf("stats %+v, requests %s; want %d pages, %d capped, requests %s", st, tc.server.seen(), tc.pages, tc.capped, tc.requests)
			}
			if st, got = search(); len(got) != tc.server.n || st.Capped != 0 || tc.server.seen() != tc.secondRequests {
				t.Fatalf("second search: %d entries, stats %+v, requests %s, want %s", len(got), st, tc.server.seen(), tc.secondRequests)
			}
		})
	}
}

func TestParsePaging(t *testing.T) {
	for in, want := range map[string]Paging{"": PagingWhenCapped, "auto": PagingWhenCapped, " Always ": PagingAlways} {
		if got, err := ParsePaging(in); err != nil || got != want {
			t.Errorf("ParsePaging(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParsePaging("never"); err == nil || !strings.Contains(err.Error(), `"never"`) || !strings.Contains(err.Error(), "always") {
		t.Fatalf("ParsePaging(never): %v", err)
	}
}

func TestSearchCappedBeyondWhatCanBeSkippedSaysWhatToDo(t *testing.T) {
	s := &pagedServer{n: maxSkippable + 2, maxPageSize: maxSkippable + 1}
	c := pagedConn(t, s, PagingWhenCapped)
	n := 0
	_, err := c.Search(context.Background(), SearchRequest{BaseDN: "DC=lab,DC=test", Filter: "(cn=*)", Attributes: []string{"cn"}},
		func(*Entry) error { n++; return nil })
	if err == nil || !strings.Contains(err.Error(), "--paging always") || !strings.Contains(err.Error(), strconv.Itoa(maxSkippable+1)) {
		t.Fatalf("err %v", err)
	}
	if n != maxSkippable+1 || s.seen() != "[all]" {
		t.Fatalf("%d entries delivered, requests %s: it must not page again and deliver duplicates", n, s.seen())
	}
}
