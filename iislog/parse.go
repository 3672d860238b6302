// Package iislog reads IIS W3C extended log files and reports how Windows
// authentication went: 401 responses by substatus and sc-win32-status, which
// clients never authenticate, whether the Negotiate handshake looks like
// Kerberos or NTLM, and a verdict per host that points at the spntrust
// checks for the cause.
//
// Files are streamed: memory depends on the number of distinct hosts, URIs
// and clients (each capped), never on the size of the files.
package iislog

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header is a #Fields: directive: the names of the columns of the data
// lines that follow it, until the next #Fields:.
type Header struct {
	Names []string
	// column index of each field the analysis reads; -1 when absent.
	date, time, site, sip, sport, host, method, stem, user, cip, ua, status, sub, win32 int
}

// ParseFields reads a "#Fields: date time ..." line.
func ParseFields(line string) (*Header, error) {
	rest, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "#Fields:")
	if !ok {
		return nil, fmt.Errorf("not a #Fields: directive")
	}
	names := strings.Fields(rest)
	if len(names) == 0 {
		return nil, fmt.Errorf("#Fields: directive names no fields")
	}
	h := &Header{Names: names, date: -1, time: -1, site: -1, sip: -1, sport: -1, host: -1, method: -1,
		stem: -1, user: -1, cip: -1, ua: -1, status: -1, sub: -1, win32: -1}
	for i, n := range names {
		var p *int
		switch strings.ToLower(n) {
		case "date":
			p = &h.date
		case "time":
			p = &h.time
		case "s-sitename":
			p = &h.site
		case "s-ip":
			p = &h.sip
		case "s-port":
			p = &h.sport
		case "cs-host":
			p = &h.host
		case "cs-method":
			p = &h.method
		case "cs-uri-stem":
			p = &h.stem
		case "cs-username":
			p = &h.user
		case "c-ip":
			p = &h.cip
		case "cs(user-agent)":
			p = &h.ua
		case "sc-status":
			p = &h.status
		case "sc-substatus":
			p = &h.sub
		case "sc-win32-status":
			p = &h.win32
		default:
			continue
		}
		if *p >= 0 {
			return nil, fmt.Errorf("#Fields: names %s twice", n)
		}
		*p = i
	}
	return h, nil
}

// HasStatus says whether lines under this header can be analysed.
func (h *Header) HasStatus() bool { return h.status >= 0 }

// Entry is one request. Text fields are "" where the log has "-" or lacks
// the field; numeric fields are -1 when absent.
type Entry struct {
	Time       time.Time // zero when neither date/time fields nor #Date give it
	Site       string
	ServerIP   string
	ServerPort string
	Host       string
	Method     string
	URIStem    string
	Username   string
	ClientIP   string
	UserAgent  string
	Status     int
	SubStatus  int
	// Win32Status is sc-win32-status; HasWin32 is false when the field is absent.
	Win32Status uint32
	HasWin32    bool
}

// Malformed-line reasons, stable for JSON output.
const (
	ReasonFieldCount = "wrong number of fields"
	ReasonStatus     = "sc-status is not an HTTP status"
	ReasonSubstatus  = "sc-substatus is not a number"
	ReasonWin32      = "sc-win32-status is not a 32-bit number"
	ReasonTime       = "date/time unreadable"
	ReasonNoHeader   = "data line before any #Fields: directive"
	ReasonNoStatus   = "#Fields: has no sc-status column"
	ReasonTooLong    = "line longer than 64 KiB"
	ReasonDirective  = "unreadable #Fields: directive"
)

// LineError says why a data line was not read.
type LineError struct{ Reason string }

func (e *LineError) Error() string { return e.Reason }

// ParseLine reads one data line under header h. defaultDate (yyyy-mm-dd,
// from the last #Date: directive) is used when the header has no date field.
func (h *Header) ParseLine(line, defaultDate string) (Entry, error) {
	if !h.HasStatus() {
		return Entry{}, &LineError{ReasonNoStatus}
	}
	// W3C fields are separated by single spaces; IIS replaces spaces inside
	// values with "+", so splitting on spaces is exact.
	var buf [32]string
	cols := splitSpaces(strings.TrimRight(line, "\r\n"), buf[:0])
	if len(cols) != len(h.Names) {
		return Entry{}, &LineError{ReasonFieldCount}
	}
	get := func(i int) string {
		if i < 0 || cols[i] == "-" {
			return ""
		}
		return cols[i]
	}
	e := Entry{
		Site: get(h.site), ServerIP: get(h.sip), ServerPort: get(h.sport), Host: get(h.host),
		Method: get(h.method), URIStem: get(h.stem), Username: get(h.user), ClientIP: get(h.cip),
		UserAgent: get(h.ua), Status: -1, SubStatus: -1,
	}
	st, err := strconv.Atoi(cols[h.status])
	if err != nil || st < 100 || st > 999 {
		return Entry{}, &LineError{ReasonStatus}
	}
	e.Status = st
	if s := get(h.sub); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 0xFFFF {
			return Entry{}, &LineError{ReasonSubstatus}
		}
		e.SubStatus = n
	}
	if s := get(h.win32); s != "" {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return Entry{}, &LineError{ReasonWin32}
		}
		e.Win32Status, e.HasWin32 = uint32(n), true
	}
	date := get(h.date)
	if date == "" {
		date = defaultDate
	}
	if tm := get(h.time); date != "" && tm != "" {
		t, err := time.Parse("2006-01-02 15:04:05", date+" "+tm)
		if err != nil {
			return Entry{}, &LineError{ReasonTime}
		}
		e.Time = t
	}
	return e, nil
}

// splitSpaces splits on runs of spaces and tabs, reusing dst.
func splitSpaces(s string, dst []string) []string {
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return dst
		}
		i := strings.IndexAny(s, " \t")
		if i < 0 {
			return append(dst, s)
		}
		dst = append(dst, s[:i])
		s = s[i:]
	}
}

// dateDirective reads "#Date: 2026-11-24 08:00:00" and returns the date.
func dateDirective(line string) (string, bool) {
	rest, ok := strings.CutPrefix(line, "#Date:")
	if !ok {
		return "", false
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		return "", false
	}
	if _, err := time.Parse("2006-01-02", f[0]); err != nil {
		return "", false
	}
	return f[0], true
}
