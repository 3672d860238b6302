package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/spntrust/spntrust/checks"
)

// sarifSchema compiles the vendored official SARIF 2.1.0 schema (see
// testdata/SCHEMAS.md for its source), with format assertions on.
func compileSARIFSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatalf("compile the SARIF schema: %v", err)
	}
	return sch
}

func TestSARIFValidatesAgainstTheOfficialSchema(t *testing.T) {
	sch := compileSARIFSchema(t)
	for name, rep := range map[string]*Report{"seed": seedReport(t), "rich": richReport(t), "lab-rc4": labRC4Report(t)} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := (SARIF{}).Write(&buf, rep); err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Fatalf("SARIF output is not valid SARIF 2.1.0:\n%v", err)
			}
			// Beyond the schema: rules are the checks run, results the findings.
			var log struct {
				Runs []struct {
					Tool struct {
						Driver struct {
							Rules []struct {
								ID         string
								Properties struct{ Meaning string }
							}
						}
					}
					Results []struct {
						Properties struct {
							Meaning      string
							CausedBy     string
							Consequences []string
						}
						RuleID       string
						RuleIndex    int
						Kind, Level  string
						Fingerprints map[string]string
						Locations    []struct {
							LogicalLocations []struct{ FullyQualifiedName string }
						}
					}
				}
			}
			if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
				t.Fatal(err)
			}
			run := log.Runs[0]
			if len(run.Results) != len(rep.Findings) {
				t.Errorf("%d results for %d findings", len(run.Results), len(rep.Findings))
			}
			for i, res := range run.Results {
				f := rep.Findings[i]
				if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID || res.RuleID != f.CheckID {
					t.Errorf("result %d: rule %s at index %d, finding of %s", i, res.RuleID, res.RuleIndex, f.CheckID)
				}
				// Root causes (issue 17): as the findings link them.
				if res.Properties.CausedBy != f.CausedBy || len(res.Properties.Consequences) != len(f.Consequences) {
					t.Errorf("result %d (%s): caused by %q with %d consequences, the finding by %q with %d",
						i, f.CheckID, res.Properties.CausedBy, len(res.Properties.Consequences), f.CausedBy, len(f.Consequences))
				}
				// The check's meaning (issue 17), on the result and its rule.
				if res.Properties.Meaning != string(f.Meaning) {
					t.Errorf("result %d (%s): meaning %q, want %q", i, f.CheckID, res.Properties.Meaning, f.Meaning)
				}
				if m := checkInfo(f.CheckID).Meaning; run.Tool.Driver.Rules[res.RuleIndex].Properties.Meaning != string(m) || (m == "" && f.CheckID != "TEST-HOSTILE") {
					t.Errorf("rule %s: meaning %q, want %q", res.RuleID, run.Tool.Driver.Rules[res.RuleIndex].Properties.Meaning, m)
				}
				if res.Fingerprints[sarifFingerprintKey] != f.Fingerprint {
					t.Errorf("result %d: fingerprint %v, want %s", i, res.Fingerprints, f.Fingerprint)
				}
				if f.Status == checks.NotEvaluated && (res.Kind != "open" || res.Level != "none") {
					t.Errorf("not-evaluated finding as kind %s level %s, want open/none", res.Kind, res.Level)
				}
				if len(f.Affected) > 0 && f.Affected[0].DN != "" &&
					(len(res.Locations) == 0 || res.Locations[0].LogicalLocations[0].FullyQualifiedName != f.Affected[0].DN) {
					t.Errorf("result %d: logical location is not the DN %s", i, f.Affected[0].DN)
				}
			}
		})
	}
}

