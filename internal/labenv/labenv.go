// Package labenv describes the Samba Active Directory lab that
// testdata/lab/lab.sh brings up, for tests that run against it.
//
// lab.sh writes $LAB_DIR/lab.env (KEY=VALUE lines, no secrets); Load reads it
// and Require turns "the lab is not up" into a skip, or into a failure when
// SPNTRUST_LAB_REQUIRED=1 (CI and `make test`).
package labenv

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// DefaultDir is the lab directory lab.sh uses when LAB_DIR is not set.
const DefaultDir = "/var/tmp/spntrust-lab"

// NotUpMessage is the message tests skip (or fail) with when the lab is not up.
const NotUpMessage = "Samba AD lab is not up: run `sudo make lab-up` (see testdata/lab/README.md)"

// DC is one domain controller of the lab; each is the only DC of its domain.
type DC struct {
	IP      string // IPv4 address on lo, e.g. 127.0.0.11
	FQDN    string // e.g. dc1.lab.test
	Domain  string // DNS domain, e.g. lab.test
	Realm   string // Kerberos realm, e.g. LAB.TEST
	NetBIOS string // e.g. LAB
	Dir     string // samba-tool provision target directory (private/sam.ldb lives there)
	PID     int    // pid of the samba root process when lab.env was written; 0 if unknown
}

// SamLDB is the path of the DC's directory database, readable by root with
// ldbsearch while the DC runs.
func (d DC) SamLDB() string { return filepath.Join(d.Dir, "private", "sam.ldb") }

// BaseDN is the domain's naming context, e.g. DC=lab,DC=test.
func (d DC) BaseDN() string {
	parts := strings.Split(d.Domain, ".")
	for i, p := range parts {
		parts[i] = "DC=" + p
	}
	return strings.Join(parts, ",")
}

// Env is the parsed lab.env.
type Env struct {
	Path              string // the file it was read from
	Dir               string // LAB_DIR
	CAFile            string // lab CA certificate (PEM) that signs every DC's LDAPS certificate
	Krb5Config        string // krb5.conf naming every realm's KDC
	AdminPasswordFile string // file holding the Administrator password of every lab domain (0600)
	AdminUser         string // "Administrator"
	HostNet           string // first three octets of the seeded hosts' addresses, e.g. 127.0.1
	DCs               []DC   // DC1 (lab.test), DC2 (partner.test), DC3 (extern.test)
	Vars              map[string]string

	shared, exclusive *os.File // use-lock descriptors held by Require and StopDC
}

// Path returns the lab.env path Load reads: $SPNTRUST_LAB_ENV, else
// $LAB_DIR/lab.env, else DefaultDir/lab.env.
func Path() string {
	if p := os.Getenv("SPNTRUST_LAB_ENV"); p != "" {
		return p
	}
	if d := os.Getenv("LAB_DIR"); d != "" {
		return filepath.Join(d, "lab.env")
	}
	return filepath.Join(DefaultDir, "lab.env")
}

// Load reads and parses the lab.env at Path().
func Load() (*Env, error) {
	p := Path()
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	env.Path = p
	return env, nil
}

