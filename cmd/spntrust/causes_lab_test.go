package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/internal/labenv"
)

// Root causes are linked in a live audit of the lab (issue 17), not only in
// saved snapshots: the external trust is told once by
// TRUST-EXTERNAL-KERBEROS, the live proof KRB-CROSS-REALM-PATH refers to
// it, and the RC4-only svc-rc4's SPN-KERBEROASTABLE refers to its
// KRB-ETYPES-NO-AES; the text report says so.
func TestLabRootCausesAreLinkedInALiveAudit(t *testing.T) {
	env := labenv.Require(t)
	t.Setenv("KRB5_CONFIG", "")
	textPath := filepath.Join(t.TempDir(), "r.txt")
	_, data := liveFindings(t, env, "--follow-trusts", "--probe-tickets", "--output", "text="+textPath)
	var rep struct {
		Findings []struct {
			CheckID, Subject, Fingerprint, CausedBy string
			Consequences                            []string
		}
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	byCheck := map[string][]int{}
	for i, f := range rep.Findings {
		byCheck[f.CheckID] = append(byCheck[f.CheckID], i)
	}
	linked := func(rootID, consequenceID, subject string) {
		t.Helper()
		for _, c := range byCheck[consequenceID] {
			f := rep.Findings[c]
			if subject != "" && !strings.Contains(strings.ToLower(f.Subject), subject) {
				continue
			}
			for _, r := range byCheck[rootID] {
				root := rep.Findings[r]
				if f.CausedBy == root.Fingerprint && strings.Contains(strings.Join(root.Consequences, ","), f.Fingerprint) {
					return
				}
			}
			t.Errorf("%s %s (causedBy %q) is not linked to a %s finding", consequenceID, f.Subject, f.CausedBy, rootID)
			return
		}
		t.Errorf("no %s finding about %q in the live audit", consequenceID, subject)
	}
	linked("TRUST-EXTERNAL-KERBEROS", "KRB-CROSS-REALM-PATH", "")
	linked("KRB-ETYPES-NO-AES", "SPN-KERBEROASTABLE", "svc-rc4")
	text, err := os.ReadFile(textPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "same cause as TRUST-EXTERNAL-KERBEROS") || !strings.Contains(string(text), "(also reported as KRB-CROSS-REALM-PATH)") {
		t.Errorf("the text report does not tell the external trust once:\n%s", text)
	}
}