// The validator must be able to say no, or the test above proves nothing.
func TestSARIFSchemaRejectsABrokenLog(t *testing.T) {
	sch := compileSARIFSchema(t)
	for name, doc := range map[string]string{
		"bad level":      `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"level":"severe"}]}]}`,
		"wrong version":  `{"version":"2.0.0","runs":[]}`,
		"no tool":        `{"version":"2.1.0","runs":[{"results":[]}]}`,
		"unknown member": `{"version":"2.1.0","runs":[],"extra":1}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if sch.Validate(inst) == nil {
			t.Errorf("%s: schema accepted %s", name, doc)
		}
	}
}

// xmlNode is a generic element tree for the JUnit structure check.
type xmlNode struct {
	Name     string
	Attrs    map[string]string
	Children []*xmlNode
	Text     string
}

func parseXML(t *testing.T, data []byte) *xmlNode {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("JUnit output is not well-formed XML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{Name: el.Name.Local, Attrs: map[string]string{}}
			for _, a := range el.Attr {
				n.Attrs[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					t.Fatal("more than one root element")
				}
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.Children = append(parent.Children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(el)
			}
		}
	}
	return root
}

// junitRule is one element of the Jenkins junit-10.xsd, as structural rules.
type junitRule struct {
	required, optional []string
	ints, decimals     []string
	children           []string // allowed children; order enforced when ordered
	ordered            bool
}

var junitRules = map[string]junitRule{
	"testsuites": {optional: []string{"name", "time", "tests", "failures", "disabled", "errors", "skipped"},
		ints: []string{"tests", "failures", "disabled", "errors", "skipped"}, decimals: []string{"time"},
		children: []string{"testsuite"}},
	"testsuite": {required: []string{"name", "tests"},
		optional: []string{"failures", "errors", "time", "disabled", "skipped", "timestamp", "hostname", "id", "package", "file", "log", "url", "version"},
		ints:     []string{"tests", "failures", "errors", "disabled", "skipped"}, decimals: []string{"time"},
		children: []string{"properties", "testcase", "system-out", "system-err"}, ordered: true},
	"properties": {children: []string{"property"}},
	"property":   {required: []string{"name", "value"}},
	"testcase": {required: []string{"name"},
		optional: []string{"assertions", "time", "classname", "status", "class", "file", "line", "log", "group", "url"},
		decimals: []string{"time"},
		children: []string{"skipped", "error", "failure", "system-out", "system-err"}},
	"failure":    {optional: []string{"type", "message"}},
	"error":      {optional: []string{"type", "message"}},
	"skipped":    {optional: []string{"message"}},
	"system-out": {},
	"system-err": {},
}

func checkJUnitNode(t *testing.T, n *xmlNode, path string) {
	t.Helper()
	rule, ok := junitRules[n.Name]
	if !ok {
		t.Errorf("%s: element <%s> is not in the JUnit schema", path, n.Name)
		return
	}
	allowed := map[string]bool{}
	for _, a := range append(append([]string(nil), rule.required...), rule.optional...) {
		allowed[a] = true
	}
	for _, a := range rule.required {
		if _, ok := n.Attrs[a]; !ok {
			t.Errorf("%s: required attribute %s missing", path, a)
		}
	}
	for a := range n.Attrs {
		if !allowed[a] {
			t.Errorf("%s: attribute %s is not allowed", path, a)
		}
	}
	for _, a := range rule.ints {
		if v, ok := n.Attrs[a]; ok {
			if i, err := strconv.Atoi(v); err != nil || i < 0 {
				t.Errorf("%s: %s=%q is not a non-negative integer", path, a, v)
			}
		}
	}
	for _, a := range rule.decimals {
		if v, ok := n.Attrs[a]; ok {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				t.Errorf("%s: %s=%q is not a decimal", path, a, v)
			}
		}
	}
	last := -1
	for _, c := range n.Children {
		pos := -1
		for i, name := range rule.children {
			if name == c.Name {
				pos = i
			}
		}
		if pos < 0 {
			t.Errorf("%s: <%s> may not contain <%s>", path, n.Name, c.Name)
			continue
		}
		if rule.ordered && pos < last {
			t.Errorf("%s: <%s> out of order in <%s>", path, c.Name, n.Name)
		}
		last = pos
		checkJUnitNode(t, c, path+"/"+c.Name)
	}
}

func TestJUnitFollowsTheJenkinsSchemaAndCounts(t *testing.T) {
	for name, rep := range map[string]*Report{"seed": seedReport(t), "rich": richReport(t)} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := (JUnit{}).Write(&buf, rep); err != nil {
				t.Fatal(err)
			}
			root := parseXML(t, buf.Bytes())
			if root.Name != "testsuites" {
				t.Fatalf("root is <%s>, want <testsuites>", root.Name)
			}
			checkJUnitNode(t, root, "testsuites")

			suite := root.Children[0]
			var cases, failures, skipped int
			for _, c := range suite.Children {
				if c.Name != "testcase" {
					continue
				}
				cases++
				for _, cc := range c.Children {
					switch cc.Name {
					case "failure":
						failures++
					case "skipped":
						skipped++
					}
				}
			}
			if got := suite.Attrs["tests"]; got != strconv.Itoa(cases) || root.Attrs["tests"] != got {
				t.Errorf("tests=%s (root %s) but %d testcases", got, root.Attrs["tests"], cases)
			}
			if got := suite.Attrs["failures"]; got != strconv.Itoa(failures) || root.Attrs["failures"] != got {
				t.Errorf("failures=%s (root %s) but %d failure elements", got, root.Attrs["failures"], failures)
			}
			if got := suite.Attrs["skipped"]; got != strconv.Itoa(skipped) {
				t.Errorf("skipped=%s but %d skipped elements", got, skipped)
			}
			// One testcase per check run, one failure per finding that counts.
			if ids := checkIDs(rep); cases != len(ids) || len(ids) < len(rep.Scope.ChecksRun) {
				t.Errorf("%d testcases for %d checks (%d run)", cases, len(ids), len(rep.Scope.ChecksRun))
			}
			want := 0
			for _, f := range rep.Findings {
				if f.Status == checks.Fail && !rep.Accepted(f) {
					want++
				}
			}
			if failures != want {
				t.Errorf("%d failures, want %d (one per failed finding not accepted by the baseline)", failures, want)
			}
		})
	}
}