// Parse reads lab.env content: KEY=VALUE lines, blank lines and # comments;
// a value may be wrapped in matching single or double quotes.
func Parse(r io.Reader) (*Env, error) {
	vars := map[string]string{}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t\"'") {
			return nil, fmt.Errorf("line %d: want KEY=VALUE, got %q", n, line)
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		vars[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}

	e := &Env{
		Dir:               vars["LAB_DIR"],
		CAFile:            vars["LAB_CA_FILE"],
		Krb5Config:        vars["LAB_KRB5_CONFIG"],
		AdminPasswordFile: vars["LAB_ADMIN_PASSWORD_FILE"],
		AdminUser:         vars["LAB_ADMIN_USER"],
		HostNet:           vars["LAB_HOSTNET"],
		Vars:              vars,
	}
	if e.AdminUser == "" {
		e.AdminUser = "Administrator"
	}
	var missing []string
	for _, k := range []string{"LAB_DIR", "LAB_CA_FILE", "LAB_KRB5_CONFIG", "LAB_ADMIN_PASSWORD_FILE"} {
		if vars[k] == "" {
			missing = append(missing, k)
		}
	}
	for i := 1; ; i++ {
		pre := fmt.Sprintf("LAB_DC%d_", i)
		if _, ok := vars[pre+"IP"]; !ok {
			break
		}
		dc := DC{
			IP:      vars[pre+"IP"],
			FQDN:    vars[pre+"FQDN"],
			Domain:  vars[pre+"DOMAIN"],
			Realm:   vars[pre+"REALM"],
			NetBIOS: vars[pre+"NETBIOS"],
			Dir:     vars[pre+"DIR"],
		}
		for _, f := range []struct{ k, v string }{
			{"IP", dc.IP}, {"FQDN", dc.FQDN}, {"DOMAIN", dc.Domain},
			{"REALM", dc.Realm}, {"NETBIOS", dc.NetBIOS}, {"DIR", dc.Dir},
		} {
			if f.v == "" {
				missing = append(missing, pre+f.k)
			}
		}
		if dc.IP != "" && net.ParseIP(dc.IP) == nil {
			return nil, fmt.Errorf("%sIP: %q is not an IP address", pre, dc.IP)
		}
		if s := vars[pre+"PID"]; s != "" {
			pid, err := strconv.Atoi(s)
			if err != nil || pid < 0 {
				return nil, fmt.Errorf("%sPID: %q is not a pid", pre, s)
			}
			dc.PID = pid
		}
		e.DCs = append(e.DCs, dc)
	}
	if len(e.DCs) == 0 {
		missing = append(missing, "LAB_DC1_IP")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	return e, nil
}

// AdminPassword reads the lab's Administrator password (the same in every
// lab domain) from AdminPasswordFile.
func (e *Env) AdminPassword() (string, error) {
	b, err := os.ReadFile(e.AdminPasswordFile)
	if err != nil {
		return "", err
	}
	pw := strings.TrimRight(string(b), "\r\n")
	if pw == "" {
		return "", fmt.Errorf("%s is empty", e.AdminPasswordFile)
	}
	return pw, nil
}

// ByDomain returns the DC of a DNS domain (case-insensitive), or nil.
func (e *Env) ByDomain(domain string) *DC {
	for i := range e.DCs {
		if strings.EqualFold(e.DCs[i].Domain, domain) {
			return &e.DCs[i]
		}
	}
	return nil
}

// Check reports why the lab described by e is not usable, or nil: every DC
// must accept connections on LDAPS (636), and the CA and password files must
// be readable by this process.
func (e *Env) Check() error {
	var errs []error
	for _, f := range []string{e.CAFile, e.AdminPasswordFile, e.Krb5Config} {
		if _, err := os.ReadFile(f); err != nil {
			errs = append(errs, err)
		}
	}
	for _, dc := range e.DCs {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(dc.IP, "636"), 2*time.Second)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", dc.FQDN, err))
			continue
		}
		c.Close()
	}
	return errors.Join(errs...)
}

// Required reports whether SPNTRUST_LAB_REQUIRED=1, i.e. a missing lab is a
// failure rather than a skip.
func Required() bool { return os.Getenv("SPNTRUST_LAB_REQUIRED") == "1" }

// sharedWait bounds how long Require waits while another test has a lab DC
// stopped (StopDC) or changes the lab (RequireExclusive), or lab.sh swaps a
// database; each takes seconds to a few minutes.
const sharedWait = 5 * time.Minute

// Require returns the lab environment, or ends the test: t.Fatal when
// SPNTRUST_LAB_REQUIRED=1, otherwise t.Skip with NotUpMessage.
//
// Until the test ends it holds a shared lock on the lab ($LAB_DIR/.in-use.lock)
// so that another test's StopDC or RequireExclusive waits for it, and it
// waits (bounded) while one of those, or lab.sh swapping a database, holds
// the lock exclusively.
func Require(t testing.TB) *Env {
	t.Helper()
	e, err := Load()
	if err == nil {
		if err = e.lockShared(sharedWait); err == nil {
			t.Cleanup(func() { e.unlockExclusive(); e.unlockShared() })
			err = e.Check()
		}
	}
	if err != nil {
		if Required() {
			t.Fatalf("%s (SPNTRUST_LAB_REQUIRED=1): %v", NotUpMessage, err)
		}
		t.Skipf("%s: %v", NotUpMessage, err)
	}
	return e
}
