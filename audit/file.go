package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
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
//
// It decodes the file as it reads it, one account and one DNS answer at a
// time, so that neither the file nor a copy of it is held in memory next to
// the snapshot (issue 10: loading a 1,000,000-SPN snapshot held the 371 MB
// file, encoding/json's copy of it and the result at once). A file the
// stream does not take as it is — invalid, of another version, or merely
// unusual, such as a member named in another case — is read whole and
// decoded by Unmarshal, so every error, and every odd file that loads, is
// exactly what Unmarshal says of it.
func Load(path string) (*Snapshot, error) {
	if s, ok := loadStream(path); ok {
		if err := s.Validate(); err != nil {
			return nil, withPath(err, path)
		}
		s.shareStrings()
		return s, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &LoadError{Path: path, Err: err}
	}
	s, err := Unmarshal(data)
	if err != nil {
		return nil, withPath(err, path)
	}
	s.shareStrings()
	return s, nil
}

// shareStrings makes equal strings of a loaded snapshot share one copy
// where they repeat: the few domain names, kinds, flag names and DNS
// statuses of a million values, and the host name a DNS answer repeats as
// its canonical name, PTR name and address. encoding/json allocates every
// string it decodes, so a loaded snapshot is larger than the one that was
// saved; this gives back about 40 MiB of the 558 MiB of a 1,000,000-SPN
// snapshot. Only strings are shared (they cannot be changed in place);
// slices and maps stay the snapshot's own.
func (s *Snapshot) shareStrings() {
	few := map[string]string{}
	share := func(v *string) {
		if c, ok := few[*v]; ok {
			*v = c
		} else if len(few) < 1<<12 { // for values that repeat; a bound against those that do not
			few[*v] = *v
		}
	}
	for i := range s.Accounts {
		a := &s.Accounts[i]
		share(&a.Domain)
		k := string(a.Kind)
		share(&k)
		a.Kind = AccountKind(k)
		for j := range a.UACFlags {
			share(&a.UACFlags[j])
		}
	}
	for i := range s.DNS.Hosts {
		h := &s.DNS.Hosts[i]
		share(&h.Status)
		share(&h.Error)
		share(&h.Source)
		if h.Canonical == h.Name {
			h.Canonical = h.Name
		}
		for _, ptr := range h.PTR {
			addr, names := ptr.Addr, ptr.Names
			for j := range names {
				switch names[j] {
				case h.Name:
					names[j] = h.Name
				case h.Canonical:
					names[j] = h.Canonical
				}
			}
			for j := range h.A {
				if h.A[j] == addr {
					h.A[j] = addr
				}
			}
			for j := range h.AAAA {
				if h.AAAA[j] == addr {
					h.AAAA[j] = addr
				}
			}
		}
	}
}

func withPath(err error, path string) error {
	var le *LoadError
	if errors.As(err, &le) {
		le.Path = path
		return le
	}
	return &LoadError{Path: path, Err: err}
}

// loadStream decodes a snapshot file of this version from the file itself:
// the accounts and the DNS answers element by element, every other member
// as a whole. ok is false for anything it does not take (see Load).
func loadStream(path string) (_ *Snapshot, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	// Only a regular file can be read a second time by the fallback; a
	// pipe (--from /dev/stdin) is read once, whole.
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, false
	}
	dec := json.NewDecoder(bufio.NewReaderSize(f, 256<<10))
	dec.DisallowUnknownFields()
	var s Snapshot
	top := jsonFields(&s)
	dnsFields := jsonFields(&s.DNS)
	ok = streamObject(dec, func(key string) bool {
		switch key {
		case "accounts":
			return streamArray(dec, &s.Accounts)
		case "dns":
			return streamObject(dec, func(key string) bool {
				if key == "hosts" {
					return streamArray(dec, &s.DNS.Hosts)
				}
				return decodeField(dec, dnsFields, key)
			})
		}
		return decodeField(dec, top, key)
	})
	if !ok || dec.More() || s.SchemaVersion != SchemaVersion {
		return nil, false
	}
	return &s, true
}

// jsonFields maps the JSON names of a struct's fields to the fields.
func jsonFields(ptr any) map[string]reflect.Value {
	v := reflect.ValueOf(ptr).Elem()
	out := map[string]reflect.Value{}
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = v.Field(i)
		}
	}
	return out
}

// decodeField decodes the next value into the field named key, which must
// be written exactly as the field's JSON name (encoding/json also accepts
// other cases; such files go to Unmarshal).
func decodeField(dec *json.Decoder, fields map[string]reflect.Value, key string) bool {
	f, ok := fields[key]
	return ok && dec.Decode(f.Addr().Interface()) == nil
}

// streamObject reads a JSON object, calling member for each member name to
// decode its value. A name seen twice is refused (encoding/json's handling
// of it is left to Unmarshal).
func streamObject(dec *json.Decoder, member func(key string) bool) bool {
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		key, isKey := t.(string)
		if err != nil || !isKey || seen[key] {
			return false
		}
		seen[key] = true
		if !member(key) {
			return false
		}
	}
	t, err := dec.Token()
	return err == nil && t == json.Delim('}')
}

// streamArray decodes a JSON array (or null) into *dst one element at a
// time, as encoding/json decodes an array into a nil slice. The elements
// are decoded in place into blocks of at most 4096, which are copied once
// into a slice of the exact length at the end: appending element by element
// reallocated the growing slice some forty times (encoding/json does the
// same), 900 MB of garbage for the DNS answers and accounts of a
// 1,000,000-SPN snapshot.
func streamArray[T any](dec *json.Decoder, dst *[]T) bool {
	t, err := dec.Token()
	if err != nil {
		return false
	}
	if t == nil {
		*dst = nil
		return true
	}
	if t != json.Delim('[') {
		return false
	}
	const block = 4096
	var full [][]T
	cur := make([]T, 0, 16)
	n := 0
	for dec.More() {
		if len(cur) == cap(cur) {
			if cap(cur) < block { // small arrays stay small
				cur = append(cur, *new(T))[:len(cur)]
			} else {
				full = append(full, cur)
				cur = make([]T, 0, block)
			}
		}
		cur = cur[:len(cur)+1]
		if dec.Decode(&cur[len(cur)-1]) != nil {
			return false
		}
		n++
	}
	if t, err := dec.Token(); err != nil || t != json.Delim(']') {
		return false
	}
	out := make([]T, 0, n)
	for _, b := range full {
		out = append(out, b...)
	}
	*dst = append(out, cur...)
	return true
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
		if typeErr.Field == "" {
			return &LoadError{Err: fmt.Errorf("the file holds a JSON %s, but a snapshot is a JSON object (as audit --save-snapshot writes it)", typeErr.Value)}
		}
		return &LoadError{Field: typeErr.Field, Err: fmt.Errorf("a JSON %s where a JSON %s belongs", typeErr.Value, jsonKind(typeErr.Type))}
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

// jsonKind names the JSON kind a Go type decodes from (no Go type names in
// messages for people who never saw the code).
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		if t.PkgPath() == "time" && t.Name() == "Time" {
			return "string (an RFC 3339 time)"
		}
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "number (an integer)"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "number (a non-negative integer)"
	case reflect.Float32, reflect.Float64:
		return "number"
	}
	return "value"
}
