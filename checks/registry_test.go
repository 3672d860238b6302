package checks

import (
	"regexp"
	"testing"
)

// Every check must be complete: a stable ID of the right shape, a title, an
// explanation with the sections `checks explain` promises, and a function.
func TestEveryCheckIsComplete(t *testing.T) {
	idShape := regexp.MustCompile(`^(SPN|TRUST|DNS|TIME|LEVEL|KRB|SERVICE)-[A-Z0-9-]+$`)
	seen := map[string]bool{}
	for _, c := range All() {
		if !idShape.MatchString(c.ID) {
			t.Errorf("check ID %q does not match %s", c.ID, idShape)
		}
		if seen[c.ID] {
			t.Errorf("duplicate check ID %s", c.ID)
		}
		seen[c.ID] = true
		if c.Title == "" || c.Run == nil || c.Severity.Rank() == 0 {
			t.Errorf("%s: title, run function and severity are required", c.ID)
		}
		for _, section := range []string{"What is checked", "Why it breaks Kerberos", "How to fix it", "Sources"} {
			if !regexp.MustCompile(regexp.QuoteMeta(section)).MatchString(c.Explanation) {
				t.Errorf("%s: explanation lacks section %q", c.ID, section)
			}
		}
	}
}

func TestFilter(t *testing.T) {
	if _, err := Filter([]string{"NO-SUCH-CHECK"}, nil); err == nil {
		t.Error("unknown ID in --checks must be an error")
	}
	if _, err := Filter(nil, []string{"nope"}); err == nil {
		t.Error("unknown ID in --skip must be an error")
	}
	got, err := Filter(nil, []string{"spn-user-host-alias"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range got {
		if c.ID == "SPN-USER-HOST-ALIAS" {
			t.Error("skipped check still selected (IDs are case-insensitive)")
		}
	}
}

func TestParseSeverity(t *testing.T) {
	for _, ok := range []string{"critical", "HIGH", " medium ", "low", "info"} {
		if _, err := ParseSeverity(ok); err != nil {
			t.Errorf("ParseSeverity(%q): %v", ok, err)
		}
	}
	if _, err := ParseSeverity("severe"); err == nil {
		t.Error("want error for unknown severity")
	}
	if !High.AtLeast(Medium) || Medium.AtLeast(High) || !Info.AtLeast(Info) {
		t.Error("severity order wrong")
	}
}

// Every check declares what its findings mean, and Run puts it on them.
func TestEveryCheckDeclaresAMeaning(t *testing.T) {
	known := map[Meaning]bool{}
	for _, m := range Meanings {
		known[m] = true
	}
	for _, c := range All() {
		if !known[c.Meaning] {
			t.Errorf("%s declares meaning %q, want one of %v", c.ID, c.Meaning, Meanings)
		}
	}
	if len(meaningOf) != len(All()) {
		t.Errorf("%d meanings for %d checks: a meaning names no check", len(meaningOf), len(All()))
	}
	for _, f := range Run(labSnapshot(), All(), Options{}) {
		if c, _ := Lookup(f.CheckID); f.Meaning != c.Meaning {
			t.Errorf("%s finding %q has meaning %q, its check %q", f.CheckID, f.Subject, f.Meaning, c.Meaning)
		}
	}
}
