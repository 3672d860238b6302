package spn

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary directory values to Parse. Whatever anyone in the
// domain writes into servicePrincipalName, Parse must not panic, must fail
// only with a *SyntaxError, and the comparison key must be stable: parsing
// the same value again gives the same key, and a valid SPN's key parses to
// itself (the key is what duplicate detection compares).
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"HTTP/mp01.lab.test", "HTTP/mp01", "HOST/WEB01.lab.test.", "MSSQLSvc/sql01.lab.test:1433",
		"MSSQLSvc/sql01.lab.test:INST1", "ldap/dc1.lab.test/lab.test", "ldap/dc1.lab.test:389/lab.test",
		"E3514235-4B06-11D1-AB04-00C04FC2DCD2/0f8a6d1e-1b7a-4a6c-8a8b-3c1c2d7a9e10/lab.test",
		"HTTP/http://portal.lab.test", "HTTP//portal", "HTTP/portal lab", "HTTP/portal:0", "HTTP/portal:65536",
		"HTTP/portal:", "HTTP/a:b:c", "/host", "HTTP/", "noslash", "a/b/c/d", "HTTP/x..y", "HTTP/\x00",
		"HTTP/\xff\xfe", "HTTP/İstanbul.lab.test", "HTTP/ǅ.lab.test", "HTTP/" + strings.Repeat("a", 64) + ".test",
		"HTTP/" + strings.Repeat("a.", 130) + "test", "krbtgt/LAB.TEST", "kadmin/changepw", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		s, err := Parse(raw)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): error of type %T, want *SyntaxError", raw, err)
			}
			if se.Value != raw || se.Reason == "" {
				t.Fatalf("Parse(%q): SyntaxError %+v does not name the value and a reason", raw, se)
			}
			_ = err.Error()
		}
		if s.Raw != raw || s.String() != raw {
			t.Fatalf("Parse(%q).Raw = %q", raw, s.Raw)
		}
		// Helpers work on partial results too.
		key := s.Key()
		_, _, _, _ = s.HostKey(), s.Class(), s.IsShortName(), s.NamesAHost()

		again, err2 := Parse(raw)
		if (err == nil) != (err2 == nil) || again != s || again.Key() != key {
			t.Fatalf("Parse(%q) is not deterministic: %+v / %+v", raw, s, again)
		}
		if err != nil {
			return
		}
		// A valid SPN: its parts are non-empty and its key is a fixed point.
		if s.ServiceClass == "" || s.Host == "" {
			t.Fatalf("Parse(%q) accepted an empty class or host: %+v", raw, s)
		}
		if !utf8.ValidString(key) {
			t.Fatalf("Parse(%q).Key() = %q is not UTF-8", raw, key)
		}
		if k2 := mustKey(t, key); k2 != key {
			t.Fatalf("Key is not stable: Parse(%q).Key() = %q, Parse(that).Key() = %q", raw, key, k2)
		}
		if s.Port == "" {
			if p := s.WithPort(8080); p.Port != "8080" || p.Host != s.Host {
				t.Fatalf("WithPort on %q gave %+v", raw, p)
			}
		}
	})
}

// mustKey re-parses a key. Lower-casing can turn a valid host into one Parse
// rejects (some upper-case letters lower-case to a letter plus a combining
// mark), so the key of the partial result is what must be stable.
func mustKey(t *testing.T, key string) string {
	t.Helper()
	s, _ := Parse(key)
	return s.Key()
}
