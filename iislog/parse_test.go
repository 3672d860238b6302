package iislog

import (
	"errors"
	"testing"
	"time"
)

const defaultFields = "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"

func TestParseFields(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		wantErr bool
		status  bool
	}{
		{"IIS default fields", defaultFields, false, true},
		{"CRLF line ending", defaultFields + "\r\n", false, true},
		{"without sc-status the lines cannot be analysed", "#Fields: date time c-ip cs-uri-stem", false, false},
		{"field names are case-insensitive", "#Fields: DATE TIME SC-STATUS", false, true},
		{"no fields", "#Fields:", true, false},
		{"not a fields directive", "#Date: 2026-11-24 00:00:00", true, false},
		{"a field twice", "#Fields: date sc-status sc-status", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseFields(tt.line)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && h.HasStatus() != tt.status {
				t.Errorf("HasStatus = %v, want %v", h.HasStatus(), tt.status)
			}
		})
	}
}

func TestParseLine(t *testing.T) {
	h, err := ParseFields(defaultFields)
	if err != nil {
		t.Fatal(err)
	}
	good := "2026-11-24 09:00:03 10.0.0.21 GET /app/ q=1 80 CORP\\alice 10.0.3.31 Mozilla/5.0+(Windows) - 200 0 0 15"
	e, err := h.ParseLine(good, "")
	if err != nil {
		t.Fatal(err)
	}
	want := Entry{Time: time.Date(2026, 11, 24, 9, 0, 3, 0, time.UTC), ServerIP: "10.0.0.21", ServerPort: "80",
		Method: "GET", URIStem: "/app/", Username: `CORP\alice`, ClientIP: "10.0.3.31", UserAgent: "Mozilla/5.0+(Windows)",
		Status: 200, SubStatus: 0, Win32Status: 0, HasWin32: true}
	if e != want {
		t.Errorf("ParseLine =\n %+v\nwant\n %+v", e, want)
	}

	tests := []struct {
		name       string
		line       string
		wantReason string // "" = parses
		check      func(Entry) bool
	}{
		{"dash is empty", "2026-11-24 09:00:03 10.0.0.21 GET / - 80 - 10.0.3.31 - - 401 2 5 0", "",
			func(e Entry) bool {
				return e.Username == "" && e.UserAgent == "" && e.Status == 401 && e.SubStatus == 2
			}},
		{"unsigned HRESULT in sc-win32-status", "2026-11-24 09:00:03 10.0.0.21 GET / - 80 - 10.0.3.31 - - 401 1 2148074274 0", "",
			func(e Entry) bool { return e.HasWin32 && e.Win32Status == 0x80090322 }},
		{"missing win32 status is not zero", "2026-11-24 09:00:03 10.0.0.21 GET / - 80 - 10.0.3.31 - - 401 1 - 0", "",
			func(e Entry) bool { return !e.HasWin32 }},
		{"tabs and double spaces", "2026-11-24\t09:00:03 10.0.0.21  GET / - 80 - 10.0.3.31 - - 200 0 0 1", "", nil},
		{"too few fields", "2026-11-24 09:00:03 10.0.0.21 GET /", ReasonFieldCount, nil},
		{"too many fields", good + " extra", ReasonFieldCount, nil},
		{"status not a number", "2026-11-24 09:00:03 10.0.0.21 GET / - 80 - 10.0.3.31 - - 2OO 0 0 1", ReasonStatus, nil},
		{"status out of range", "2026-11-24 09:00:03 10.0.0.21 GET / - 80 - 10.0.3.31 - - 42 0 0 1", ReasonStatus, nil},
		{"substatus negative", "2026-11-24 09:00:03 10.0.0.21 GET / - 80 - 10.0.3.31 - - 401 -1 0 1", ReasonSubstatus, nil},
		{"win32 status beyond 32 bits", "2026-11-24 09:00:03 10.0.0.21 GET / - 80 - 10.0.3.31 - - 401 1 4294967296 1", ReasonWin32, nil},
		{"win32 status negative", "2026-11-24 09:00:03 10.0.0.21 GET / - 80 - 10.0.3.31 - - 401 1 -2146893022 1", ReasonWin32, nil},
		{"bad time", "2026-11-24 25:61:00 10.0.0.21 GET / - 80 - 10.0.3.31 - - 200 0 0 1", ReasonTime, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := h.ParseLine(tt.line, "")
			if tt.wantReason == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if tt.check != nil && !tt.check(e) {
					t.Errorf("entry %+v", e)
				}
				return
			}
			var le *LineError
			if !errors.As(err, &le) || le.Reason != tt.wantReason {
				t.Errorf("err = %v, want %q", err, tt.wantReason)
			}
		})
	}
}

func TestParseLineTakesDateFromDirective(t *testing.T) {
	h, _ := ParseFields("#Fields: time c-ip sc-status")
	e, err := h.ParseLine("08:15:00 10.0.0.1 200", "2026-11-24")
	if err != nil || !e.Time.Equal(time.Date(2026, 11, 24, 8, 15, 0, 0, time.UTC)) {
		t.Errorf("entry %+v err %v", e, err)
	}
	e, err = h.ParseLine("08:15:00 10.0.0.1 200", "")
	if err != nil || !e.Time.IsZero() {
		t.Errorf("without #Date the time is unknown: %+v err %v", e, err)
	}
}
