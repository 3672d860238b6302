package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// SchemaVersion is the version of the JSON report format this build writes
// and reads back (history import). Reports written before the format
// carried a version are read as version 1, which they are.
const SchemaVersion = 1

// LoadError is returned for a JSON report that cannot be read back. It
// names the file and, where known, the field that is wrong.
type LoadError struct {
	Path  string
	Field string
	Err   error
}

func (e *LoadError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("report %s: field %s: %v", e.Path, e.Field, e.Err)
	}
	return fmt.Sprintf("report %s: %v", e.Path, e.Err)
}

func (e *LoadError) Unwrap() error { return e.Err }

// Load reads a report written by the JSON writer (audit --format json).
func Load(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &LoadError{Path: path, Err: err}
	}
	r, err := Unmarshal(data)
	if err != nil {
		var le *LoadError
		if errors.As(err, &le) {
			le.Path = path
			return nil, le
		}
		return nil, &LoadError{Path: path, Err: err}
	}
	return r, nil
}

// Unmarshal decodes a JSON report, refusing one of another schema version,
// one another tool wrote, fields this build does not know, and findings
// without the fingerprint and check that identify them. Errors are
// *LoadError without a path.
func Unmarshal(data []byte) (*Report, error) {
	var head struct {
		SchemaVersion *int `json:"schemaVersion"`
		Tool          *Tool
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, jsonLoadError(data, err)
	}
	if head.Tool == nil || head.Tool.Name != "spntrust" {
		return nil, &LoadError{Field: "tool.name", Err: errors.New(`not "spntrust": this is not a spntrust JSON report (audit --format json writes one)`)}
	}
	if head.SchemaVersion != nil && *head.SchemaVersion != SchemaVersion {
		return nil, &LoadError{Field: "schemaVersion", Err: fmt.Errorf("version %d is not supported by this spntrust (it reads version %d); the report was written by spntrust %s: import it with that release, or a later one that reads it",
			*head.SchemaVersion, SchemaVersion, head.Tool.Version)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Report
	if err := dec.Decode(&r); err != nil {
		return nil, jsonLoadError(data, err)
	}
	if dec.More() {
		return nil, &LoadError{Err: errors.New("trailing data after the report object")}
	}
	if r.GeneratedAt.IsZero() {
		return nil, &LoadError{Field: "generatedAt", Err: errors.New("missing: a report says when it was made")}
	}
	for i, f := range r.Findings {
		if f.Fingerprint == "" || f.CheckID == "" {
			return nil, &LoadError{Field: fmt.Sprintf("findings[%d]", i), Err: errors.New("a finding without its fingerprint or checkId")}
		}
	}
	r.SchemaVersion = SchemaVersion
	return &r, nil
}

// jsonLoadError names the field or the line of an encoding/json error; a
// file that ends inside its JSON is called truncated.
func jsonLoadError(data []byte, err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return &LoadError{Err: fmt.Errorf("the file holds a JSON %s, but a report is a JSON object", typeErr.Value)}
		}
		return &LoadError{Field: typeErr.Field, Err: fmt.Errorf("a JSON %s where another type belongs", typeErr.Value)}
	case errors.As(err, &syntaxErr) && syntaxErr.Offset >= int64(len(bytes.TrimRight(data, " \t\r\n"))):
		return &LoadError{Err: fmt.Errorf("truncated: the JSON ends after %d bytes, before the report is complete (cut in a copy or while it was written?); copy it again", len(data))}
	case errors.As(err, &syntaxErr):
		line := 1 + bytes.Count(data[:min(int(syntaxErr.Offset), len(data))], []byte("\n"))
		return &LoadError{Err: fmt.Errorf("invalid JSON at line %d: %v", line, syntaxErr)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &LoadError{Field: field, Err: errors.New("unknown field (written by a newer spntrust, or edited by hand?)")}
	}
	return &LoadError{Err: fmt.Errorf("invalid JSON: %v", err)}
}
