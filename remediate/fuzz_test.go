package remediate

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/checks"
)

// The remediation scripts are generated from directory data that anyone
// allowed to write servicePrincipalName controls, and are run by domain
// administrators. FuzzScripts puts arbitrary text into an SPN value, the
// account's DN and its sAMAccountName of the seed case and checks that no
// script lets it out of its quoting: every LDIF line is a well-formed
// change line, every batch-file line starts with a statement the writer
// emits, and the LDIF changes exactly the values the plan names.
func FuzzScripts(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("..", "testdata", "snapshots", "seed.json"))
	if err != nil {
		f.Skip(err)
	}
	for _, s := range [][3]string{
		{"HTTP/mp01.corp.example:8080", "CN=svc-appweb,CN=Users,DC=corp,DC=example", "svc-appweb"},
		{"HTTP/evil.corp.example\r\ncalc.exe & REM ", "CN=svc-appweb\nStart-Process notepad,CN=Users,DC=corp,DC=example", "svc-appweb"},
		{"HTTP/x'; Start-Process calc; '", "CN=a'b,CN=Users,DC=corp,DC=example", "a'b"},
		{"HTTP/y\n#>\nStart-Process calc\n<#", "CN=x,DC=corp,DC=example", "x%PATH%"},
		{"HTTP/z\x00\x1b[2J", "CN=\u2019,DC=corp,DC=example", "z\"&calc"},
		{" HTTP/lead:space ", ": colon", "<lt"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, spnValue, dn, sam string) {
		snap, err := audit.Unmarshal(seed)
		if err != nil {
			t.Fatal(err)
		}
		for i := range snap.Accounts {
			a := &snap.Accounts[i]
			if a.SAMAccountName == "svc-appweb" {
				a.SPNs = append(a.SPNs, spnValue)
				if dn != "" {
					a.DN = dn
				}
				if sam != "" {
					a.SAMAccountName = sam
				}
			}
		}
		opt := checks.DefaultOptions()
		findings := checks.Run(snap, checks.All(), opt)
		for _, strategy := range Strategies {
			p, err := Build(snap, findings, Options{Strategy: strategy, Port: opt.MovePort, Generator: "fuzz"})
			if err != nil {
				return // refusing a plan is fine; crashing or escaping is not
			}
			// One format at a time: a format may refuse a value the others
			// can carry (a batch file cannot pass a '"' to setspn).
			for _, format := range FormatNames() {
				files, err := Render(p, []string{format})
				if err != nil {
					continue
				}
				for _, file := range files {
					switch filepath.Ext(file.Name) {
					case ".ldif":
						checkLDIF(t, file.Name, file.Data, p)
					case ".cmd":
						checkCMD(t, file.Name, file.Data)
					}
				}
			}
		}
	})
}

// checkLDIF parses an LDIF change file line by line: comments, version,
// dn, changetype, add/delete of servicePrincipalName, values, separators.
// The values must be exactly those the plan removes and adds.
func checkLDIF(t *testing.T, name string, data []byte, p *Plan) {
	t.Helper()
	var got, dns []string
	for i, line := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		value := func(prefix string) (string, bool) {
			if v, ok := strings.CutPrefix(line, prefix+":: "); ok {
				b, err := base64.StdEncoding.DecodeString(v)
				if err != nil {
					t.Fatalf("%s line %d: bad base64 %q", name, i+1, v)
				}
				return string(b), true
			}
			if v, ok := strings.CutPrefix(line, prefix+": "); ok {
				return v, true
			}
			return "", false
		}
		switch {
		case line == "", line == "-", line == "#", strings.HasPrefix(line, "# "), line == "version: 1",
			line == "changetype: modify", line == "add: servicePrincipalName", line == "delete: servicePrincipalName":
		default:
			if v, ok := value("dn"); ok {
				dns = append(dns, v)
			} else if v, ok := value("servicePrincipalName"); ok {
				got = append(got, v)
			} else {
				t.Fatalf("%s line %d is not an LDIF change line: %q", name, i+1, line)
			}
		}
	}
	var want, wantDNs []string
	for _, a := range p.ChangedAccounts() {
		want = append(append(want, a.Remove...), a.Add...)
		wantDNs = append(wantDNs, a.DN)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) && (len(got) > 0 || len(want) > 0) {
		t.Fatalf("%s changes %q, the plan %q", name, got, want)
	}
	if !reflect.DeepEqual(dns, wantDNs) && (len(dns) > 0 || len(wantDNs) > 0) {
		t.Fatalf("%s names DNs %q, the plan %q", name, dns, wantDNs)
	}
}

