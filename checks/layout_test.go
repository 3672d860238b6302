package checks

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// checkSources parses the package's non-test files.
func checkSources(t *testing.T) (*token.FileSet, map[string]*ast.File, map[string]string) {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files, texts := map[string]*ast.File{}, map[string]string{}
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, n, b, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", n, err)
		}
		files[n], texts[n] = f, string(b)
	}
	if len(files) < 10 {
		t.Fatalf("found only %d source files of package checks", len(files))
	}
	return fset, files, texts
}

// Checks look domains, forests, NetBIOS names and DNS answers up in the
// run's view (audit.View), never through the snapshot's linear scans, and
// SPNs are parsed once, by the view (issue 16).
func TestChecksUseTheViewNotLinearLookups(t *testing.T) {
	linear := regexp.MustCompile(`\b(s|snap|snapshot)\.(DomainByName|ForestOf|NetBIOSOf|Host)\(|Snapshot\(\)\.(DomainByName|ForestOf|NetBIOSOf|Host)\(`)
	_, _, texts := checkSources(t)
	for n, text := range texts {
		for i, line := range strings.Split(text, "\n") {
			if linear.MatchString(line) {
				t.Errorf("%s:%d looks up through the snapshot, not the view: %s", n, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// A helper used by several checks lives in a file named for its area
// (names.go, ptr.go, trusts.go, ...), never inside one check's file: a
// check file's functions are called from that file only.
func TestCheckFilesKeepTheirHelpersToThemselves(t *testing.T) {
	_, files, _ := checkSources(t)
	owner := map[string]string{} // function → the check file declaring it
	checkFiles := 0
	for n, f := range files {
		if !declaresCheck(f) {
			continue
		}
		checkFiles++
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				owner[fd.Name.Name] = n
			}
		}
	}
	if checkFiles < 20 {
		t.Fatalf("found only %d check files", checkFiles)
	}
	for n, f := range files {
		ast.Inspect(f, func(node ast.Node) bool {
			call, ok := node.(*ast.CallExpr)
			if !ok {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); ok {
				if o, ok := owner[id.Name]; ok && o != n {
					t.Errorf("%s calls %s, which lives in the check file %s: move it to a file named for its area", n, id.Name, o)
				}
			}
			return true
		})
	}
}

// declaresCheck reports whether f declares a check: var x = Check{...}.
func declaresCheck(f *ast.File) bool {
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, sp := range gd.Specs {
			for _, v := range sp.(*ast.ValueSpec).Values {
				if cl, ok := v.(*ast.CompositeLit); ok {
					if id, ok := cl.Type.(*ast.Ident); ok && id.Name == "Check" {
						return true
					}
				}
			}
		}
	}
	return false
}
