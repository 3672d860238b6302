package ldapx

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// DefaultPageSize matches a DC's default MaxPageSize.
const DefaultPageSize = 1000

// Paging says when a search asks for its results in pages (RFC 2696).
type Paging string

// Paging policies.
const (
	// PagingWhenCapped first asks for every result in one search, and pages
	// only when the DC caps it. A Windows DC answers an unpaged search with
	// at most its MaxPageSize (1000 by default) entries and then
	// sizeLimitExceeded; the search is then run again paged, the entries
	// already delivered are skipped (matched by DN), and that connection
	// pages every later search. A DC that does not cap (Samba) answers in
	// full, and its paged searches cost it about three times as much
	// (bench/RESULTS.md). This is the default.
	PagingWhenCapped Paging = "auto"
	// PagingAlways pages every search from the first request, as ldapsearch
	// -E pr=1000 does.
	PagingAlways Paging = "always"
)

// ParsePaging reads a paging policy as given on the command line.
func ParsePaging(s string) (Paging, error) {
	switch p := Paging(strings.ToLower(strings.TrimSpace(s))); p {
	case "", PagingWhenCapped:
		return PagingWhenCapped, nil
	case PagingAlways:
		return p, nil
	}
	return "", fmt.Errorf("unknown paging policy %q: want %q (page only when the DC caps an unpaged search) or %q", s, PagingWhenCapped, PagingAlways)
}

// Scope of a search.
type Scope int

// Search scopes (RFC 4511 4.5.1.2).
const (
	ScopeBase     Scope = ldap.ScopeBaseObject
	ScopeOneLevel Scope = ldap.ScopeSingleLevel
	ScopeSubtree  Scope = ldap.ScopeWholeSubtree
)

// SearchRequest is one paged search. Attributes must be listed: only
// those are requested.
type SearchRequest struct {
	BaseDN     string
	Scope      Scope
	Filter     string
	Attributes []string
	PageSize   int // 0: DefaultPageSize
}

// SearchStats says how much a search delivered.
type SearchStats struct {
	Entries int
	Pages   int // search requests sent: 1 for an unpaged search that was not capped
	// Capped is how many entries the DC returned before it capped an
	// unpaged search (its MaxPageSize); the search was then paged, and
	// those entries were not delivered twice. Zero if it was not capped.
	Capped    int
	Referrals []string // continuation references (other partitions or domains) not followed
}

// PartialError reports a search that delivered some entries but not all:
// a size limit, a referral to another server, or an interrupted paging.
// Entries passed to the callback before it are valid.
type PartialError struct {
	BaseDN    string
	Reason    string
	LDAPCode  uint16
	Referrals []string
	Err       error
}

func (e *PartialError) Error() string {
	s := fmt.Sprintf("search of %q returned partial results: %s", e.BaseDN, e.Reason)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *PartialError) Unwrap() error { return e.Err }

// Entry is one search result entry; attribute names are matched without
// regard to case.
type Entry struct {
	DN    string
	attrs map[string][][]byte
}

// NewEntry builds an Entry (for tests and replays).
func NewEntry(dn string, attrs map[string][][]byte) *Entry {
	e := &Entry{DN: dn, attrs: make(map[string][][]byte, len(attrs))}
	for k, v := range attrs {
		e.attrs[strings.ToLower(k)] = v
	}
	return e
}

// Raw returns the raw values of attribute name.
func (e *Entry) Raw(name string) [][]byte { return e.attrs[strings.ToLower(name)] }

// Values returns the values of attribute name as strings.
func (e *Entry) Values(name string) []string {
	raw := e.Raw(name)
	if raw == nil {
		return nil
	}
	out := make([]string, len(raw))
	for i, v := range raw {
		out[i] = string(v)
	}
	return out
}

// Value returns the first value of attribute name, or "".
func (e *Entry) Value(name string) string {
	raw := e.Raw(name)
	if len(raw) == 0 {
		return ""
	}
	return string(raw[0])
}

