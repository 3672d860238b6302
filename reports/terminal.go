package reports

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// terminalSafe escapes what a terminal (or a pager, or `cat` of a saved
// report) would act on instead of print: C0 and C1 control characters other
// than newline and tab (ESC starts colour, cursor and title sequences), DEL,
// bidirectional overrides that reorder what is shown, and invalid UTF-8.
// Directory values are written by anyone who may edit an account, so the
// human-readable formats pass every byte through it.
func terminalSafe(s string) string {
	if isTerminalSafe(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case unicode.IsControl(r) || isBidiControl(r):
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func isTerminalSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\n' && c != '\t' || c >= 0x7f {
			return false
		}
	}
	return true
}

// isBidiControl reports the Unicode bidirectional embedding, override and
// isolate controls (U+202A–U+202E, U+2066–U+2069) and the marks U+200E/F.
func isBidiControl(r rune) bool {
	return r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// safeWriter passes text through terminalSafe. Each Write must carry whole
// UTF-8 sequences, as the buffered writers of the report formats do.
type safeWriter struct{ w io.Writer }

func (s safeWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(s.w, terminalSafe(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
