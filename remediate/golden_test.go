package remediate

import (
	"bytes"
	"flag"
	"github.com/spntrust/spntrust/remediate/action"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// golden compares got with testdata/NAME.golden (or rewrites it with -update).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./remediate -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s; review the diff and run `go test ./remediate -update` if it is intended.\n--- got ---\n%s", name, path, got)
	}
}

// TestGoldenScripts renders every file of the seed plan, for both strategies.
func TestGoldenScripts(t *testing.T) {
	for _, strategy := range spnStrategies {
		files, err := Render(seedPlan(t, strategy, 0), FormatNames())
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 1+2*len(FormatNames()) {
			t.Fatalf("%d files, want PLAN.md and a fix and rollback per format", len(files))
		}
		for _, f := range files {
			t.Run(string(strategy)+"/"+f.Name, func(t *testing.T) {
				golden(t, filepath.Join("seed-"+string(strategy), f.Name), f.Data)
			})
		}
	}
}

// TestGoldenScriptsOfTheRC4Plan renders the aes strategy's plan for the
// lab's RC4 findings (a live snapshot: svc-ntonly without AES keys, svc-rc4
// RC4-only): the password reset first, then the encryption types.
func TestGoldenScriptsOfTheRC4Plan(t *testing.T) {
	p := rc4Plan(t)
	files, err := Render(p, FormatNames())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			golden(t, filepath.Join("lab-rc4-aes", f.Name), f.Data)
		})
	}
}

func TestEveryScriptStepCarriesTheFinding(t *testing.T) {
	p := seedPlan(t, MovePort, 0)
	fp := p.Steps[0].Finding.Fingerprint
	files, err := Render(p, FormatNames())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		text := string(f.Data)
		if !strings.Contains(text, "SPN-USER-HOST-ALIAS") || !strings.Contains(text, fp) {
			t.Errorf("%s lacks the finding ID or fingerprint %s", f.Name, fp)
		}
	}
}

func TestCMDScripts(t *testing.T) {
	p := seedPlan(t, MovePort, 0)
	for _, kind := range []string{"fix", "rollback"} {
		var data []byte
		var err error
		if kind == "fix" {
			data, err = CMD{}.Fix(p)
		} else {
			data, err = CMD{}.Rollback(p)
		}
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		if strings.Contains(text, "setspn -A") {
			t.Errorf("%s.cmd uses setspn -A (no duplicate check)", kind)
		}
		if strings.Contains(strings.ReplaceAll(text, "\r\n", ""), "\n") {
			t.Errorf("%s.cmd has a bare LF line end", kind)
		}
		lines := strings.Split(text, "\r\n")
		changes := 0
		for i, l := range lines {
			l = strings.TrimSpace(l)
			if strings.HasPrefix(l, "setspn -D ") || strings.HasPrefix(l, "setspn -S ") {
				changes++
				// "if errorlevel 1", not "||": wine 8's cmd.exe runs both sides of ||.
				if i+1 >= len(lines) || strings.TrimSpace(lines[i+1]) != "if errorlevel 1 exit /b 1" {
					t.Errorf("%s.cmd: %q does not stop on error", kind, l)
				}
				// The state check comes first, the verification right after.
				if i < 5 || i+2 >= len(lines) || !strings.HasPrefix(strings.TrimSpace(lines[i-5]), "call :has ") || !strings.HasPrefix(strings.TrimSpace(lines[i+2]), "call :has ") {
					t.Errorf("%s.cmd: %q is not checked before and verified after", kind, l)
				}
			}
		}
		if changes != 4 {
			t.Errorf("%s.cmd has %d setspn changes, want 4", kind, changes)
		}
	}
}

