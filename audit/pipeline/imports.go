package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spntrust/spntrust/internal/exitcode"
	"github.com/spntrust/spntrust/reports"
)

// Kinds of file history import takes.
const (
	KindReport   = "report"   // a JSON report (audit --format json)
	KindSnapshot = "snapshot" // a snapshot (audit --save-snapshot)
)

// Import is a report or a snapshot made elsewhere (an air-gapped forest, a
// machine without the history), turned into the report to record. A
// snapshot is judged as audit --from judges it, through Evaluate with the
// same Settings, so its findings are the ones audit --from would report;
// its report is dated at the end of its collection, so importing the same
// snapshot twice gives the same report (and the history records one run).
// A JSON report is recorded as it was written.
type Import struct {
	Path     string
	Settings Settings
	Tool     string      // version written into reports of snapshots
	Baseline []Processor // baseline marks, for snapshots only
	Log      io.Writer
}

// Imported is what a file gave.
type Imported struct {
	Kind   string
	Report *reports.Report
}

// Run reads the file and returns its report. Errors are input errors
// naming the file.
func (im Import) Run(ctx context.Context) (*Imported, error) {
	kind, err := Sniff(im.Path)
	if err != nil {
		return nil, exitcode.Input(err)
	}
	// Both formats end with the top-level object's brace: a file that
	// does not was cut, whatever the decoder would say of where.
	if cut, err := endsInsideJSON(im.Path); err != nil {
		return nil, exitcode.Input(err)
	} else if cut {
		return nil, exitcode.Input(fmt.Errorf("%s: truncated %s: the file ends inside its JSON (cut in a copy or while it was written?); copy it again", im.Path, kind))
	}
	if kind == KindReport {
		if len(im.Baseline) > 0 {
			return nil, exitcode.Usagef("%s is a JSON report: its baseline marks were set when it was written; --baseline applies to snapshots", im.Path)
		}
		rep, err := reports.Load(im.Path)
		if err != nil {
			return nil, exitcode.Input(err)
		}
		return &Imported{Kind: kind, Report: rep}, nil
	}
	p := &Pipeline{Source: File{Path: im.Path}, Settings: im.Settings, Tool: im.Tool, Processors: im.Baseline, Log: im.Log}
	ev, err := p.Evaluate(ctx)
	if err != nil {
		return nil, err
	}
	c := ev.Snapshot.Collection
	at := c.FinishedAt
	if at.IsZero() {
		at = c.StartedAt
	}
	if at.IsZero() {
		return nil, exitcode.Input(fmt.Errorf("snapshot %s: collection.finishedAt and startedAt are missing: the run cannot be dated (a snapshot spntrust audit --save-snapshot writes has both)", im.Path))
	}
	p.Now = func() time.Time { return at }
	rep, err := p.Report(ctx, ev)
	if err != nil {
		return nil, err
	}
	return &Imported{Kind: kind, Report: rep}, nil
}

// Sniff tells a JSON report from a snapshot by the members of the top-level
// object (each format has members the other lacks), reading no further
// than the first such member; a file that is neither, is not a JSON
// object, or ends before one is told apart, is an error saying so.
func Sniff(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s: not a regular file: history import reads each file twice (to tell what it is, then to load it); save it to a file first", path)
	}
	neither := func(why string) error {
		return fmt.Errorf("%s: %s; history import takes JSON reports (spntrust audit --format json) and snapshots (spntrust audit --save-snapshot)", path, why)
	}
	dec := json.NewDecoder(bufio.NewReader(f))
	tok, err := dec.Token()
	switch {
	case errors.Is(err, io.EOF):
		return "", neither("empty file")
	case err != nil:
		return "", neither("not JSON (" + err.Error() + ")")
	case tok != json.Delim('{'):
		return "", neither("not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", truncatedOr(path, err, neither)
		}
		key, _ := tok.(string)
		switch key {
		case "tool", "generatedAt", "findings", "summary", "scope", "topology":
			return KindReport, nil
		case "accounts", "forests", "domains", "dns", "clocks", "ticketProbes":
			return KindSnapshot, nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", truncatedOr(path, err, neither)
		}
	}
	if _, err := dec.Token(); err != nil {
		return "", truncatedOr(path, err, neither)
	}
	return "", neither("a JSON object with none of a report's members (tool, findings, ...) or a snapshot's (accounts, domains, ...)")
}

func truncatedOr(path string, err error, neither func(string) error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: truncated: the file ends inside its JSON (cut in a copy or while it was written?); copy it again", path)
	}
	return neither("invalid JSON (" + err.Error() + ")")
}

// endsInsideJSON reports whether the file's last byte other than white
// space is not the closing brace of a JSON object.
func endsInsideJSON(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	if !st.Mode().IsRegular() {
		return false, nil // a pipe is read once, by the loader
	}
	n := min(st.Size(), 4096)
	tail := make([]byte, n)
	if _, err := f.ReadAt(tail, st.Size()-n); err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	tail = bytes.TrimRight(tail, " \t\r\n")
	return len(tail) == 0 || tail[len(tail)-1] != '}', nil
}
