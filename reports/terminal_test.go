package reports

import "testing"

func TestTerminalSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HTTP/web01.lab.test", "HTTP/web01.lab.test"},
		{"ünïcödé names stay", "ünïcödé names stay"},
		{"line\nand\ttab", "line\nand\ttab"},
		{"HTTP/\x1b[31mred\x1b[0m", `HTTP/\x1b[31mred\x1b[0m`},
		{"bell\x07 and DEL\x7f", `bell\x07 and DEL\x7f`},
		{"C1 \u009b control", `C1 \x9b control`},
		{"svc-\u202egnp.exe", `svc-\u202egnp.exe`},
		{"bad \xff utf8", `bad \xff utf8`},
	}
	for _, tt := range tests {
		if got := terminalSafe(tt.in); got != tt.want {
			t.Errorf("terminalSafe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