// Has reports whether the entry carries attribute name.
func (e *Entry) Has(name string) bool { return len(e.Raw(name)) > 0 }

func fromLDAPEntry(le *ldap.Entry) *Entry {
	e := &Entry{DN: le.DN, attrs: make(map[string][][]byte, len(le.Attributes))}
	for _, a := range le.Attributes {
		k := strings.ToLower(a.Name)
		e.attrs[k] = append(e.attrs[k], a.ByteValues...)
	}
	return e
}

// Search runs a search and calls fn for every entry as it arrives;
// nothing is accumulated, so memory grows only with what fn keeps. It pages
// as Options.Paging says (see PagingWhenCapped). If fn returns an error the
// search stops (the server is told to drop a paged result) and that error
// is returned. A size limit or referral result gives a *PartialError after
// the entries that did arrive.
func (c *Conn) Search(ctx context.Context, req SearchRequest, fn func(*Entry) error) (SearchStats, error) {
	var st SearchStats
	if len(req.Attributes) == 0 {
		return st, fmt.Errorf("search %q: no attributes listed (ask only for what is needed)", req.BaseDN)
	}
	if err := ctx.Err(); err != nil {
		return st, fmt.Errorf("search %q: %w", req.BaseDN, err)
	}
	if c.opts.Paging == PagingAlways || c.capped.Load() {
		return st, c.searchPaged(ctx, req, fn, nil, &st)
	}
	sr := ldap.NewSearchRequest(req.BaseDN, int(req.Scope), ldap.NeverDerefAliases, 0, 0, false,
		req.Filter, req.Attributes, nil)
	// The DNs delivered, in case the DC caps the search and it must be
	// paged from the start. A DC caps right after its MaxPageSize entries,
	// so only the first maxSkippable are kept: memory stays bounded
	// however many entries an uncapped search returns.
	var delivered []string
	n := 0
	_, err := c.searchPage(ctx, sr, func(e *Entry) error {
		if n++; n <= maxSkippable {
			delivered = append(delivered, e.DN)
		}
		return fn(e)
	}, nil, &st)
	if !isCapped(err) {
		return st, err
	}
	c.capped.Store(true)
	if n > maxSkippable {
		return st, fmt.Errorf("search %q: the DC capped an unpaged search after %d entries, more than the %d that can be skipped when it is paged again: use --paging always with this DC: %w",
			req.BaseDN, n, maxSkippable, err)
	}
	st.Capped = len(delivered)
	skip := make(map[string]struct{}, len(delivered))
	for _, dn := range delivered {
		skip[dn] = struct{}{}
	}
	delivered = nil
	st.Referrals = nil // the paged search reports them again
	return st, c.searchPaged(ctx, req, fn, skip, &st)
}

// maxSkippable is how many entries of a capped unpaged search can be
// skipped when it is paged again: 25 times a DC's default MaxPageSize.
const maxSkippable = 25 * DefaultPageSize

// isCapped reports whether an unpaged search ended because the DC caps
// unpaged results: sizeLimitExceeded (no client size limit was set) or
// adminLimitExceeded.
func isCapped(err error) bool {
	var pe *PartialError
	if errors.As(err, &pe) && pe.LDAPCode == ldap.LDAPResultSizeLimitExceeded {
		return true
	}
	var le *ldap.Error
	return errors.As(err, &le) && le.ResultCode == ldap.LDAPResultAdminLimitExceeded
}