// cmdStatements are the first words of every line the batch writer emits.
var cmdStatements = map[string]bool{
	"rem": true, "echo": true, "@echo": true, "if": true, "call": true, "setspn": true, ")": true, "(": true,
	"exit": true, "set": true, "for": true, "chcp": true, "where": true, "setlocal": true, "endlocal": true, "goto": true, "else": true,
}

// checkCMD: every line starts with a statement the writer emits (or a
// label); a value that smuggled a line break in would start a line with
// its own text.
func checkCMD(t *testing.T, name string, data []byte) {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(data, []byte("\r\n"), nil), []byte("\n")) || bytes.Contains(bytes.ReplaceAll(data, []byte("\r\n"), nil), []byte("\r")) {
		t.Fatalf("%s has a bare CR or LF: a line break inside a line", name)
	}
	for i, line := range strings.Split(string(data), "\r\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], ":") || cmdStatements[strings.ToLower(f[0])] {
			continue
		}
		t.Fatalf("%s line %d starts with %q, not a statement the writer emits: %q", name, i+1, f[0], line)
	}
}

// FuzzReadBackup: `fix --rollback` reads a backup file that may have been
// edited, truncated or replaced. It must refuse what it cannot use, never
// panic, and what it accepts must write and read back the same.
func FuzzReadBackup(f *testing.F) {
	f.Add([]byte(`{"version":1,"tool":"spntrust","createdAt":"2026-11-25T18:00:00Z","server":"dc1.lab.test","accounts":[{"dn":"CN=svc-mpweb,CN=Users,DC=lab,DC=test","account":"LAB\\svc-mpweb","domain":"lab.test","spns":["HTTP/mp01","HTTP/mp01.lab.test"],"plannedRemove":["HTTP/mp01"],"plannedAdd":["HTTP/mp01:81"]}]}`))
	f.Add([]byte(`{"version":1,"accounts":[]}`))
	f.Add([]byte(`{"version":2,"accounts":[{"dn":"x"}]}`))
	f.Add([]byte(`{"version":1,"accounts":[{"dn":""}]}`))
	f.Add([]byte(`{"version":1,"accounts":[{"dn":"x","spns":null}],"extra":1}`))
	f.Add([]byte(`{"version":1,"accounts":[{"dn":"x","spns":["\u0000"]}]}{}`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		in := filepath.Join(dir, "in.json")
		if err := os.WriteFile(in, data, 0o600); err != nil {
			t.Fatal(err)
		}
		b, err := ReadBackup(in)
		if err != nil {
			if !strings.Contains(err.Error(), in) && !strings.Contains(err.Error(), "backup") {
				t.Fatalf("error does not name the backup: %v", err)
			}
			return
		}
		out := filepath.Join(dir, "out.json")
		if err := WriteBackup(out, b); err != nil {
			t.Fatalf("accepted backup does not write: %v", err)
		}
		b2, err := ReadBackup(out)
		if err != nil {
			t.Fatalf("written backup does not read: %v", err)
		}
		if !reflect.DeepEqual(b.Accounts, b2.Accounts) || !b.CreatedAt.Equal(b2.CreatedAt) {
			t.Fatalf("backup changed on the round trip:\n%+v\n%+v", b, b2)
		}
	})
}
