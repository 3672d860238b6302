package audit

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzUnmarshal feeds arbitrary bytes to the snapshot loader. It must never
// panic; whatever it accepts must marshal and load again, and the second
// round trip must be exact (the file format is a fixed point after one save).
func FuzzUnmarshal(f *testing.F) {
	if seed, err := os.ReadFile(seedSnapshot); err == nil {
		f.Add(seed)
	}
	for _, s := range []string{
		`{"schemaVersion":1}`,
		`{"schemaVersion":1,"collection":{},"forests":[],"domains":[],"accounts":[],"dns":{"hosts":[],"srv":[]}}`,
		`{"schemaVersion":2}`, `{"schemaVersion":null}`, `{}`, `[]`, `null`, ``, `{"schemaVersion":1}{}`,
		`{"schemaVersion":1,"bogus":true}`,
		`{"schemaVersion":1,"forests":[{"rootDomain":"lab.test","functionalLevel":42}]}`,
		`{"schemaVersion":1,"accounts":[{"dn":"CN=a","kind":"user","userAccountControl":514,"enabled":true,"spns":["HTTP/x"]}]}`,
		`{"schemaVersion":1,"accounts":[{"dn":"CN=a","kind":"user","userAccountControl":512,"enabled":true,"userAccountControlFlags":["NORMAL_ACCOUNT"],"spns":["\u0000\ud800"]}]}`,
		`{"schemaVersion":1,"dns":{"hosts":[{"name":"a","status":"fine"}],"srv":[]}}`,
		`{"schemaVersion":1,"dns":{"hosts":[{"name":"a","status":"ok","a":["1.2.3.4"],"ptr":{"1.2.3.4":null}}],"srv":[{"name":"_ldap._tcp.a","status":"ok","targets":[{"target":"dc","port":70000}]}]}}`,
		`{"schemaVersion":1,"clocks":[{"source":"kdc:x","remoteTime":"2026-11-25T10:00:00+14:00","localTime":"2026-11-25T10:00:00Z","roundTripMs":-0}]}`,
		`{"schemaVersion":1,"collection":{"startedAt":"2026-11-25T10:00:00Z","finishedAt":"2026-11-25T09:00:00Z"}}`,
		`{"schemaVersion":1,"domains":[{"dnsName":"lab.test","trusts":[{"partner":"p","type":2,"direction":3,"attributes":8,"attributeFlags":["X"]}]}]}`,
		"{\"schemaVersion\":1,\"collection\":{\"host\":\"\xff\xfe\"}}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		loadAgreesWithUnmarshal(t, data)
		s1, err := Unmarshal(data)
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("Unmarshal error of type %T, want *LoadError: %v", err, err)
			}
			_ = err.Error()
			return
		}
		b1, err := Marshal(s1)
		if err != nil {
			t.Fatalf("accepted snapshot does not marshal: %v", err)
		}
		s2, err := Unmarshal(b1)
		if err != nil {
			t.Fatalf("accepted snapshot does not load after Marshal: %v\n%s", err, b1)
		}
		b2, err := Marshal(s2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b1, b2) {
			t.Fatalf("second round trip differs:\n%s\n---\n%s", b1, b2)
		}
		s3, err := Unmarshal(b2)
		if err != nil || !reflect.DeepEqual(s2, s3) {
			t.Fatalf("re-loaded snapshot differs (%v):\n%+v\n%+v", err, s2, s3)
		}
	})
}

// loadAgreesWithUnmarshal checks that Load of a file holding data (which
// streams the file, and falls back to Unmarshal for what it does not take)
// gives exactly what Unmarshal gives: the same snapshot or the same error.
func loadAgreesWithUnmarshal(t *testing.T, data []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "snap.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	want, werr := Unmarshal(data)
	got, gerr := Load(path)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("Load error %v, Unmarshal error %v", gerr, werr)
	}
	if werr != nil {
		var wl, gl *LoadError
		if !errors.As(werr, &wl) || !errors.As(gerr, &gl) || wl.Field != gl.Field || wl.Err.Error() != gl.Err.Error() || gl.Path != path {
			t.Fatalf("Load error %v, Unmarshal error %v", gerr, werr)
		}
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Load and Unmarshal disagree on %q", data)
	}
}
