//go:build unix

// Package pgtest starts a private PostgreSQL cluster for tests: initdb
// into a fresh temporary directory, the server listening on a unix socket
// in that directory and on 127.0.0.1 at a free port, stopped by its pid.
// It never touches a system cluster. As root the cluster runs as the
// postgres OS user (initdb refuses root), otherwise as the current user.
//
// Debian's postgresql package provides the binaries (`make deps-postgres`).
// Without them the tests that need a cluster skip, unless
// SPNTRUST_LAB_REQUIRED=1, when they fail.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// Password is the password of the cluster's spntrust role (scram over TCP).
// Tests check that it never appears in output.
const Password = "pgtest-Secret-7f3a9c"

// Cluster is a running private PostgreSQL server.
type Cluster struct {
	Dir  string // data directory and socket directory
	Port int
	cmd  *exec.Cmd
	log  *os.File

	mu sync.Mutex
	n  int
}

var (
	mu      sync.Mutex
	shared  *Cluster
	started error
)

// Main runs the tests and stops the package's cluster, if one was started:
// call it from TestMain.
func Main(m interface{ Run() int }) int {
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if shared != nil {
		shared.Stop()
	}
	return code
}

// Shared returns the package's cluster, starting it on first use.
func Shared(t testing.TB) *Cluster {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if shared == nil && started == nil {
		shared, started = Start()
	}
	if started != nil {
		if errors.Is(started, errNoPostgres) && os.Getenv("SPNTRUST_LAB_REQUIRED") != "1" {
			t.Skipf("%v; skipping the PostgreSQL test", started)
		}
		t.Fatal(started)
	}
	return shared
}

var errNoPostgres = errors.New("PostgreSQL is not installed: `make deps-postgres` (apt-get install postgresql) installs it")

// binDir finds the newest /usr/lib/postgresql/N/bin with initdb.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(dirs) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
		return "", errNoPostgres
	}
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(dirs[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(dirs[j]))))
		return vi < vj
	})
	return filepath.Dir(dirs[len(dirs)-1]), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start initialises and starts a new cluster.
func Start() (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "spntrust-pg-")
	if err != nil {
		return nil, err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root, the cluster runs as the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	c := &Cluster{Dir: dir}
	run := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "TZ=UTC"}
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		return cmd
	}
	data := filepath.Join(dir, "data")
	pwfile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwfile, []byte(Password+"\n"), 0o600); err != nil {
		c.cleanup()
		return nil, err
	}
	if cred != nil {
		os.Chown(pwfile, int(cred.Uid), int(cred.Gid))
	}
	// Local (socket) connections as the superuser are trusted; TCP needs
	// the password (scram), as a real deployment would.
	if out, err := run("initdb", "-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
		"--pwfile="+pwfile, "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		c.cleanup()
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	if c.Port, err = freePort(); err != nil {
		c.cleanup()
		return nil, err
	}
	if c.log, err = os.Create(filepath.Join(dir, "postgres.log")); err != nil {
		c.cleanup()
		return nil, err
	}
	c.cmd = run("postgres", "-D", data, "-k", dir, "-h", "127.0.0.1", "-p", strconv.Itoa(c.Port),
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=100")
	c.cmd.Stdout, c.cmd.Stderr = c.log, c.log
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		c.cleanup()
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		db, err := sql.Open("pgx", c.adminURL("postgres"))
		if err == nil {
			err = db.Ping()
			db.Close()
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) || c.cmd.ProcessState != nil {
			log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
			c.Stop()
			return nil, fmt.Errorf("postgres did not start: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := c.exec("postgres", `CREATE ROLE spntrust LOGIN PASSWORD '`+Password+`'`); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) adminURL(db string) string {
	return "postgres:///" + db + "?host=" + url.QueryEscape(c.Dir) + "&port=" + strconv.Itoa(c.Port) + "&user=postgres&sslmode=disable"
}

func (c *Cluster) exec(db, stmt string) error {
	conn, err := sql.Open("pgx", c.adminURL(db))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := conn.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// NewDatabase creates an empty database owned by the spntrust role and
// returns its URL: TCP to 127.0.0.1 with the password in the URL (the
// form users give, so tests see that it is masked).
func (c *Cluster) NewDatabase(t testing.TB) string {
	t.Helper()
	c.mu.Lock()
	c.n++
	name := fmt.Sprintf("t%d_%s", c.n, strings.ToLower(sanitize(t.Name())))
	c.mu.Unlock()
	if len(name) > 60 {
		name = name[:60]
	}
	if err := c.exec("postgres", `CREATE DATABASE "`+name+`" OWNER spntrust`); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("postgres://spntrust:%s@127.0.0.1:%d/%s?sslmode=disable", Password, c.Port, name)
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteRune('_')
		}
	}
	return b.String()
}

// Stop stops the server by its pid (fast shutdown) and removes the directory.
func (c *Cluster) Stop() {
	if c.cmd != nil && c.cmd.Process != nil && c.cmd.ProcessState == nil {
		_ = c.cmd.Process.Signal(syscall.SIGINT)
		done := make(chan struct{})
		go func() { _ = c.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = c.cmd.Process.Kill()
			<-done
		}
	}
	c.cleanup()
}

func (c *Cluster) cleanup() {
	if c.log != nil {
		c.log.Close()
	}
	os.RemoveAll(c.Dir)
}
