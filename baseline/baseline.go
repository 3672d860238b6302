// Package baseline records findings that people have accepted (with owner,
// reason and expiry) and marks them in later audits, so that only new or
// expired findings fail a scheduled run. Like golangci-lint's result
// processors, marking is a separate step over the findings: checks are not
// touched and findings are never dropped from a report, only marked.
package baseline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/internal/atomicfile"
	"github.com/spntrust/spntrust/reports"
)

// SchemaVersion is the version of the baseline file format.
const SchemaVersion = 1

// DateLayout is how expiry dates are written: the last day (UTC) on which
// the acceptance holds.
const DateLayout = "2006-01-02"

// File is a baseline: the findings accepted, by fingerprint.
type File struct {
	SchemaVersion int       `json:"schemaVersion"`
	CreatedAt     time.Time `json:"createdAt"`
	Tool          string    `json:"tool"`
	Source        string    `json:"source,omitempty"` // snapshot the baseline was made from
	Accepted      []Entry   `json:"accepted"`
}

// Entry is one accepted finding. Fingerprint identifies it; the other
// finding fields are kept so people reading the file know what it is.
type Entry struct {
	Fingerprint string    `json:"fingerprint"`
	CheckID     string    `json:"checkId"`
	Severity    string    `json:"severity"`
	Domain      string    `json:"domain,omitempty"`
	Subject     string    `json:"subject"`
	Title       string    `json:"title"`
	Owner       string    `json:"owner"`
	Reason      string    `json:"reason"`
	Expires     string    `json:"expires,omitempty"` // YYYY-MM-DD, last day accepted; "" = never
	AcceptedAt  time.Time `json:"acceptedAt"`
}

// Expired reports whether the acceptance has run out at now: it holds
// through the whole of its expiry day (UTC).
func (e Entry) Expired(now time.Time) bool {
	if e.Expires == "" {
		return false
	}
	day, err := time.Parse(DateLayout, e.Expires)
	if err != nil {
		return true // Load rejects bad dates; fail safe if one slips through
	}
	return !now.UTC().Before(day.AddDate(0, 0, 1))
}

// Acceptance says who accepts findings, why and until when.
type Acceptance struct {
	Owner   string
	Reason  string
	Expires string // YYYY-MM-DD or ""
}

// ParseExpiry validates an expiry date given on the command line: a
// YYYY-MM-DD date not before today (now, UTC).
func ParseExpiry(s string, now time.Time) (string, error) {
	if s == "" {
		return "", nil
	}
	if _, err := time.Parse(DateLayout, s); err != nil {
		return "", fmt.Errorf("expiry %q: want a date as YYYY-MM-DD", s)
	}
	if (Entry{Expires: s}).Expired(now) {
		return "", fmt.Errorf("expiry %s is in the past: the acceptance would be expired at once", s)
	}
	return s, nil
}

// Create builds a baseline accepting every failed finding (findings that
// could not be evaluated are not accepted: there is nothing to accept yet).
func Create(findings []checks.Finding, acc Acceptance, now time.Time, tool, source string) (*File, error) {
	if strings.TrimSpace(acc.Owner) == "" || strings.TrimSpace(acc.Reason) == "" {
		return nil, errors.New("a baseline needs an owner and a reason: who accepts these findings, and why")
	}
	if acc.Expires != "" {
		if _, err := time.Parse(DateLayout, acc.Expires); err != nil {
			return nil, fmt.Errorf("expiry %q: want a date as YYYY-MM-DD", acc.Expires)
		}
	}
	f := &File{SchemaVersion: SchemaVersion, CreatedAt: now.UTC(), Tool: tool, Source: source, Accepted: []Entry{}}
	seen := map[string]bool{}
	for _, fd := range findings {
		if fd.Status != checks.Fail || seen[fd.Fingerprint] {
			continue
		}
		seen[fd.Fingerprint] = true
		f.Accepted = append(f.Accepted, Entry{
			Fingerprint: fd.Fingerprint, CheckID: fd.CheckID, Severity: string(fd.Severity),
			Domain: fd.Domain, Subject: fd.Subject, Title: fd.Title,
			Owner: acc.Owner, Reason: acc.Reason, Expires: acc.Expires, AcceptedAt: now.UTC(),
		})
	}
	sort.Slice(f.Accepted, func(i, j int) bool { return f.Accepted[i].Fingerprint < f.Accepted[j].Fingerprint })
	return f, nil
}

