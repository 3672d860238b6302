// Package serve is the read-only web dashboard over a run history
// (`spntrust serve`): every forest and domain with its latest run, counts
// by category and severity, the trend as an inline SVG chart, what is new
// and resolved since the previous run, baseline exceptions with their
// expiry, each finding with its evidence and remediation, and each run's
// reports rendered by the writers of package reports.
//
// It only reads: it holds no directory code, opens the store read-only
// (history.OpenReadOnly), answers GET and HEAD only and has no forms.
// Everything it shows from a report is directory data, which anyone who
// may write an attribute controls: html/template escapes all of it, and
// the pages carry a Content-Security-Policy that allows no script at all,
// so nothing a report holds can run. Templates, the stylesheet and the
// icon are embedded (go:embed); a page loads nothing from elsewhere.
package serve

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/spntrust/spntrust/history"
	"github.com/spntrust/spntrust/reports"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options is what the dashboard shows and how.
type Options struct {
	Store   history.Store
	Now     func() time.Time // days left on a baseline acceptance; nil = time.Now
	Version string           // the footer's spntrust version
	Log     io.Writer        // errors behind a 500 page; nil discards
}

type server struct {
	Options
	pages map[string]*template.Template
}

// The pages, by template file name.
var pageNames = []string{"overview", "scope", "run", "finding", "error"}

// Handler returns the dashboard.
func Handler(o Options) (http.Handler, error) {
	if o.Store == nil {
		return nil, errors.New("serve: no history store")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	s := &server{Options: o, pages: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("serve: template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.overview)
	mux.HandleFunc("GET /scopes/{scope}", s.scope)
	mux.HandleFunc("GET /runs/{id}", s.run)
	mux.HandleFunc("GET /runs/{id}/findings/{fp}", s.finding)
	mux.HandleFunc("GET /runs/{id}/report/{format}", s.download)
	mux.Handle("GET /static/", http.FileServerFS(staticFS))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/static/favicon.svg", http.StatusMovedPermanently)
	})
	return headers(mux), nil
}

// csp allows the page's own stylesheet and icon and nothing else: no
// script of any kind, no frames, no form targets.
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// headers sets the security headers on every answer, and HSTS over TLS.
func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w.Header())
		if r.TLS != nil {
			w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(w, r)
	})
}

// render writes a page whole: a template error gives a 500, never half a page.
func (s *server) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout.html", data); err != nil {
		fmt.Fprintf(s.Log, "spntrust serve: render %s: %v\n", name, err)
		http.Error(w, "500 internal error: the page could not be rendered (see the server's log)", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type errorPage struct {
	page
	Status  int
	Message string
}

// fail answers with the error's page: 404 for what the store does not
// hold, 500 (details in the log only) for anything else.
func (s *server) fail(w http.ResponseWriter, err error) {
	status, msg := http.StatusInternalServerError, "The history could not be read; the server's log says why."
	switch {
	case errors.Is(err, history.ErrNoRun), errors.Is(err, history.ErrNoFinding), errors.Is(err, history.ErrNoReport), errors.Is(err, errNotFound):
		status, msg = http.StatusNotFound, err.Error()
	case errors.Is(err, context.Canceled):
		return
	default:
		fmt.Fprintf(s.Log, "spntrust serve: %v\n", err)
	}
	s.render(w, status, "error", errorPage{page: s.newPage("Error"), Status: status, Message: msg})
}

var errNotFound = errors.New("no such page")

func runID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("run %q: %w (run IDs are positive numbers)", r.PathValue("id"), errNotFound)
	}
	return id, nil
}

// download renders a run's stored report in one format, as a file.
func (s *server) download(w http.ResponseWriter, r *http.Request) {
	id, err := runID(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	format := r.PathValue("format")
	dl, ok := downloads[format]
	if !ok {
		s.fail(w, fmt.Errorf("report format %q: %w", format, errNotFound))
		return
	}
	rep, err := s.Store.Report(r.Context(), id)
	if err != nil {
		s.fail(w, err)
		return
	}
	wr, err := reports.ForFormat(format)
	if err != nil {
		s.fail(w, err)
		return
	}
	var buf bytes.Buffer
	if err := wr.Write(&buf, rep); err != nil {
		s.fail(w, fmt.Errorf("run %d: render %s report: %w", id, format, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", dl.mime)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="spntrust-run-%d%s"`, id, dl.ext))
	// Opened in place rather than saved, a report (the HTML one has its
	// own script) runs sandboxed: no script, no origin.
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

type download struct{ ext, mime string }

// downloads are the report formats offered, with their file extension
// (the one --output reads as that format) and media type.
var downloads = map[string]download{
	"html":       {".html", "text/html; charset=utf-8"},
	"json":       {".json", "application/json"},
	"text":       {".txt", "text/plain; charset=utf-8"},
	"csv":        {".csv", "text/csv; charset=utf-8"},
	"markdown":   {".md", "text/markdown; charset=utf-8"},
	"junit":      {".xml", "application/xml"},
	"sarif":      {".sarif", "application/sarif+json"},
	"prometheus": {".prom", "text/plain; version=0.0.4; charset=utf-8"},
}
