package reports

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/checks"
)

// labRC4Report is the report of a live audit of the lab (saved with
// --follow-trusts --probe-tickets): svc-ntonly has only an NT hash, svc-rc4
// is explicitly RC4-only, their twins are healthy.
func labRC4Report(t *testing.T) *Report {
	t.Helper()
	snap, err := audit.Load("../testdata/snapshots/lab-rc4.json")
	if err != nil {
		t.Fatal(err)
	}
	all := checks.Applicable(checks.All(), snap) // as the pipeline runs them
	return New("test", fixedNow, snap, all, checks.Run(snap, all, checks.DefaultOptions()))
}

func TestRC4RemovalSectionOfTheLab(t *testing.T) {
	r := labRC4Report(t)
	sec := r.RC4Removal
	if sec == nil {
		t.Fatal("no RC4 removal section for a lab with an account without AES keys")
	}
	subj := func(items []RC4Item) (out []string) {
		for _, it := range items {
			out = append(out, it.CheckID+" "+it.Subject)
		}
		return out
	}
	if got, want := subj(sec.FailNow), []string{`KRB-AES-KEYS lab.test\svc-ntonly`}; !reflect.DeepEqual(got, want) {
		t.Errorf("fail now: %q, want %q", got, want)
	}
	if got, want := subj(sec.FailAfterRemoval), []string{`KRB-ETYPES-NO-AES lab.test\svc-rc4`}; !reflect.DeepEqual(got, want) {
		t.Errorf("fail after removal: %q, want %q", got, want)
	}
	if sec.KeyProbes != audit.KeyProbesDone {
		t.Errorf("key probes %q", sec.KeyProbes)
	}
	for _, format := range []string{"text", "markdown"} {
		w, err := ForFormat(format)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := w.Write(&buf, r); err != nil {
			t.Fatal(err)
		}
		golden(t, "lab-rc4."+format, buf.Bytes())
	}
	var buf bytes.Buffer
	if err := (JSON{}).Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	var back struct {
		RC4Removal *RC4Removal `json:"rc4Removal"`
	}
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back.RC4Removal == nil || len(back.RC4Removal.FailNow) != 1 {
		t.Fatalf("JSON rc4Removal: %+v, %v", back.RC4Removal, err)
	}
}

func TestRC4RemovalOrdersAndClassifies(t *testing.T) {
	f := func(id string, sev checks.Severity, subject string) checks.Finding {
		return checks.Finding{CheckID: id, Severity: sev, Status: checks.Fail, Subject: subject, Title: subject}
	}
	sec := newRC4Removal("skipped", []checks.Finding{
		f("KRB-ETYPES-NO-AES", checks.Medium, "b"),
		f("KRB-AES-KEYS", checks.Medium, "explicit-rc4"),
		f("KRB-AES-KEYS", checks.High, "z-unset"),
		f("KRB-OS-NO-AES", checks.High, "a-xp"),
		f("KRB-KRBTGT-KEYS", checks.Medium, "old-krbtgt"),
		f("KRB-KRBTGT-KEYS", checks.High, "krbtgt-rc4"),
		f("TRUST-RC4", checks.Medium, "a-trust"),
		f("SPN-KERBEROASTABLE", checks.High, "not-rc4-removal"),
		{CheckID: "KRB-AES-KEYS", Status: checks.NotEvaluated, Subject: "gap"},
	})
	names := func(items []RC4Item) (out []string) {
		for _, it := range items {
			out = append(out, it.Subject)
		}
		return out
	}
	if got, want := names(sec.FailNow), []string{"a-xp", "krbtgt-rc4", "z-unset"}; !reflect.DeepEqual(got, want) {
		t.Errorf("fail now %q, want %q", got, want)
	}
	if got, want := names(sec.FailAfterRemoval), []string{"a-trust", "b", "explicit-rc4"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after removal %q, want %q", got, want)
	}
	if got, want := names(sec.Hygiene), []string{"old-krbtgt"}; !reflect.DeepEqual(got, want) {
		t.Errorf("hygiene %q, want %q", got, want)
	}
	if newRC4Removal("", []checks.Finding{f("SPN-DUPLICATE", checks.High, "x")}) != nil {
		t.Error("a section without RC4 findings")
	}
}
