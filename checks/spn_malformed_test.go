package checks

import (
	"reflect"
	"strings"
	"testing"
)

func TestMalformed(t *testing.T) {
	tests := []struct {
		name   string
		spns   []string
		want   []string // subjects
		reason string
	}{
		{"URL after the class", []string{"HTTP/http://web01.corp.example"}, []string{"http/http://web01.corp.example"}, "URL"},
		{"bare URL", []string{"http://bad.corp.example"}, []string{"http://bad.corp.example"}, "URL"},
		{"space", []string{"HTTP/bad corp.example"}, []string{"http/bad corp.example"}, "whitespace"},
		{"non-numeric port", []string{"HTTP/web01.corp.example:eighty"}, []string{"http/web01.corp.example:eighty"}, "not a number"},
		{"several on one account: one finding", []string{"http://bad.corp.example", "HTTP/bad.corp.example:eighty", "HTTP/ok.corp.example"},
			[]string{"http://bad.corp.example,http/bad.corp.example:eighty"}, ""},
		{"healthy twin: SQL named instance", []string{"MSSQLSvc/sql01.corp.example:INST1"}, nil, ""},
		{"healthy twin: three-part DC SPN", []string{"ldap/dc01.corp.example/corp.example", "E3514235-4B06-11D1-AB04-00C04FC2DCD2/6b0f2bbc-52b4/corp.example"}, nil, ""},
		{"healthy twin: port-qualified", []string{"HTTP/web02.corp.example:81", "HTTP/web02:81"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := runMalformed(newSnapshot(user("svc-x", tt.spns...)), DefaultOptions())
			if got := subjects(fs, Fail); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("subjects = %q, want %q", got, tt.want)
			}
			if tt.reason != "" && !strings.Contains(fs[0].Explanation, tt.reason) {
				t.Errorf("explanation lacks the reason %q: %s", tt.reason, fs[0].Explanation)
			}
		})
	}
}

func TestMalformedRemediation(t *testing.T) {
	fs := runMalformed(newSnapshot(user("svc-bad", "HTTP/http://web01.corp.example:8080/app", "HTTP/bad corp.example")), DefaultOptions())
	steps := allSteps(fs[0])
	for _, want := range []string{
		`setspn -D HTTP/http://web01.corp.example:8080/app CORP\svc-bad`,
		`setspn -S HTTP/web01.corp.example:8080 CORP\svc-bad`, // the SPN the URL meant
		`setspn -D "HTTP/bad corp.example" CORP\svc-bad`,      // quoted: it holds a space
		`-Remove @{servicePrincipalName='HTTP/bad corp.example'}`,
	} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
	// No add when the account already holds the intended SPN.
	fs = runMalformed(newSnapshot(user("svc-bad", "http://web01.corp.example", "HTTP/web01.corp.example")), DefaultOptions())
	if strings.Contains(allSteps(fs[0]), "setspn -S") {
		t.Errorf("re-adds an SPN the account holds:\n%s", allSteps(fs[0]))
	}
}

func TestIntendedSPN(t *testing.T) {
	for raw, want := range map[string]string{
		"http://web01.corp.example":         "HTTP/web01.corp.example",
		"https://web01.corp.example:443/x":  "HTTP/web01.corp.example",
		"HTTP/http://web01.corp.example:81": "HTTP/web01.corp.example:81",
		"HTTP/web01.corp.example:eighty":    "",
		"HTTP/bad corp.example":             "",
	} {
		if got := intendedSPN(parsedSPN{SPN: spnRaw(raw)}); got != want {
			t.Errorf("intendedSPN(%q) = %q, want %q", raw, got, want)
		}
	}
}
