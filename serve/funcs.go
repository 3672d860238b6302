package serve

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spntrust/spntrust/history"
)

// funcs are the templates' helpers. URLs are built here with each part
// escaped (a forest name or fingerprint from a report may hold '/', '?'
// or '#'); html/template then escapes the whole for its attribute.
var funcs = template.FuncMap{
	"scopeURL": func(scope string) string { return "/scopes/" + url.PathEscape(scope) },
	"runURL":   func(id int64) string { return "/runs/" + strconv.FormatInt(id, 10) },
	"findingURL": func(id int64, fp string) string {
		return "/runs/" + strconv.FormatInt(id, 10) + "/findings/" + url.PathEscape(fp)
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"join":     func(s []string) string { return strings.Join(s, ", ") },
	"sev":      func(s history.Summary, name string) int { return s.BySeverity[name] },
	"cat":      func(s history.Summary, name string) int { return s.ByCategory[name] },
	"counting": func(s history.Summary) int { return s.Failed - s.Accepted },
	"dash": func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	},
	"inc": func(i int) int { return i + 1 },
	// pair hands a findings list and the run its links point into to the
	// "flist" template.
	"pair": func(id int64, fs []history.Finding) findingList { return findingList{ID: id, Findings: fs} },
}

type findingList struct {
	ID       int64
	Findings []history.Finding
}
