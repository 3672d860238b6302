package spn

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    SPN
		wantErr string // substring of the reason; "" means valid
	}{
		{name: "host and class", raw: "HTTP/mp01.corp.example", want: SPN{ServiceClass: "HTTP", Host: "mp01.corp.example"}},
		{name: "with port", raw: "HTTP/mp01.corp.example:81", want: SPN{ServiceClass: "HTTP", Host: "mp01.corp.example", Port: "81"}},
		{name: "with service name", raw: "ldap/dc1.lab.test/lab.test", want: SPN{ServiceClass: "ldap", Host: "dc1.lab.test", ServiceName: "lab.test"}},
		{name: "port and service name", raw: "ldap/dc1.lab.test:3268/lab.test", want: SPN{ServiceClass: "ldap", Host: "dc1.lab.test", Port: "3268", ServiceName: "lab.test"}},
		{name: "short name", raw: "HOST/MP01", want: SPN{ServiceClass: "HOST", Host: "MP01"}},
		{name: "SQL named instance", raw: "MSSQLSvc/sql01.lab.test:REPORTING", want: SPN{ServiceClass: "MSSQLSvc", Host: "sql01.lab.test", Port: "REPORTING"}},
		{name: "GUID service class", raw: "E3514235-4B06-11D1-AB04-00C04FC2DCD2/6f1a/lab.test", want: SPN{ServiceClass: "E3514235-4B06-11D1-AB04-00C04FC2DCD2", Host: "6f1a", ServiceName: "lab.test"}},
		{name: "empty", raw: "", wantErr: "empty value"},
		{name: "no slash", raw: "HTTPmp01", wantErr: "no '/'"},
		{name: "empty class", raw: "/mp01", wantErr: "empty service class"},
		{name: "empty host", raw: "HTTP/", wantErr: "empty host"},
		{name: "URL as SPN", raw: "HTTP/http://mp01.corp.example", wantErr: "URL"},
		{name: "scheme in class", raw: "http://mp01.corp.example", wantErr: "URL"},
		{name: "space", raw: "HTTP/mp01 .corp.example", wantErr: "whitespace"},
		{name: "non-numeric port", raw: "HTTP/mp01.corp.example:eighty", wantErr: "not a number"},
		{name: "port zero", raw: "HTTP/mp01:0", wantErr: "outside"},
		{name: "port too large", raw: "HTTP/mp01:70000", wantErr: "outside"},
		{name: "empty port", raw: "HTTP/mp01:", wantErr: "empty port"},
		{name: "two colons", raw: "HTTP/mp01:80:81", wantErr: "more than one ':'"},
		{name: "four components", raw: "a/b/c/d", wantErr: "more than three"},
		{name: "invalid utf8", raw: "HTTP/\xff\xfe", wantErr: "UTF-8"},
		{name: "control char", raw: "HTTP/mp\x0101", wantErr: "control"},
		{name: "empty label", raw: "HTTP/mp01..corp", wantErr: "empty label"},
		{name: "bad host char", raw: "HTTP/mp01;rm", wantErr: "contains"},
		{name: "long label", raw: "HTTP/" + strings.Repeat("a", 64), wantErr: "longer than 63"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.raw)
			if tt.wantErr != "" {
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("Parse(%q) error = %v, want a *SyntaxError", tt.raw, err)
				}
				if !strings.Contains(se.Reason, tt.wantErr) {
					t.Errorf("reason %q does not contain %q", se.Reason, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.raw, err)
			}
			tt.want.Raw = tt.raw
			if got != tt.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.raw, got, tt.want)
			}
		})
	}
}

func TestKeyComparesCaseInsensitivelyAndIgnoresTrailingDot(t *testing.T) {
	pairs := [][2]string{
		{"HTTP/MP01.Corp.Example", "http/mp01.corp.example"},
		{"http/mp01.corp.example.", "HTTP/mp01.corp.example"},
		{"MSSQLSvc/SQL01:1433", "mssqlsvc/sql01:1433"},
	}
	for _, p := range pairs {
		a, _ := Parse(p[0])
		b, _ := Parse(p[1])
		if a.Key() != b.Key() {
			t.Errorf("Key(%q) = %q, Key(%q) = %q, want equal", p[0], a.Key(), p[1], b.Key())
		}
	}
	a, _ := Parse("HTTP/mp01:81")
	b, _ := Parse("HTTP/mp01")
	if a.Key() == b.Key() {
		t.Errorf("port-qualified and plain SPN share key %q", a.Key())
	}
}

func TestWithPortAndShortName(t *testing.T) {
	s, _ := Parse("HTTP/mp01.lab.test")
	if got := s.WithPort(81).Raw; got != "HTTP/mp01.lab.test:81" {
		t.Errorf("WithPort = %q", got)
	}
	if s.IsShortName() {
		t.Error("FQDN reported as short name")
	}
	short, _ := Parse("HTTP/mp01")
	if !short.IsShortName() {
		t.Error("short name not recognised")
	}
}

func TestNamesAHost(t *testing.T) {
	for raw, want := range map[string]bool{
		"HTTP/web01.lab.test": true,
		"E3514235-4B06-11D1-AB04-00C04FC2DCD2/9bcadad8-cd16-4e4f-b89e-90feaa6ad515/lab.test": false,
		"kadmin/changepw": false,
	} {
		s, err := Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.NamesAHost(); got != want {
			t.Errorf("NamesAHost(%q) = %v, want %v", raw, got, want)
		}
	}
}
