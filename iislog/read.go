package iislog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// maxLine bounds one log line; longer lines are counted as malformed and
// skipped without being held in memory.
const maxLine = 64 * 1024

// FileStats counts what one file contained.
type FileStats struct {
	Path        string `json:"path"`
	Gzip        bool   `json:"gzip,omitempty"`
	Site        string `json:"site,omitempty"` // W3SVCn from the path, when the log has no s-sitename
	Lines       int    `json:"lines"`
	Directives  int    `json:"directives"`
	Entries     int    `json:"entries"`
	Malformed   int    `json:"malformed"`
	BeforeSince int    `json:"beforeSince,omitempty"`
}

var siteDir = regexp.MustCompile(`(?i)^W3SVC\d+$`)

// siteFromPath finds an IIS site directory (W3SVC1) in a log path.
func siteFromPath(path string) string {
	dir := filepath.Dir(path)
	for dir != "." && dir != string(filepath.Separator) && dir != "" {
		if b := filepath.Base(dir); siteDir.MatchString(b) {
			return strings.ToUpper(b)
		}
		next := filepath.Dir(dir)
		if next == dir {
			break
		}
		dir = next
	}
	return ""
}

// AddFile reads one log file (plain or gzip-compressed).
func (a *Analyzer) AddFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open IIS log: %w", err)
	}
	defer f.Close()
	return a.Add(path, f)
}

// Add reads one log stream; name labels it in the report. Gzip-compressed
// input is recognised by its magic bytes.
func (a *Analyzer) Add(name string, r io.Reader) error {
	br := bufio.NewReaderSize(r, maxLine)
	st := FileStats{Path: name, Site: siteFromPath(name)}
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("read %s: gzip header: %w", name, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, maxLine)
		st.Gzip = true
	}
	if err := a.scan(&st, br); err != nil {
		a.files = append(a.files, st)
		return fmt.Errorf("read %s after line %d: %w", name, st.Lines, err)
	}
	a.files = append(a.files, st)
	return nil
}

func (a *Analyzer) scan(st *FileStats, br *bufio.Reader) error {
	var h *Header
	date := ""
	for {
		raw, err := br.ReadSlice('\n')
		tooLong := false
		if errors.Is(err, bufio.ErrBufferFull) {
			// Skip the rest of an over-long line without keeping it.
			tooLong = true
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
		}
		if len(raw) == 0 && err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		st.Lines++
		line := raw
		if tooLong {
			a.malformed(st, ReasonTooLong, "")
		} else if line = bytes.TrimRight(line, "\r\n"); len(bytes.TrimSpace(line)) == 0 {
			// Blank lines are not requests and not errors.
		} else if line[0] == '#' {
			st.Directives++
			s := string(line)
			switch {
			case strings.HasPrefix(s, "#Fields:"):
				nh, perr := ParseFields(s)
				if perr != nil {
					a.malformed(st, ReasonDirective, s)
					h = nil
				} else {
					h = nh
				}
			case strings.HasPrefix(s, "#Date:"):
				if d, ok := dateDirective(s); ok {
					date = d
				}
			}
		} else if h == nil {
			a.malformed(st, ReasonNoHeader, string(line))
		} else {
			s := string(line)
			e, perr := h.ParseLine(s, date)
			if perr != nil {
				var le *LineError
				reason := perr.Error()
				if errors.As(perr, &le) {
					reason = le.Reason
				}
				a.malformed(st, reason, s)
			} else {
				if e.Site == "" {
					e.Site = st.Site
				}
				if a.add(e) {
					st.Entries++
				} else {
					st.BeforeSince++
				}
			}
		}
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// malformed counts a bad line and keeps a few examples: file, line number
// and reason only, never the text (a query string may carry a token).
func (a *Analyzer) malformed(st *FileStats, reason, _ string) {
	st.Malformed++
	a.badByReason[reason]++
	if len(a.badExamples) < maxExamples {
		a.badExamples = append(a.badExamples, MalformedLine{File: st.Path, Line: st.Lines, Reason: reason})
	}
}