// searchPaged runs req in pages, delivering to fn every entry whose DN is
// not in skip.
func (c *Conn) searchPaged(ctx context.Context, req SearchRequest, fn func(*Entry) error, skip map[string]struct{}, st *SearchStats) error {
	size := req.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	paging := ldap.NewControlPaging(uint32(size))
	sr := ldap.NewSearchRequest(req.BaseDN, int(req.Scope), ldap.NeverDerefAliases, 0, 0, false,
		req.Filter, req.Attributes, []ldap.Control{paging})
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("search %q: %w", req.BaseDN, err)
		}
		cookie, err := c.searchPage(ctx, sr, fn, skip, st)
		if err != nil {
			if len(cookie) > 0 {
				c.abandonPaging(sr, paging, cookie)
			}
			return err
		}
		if len(cookie) == 0 {
			return nil
		}
		paging.SetCookie(cookie)
	}
}

// searchPage runs one request (a page, or a whole unpaged search) and
// returns the server's cookie for the next page. Entries whose DN is in
// skip are dropped from it, not delivered.
func (c *Conn) searchPage(ctx context.Context, sr *ldap.SearchRequest, fn func(*Entry) error, skip map[string]struct{}, st *SearchStats) ([]byte, error) {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	resp := c.l.SearchAsync(pctx, sr, 64)
	// The response goroutine blocks on its channel: drain it on every exit.
	defer func() {
		cancel()
		for resp.Next() {
		}
	}()
	st.Pages++
	var cookie []byte
	sawPaging := false
	var fnErr error
	for resp.Next() {
		if e := resp.Entry(); e != nil {
			if fnErr != nil {
				// Read the rest of this page (at most PageSize entries)
				// only to learn the cookie the server must be told to
				// drop; or the rest of an unpaged search, so that the
				// connection stays usable.
				continue
			}
			if _, ok := skip[e.DN]; ok {
				delete(skip, e.DN)
				continue
			}
			st.Entries++
			if err := fn(fromLDAPEntry(e)); err != nil {
				fnErr = err
			}
			continue
		}
		if ref := resp.Referral(); ref != "" {
			st.Referrals = append(st.Referrals, ref)
			continue
		}
		if ctrl := ldap.FindControl(resp.Controls(), ldap.ControlTypePaging); ctrl != nil {
			if p, ok := ctrl.(*ldap.ControlPaging); ok {
				sawPaging = true
				cookie = p.Cookie
			}
		}
	}
	if fnErr != nil {
		return cookie, fnErr
	}
	if err := resp.Err(); err != nil {
		var le *ldap.Error
		if errors.As(err, &le) {
			switch le.ResultCode {
			case ldap.LDAPResultSizeLimitExceeded:
				return nil, &PartialError{BaseDN: sr.BaseDN, Reason: "size limit exceeded", LDAPCode: le.ResultCode, Referrals: st.Referrals, Err: err}
			case ldap.LDAPResultReferral:
				return nil, &PartialError{BaseDN: sr.BaseDN, Reason: "the base is held by another server (referral)", LDAPCode: le.ResultCode, Referrals: st.Referrals, Err: err}
			case ldap.LDAPResultTimeLimitExceeded:
				return nil, &PartialError{BaseDN: sr.BaseDN, Reason: "time limit exceeded", LDAPCode: le.ResultCode, Referrals: st.Referrals, Err: err}
			}
		}
		return nil, fmt.Errorf("search %q (%s): %w", sr.BaseDN, sr.Filter, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("search %q: %w", sr.BaseDN, err)
	}
	if !sawPaging && c.l.IsClosing() {
		// go-ldap ends the stream silently when its reader fails.
		return nil, &PartialError{BaseDN: sr.BaseDN, Reason: "connection lost during the search", Referrals: st.Referrals, Err: c.l.GetLastError()}
	}
	return cookie, nil
}

// abandonPaging tells the server to free a paged result we stop reading
// (RFC 2696: a page size of 0 with the cookie). Best effort.
func (c *Conn) abandonPaging(sr *ldap.SearchRequest, paging *ldap.ControlPaging, cookie []byte) {
	if c.l.IsClosing() {
		return
	}
	paging.SetCookie(cookie)
	paging.PagingSize = 0
	_, _ = c.l.Search(sr)
}
