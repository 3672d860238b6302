package ldapx_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/internal/labenv"
	"github.com/spntrust/spntrust/ldapx"
)

// A real LDAP server that caps unpaged searches the way a Windows DC does
// at its MaxPageSize: OpenLDAP's slapd with "limits * size.soft=1000
// size.hard=1000", which answers an unpaged search with 1000 entries and
// sizeLimitExceeded, and paged searches in full. Samba caps nothing (and
// ignores a client's size limit), so this is where PagingWhenCapped's
// fallback meets a server that is not our own fake. slapd comes from
// Debian's slapd package, which the lab script installs.

const (
	cappedSuffix = "dc=capped,dc=test"
	cappedPeople = 2500
	cappedLimit  = 1000
)

// startCappedSlapd imports cappedPeople entries into a fresh slapd
// database, starts slapd on a free loopback port and returns its address;
// the test stops it (by its pid) when it ends.
func startCappedSlapd(t *testing.T) string {
	t.Helper()
	slapd, slapadd := "/usr/sbin/slapd", "/usr/sbin/slapadd"
	if _, err := os.Stat(slapd); err != nil {
		if labenv.Required() {
			t.Fatalf("%s not installed (Debian package slapd; make lab-up installs it)", slapd)
		}
		t.Skipf("%s not installed (Debian package slapd; make lab-up installs it)", slapd)
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "slapd.conf")
	writeFile(t, conf, fmt.Sprintf(`include /etc/ldap/schema/core.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile %[1]s/slapd.pid
database mdb
maxsize 104857600
suffix "%[2]s"
rootdn "cn=admin,%[2]s"
directory %[1]s/db
limits * size.soft=%[3]d size.hard=%[3]d size.pr=%[3]d size.prtotal=unlimited
access to * by * read
`, dir, cappedSuffix, cappedLimit))
	var ldif strings.Builder
	fmt.Fprintf(&ldif, "dn: %s\nobjectClass: dcObject\nobjectClass: organizationalUnit\ndc: capped\nou: capped\n\n", cappedSuffix)
	fmt.Fprintf(&ldif, "dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n", cappedSuffix)
	for i := range cappedPeople {
		fmt.Fprintf(&ldif, "dn: cn=u%04d,ou=people,%s\nobjectClass: person\ncn: u%04d\nsn: u\n\n", i, cappedSuffix, i)
	}
	data := filepath.Join(dir, "data.ldif")
	writeFile(t, data, ldif.String())
	if out, err := exec.Command(slapadd, "-q", "-f", conf, "-l", data).CombinedOutput(); err != nil {
		t.Fatalf("slapadd: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(slapd, "-d", "0", "-f", conf, "-h", "ldap://"+addr+"/")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start slapd: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("slapd does not answer on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestSlapdCappingUnpagedSearchesIsPagedAgainFromTheStart(t *testing.T) {
	addr := startCappedSlapd(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	search := func(c *ldapx.Conn) ldapx.SearchStats {
		t.Helper()
		seen := map[string]int{}
		st, err := c.Search(ctx, ldapx.SearchRequest{BaseDN: "ou=people," + cappedSuffix, Scope: ldapx.ScopeSubtree,
			Filter: "(objectClass=person)", Attributes: []string{"cn"}}, func(e *ldapx.Entry) error { seen[strings.ToLower(e.DN)]++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		for dn, n := range seen {
			if n != 1 {
				t.Fatalf("%s delivered %d times", dn, n)
			}
		}
		if len(seen) != cappedPeople || st.Entries != cappedPeople {
			t.Fatalf("%d distinct entries, stats %+v; want %d", len(seen), st, cappedPeople)
		}
		return st
	}
	dial := func(paging ldapx.Paging) *ldapx.Conn {
		c, err := ldapx.Dial(ctx, ldapx.Options{Address: addr, Paging: paging})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	pages := (cappedPeople + ldapx.DefaultPageSize - 1) / ldapx.DefaultPageSize

	// The server really caps: an unpaged search of its own gets 1000 entries
	// and sizeLimitExceeded.
	if st := search(dial(ldapx.PagingAlways)); st.Pages != pages || st.Capped != 0 {
		t.Errorf("always paged: stats %+v, want %d pages", st, pages)
	}
	c := dial(ldapx.PagingWhenCapped)
	if st := search(c); st.Capped != cappedLimit || st.Pages != 1+pages {
		t.Errorf("auto: stats %+v, want %d entries capped and 1 + %d requests", st, cappedLimit, pages)
	}
	if st := search(c); st.Capped != 0 || st.Pages != pages {
		t.Errorf("auto, after the cap: stats %+v, want %d pages from the first request", st, pages)
	}
}
