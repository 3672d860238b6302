package reports

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// A probe's report opens with the verdicts in every human format, and the
// JSON report carries them beside the audit's fields.
func TestReportsCarryTheProbesVerdict(t *testing.T) {
	r := seedReport(t)
	r.Services = []ServiceVerdict{{URL: "http://mp01.corp.example/", SPN: "HTTP/mp01.corp.example", Verdict: NotReady,
		Reason: "tickets are encrypted for svc-web", Steps: []ServiceStep{
			{Name: "dns", Status: StepOK, Summary: "mp01.corp.example resolves"},
			{Name: "identity", Status: StepFail, Summary: "tickets are encrypted for svc-web"}}}}
	for format, want := range map[string]string{
		"text":     "NOT READY: http://mp01.corp.example/ — tickets are encrypted for svc-web\n  [OK] dns: mp01.corp.example resolves\n  [FAIL] identity: ",
		"markdown": "## Verdict\n\n**NOT READY: http://mp01.corp.example/ — tickets are encrypted for svc-web**\n\n- [OK] dns:",
		"html":     "<b>NOT READY</b>: http://mp01.corp.example/",
	} {
		w, _ := ForFormat(format)
		var b bytes.Buffer
		if err := w.Write(&b, r); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s lacks %q:\n%s", format, want, b.String()[:min(b.Len(), 600)])
		}
		if format == "text" && !strings.HasPrefix(b.String(), "NOT READY: ") {
			t.Errorf("the text report does not open with the verdict")
		}
	}
	var b bytes.Buffer
	if err := (JSON{}).Write(&b, r); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Services) != 1 || back.Services[0].Verdict != NotReady || len(back.Findings) != len(r.Findings) {
		t.Errorf("JSON: services %+v, %d findings (want %d)", back.Services, len(back.Findings), len(r.Findings))
	}
}