// Load reads and validates a baseline file; errors name the file and what
// is wrong with it.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("baseline %s: not a baseline file (%v); create one with `spntrust baseline create`", path, err)
	}
	if err := f.validate(); err != nil {
		return nil, fmt.Errorf("baseline %s: %w", path, err)
	}
	return &f, nil
}

func (f *File) validate() error {
	if f.SchemaVersion != SchemaVersion {
		return fmt.Errorf("schemaVersion %d: this spntrust reads version %d", f.SchemaVersion, SchemaVersion)
	}
	seen := map[string]bool{}
	for i, e := range f.Accepted {
		where := fmt.Sprintf("accepted[%d]", i)
		switch {
		case e.Fingerprint == "":
			return fmt.Errorf("%s: no fingerprint", where)
		case seen[e.Fingerprint]:
			return fmt.Errorf("%s: fingerprint %s listed twice", where, e.Fingerprint)
		case strings.TrimSpace(e.Owner) == "":
			return fmt.Errorf("%s (%s): no owner", where, e.Fingerprint)
		case strings.TrimSpace(e.Reason) == "":
			return fmt.Errorf("%s (%s): no reason", where, e.Fingerprint)
		}
		if e.Expires != "" {
			if _, err := time.Parse(DateLayout, e.Expires); err != nil {
				return fmt.Errorf("%s (%s): expires %q is not a YYYY-MM-DD date", where, e.Fingerprint, e.Expires)
			}
		}
		seen[e.Fingerprint] = true
	}
	return nil
}

// Bytes returns the baseline file's content.
func (f *File) Bytes() ([]byte, error) {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// Save writes the baseline atomically with mode 0600. It refuses a path
// that exists and is not a regular file (a rename would replace a device).
func (f *File) Save(path string) error {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("write baseline %s: not a regular file", path)
	}
	data, err := f.Bytes()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, 0o600)
}

// State of a finding against a baseline.
type State string

const (
	New      State = reports.BaselineNew
	Accepted State = reports.BaselineAccepted
	Expired  State = reports.BaselineExpired
)

// Decision is what the processor decided for one finding.
type Decision struct {
	Finding checks.Finding
	State   State
	Entry   *Entry // nil for New
}

// Processor marks findings against a baseline at a given time.
type Processor struct {
	Baseline *File
	Now      time.Time
}

// Process returns one decision per finding, in order. Findings that could
// not be evaluated are always New: a baseline accepts problems, not gaps.
func (p Processor) Process(findings []checks.Finding) []Decision {
	byFP := map[string]*Entry{}
	for i := range p.Baseline.Accepted {
		byFP[p.Baseline.Accepted[i].Fingerprint] = &p.Baseline.Accepted[i]
	}
	out := make([]Decision, len(findings))
	for i, f := range findings {
		out[i] = Decision{Finding: f, State: New}
		e, ok := byFP[f.Fingerprint]
		if !ok || f.Status != checks.Fail {
			continue
		}
		out[i].Entry = e
		out[i].State = Accepted
		if e.Expired(p.Now) {
			out[i].State = Expired
		}
	}
	return out
}

// Unmatched returns the baseline entries no finding matches any more:
// fixed (or no longer checked) problems that can be dropped from the file.
func (p Processor) Unmatched(findings []checks.Finding) []Entry {
	live := map[string]bool{}
	for _, f := range findings {
		live[f.Fingerprint] = true
	}
	var out []Entry
	for _, e := range p.Baseline.Accepted {
		if !live[e.Fingerprint] {
			out = append(out, e)
		}
	}
	return out
}

// Marks turns decisions into the marks a report renders.
func Marks(file string, ds []Decision) *reports.BaselineMarks {
	m := &reports.BaselineMarks{File: file, Entries: map[string]reports.Acceptance{}}
	for _, d := range ds {
		if d.Entry == nil {
			continue
		}
		m.Entries[d.Finding.Fingerprint] = reports.Acceptance{
			Owner: d.Entry.Owner, Reason: d.Entry.Reason, Expires: d.Entry.Expires, Expired: d.State == Expired,
		}
	}
	return m
}
