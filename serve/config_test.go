package serve

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const goodToken = "0123456789abcdef0123456789abcdef"

func TestListenRules(t *testing.T) {
	tlsOn := Config{CertFile: "c.pem", KeyFile: "k.pem"}
	with := func(c Config, listen string) Config { c.Listen = listen; return c }
	token := func(c Config) Config { c.Token, c.TokenFrom = goodToken, "--token-file t"; return c }
	ca := func(c Config) Config { c.ClientCAFile = "ca.pem"; return c }
	tests := []struct {
		name string
		cfg  Config
		want string // "" = accepted; else a substring of the refusal
	}{
		{"loopback needs nothing", Config{Listen: "127.0.0.1:8080"}, ""},
		{"any 127/8 address is loopback", Config{Listen: "127.0.0.2:8080"}, ""},
		{"IPv6 loopback needs nothing", Config{Listen: "[::1]:8080"}, ""},
		{"loopback honours TLS and a token", token(with(tlsOn, "127.0.0.1:0")), ""},
		{"a network address without TLS is refused, naming the TLS flags", Config{Listen: "0.0.0.0:8443"}, "--tls-cert and --tls-key"},
		{"every interface (no host) is not loopback", Config{Listen: ":8443"}, "is not a loopback address"},
		{"a token without TLS is not enough", token(Config{Listen: "10.0.0.5:8443"}), "needs TLS"},
		{"TLS without an access check is refused, naming both ways", with(tlsOn, "0.0.0.0:8443"), "--token-file FILE (or SPNTRUST_SERVE_TOKEN), or --client-ca FILE"},
		{"TLS and a token may listen anywhere", token(with(tlsOn, "0.0.0.0:8443")), ""},
		{"TLS and client certificates may listen anywhere", ca(with(tlsOn, "[::]:8443")), ""},
		{"both checks together", ca(token(with(tlsOn, "192.0.2.1:8443"))), ""},
		{"a host name is refused: it could resolve anywhere", Config{Listen: "localhost:8080"}, "give an IP address, not a name"},
		{"no port", Config{Listen: "127.0.0.1"}, "want HOST:PORT"},
		{"a certificate without its key", Config{Listen: "127.0.0.1:8080", CertFile: "c.pem"}, "--tls-cert and --tls-key go together"},
		{"a key without its certificate", Config{Listen: "127.0.0.1:8080", KeyFile: "k.pem"}, "--tls-cert and --tls-key go together"},
		{"client certificates need TLS", ca(Config{Listen: "127.0.0.1:8080"}), "--client-ca needs TLS"},
		{"a short token is refused, naming its source", Config{Listen: "127.0.0.1:8080", Token: "secret", TokenFrom: "$SPNTRUST_SERVE_TOKEN"}, "the token from $SPNTRUST_SERVE_TOKEN has 6 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Check()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != "" && err == nil:
				t.Errorf("accepted; want a refusal saying %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("refusal %q does not say %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), goodToken) {
				t.Errorf("the message repeats the token: %v", err)
			}
		})
	}
}

func TestReadToken(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if tok, err := ReadToken(write("ok", goodToken+"\n")); err != nil || tok != goodToken {
		t.Errorf("ReadToken = %q, %v", tok, err)
	}
	if _, err := ReadToken(write("two", "a\nb\n")); err == nil || !strings.Contains(err.Error(), "more than one line") {
		t.Errorf("two lines: %v", err)
	}
	if _, err := ReadToken(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "--token-file") {
		t.Errorf("missing file: %v", err)
	}
}

func TestTokenProtectsEveryPage(t *testing.T) {
	fx := newFixture(t, sqliteLocation(t))
	h := Config{Token: goodToken, TokenFrom: "test"}.Protect(newTestHandler(t, fx))
	for _, target := range []string{"/", "/runs/1", "/runs/1/report/json", "/static/style.css", "/nothing"} {
		tests := []struct {
			name   string
			set    func(r *http.Request)
			status int
		}{
			{"no credentials", func(*http.Request) {}, http.StatusUnauthorized},
			{"a wrong bearer token", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+goodToken+"x") }, http.StatusUnauthorized},
			{"a wrong basic password", func(r *http.Request) { r.SetBasicAuth("admin", "0123456789abcdef") }, http.StatusUnauthorized},
			{"the token as the user name only", func(r *http.Request) { r.SetBasicAuth(goodToken, "") }, http.StatusUnauthorized},
			{"the bearer token", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+goodToken) }, 0},
			{"the token as the basic password", func(r *http.Request) { r.SetBasicAuth("anyone", goodToken) }, 0},
		}
		for _, tt := range tests {
			req := httptest.NewRequest("GET", target, nil)
			tt.set(req)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if tt.status == http.StatusUnauthorized {
				if rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Basic ") {
					t.Errorf("%s, %s: status %d (WWW-Authenticate %q), want 401 asking for Basic", target, tt.name, rec.Code, rec.Header().Get("WWW-Authenticate"))
				}
				if strings.Contains(rec.Body.String(), "SPN-") || rec.Header().Get("Content-Security-Policy") != csp {
					t.Errorf("%s, %s: the refusal shows data or lacks the CSP", target, tt.name)
				}
			} else if rec.Code == http.StatusUnauthorized {
				t.Errorf("%s, %s: refused", target, tt.name)
			}
		}
	}
}

