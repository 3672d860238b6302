package iislog

import (
	"strings"
	"testing"
)

// FuzzParseLine feeds arbitrary #Fields: headers and data lines to the
// parser and the whole reader: neither may panic, and every line must end
// up either as a request or as a counted malformed line.
func FuzzParseLine(f *testing.F) {
	f.Add(defaultFields, "2026-11-24 09:00:03 10.0.0.21 GET / - 80 - 10.0.3.31 Mozilla/5.0 - 401 1 2148074274 15")
	f.Add(defaultFields, "2026-11-24 09:00:03 10.0.0.21 GET / - 80 - 10.0.3.31 - - 2OO 0 0 1")
	f.Add(shortFields, "2026-11-24 08:00:00 h 10.0.0.1 /app/ - 401 2 5")
	f.Add("#Fields: sc-status", "401")
	f.Add("#Fields: time sc-status sc-substatus sc-win32-status", "99:99:99 401 -1 -5")
	f.Add("#Fields:", "\x00\x00")
	f.Add("#Fields: date date", "")
	f.Fuzz(func(t *testing.T, fields, line string) {
		if h, err := ParseFields(fields); err == nil {
			e, err := h.ParseLine(line, "2026-11-24")
			if err == nil && (e.Status < 100 || e.Status > 999) {
				t.Fatalf("accepted status %d", e.Status)
			}
		}
		a := New(Options{MaxURIs: 4, MaxClients: 4, MaxHosts: 4})
		in := fields + "\n" + line + "\n" + line + "\n"
		if strings.HasPrefix(in, "\x1f\x8b") {
			return // gzip magic: the reader decompresses, tested elsewhere
		}
		if err := a.Add("fuzz.log", strings.NewReader(in)); err != nil {
			t.Fatalf("Add: %v", err)
		}
		r := a.Report()
		data := 0
		for _, l := range strings.Split(strings.TrimSuffix(in, "\n"), "\n") {
			if t := strings.TrimRight(l, "\r"); strings.TrimSpace(t) != "" && !strings.HasPrefix(t, "#") {
				data++
			}
		}
		bad := r.Totals.Malformed - r.Malformed.ByReason[ReasonDirective]
		if r.Totals.Requests+bad != data {
			t.Fatalf("%d data lines, %d requests + %d malformed", data, r.Totals.Requests, bad)
		}
		var sb strings.Builder
		if err := WriteText(&sb, r); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(&sb, r); err != nil {
			t.Fatal(err)
		}
	})
}
