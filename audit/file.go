package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spntrust/spntrust/internal/atomicfile"
)

// LoadError is returned for a snapshot file that cannot be used. It names
// the file and, where known, the field that is wrong.
type LoadError struct {
	Path  string
	Field string // JSON path such as accounts[3].kind; "" when not about one field
	Err   error
}

func (e *LoadError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("snapshot %s: field %s: %v", e.Path, e.Field, e.Err)
	}
	return fmt.Sprintf("snapshot %s: %v", e.Path, e.Err)
}

func (e *LoadError) Unwrap() error { return e.Err }

// Save writes the snapshot as indented JSON, atomically, readable only by
// its owner (it lists accounts and infrastructure, though never a secret).
func Save(path string, s *Snapshot) error {
	data, err := Marshal(s)
	if err != nil {
		return fmt.Errorf("save snapshot %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, data, 0o600)
}

// Marshal encodes the snapshot as the file format (indented JSON, UAC and
// trust flags decoded for readers).
func Marshal(s *Snapshot) ([]byte, error) {
	out := *s
	out.SchemaVersion = SchemaVersion
	out.Accounts = make([]Account, len(s.Accounts))
	for i, a := range s.Accounts {
		a.UACFlags = DecodeUAC(a.UserAccountControl)
		out.Accounts[i] = a
	}
	out.Domains = make([]Domain, len(s.Domains))
	for i, d := range s.Domains {
		if d.Trusts != nil {
			d.Trusts = append(make([]Trust, 0, len(d.Trusts)), d.Trusts...)
		}
		for j := range d.Trusts {
			d.Trusts[j].AttributeFlags = DecodeTrustAttributes(d.Trusts[j].Attributes)
		}
		out.Domains[i] = d
	}
	data, err := json.MarshalIndent(&out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// Load reads and validates a snapshot file.
func Load(path string) (*Snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &LoadError{Path: path, Err: err}
	}
	s, err := Unmarshal(data)
	if err != nil {
		var le *LoadError
		if errors.As(err, &le) {
			le.Path = path
			return nil, le
		}
		return nil, &LoadError{Path: path, Err: err}
	}
	return s, nil
}

// Unmarshal decodes and validates snapshot JSON. Errors are *LoadError
// without a path.
func Unmarshal(data []byte) (*Snapshot, error) {
	// Decode first and look at the version only when something is wrong:
	// reading the version in a separate pass first parsed the whole file
	// twice more (a third of the time of loading a large snapshot).
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Snapshot
	if err := dec.Decode(&s); err != nil || s.SchemaVersion != SchemaVersion {
		// A file of another version is reported as such, whatever else
		// does not decode in it.
		if verr := checkVersion(data); verr != nil {
			return nil, verr
		}
		if err == nil { // cannot happen: both passes read the same member
			return nil, &LoadError{Field: "schemaVersion", Err: fmt.Errorf("version %d is not supported (this spntrust reads version %d)", s.SchemaVersion, SchemaVersion)}
		}
		return nil, jsonError(data, err)
	}
	if dec.More() {
		return nil, &LoadError{Err: errors.New("trailing data after the snapshot object")}
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// checkVersion reports a missing or unsupported schemaVersion, or JSON that
// does not parse at all.
func checkVersion(data []byte) error {
	var head struct {
		SchemaVersion *int `json:"schemaVersion"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return jsonError(data, err)
	}
	if head.SchemaVersion == nil {
		return &LoadError{Field: "schemaVersion", Err: errors.New("missing: this is not a spntrust snapshot")}
	}
	if *head.SchemaVersion != SchemaVersion {
		return &LoadError{Field: "schemaVersion", Err: fmt.Errorf("version %d is not supported by this spntrust (it reads version %d); use the spntrust release that wrote it", *head.SchemaVersion, SchemaVersion)}
	}
	return nil
}

// jsonError turns an encoding/json error into a LoadError with a field name
// or a line and column.
func jsonError(data []byte, err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return &LoadError{Field: typeErr.Field, Err: fmt.Errorf("%s is not a valid %s", typeErr.Value, typeErr.Type)}
	case errors.As(err, &syntaxErr):
		line, col := position(data, syntaxErr.Offset)
		return &LoadError{Err: fmt.Errorf("invalid JSON at line %d, column %d: %v", line, col, syntaxErr)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &LoadError{Field: field, Err: errors.New("unknown field (written by a newer spntrust, or edited by hand?)")}
	}
	return &LoadError{Err: fmt.Errorf("invalid JSON: %v", err)}
}

func position(data []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < offset && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
