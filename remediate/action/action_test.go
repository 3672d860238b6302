package action

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestCmdArgQuotesOnlyWhatNeedsIt(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"HTTP/web01.corp.example:81", "HTTP/web01.corp.example:81", true},
		{`CORP\svc-web`, `CORP\svc-web`, true},
		{`CORP\WEB01$`, `CORP\WEB01$`, true},
		{`CORP\svc web`, `"CORP\svc web"`, true},
		{"a&b", `"a&b"`, true},
		{"HTTP/a,b", `"HTTP/a,b"`, true},
		{`say "hi"`, `"say \"hi\""`, false},
		{`CORP\50%off`, `"CORP\50%off"`, false},
		{"two\nlines", "\"two\nlines\"", false},
		{"", `""`, false},
	}
	for _, tt := range tests {
		got, ok := CmdArg(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("CmdArg(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestPowerShellQuoteDoublesEverySingleQuote(t *testing.T) {
	if got := PowerShellQuote("O'Brien ‘x’ ‚y‛"); got != "'O''Brien ‘‘x’’ ‚‚y‛‛'" {
		t.Errorf("PowerShellQuote = %s", got)
	}
	if got := PowerShellQuote("$env:x `n"); got != "'$env:x `n'" {
		t.Errorf("PowerShellQuote kept nothing literal: %s", got)
	}
}

func TestShQuote(t *testing.T) {
	tests := map[string]string{
		"HTTP/web01.lab.test": "HTTP/web01.lab.test",
		"it's":                `'it'\''s'`,
		"-rf":                 "'-rf'",
		"a b":                 "'a b'",
		"$(id)":               "'$(id)'",
		"":                    "''",
	}
	for in, want := range tests {
		if got := ShQuote(in); got != want {
			t.Errorf("ShQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestCommandsQuoteDataForTheirShellAndWordsNever(t *testing.T) {
	tests := []struct {
		name string
		c    *Command
		want string
	}{
		{"cmd", CmdLine("setspn", "-S", D("HTTP/x y"), `<DOMAIN\account>`), `setspn -S "HTTP/x y" <DOMAIN\account>`},
		{"powershell", PS("Set-ADUser", "-Identity", D("o'neil"), "-KerberosEncryptionType", "AES128,AES256"), `Set-ADUser -Identity 'o''neil' -KerberosEncryptionType AES128,AES256`},
		{"sh", ShLine("kvno", D("HTTP/it's")), `kvno 'HTTP/it'\''s'`},
		{"placeholder stays a word", PS("Resolve-DnsName", Value("<each address>")), `Resolve-DnsName <each address>`},
		{"value is data", PS("Resolve-DnsName", Value("dc1.lab.test")), `Resolve-DnsName 'dc1.lab.test'`},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestTypedActionsRenderTheirCommand(t *testing.T) {
	tests := []struct {
		a    Action
		want string
	}{
		{Action{Type: RemoveSPN, SPN: "HTTP/mp01.corp.example", Account: `CORP\svc-web`}, `setspn -D HTTP/mp01.corp.example CORP\svc-web`},
		{Action{Type: AddSPN, SPN: "HTTP/mp01.corp.example:81", Account: `CORP\svc web`}, `setspn -S HTTP/mp01.corp.example:81 "CORP\svc web"`},
		{Action{Type: MoveSitePort, Account: `CORP\svc-web`, Host: "mp01.corp.example", Port: 81},
			`Move the site that runs as CORP\svc-web on mp01.corp.example to port 81 (IIS: New-WebBinding -Name <site> -Protocol http -Port 81, then remove its port 80 binding).`},
		{Action{Type: Manual, Note: "do it by hand"}, "do it by hand"},
		{Action{Type: Manual, Note: "summary", Say: Say("On the DC: ", CmdLine("ipconfig", "/registerdns"))}, "On the DC: ipconfig /registerdns"},
		{Action{Type: Advice}, ""},
	}
	for _, tt := range tests {
		if got := tt.a.Step(); got != tt.want {
			t.Errorf("Step(%+v) = %q, want %q", tt.a, got, tt.want)
		}
	}
}

func TestOptionJSONCarriesTheRenderedStepsAndReadsBackTheActions(t *testing.T) {
	o := Option{Name: "remove", Summary: "Remove it.", Actions: []Action{
		{Type: RemoveSPN, SPN: "HTTP/a", Account: `CORP\x`},
		{Type: Advice, Say: Say("Then: ", CmdLine("setspn", "-Q", D("HTTP/a")))},
	}}
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Steps []string `json:"steps"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if want := []string{`setspn -D HTTP/a CORP\x`, "Then: setspn -Q HTTP/a"}; !reflect.DeepEqual(raw.Steps, want) {
		t.Errorf("steps = %q, want %q", raw.Steps, want)
	}
	var back Option
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, o) || !reflect.DeepEqual(back.Steps(), raw.Steps) {
		t.Errorf("read back %+v, want %+v", back, o)
	}
	if empty, _ := json.Marshal(Option{Name: "n", Summary: "s"}); !strings.Contains(string(empty), `"steps":[]`) {
		t.Errorf("an option without actions: %s", empty)
	}
}

func TestNewCommandRefusesOtherArgumentTypes(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewCommand accepted an int")
		}
	}()
	NewCommand(Cmd, "x", 3)
}

func TestSiteMoveCommands(t *testing.T) {
	got := SiteMoveCommands("<site>", 81, false)
	if len(got) != 3 || got[0].String() != `%windir%\system32\inetsrv\appcmd set site /site.name:"<site>" /+bindings.[protocol='http',bindingInformation='*:81:']` {
		t.Errorf("placeholder site: %v", got)
	}
	if d := SiteMoveCommands("Default Web Site", 81, true); d[2].String() != `%windir%\system32\inetsrv\appcmd set config "Default Web Site" -section:system.webServer/security/authentication/windowsAuthentication /useAppPoolCredentials:true /useKernelMode:true /commit:apphost` {
		t.Errorf("named site: %s", d[2])
	}
}
