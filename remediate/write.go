package remediate

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spntrust/spntrust/internal/atomicfile"
)

// Writer renders a plan as a fix script and its rollback in one format.
type Writer interface {
	// Ext is the file extension, e.g. "cmd".
	Ext() string
	Fix(p *Plan) ([]byte, error)
	Rollback(p *Plan) ([]byte, error)
}

// Formats lists the script formats by name.
func Formats() map[string]Writer {
	return map[string]Writer{
		"cmd":  CMD{},
		"ps1":  PowerShell{},
		"ldif": LDIF{},
	}
}

// FormatNames lists the format names, sorted.
func FormatNames() []string {
	var names []string
	for n := range Formats() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ForFormat returns the writer for a format name (any case).
func ForFormat(name string) (Writer, error) {
	w, ok := Formats()[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, fmt.Errorf("unknown script format %q: use one of %s", name, strings.Join(FormatNames(), ", "))
	}
	return w, nil
}

// File is one rendered output file.
type File struct {
	Name string // base name inside the output directory
	Data []byte
}

// PlanFile is the name of the plan in the output directory.
const PlanFile = "PLAN.md"

// FixFile and RollbackFile name the scripts of a format.
func FixFile(format string) string      { return "fix." + format }
func RollbackFile(format string) string { return "rollback." + format }

// Render renders PLAN.md and the fix and rollback script of every format,
// in memory: a rendering error means no file is written at all.
func Render(p *Plan, formats []string) ([]File, error) {
	plan, err := Markdown(p, formats)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", PlanFile, err)
	}
	files := []File{{Name: PlanFile, Data: plan}}
	for _, name := range formats {
		w, err := ForFormat(name)
		if err != nil {
			return nil, err
		}
		fix, err := w.Fix(p)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", FixFile(w.Ext()), err)
		}
		rb, err := w.Rollback(p)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", RollbackFile(w.Ext()), err)
		}
		files = append(files, File{FixFile(w.Ext()), fix}, File{RollbackFile(w.Ext()), rb})
	}
	return files, nil
}

// WriteDir renders the plan and writes every file into dir (created 0700 if
// missing), each atomically with mode 0600: a reader sees either the old or
// the complete new file. It returns the paths written.
func WriteDir(dir string, p *Plan, formats []string) ([]string, error) {
	files, err := Render(p, formats)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create output directory %s: %w", dir, err)
	}
	var paths []string
	for _, f := range files {
		path := filepath.Join(dir, f.Name)
		if err := atomicfile.WriteFile(path, f.Data, 0o600); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// crlf converts LF line ends to CRLF (cmd.exe needs them for labels and
// multi-line blocks to parse reliably).
func crlf(b []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
