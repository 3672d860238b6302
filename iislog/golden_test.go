package iislog

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// golden compares got with testdata/NAME.golden (or rewrites it with -update).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./iislog -update` to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s output differs from %s; review the diff and run `go test ./iislog -update` if it is intended.\n--- got ---\n%s", name, path, got)
	}
}

// The test logs: a healthy ConfigMgr management point (Kerberos: 401.2 then
// 200 with the machine account), the seed's broken web01 (401.1 with
// SEC_E_WRONG_PRINCIPAL, malformed lines, a #Fields: change mid-file), and a
// gzip'd log with an NTLM-only app and an SSRS host with one client that
// never authenticates.
var testLogs = []string{
	"testdata/mp01/W3SVC1/u_ex261124.log",
	"testdata/web01/W3SVC2/u_ex261124.log",
	"testdata/app01/u_ex261124.log.gz",
}

func analyzeFiles(t *testing.T, opt Options, paths ...string) *Report {
	t.Helper()
	a := New(opt)
	for _, p := range paths {
		if err := a.AddFile(p); err != nil {
			t.Fatal(err)
		}
	}
	return a.Report()
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		opt  Options
	}{
		{"all", Options{}},
		{"since", Options{Since: time.Date(2026, 11, 24, 9, 0, 30, 0, time.UTC)}},
	}
	for _, tt := range tests {
		rep := analyzeFiles(t, tt.opt, testLogs...)
		for _, format := range Formats() {
			t.Run(tt.name+"."+format, func(t *testing.T) {
				var buf bytes.Buffer
				if err := WriteReport(&buf, rep, format); err != nil {
					t.Fatal(err)
				}
				golden(t, tt.name+"."+format, buf.Bytes())
			})
		}
	}
}
