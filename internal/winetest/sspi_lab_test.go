//go:build linux

package winetest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/internal/labenv"
)

// The Windows build binds to a lab DC as "the logged-on user" through SSPI:
// under wine the Kerberos package is MIT krb5, whose default credential
// cache (set in a krb5.conf of the test's own) holds a kinit ticket. No
// --user, no password, no KRB5CCNAME reach spntrust; the audit reads the
// directory over the signed (integrity layer) connection Samba requires.
// With an empty cache the same command fails at the SSPI step, which shows
// the bind went through SSPI and not through gokrb5.
func TestWineSSPIBindAgainstLab(t *testing.T) {
	w := Require(t)
	e := labenv.Require(t)
	kinit, err := exec.LookPath("kinit")
	if err != nil {
		t.Fatalf("kinit (krb5-user, installed by the lab) is missing: %v", err)
	}
	dc := e.DCs[0]
	dir := t.TempDir()
	conf, err := os.ReadFile(e.Krb5Config)
	if err != nil {
		t.Fatal(err)
	}
	ccache := filepath.Join(dir, "ccache")
	krb5 := filepath.Join(dir, "krb5.conf")
	text := strings.Replace(string(conf), "[libdefaults]", "[libdefaults]\n\tdefault_ccache_name = FILE:"+ccache, 1)
	if text == string(conf) {
		t.Fatalf("%s has no [libdefaults] section", e.Krb5Config)
	}
	if err := os.WriteFile(krb5, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	pw, err := e.AdminPassword()
	if err != nil {
		t.Fatal(err)
	}
	win := Build(t, "windows", "./cmd/spntrust")
	audit1 := func(t *testing.T, snap string) Result {
		return w.Run(t, dir, []string{"KRB5_CONFIG=" + krb5}, win, "audit", "--server", dc.IP, "--dns-server", dc.IP,
			"--key-probes=false", "--save-snapshot", WinPath(snap), "--format", "json")
	}

	t.Run("without a ticket the SSPI step fails", func(t *testing.T) {
		r := audit1(t, filepath.Join(dir, "none.json"))
		if r.Code != 3 || !strings.Contains(string(r.Stderr), "SSPI") {
			t.Errorf("exit %d, want 3 with an SSPI error:\n%s", r.Code, r.Stderr)
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	k := exec.CommandContext(ctx, kinit, e.AdminUser+"@"+dc.Realm)
	k.Env = append(os.Environ(), "KRB5_CONFIG="+krb5)
	k.Env = append(k.Env, "KRB5CCNAME=FILE:"+ccache)
	k.Stdin = strings.NewReader(pw + "\n")
	if out, err := k.CombinedOutput(); err != nil {
		t.Fatalf("kinit: %v\n%s", err, out)
	}

	t.Run("with the logged-on user's ticket the audit reads the directory", func(t *testing.T) {
		snapPath := filepath.Join(dir, "snap.json")
		r := audit1(t, snapPath)
		if r.Code != 0 && r.Code != 1 {
			t.Fatalf("exit %d:\n%s", r.Code, r.Stderr)
		}
		if strings.Contains(string(r.Stdout)+string(r.Stderr), pw) {
			t.Fatal("the password appears in the output")
		}
		snap, err := audit.Load(snapPath)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Collection.AuthMethod != "kerberos" || len(snap.Accounts) < 5 {
			t.Errorf("auth %q, %d accounts; want kerberos and the lab's accounts", snap.Collection.AuthMethod, len(snap.Accounts))
		}
		found := false
		for _, a := range snap.Accounts {
			if strings.EqualFold(a.DN, "CN=krbtgt,CN=Users,"+dc.BaseDN()) {
				found = true
			}
		}
		if !found {
			t.Errorf("krbtgt of %s is not among the %d accounts read", dc.Domain, len(snap.Accounts))
		}
	})
}
