package serve

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// TokenEnv is the environment variable that may hold the access token
// (the other way is --token-file); a token is never a flag value, which
// any user of the machine could read in the process list.
const TokenEnv = "SPNTRUST_SERVE_TOKEN"

// DefaultListen is where the dashboard listens unless told otherwise: the
// loopback address, reachable from this machine only.
const DefaultListen = "127.0.0.1:8080"

// minTokenLen is the shortest token accepted: a guessable token on a
// network is no authentication.
const minTokenLen = 16

// Config is how the dashboard listens and whom it lets in. The rule:
// on a loopback address anything goes (TLS and a token are honoured when
// given); on any other address TLS (CertFile and KeyFile) AND a client
// check (Token, or client certificates signed by ClientCAFile) are
// required. Messages name the serve command's flags.
type Config struct {
	Listen       string // host:port (--listen)
	CertFile     string // --tls-cert
	KeyFile      string // --tls-key
	ClientCAFile string // --client-ca: require client certificates it signed
	// Token, when set, must be presented by every request (Authorization:
	// Bearer TOKEN, or Basic with TOKEN as the password, which browsers
	// ask for). TokenFrom names where it came from, for messages.
	Token     string
	TokenFrom string
}

// ReadToken reads the token from a --token-file, as Config.Token wants it.
func ReadToken(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("--token-file %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 4097))
	if err != nil {
		return "", fmt.Errorf("--token-file %s: %w", path, err)
	}
	if len(data) > 4096 {
		return "", fmt.Errorf("--token-file %s: more than 4096 bytes: a token file holds one token", path)
	}
	tok := strings.TrimSpace(string(data))
	if strings.ContainsAny(tok, "\r\n") {
		return "", fmt.Errorf("--token-file %s: more than one line: a token file holds one token", path)
	}
	return tok, nil
}

// Loopback reports whether listen (host:port) is a loopback address. A
// host name is not: what it resolves to can change under the server.
func Loopback(listen string) (bool, error) {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false, fmt.Errorf("--listen %q: want HOST:PORT, e.g. %s (%v)", listen, DefaultListen, err)
	}
	if host == "" {
		return false, nil // every interface
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false, fmt.Errorf("--listen %q: give an IP address, not a name (127.0.0.1 or ::1 for this machine only)", listen)
	}
	return ip.IsLoopback(), nil
}

// Check applies the listening rules; it reads no file.
func (c Config) Check() error {
	loop, err := Loopback(c.Listen)
	if err != nil {
		return err
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return errors.New("--tls-cert and --tls-key go together: give both (the certificate and its private key, PEM files)")
	}
	if c.Token != "" && len(c.Token) < minTokenLen {
		return fmt.Errorf("the token from %s has %d characters: use at least %d random ones (e.g. `openssl rand -hex 32`)", c.TokenFrom, len(c.Token), minTokenLen)
	}
	tlsOn := c.CertFile != ""
	if c.ClientCAFile != "" && !tlsOn {
		return errors.New("--client-ca needs TLS: client certificates are checked in the TLS handshake; give --tls-cert and --tls-key too")
	}
	if loop {
		return nil
	}
	where := fmt.Sprintf("--listen %s is not a loopback address", c.Listen)
	if !tlsOn {
		return fmt.Errorf("%s: beyond 127.0.0.1 the dashboard needs TLS: give --tls-cert and --tls-key, and an access check (--token-file or %s, or --client-ca)", where, TokenEnv)
	}
	if c.Token == "" && c.ClientCAFile == "" {
		return fmt.Errorf("%s: beyond 127.0.0.1 the dashboard needs an access check besides TLS: --token-file FILE (or %s), or --client-ca FILE for client certificates", where, TokenEnv)
	}
	return nil
}

// TLSConfig loads the certificate, key and client CA; nil without TLS.
func (c Config) TLSConfig() (*tls.Config, error) {
	if c.CertFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert %s / --tls-key %s: %w", c.CertFile, c.KeyFile, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if c.ClientCAFile != "" {
		pem, err := os.ReadFile(c.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("--client-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--client-ca %s: no PEM certificate in it", c.ClientCAFile)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// Listen checks the configuration, loads TLS and opens the listener; the
// returned listener speaks TLS when configured.
func (c Config) Listener() (net.Listener, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	tcfg, err := c.TLSConfig()
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return nil, fmt.Errorf("--listen %s: %w", c.Listen, err)
	}
	if tcfg != nil {
		l = tls.NewListener(l, tcfg)
	}
	return l, nil
}

// Serve answers on l until ctx ends, then shuts down (open requests get
// five seconds). The handler should come from Handler, wrapped by
// c.Protect.
func Serve(ctx context.Context, l net.Listener, h http.Handler, errLog io.Writer) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      5 * time.Minute, // a large report download
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
	}
	if errLog != nil {
		srv.ErrorLog = newLogger(errLog)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-done
	return err
}
