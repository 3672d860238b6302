package serve

import (
	"crypto/sha256"
	"crypto/subtle"
	"io"
	"log"
	"net/http"
	"strings"
)

// Protect wraps h with the configured access check: with a Token, every
// request must carry it (Authorization: Bearer TOKEN, or Basic with the
// token as the password, so a browser asks for it in its own dialog and
// no login form is needed). Client certificates are checked in the TLS
// handshake (TLSConfig). Without a token h is returned as is.
func (c Config) Protect(h http.Handler) http.Handler {
	if c.Token == "" {
		return h
	}
	want := sha256.Sum256([]byte(c.Token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got, ok := presentedToken(r); ok {
			sum := sha256.Sum256([]byte(got))
			// Equal-length digests: the comparison takes the same time
			// whatever was presented.
			if subtle.ConstantTimeCompare(sum[:], want[:]) == 1 {
				h.ServeHTTP(w, r)
				return
			}
		}
		securityHeaders(w.Header())
		w.Header().Set("WWW-Authenticate", `Basic realm="spntrust dashboard", charset="UTF-8"`)
		http.Error(w, "401 unauthorized: this dashboard needs its access token (as the password; any user name)", http.StatusUnauthorized)
	})
}

func presentedToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(tok), true
	}
	if _, pw, ok := r.BasicAuth(); ok {
		return pw, true
	}
	return "", false
}

func newLogger(w io.Writer) *log.Logger { return log.New(w, "spntrust serve: ", 0) }
