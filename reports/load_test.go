package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// What the JSON writer writes, Unmarshal gives back: the same report,
// which encodes to the same bytes (history import records it under the key
// audit --history gave it).
func TestAJSONReportReadsBackAsTheReportWritten(t *testing.T) {
	for name, rep := range map[string]*Report{"seed": seedReport(t), "rich": richReport(t)} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := (JSON{}).Write(&buf, rep); err != nil {
				t.Fatal(err)
			}
			got, err := Unmarshal(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(rep)
			back, _ := json.Marshal(got)
			if !bytes.Equal(want, back) {
				t.Errorf("the report read back encodes differently:\nwrote %s\nread  %s", want, back)
			}
			if !reflect.DeepEqual(got.Findings, rep.Findings) {
				t.Error("the findings read back differ from those written")
			}
		})
	}
}

func TestAReportThatCannotBeReadBackSaysWhy(t *testing.T) {
	var buf bytes.Buffer
	if err := (JSON{}).Write(&buf, seedReport(t)); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	tests := []struct {
		name, data, want string
	}{
		{"truncated", good[:len(good)/2], "truncated: the JSON ends after"},
		{"truncated after the last brace but one", strings.TrimRight(good, "}\n"), "truncated"},
		{"another schema version", strings.Replace(good, `"schemaVersion": 1`, `"schemaVersion": 7`, 1), "field schemaVersion: version 7 is not supported by this spntrust (it reads version 1); the report was written by spntrust test"},
		{"not a spntrust report", `{"tool": {"name": "trivy"}, "results": []}`, `field tool.name: not "spntrust"`},
		{"a SARIF log", `{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": []}`, "not a spntrust JSON report"},
		{"an unknown field", strings.Replace(good, `"generatedAt"`, `"flavour": "x", "generatedAt"`, 1), "field flavour: unknown field"},
		{"a JSON array", `[1, 2]`, "a JSON array, but a report is a JSON object"},
		{"a finding without a fingerprint", strings.Replace(good, `"fingerprint": "cb575e55abcd98ec"`, `"fingerprint": ""`, 1), "field findings[0]: a finding without its fingerprint"},
		{"invalid JSON inside", strings.Replace(good, `"generatedAt":`, `"generatedAt" `, 1), "invalid JSON at line"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			if err := os.WriteFile(path, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			var le *LoadError
			if err == nil || !errors.As(err, &le) || !strings.Contains(err.Error(), "report "+path+": ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load = %v, want a LoadError naming %s and saying %q", err, path, tt.want)
			}
		})
	}
}

// Reports written before the format carried its version are version 1.
func TestAReportWithoutASchemaVersionIsVersionOne(t *testing.T) {
	var buf bytes.Buffer
	if err := (JSON{}).Write(&buf, seedReport(t)); err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(buf.String(), "\"schemaVersion\": 1,\n", "", 1)
	if old == buf.String() {
		t.Fatal("the report has no schemaVersion to remove")
	}
	r, err := Unmarshal([]byte(old))
	if err != nil || r.SchemaVersion != SchemaVersion {
		t.Fatalf("Unmarshal of a report without schemaVersion = %v, %v", r, err)
	}
}
