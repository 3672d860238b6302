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
	Entries   int
	Pages     int
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

// Search runs a paged search and calls fn for every entry as it arrives;
// nothing is accumulated, so memory grows only with what fn keeps. If fn
// returns an error the search stops (the server is told to drop the paged
// result) and that error is returned. A size limit or referral result gives
// a *PartialError after the entries that did arrive.
func (c *Conn) Search(ctx context.Context, req SearchRequest, fn func(*Entry) error) (SearchStats, error) {
	var st SearchStats
	if len(req.Attributes) == 0 {
		return st, fmt.Errorf("search %q: no attributes listed (ask only for what is needed)", req.BaseDN)
	}
	size := req.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	paging := ldap.NewControlPaging(uint32(size))
	sr := ldap.NewSearchRequest(req.BaseDN, int(req.Scope), ldap.NeverDerefAliases, 0, 0, false,
		req.Filter, req.Attributes, []ldap.Control{paging})
	for {
		if err := ctx.Err(); err != nil {
			return st, fmt.Errorf("search %q: %w", req.BaseDN, err)
		}
		cookie, err := c.searchPage(ctx, sr, fn, &st)
		if err != nil {
			if len(cookie) > 0 {
				c.abandonPaging(sr, paging, cookie)
			}
			return st, err
		}
		if len(cookie) == 0 {
			return st, nil
		}
		paging.SetCookie(cookie)
	}
}

// searchPage runs one page and returns the server's cookie for the next.
func (c *Conn) searchPage(ctx context.Context, sr *ldap.SearchRequest, fn func(*Entry) error, st *SearchStats) ([]byte, error) {
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
				// only to learn the cookie the server must be told to drop.
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
