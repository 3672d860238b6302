package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/spntrust/spntrust/checks"
)

// JSON writes the report as indented JSON: tool version, snapshot metadata,
// summary counts and findings.
type JSON struct{}

// findingsHole is where the findings go in the report encoded without them.
const findingsHole = "\n  \"findings\": [],\n"

func (JSON) Write(w io.Writer, r *Report) error {
	if len(r.Findings) == 0 {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	// The findings are most of a large report (25 MB for 7,600 findings).
	// Encoding the whole report and then indenting it grows two buffers
	// of that size; instead the report is encoded without them and each
	// finding is encoded and indented on its own, into the same bytes
	// json.Encoder with SetIndent("", "  ") writes.
	frame := *r
	frame.Findings = []checks.Finding{}
	head, err := json.MarshalIndent(&frame, "", "  ")
	if err != nil {
		return err
	}
	at := bytes.Index(head, []byte(findingsHole))
	if at < 0 {
		return errors.New("json report: the findings' place was not found in the encoded report")
	}
	open := at + len(findingsHole) - len("],\n")
	bw := bufio.NewWriterSize(w, 256<<10)
	bw.Write(head[:open])
	var ind bytes.Buffer
	for i := range r.Findings {
		b, err := json.Marshal(&r.Findings[i])
		if err != nil {
			return err
		}
		ind.Reset()
		if err := json.Indent(&ind, b, "    ", "  "); err != nil {
			return err
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n    ")
		bw.Write(ind.Bytes())
	}
	bw.WriteString("\n  ]")
	bw.Write(head[open+1:])
	bw.WriteByte('\n')
	return bw.Flush()
}
