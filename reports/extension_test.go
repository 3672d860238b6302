package reports

import "testing"

func TestFormatForPath(t *testing.T) {
	tests := []struct {
		path, want string
		ok         bool
	}{
		{"r.html", "html", true},
		{"out/REPORT.HTM", "html", true},
		{"r.json", "json", true},
		{"r.csv", "csv", true},
		{"r.md", "markdown", true},
		{"junit.xml", "junit", true},
		{"r.sarif", "sarif", true},
		{"spntrust.prom", "prometheus", true},
		{"r.txt", "text", true},
		{"r.sarif.json", "json", true},
		{"report", "", false},
		{"r.pdf", "", false},
	}
	for _, tt := range tests {
		got, ok := FormatForPath(tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("FormatForPath(%q) = %q, %v; want %q, %v", tt.path, got, ok, tt.want, tt.ok)
		}
		if ok {
			if _, err := ForFormat(got); err != nil {
				t.Errorf("%s maps to %q, which is no format: %v", tt.path, got, err)
			}
		}
	}
}
