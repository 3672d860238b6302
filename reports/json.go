package reports

import (
	"encoding/json"
	"io"
)

// JSON writes the report as indented JSON: tool version, snapshot metadata,
// summary counts and findings.
type JSON struct{}

func (JSON) Write(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
