package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestKRBCrossRealmPath(t *testing.T) {
	noTrusts := labSnapshot()
	for i := range noTrusts.Domains {
		noTrusts.Domains[i].Trusts = nil
	}
	tests := []struct {
		name string
		snap *audit.Snapshot
		want []string
		ne   []string
	}{
		{"no referral across the external trust",
			withProbes(refused("HTTP/web03.extern.test", "LAB.TEST", 7, "KDC_ERR_S_PRINCIPAL_UNKNOWN", "LAB.TEST")),
			[]string{"no referral lab.test -> extern.test"}, nil},
		{"no path recorded at all",
			withProbes(refused("HTTP/web03.extern.test", "lab.test", 7, "KDC_ERR_S_PRINCIPAL_UNKNOWN")),
			[]string{"no referral lab.test -> extern.test"}, nil},
		{"healthy twin: ticket issued across the external trust",
			withProbes(audit.TicketProbe{SPN: "HTTP/web03.extern.test", ClientRealm: "LAB.TEST", Issued: true, Realm: "EXTERN.TEST", Path: []string{"LAB.TEST", "EXTERN.TEST"}}), nil, nil},
		{"a referral was followed: another problem (KRB-TICKET)",
			withProbes(refused("HTTP/web03.extern.test", "LAB.TEST", 7, "KDC_ERR_S_PRINCIPAL_UNKNOWN", "LAB.TEST", "EXTERN.TEST")), nil, nil},
		{"healthy twin: refused across the forest trust is not this check's",
			withProbes(refused("HTTP/web02.partner.test", "LAB.TEST", 7, "KDC_ERR_S_PRINCIPAL_UNKNOWN", "LAB.TEST")),
			nil, []string{"cross-realm probes"}},
		{"no probe crossed the external trust: not evaluated", labSnapshot(), nil, []string{"cross-realm probes"}},
		{"no external trust, no probe: nothing to say", noTrusts, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runKRBCrossRealmPath(tt.snap, DefaultOptions())
			if g := subjects(got, Fail); !reflect.DeepEqual(g, tt.want) {
				t.Errorf("failed = %q, want %q", g, tt.want)
			}
			if g := subjects(got, NotEvaluated); !reflect.DeepEqual(g, tt.ne) {
				t.Errorf("not evaluated = %q, want %q", g, tt.ne)
			}
		})
	}
}

func TestKRBCrossRealmPathGroupsSPNsBehindOneTrust(t *testing.T) {
	// As the live lab answers: two SPNs of extern.test, no referral for either.
	fs := runKRBCrossRealmPath(withProbes(
		refused("HOST/dc3.extern.test", "LAB.TEST", 7, "KDC_ERR_S_PRINCIPAL_UNKNOWN", "LAB.TEST"),
		refused("HTTP/ext31.extern.test", "LAB.TEST", 7, "KDC_ERR_S_PRINCIPAL_UNKNOWN", "LAB.TEST"),
	), DefaultOptions())
	if len(fs) != 1 {
		t.Fatalf("want one finding for the trust, got %v", subjects(fs, Fail))
	}
	f := fs[0]
	if evidence(f, "SPNs without referral") != "HOST/dc3.extern.test, HTTP/ext31.extern.test" ||
		evidence(f, "referral path") != "LAB.TEST" || evidence(f, "answer") != "KDC_ERR_S_PRINCIPAL_UNKNOWN (7)" {
		t.Errorf("evidence: %+v", f.Evidence)
	}
	if f.Severity != High || !strings.Contains(f.Explanation, "fall back to NTLM") || len(f.Affected) != 3 {
		t.Errorf("finding: %+v", f)
	}
	steps := stepsText(f)
	for _, want := range []string{"ksetup /addhosttorealmmap ext31.extern.test EXTERN.TEST", ".extern.test = EXTERN.TEST"} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
}