// testPKI writes a CA, a server certificate for 127.0.0.1 and a client
// certificate, all signed by the CA, as PEM files in dir.
type testPKI struct {
	caFile, certFile, keyFile string
	caPool                    *x509.CertPool
	client                    tls.Certificate
	otherClient               tls.Certificate // signed by another CA
}

func newPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	newCA := func(name string) (*x509.Certificate, *ecdsa.PrivateKey) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, NotBefore: time.Now().Add(-time.Hour),
			NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c, key
	}
	leaf := func(ca *x509.Certificate, caKey *ecdsa.PrivateKey, serial int64, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"}, NotBefore: time.Now().Add(-time.Hour),
			NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
			KeyUsage: x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, key
	}
	pemFile := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pair := func(der []byte, key *ecdsa.PrivateKey) tls.Certificate {
		kd, _ := x509.MarshalECPrivateKey(key)
		c, err := tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ca, caKey := newCA("spntrust test CA")
	other, otherKey := newCA("another CA")
	p := testPKI{caFile: pemFile("ca.pem", "CERTIFICATE", ca.Raw), caPool: x509.NewCertPool()}
	p.caPool.AddCert(ca)
	sder, skey := leaf(ca, caKey, 2, x509.ExtKeyUsageServerAuth)
	p.certFile = pemFile("server.pem", "CERTIFICATE", sder)
	kd, _ := x509.MarshalECPrivateKey(skey)
	p.keyFile = pemFile("server.key", "EC PRIVATE KEY", kd)
	p.client = pair(leaf(ca, caKey, 3, x509.ExtKeyUsageClientAuth))
	p.otherClient = pair(leaf(other, otherKey, 4, x509.ExtKeyUsageClientAuth))
	return p
}

// TestTLSAndClientCertificates listens for real (on 127.0.0.1) with TLS and
// client certificates: a client without a certificate, or with one of
// another CA, does not get through the handshake; one signed by the CA does.
func TestTLSAndClientCertificates(t *testing.T) {
	fx := newFixture(t, sqliteLocation(t))
	pki := newPKI(t)
	cfg := Config{Listen: "127.0.0.1:0", CertFile: pki.certFile, KeyFile: pki.keyFile, ClientCAFile: pki.caFile}
	l, err := cfg.Listener()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, l, cfg.Protect(newTestHandler(t, fx)), nil) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	url := "https://" + l.Addr().String() + "/"
	client := func(certs ...tls.Certificate) *http.Client {
		return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.caPool, Certificates: certs}}}
	}
	if _, err := client().Get(url); err == nil {
		t.Error("a client without a certificate was let in")
	}
	if _, err := client(pki.otherClient).Get(url); err == nil {
		t.Error("a client with another CA's certificate was let in")
	}
	resp, err := client(pki.client).Get(url)
	if err != nil {
		t.Fatalf("the CA's client was refused: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("status %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	// Plain HTTP to the TLS port gets no page.
	if resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + l.Addr().String() + "/"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP got a page from the TLS listener")
		}
	}
}

func TestTLSFilesAreChecked(t *testing.T) {
	pki := newPKI(t)
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{Listen: "127.0.0.1:0", CertFile: filepath.Join(t.TempDir(), "none.pem"), KeyFile: pki.keyFile}, "--tls-cert"},
		{Config{Listen: "127.0.0.1:0", CertFile: pki.certFile, KeyFile: pki.keyFile, ClientCAFile: pki.keyFile}, "--client-ca"},
	} {
		if _, err := tt.cfg.Listener(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Listener() = %v, want an error naming %s", err, tt.want)
		}
	}
}

// The dashboard holds no directory code: it cannot write the directory.
func TestServeImportsNoDirectoryCode(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to list dependencies")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/spntrust/spntrust/serve").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range []string{"github.com/go-ldap/", "github.com/jcmturner/", "github.com/miekg/",
			"github.com/spntrust/spntrust/ldapx", "github.com/spntrust/spntrust/krbprobe", "github.com/spntrust/spntrust/audit/collect",
			"github.com/spntrust/spntrust/cmd"} {
			if strings.HasPrefix(dep, f) || dep == "github.com/spntrust/spntrust/remediate" { // remediate applies fixes
				t.Errorf("serve depends on %s", dep)
			}
		}
	}
}
