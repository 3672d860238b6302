package labenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `# spntrust Samba AD lab, written by testdata/lab/lab.sh up; no secrets here
LAB_DIR=/var/tmp/spntrust-lab
LAB_CA_FILE=/var/tmp/spntrust-lab/tls/ca.pem
LAB_KRB5_CONFIG=/var/tmp/spntrust-lab/krb5.conf
LAB_ADMIN_PASSWORD_FILE=/var/tmp/spntrust-lab/admin.password
LAB_ADMIN_USER=Administrator
LAB_HOSTNET=127.0.1

LAB_DC1_IP=127.0.0.11
LAB_DC1_FQDN=dc1.lab.test
LAB_DC1_DOMAIN=lab.test
LAB_DC1_REALM=LAB.TEST
LAB_DC1_NETBIOS=LAB
LAB_DC1_DIR=/var/tmp/spntrust-lab/dc1
LAB_DC1_PID=14916
export LAB_DC2_IP="127.0.0.12"
LAB_DC2_FQDN='dc2.partner.test'
LAB_DC2_DOMAIN=partner.test
LAB_DC2_REALM=PARTNER.TEST
LAB_DC2_NETBIOS=PARTNER
LAB_DC2_DIR=/var/tmp/spntrust-lab/dc2
LAB_DC2_PID=
`

func TestParse(t *testing.T) {
	e, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if e.Dir != "/var/tmp/spntrust-lab" || e.CAFile != "/var/tmp/spntrust-lab/tls/ca.pem" ||
		e.Krb5Config != "/var/tmp/spntrust-lab/krb5.conf" ||
		e.AdminPasswordFile != "/var/tmp/spntrust-lab/admin.password" ||
		e.AdminUser != "Administrator" || e.HostNet != "127.0.1" {
		t.Errorf("top-level fields: %+v", e)
	}
	if len(e.DCs) != 2 {
		t.Fatalf("DCs = %d, want 2", len(e.DCs))
	}
	want1 := DC{IP: "127.0.0.11", FQDN: "dc1.lab.test", Domain: "lab.test", Realm: "LAB.TEST",
		NetBIOS: "LAB", Dir: "/var/tmp/spntrust-lab/dc1", PID: 14916}
	if e.DCs[0] != want1 {
		t.Errorf("DC1 = %+v, want %+v", e.DCs[0], want1)
	}
	if e.DCs[1].IP != "127.0.0.12" || e.DCs[1].FQDN != "dc2.partner.test" || e.DCs[1].PID != 0 {
		t.Errorf("DC2 (quotes, export, empty pid) = %+v", e.DCs[1])
	}
	if got := e.DCs[0].BaseDN(); got != "DC=lab,DC=test" {
		t.Errorf("BaseDN = %q", got)
	}
	if got := e.DCs[0].SamLDB(); got != "/var/tmp/spntrust-lab/dc1/private/sam.ldb" {
		t.Errorf("SamLDB = %q", got)
	}
	if dc := e.ByDomain("PARTNER.test"); dc == nil || dc.NetBIOS != "PARTNER" {
		t.Errorf("ByDomain(PARTNER.test) = %+v", dc)
	}
	if e.ByDomain("nowhere.test") != nil {
		t.Error("ByDomain(nowhere.test) != nil")
	}
}

func TestParseErrors(t *testing.T) {
	for name, in := range map[string]string{
		"no equals":   "LAB_DIR\n",
		"empty key":   "=x\n",
		"missing dcs": "LAB_DIR=a\nLAB_CA_FILE=b\nLAB_KRB5_CONFIG=c\nLAB_ADMIN_PASSWORD_FILE=d\n",
		"missing top": "LAB_DC1_IP=127.0.0.11\nLAB_DC1_FQDN=a\nLAB_DC1_DOMAIN=b\nLAB_DC1_REALM=c\nLAB_DC1_NETBIOS=d\nLAB_DC1_DIR=e\n",
		"bad ip":      strings.Replace(sample, "LAB_DC1_IP=127.0.0.11", "LAB_DC1_IP=dc1", 1),
		"bad pid":     strings.Replace(sample, "LAB_DC1_PID=14916", "LAB_DC1_PID=x", 1),
		"dc missing":  strings.Replace(sample, "LAB_DC2_REALM=PARTNER.TEST\n", "", 1),
	} {
		if _, err := Parse(strings.NewReader(in)); err == nil {
			t.Errorf("%s: Parse succeeded, want error", name)
		}
	}
}

func TestPathAndLoad(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SPNTRUST_LAB_ENV", "")
	t.Setenv("LAB_DIR", "")
	if got := Path(); got != filepath.Join(DefaultDir, "lab.env") {
		t.Errorf("default Path = %q", got)
	}
	t.Setenv("LAB_DIR", dir)
	if got := Path(); got != filepath.Join(dir, "lab.env") {
		t.Errorf("LAB_DIR Path = %q", got)
	}
	if _, err := Load(); err == nil {
		t.Error("Load of a missing file succeeded")
	}
	p := filepath.Join(dir, "other.env")
	if err := os.WriteFile(p, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SPNTRUST_LAB_ENV", p)
	e, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if e.Path != p || len(e.DCs) != 2 {
		t.Errorf("Load: path %q, %d DCs", e.Path, len(e.DCs))
	}
}

func TestAdminPassword(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "admin.password")
	if err := os.WriteFile(p, []byte("Secret-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := &Env{AdminPasswordFile: p}
	pw, err := e.AdminPassword()
	if err != nil || pw != "Secret-1" {
		t.Errorf("AdminPassword = %q, %v", pw, err)
	}
	e.AdminPasswordFile = filepath.Join(dir, "missing")
	if _, err := e.AdminPassword(); err == nil {
		t.Error("missing password file: no error")
	}
}

func TestCheckUnreachable(t *testing.T) {
	e, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	e.CAFile = filepath.Join(t.TempDir(), "missing.pem")
	if e.Check() == nil {
		t.Error("Check with a missing CA file succeeded")
	}
}

func TestStopDCRangeAndScript(t *testing.T) {
	e, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 3, -1} { // sample has two DCs
		if err := e.dcNumber(n); err == nil {
			t.Errorf("dcNumber(%d) accepted with %d DCs", n, len(e.DCs))
		}
	}
	for _, n := range []int{1, 2} {
		if err := e.dcNumber(n); err != nil {
			t.Errorf("dcNumber(%d): %v", n, err)
		}
	}
	// no LAB_SCRIPT: found from the working directory (internal/labenv) upwards
	p, err := e.Script()
	if err != nil || !strings.HasSuffix(p, filepath.Join("testdata", "lab", "lab.sh")) {
		t.Errorf("Script() = %q, %v", p, err)
	}
	e.Vars["LAB_SCRIPT"] = p
	if q, err := e.Script(); err != nil || q != p {
		t.Errorf("Script() with LAB_SCRIPT = %q, %v", q, err)
	}
}