func TestPS1Scripts(t *testing.T) {
	p := seedPlan(t, MovePort, 0)
	fix, _ := PowerShell{}.Fix(p)
	rb, _ := PowerShell{}.Rollback(p)
	for name, data := range map[string][]byte{"fix": fix, "rollback": rb} {
		text := string(data)
		for _, want := range []string{
			"[CmdletBinding(SupportsShouldProcess = $true)]",
			"Start-Transcript",
			"$ErrorActionPreference = 'Stop'",
			"[Parameter(Mandatory = $true)][ValidateNotNullOrEmpty()][string]$SiteName",
			"-ServicePrincipalNames $change",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s.ps1 lacks %q", name, want)
			}
		}
		for _, bad := range []string{"<site>", "<SiteName>", "YourSite", "CHANGEME"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s.ps1 contains the placeholder %q", name, bad)
			}
		}
	}
	if !strings.Contains(string(fix), "-Remove @('HTTP/mp01.corp.example', 'HTTP/mp01')") ||
		!strings.Contains(string(fix), "-Add @('HTTP/mp01.corp.example:81', 'HTTP/mp01:81')") {
		t.Errorf("fix.ps1 does not change the seed's SPNs:\n%s", fix)
	}
	if !strings.Contains(string(rb), "-Remove @('HTTP/mp01.corp.example:81', 'HTTP/mp01:81')") ||
		!strings.Contains(string(rb), "-Add @('HTTP/mp01.corp.example', 'HTTP/mp01')") {
		t.Errorf("rollback.ps1 is not the inverse:\n%s", rb)
	}
}

func TestQuoting(t *testing.T) {
	if got := action.PowerShellQuote("O'Brien ‘x’"); got != "'O''Brien ‘‘x’’'" {
		t.Errorf("psQuote = %s", got)
	}
	if got := cmdEscape(`a & b (c) | <d> 100% ^`); got != `a ^& b ^(c^) ^| ^<d^> 100%% ^^` {
		t.Errorf("cmdEscape = %s", got)
	}
	if _, err := cmdSPN("HTTP/a,b"); err == nil {
		t.Error("cmdSPN accepted a comma, which for /f splits on")
	}
	if _, err := cmdAccount(`CORP\50%off`); err == nil {
		t.Error("cmdAccount accepted %, which call expands twice")
	}
	for v, safe := range map[string]bool{"HTTP/mp01": true, " lead": false, ":colon": false, "<lt": false, "trail ": false, "héllo": false, "": true} {
		if ldifSafe(v) != safe {
			t.Errorf("ldifSafe(%q) = %v", v, !safe)
		}
	}
}

func TestNonASCIINamesAreEncoded(t *testing.T) {
	snap := loadSeed(t)
	for i := range snap.Accounts {
		if snap.Accounts[i].SAMAccountName == "svc-appweb" {
			snap.Accounts[i].DN = "CN=svc-äppweb,OU=Service Accounts,DC=corp,DC=example"
		}
	}
	p := planFor(t, snap, MovePort, 0)
	ldif, _ := LDIF{}.Fix(p)
	if !strings.Contains(string(ldif), "dn:: ") {
		t.Errorf("non-ASCII DN not base64-encoded:\n%s", ldif)
	}
	ps, _ := PowerShell{}.Fix(p)
	if !bytes.HasPrefix(ps, []byte("\xef\xbb\xbf")) {
		t.Error("non-ASCII ps1 without a UTF-8 BOM (Windows PowerShell would read it as ANSI)")
	}
}

func TestWriteDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	paths, err := WriteDir(dir, seedPlan(t, MovePort, 0), []string{"ldif"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", p, st.Mode().Perm())
		}
	}
	if strings.Join(names, " ") != "PLAN.md fix.ldif rollback.ldif" {
		t.Errorf("wrote %v", names)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("directory holds %d entries (temporary files left?)", len(entries))
	}
	if _, err := WriteDir(dir, seedPlan(t, MovePort, 0), []string{"pdf"}); err == nil || !strings.Contains(err.Error(), "unknown script format") {
		t.Errorf("unknown format: err = %v", err)
	}
}
