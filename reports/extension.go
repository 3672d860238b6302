package reports

import (
	"path/filepath"
	"strings"
)

// extensions maps a file name's extension to the format a reader expects
// of such a file: `--output r.html` means HTML.
var extensions = map[string]string{
	".txt":      "text",
	".text":     "text",
	".json":     "json",
	".html":     "html",
	".htm":      "html",
	".csv":      "csv",
	".md":       "markdown",
	".markdown": "markdown",
	".xml":      "junit",
	".sarif":    "sarif",
	".prom":     "prometheus",
}

// FormatForPath is the format path's extension names (any case), and
// whether it names one; "r.sarif.json" is JSON, as a viewer would take it.
func FormatForPath(path string) (string, bool) {
	f, ok := extensions[strings.ToLower(filepath.Ext(path))]
	return f, ok
}
