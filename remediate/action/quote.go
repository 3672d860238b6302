package action

import (
	"strings"
	"unicode"
)

// The one quoting function of each shell. Every command the reports, the
// plan and the scripts print passes its data through one of these.

// CmdArg quotes a value as one cmd.exe argument: bare when it has only
// characters cmd.exe and the C runtime take literally (letters, digits and
// . _ - / : \ $ @ # +), else in double quotes. ok is false when no quoting
// makes the value safe in a batch file (empty, or holding ", %, a line
// break): the display form then escapes " as \" (the C runtime's rule), and
// the batch writer refuses the value.
func CmdArg(v string) (quoted string, ok bool) {
	if v == "" {
		return `""`, false
	}
	plain := true
	for _, r := range v {
		switch {
		case r == '"' || r == '%' || r == '\r' || r == '\n':
			return `"` + strings.ReplaceAll(v, `"`, `\"`) + `"`, false
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)), strings.ContainsRune("._-/:\\$@#+", r):
		default:
			plain = false
		}
	}
	if plain {
		return v, true
	}
	return `"` + v + `"`, true
}

// PowerShellQuote returns v as a single-quoted PowerShell string, in which
// nothing is expanded. PowerShell also takes the typographic quotes
// U+2018-U+201B as single quotes, so those are doubled too.
func PowerShellQuote(v string) string {
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte('\'')
	for _, r := range v {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
			b.WriteRune(r)
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// ShQuote quotes v as one POSIX sh word: bare when it has only letters,
// digits and . _ - / : @ % + = , (and does not start with - or ~), else in
// single quotes, a single quote written as '\”.
func ShQuote(v string) string {
	plain := v != "" && v[0] != '-' && v[0] != '~'
	for _, r := range v {
		if !(r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) || strings.ContainsRune("._-/:@%+=,", r)) {
			plain = false
			break
		}
	}
	if plain {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}
