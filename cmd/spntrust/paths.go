package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spntrust/spntrust/audit/pipeline"
	"github.com/spntrust/spntrust/reports"
)

// plainOutputFormat is the format of a plain `--output FILE`: the one its
// extension names (r.html is HTML) unless --format was given, which must
// then agree with a known extension; an unknown extension takes --format.
func plainOutputFormat(path, format string, formatGiven bool) (string, error) {
	byExt, known := reports.FormatForPath(path)
	switch {
	case !known:
		return format, nil
	case !formatGiven:
		return byExt, nil
	case byExt != format:
		return "", usageError("--output %s: the extension %s means %s, but --format is %s; "+
			"write --output %s=%s to force %s into that name, or leave out --format", path, filepath.Ext(path), byExt, format, format, path, format)
	}
	return format, nil
}

// pathCheck is one file or directory a command will write, checked before
// any connection so that a live audit does not collect a forest to fail at
// the end on a typo in a path.
type pathCheck struct {
	flag  string // "--output", "--save-snapshot", ...
	path  string
	isDir bool // a directory the command creates (if missing) and writes into
}

// checkPaths checks each path; the first problem is a usage error naming
// the flag and the path.
func checkPaths(checks ...pathCheck) error {
	for _, c := range checks {
		if c.path == "" {
			continue
		}
		var err error
		if c.isDir {
			err = checkWritableDir(c.path)
		} else {
			err = checkWritableFile(c.path)
		}
		if err != nil {
			return usageError("%s %s: %v", c.flag, c.path, err)
		}
	}
	return nil
}

// checkWritableFile says whether path can be written as a file: its
// directory exists and takes new files (the atomic write creates a
// temporary file beside it), and path itself is not a directory. A device
// or pipe (/dev/stdout) is written straight into, and not probed.
func checkWritableFile(path string) error {
	if fi, err := os.Stat(path); err == nil {
		switch {
		case fi.IsDir():
			return errors.New("is a directory; name a file in it")
		case !fi.Mode().IsRegular():
			// Opening a FIFO to test it would hand its reader an
			// end of file; the write itself reports a device's error.
			return nil
		}
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist (create it first)", dir)
	case err != nil:
		return fmt.Errorf("directory %s: %w", dir, unwrapPath(err))
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	return probeDir(dir)
}

// checkWritableDir says whether dir can be written into, or created: the
// nearest existing ancestor must be a directory that takes new entries.
func checkWritableDir(dir string) error {
	d := filepath.Clean(dir)
	for {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				if d == filepath.Clean(dir) {
					return errors.New("is a file, not a directory")
				}
				return fmt.Errorf("cannot be created: %s is a file", d)
			}
			return probeDir(d)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: %w", d, unwrapPath(err))
		}
		parent := filepath.Dir(d)
		if parent == d {
			return fmt.Errorf("no existing directory above %s", dir)
		}
		d = parent
	}
}

// probeDir creates and removes a file in dir: permission bits alone do not
// tell (root, ACLs, read-only mounts).
func probeDir(dir string) error {
	f, err := os.CreateTemp(dir, ".spntrust-write-check-*")
	if err != nil {
		return fmt.Errorf("directory %s is not writable: %w", dir, unwrapPath(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// unwrapPath drops the *PathError's own path (the message names it already).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// outputPathChecks lists the report files of outs.
func outputPathChecks(outs []pipeline.Output) []pathCheck {
	var out []pathCheck
	for _, o := range outs {
		if o.Path != "" {
			out = append(out, pathCheck{flag: "--output", path: o.Path})
		}
	}
	return out
}

// formatGiven reports whether --format was set on the command line.
func formatGiven(o *reportOptions) bool {
	return o.formatFlag != nil && o.formatFlag.Changed
}
