package setspnsim

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const table = `{"domainDN":"DC=corp,DC=example","netbios":"CORP","accounts":[
 {"sam":"MP01$","dn":"CN=MP01,CN=Computers,DC=corp,DC=example","spns":["HOST/mp01.corp.example","HOST/MP01"]},
 {"sam":"svc-web","dn":"CN=svc-web,CN=Users,DC=corp,DC=example","spns":["HTTP/mp01.corp.example"]},
 {"sam":"svc-old","dn":"CN=svc-old,CN=Users,DC=corp,DC=example","spns":["http/MP01.corp.example"]},
 {"sam":"mp01","dn":"CN=mp01 user,CN=Users,DC=corp,DC=example","spns":[]}]}`

func TestSetspnCommands(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		deny     []string
		code     int
		out      []string // substrings of stdout
		spnsOf   string   // account whose SPNs are checked afterwards
		wantSPNs string
	}{
		{name: "list prints the DN and each SPN after a tab", args: []string{"-L", `CORP\svc-web`}, out: []string{"Registered ServicePrincipalNames for CN=svc-web,CN=Users,DC=corp,DC=example:\n\tHTTP/mp01.corp.example\n"}},
		{name: "a bare name is the computer when name$ exists", args: []string{"-L", "mp01"}, out: []string{"CN=MP01,CN=Computers"}},
		{name: "an unknown account fails", args: []string{"-L", `CORP\nobody`}, code: 1, out: []string{"Unable to locate account CORP\\nobody"}},
		{name: "another domain's account is unknown", args: []string{"-L", `OTHER\svc-web`}, code: 1},
		{name: "add refuses an SPN held anywhere, whatever its case", args: []string{"-S", "HTTP/MP01.CORP.EXAMPLE", "MP01$"}, code: 1,
			out: []string{"Duplicate SPN found, aborting operation!"}, spnsOf: "MP01$", wantSPNs: "HOST/mp01.corp.example,HOST/MP01"},
		{name: "add registers a free SPN", args: []string{"-S", "HTTP/mp01.corp.example:81", `CORP\svc-web`}, out: []string{"Updated object"},
			spnsOf: "svc-web", wantSPNs: "HTTP/mp01.corp.example,HTTP/mp01.corp.example:81"},
		{name: "add on a denied account fails and changes nothing", args: []string{"-S", "HTTP/x", `CORP\svc-web`}, deny: []string{`CORP\svc-web`}, code: 1,
			out: []string{"Insufficient access rights"}, spnsOf: "svc-web", wantSPNs: "HTTP/mp01.corp.example"},
		{name: "delete removes case-insensitively", args: []string{"-D", "http/MP01.corp.example", `CORP\svc-web`}, out: []string{"Updated object"},
			spnsOf: "svc-web", wantSPNs: ""},
		{name: "delete of an SPN the account lacks fails", args: []string{"-D", "HTTP/nothere", `CORP\svc-web`}, code: 1},
		{name: "query finds every holder", args: []string{"-Q", "HTTP/mp01.corp.example"}, out: []string{"CN=svc-web", "CN=svc-old", "Existing SPN found!"}},
		{name: "query of an unknown SPN exits 1", args: []string{"-Q", "HTTP/none"}, code: 1, out: []string{"No such SPN found."}},
		{name: "duplicates are grouped case-insensitively", args: []string{"-X", "-F"}, out: []string{"HTTP/mp01.corp.example is registered on these accounts:\n\tCN=svc-web,CN=Users,DC=corp,DC=example\n\tCN=svc-old,", "found 1 group of duplicate SPNs."}},
		{name: "an unknown switch is a usage error", args: []string{"-A", "HTTP/x", "svc-web"}, code: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "spns.json")
			if err := os.WriteFile(path, []byte(table), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			code := Run(tc.args, path, tc.deny, &out, &errb)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out.String(), errb.String())
			}
			for _, s := range tc.out {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, out.String())
				}
			}
			if tc.spnsOf != "" {
				tb, err := Load(path)
				if err != nil {
					t.Fatal(err)
				}
				a, _ := tb.find(tc.spnsOf)
				if got := strings.Join(a.SPNs, ","); got != tc.wantSPNs {
					t.Errorf("SPNs of %s: %q, want %q", tc.spnsOf, got, tc.wantSPNs)
				}
			}
		})
	}
}

func TestSetspnNeedsItsTable(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Run([]string{"-L", "x"}, "", nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), TableEnv) {
		t.Errorf("exit %d, %q", code, errb.String())
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"domainDN":"DC=x","netbios":"X","extra":1}`), 0o600)
	if code := Run([]string{"-L", "x"}, bad, nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), "extra") {
		t.Errorf("unknown field: exit %d, %q", code, errb.String())
	}
}
