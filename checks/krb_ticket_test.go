package checks

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

// withProbes replaces the lab's ticket probes.
func withProbes(ps ...audit.TicketProbe) *audit.Snapshot {
	s := labSnapshot()
	s.TicketProbes = ps
	return s
}

func refused(spnName, realm string, code int, name string, path ...string) audit.TicketProbe {
	return audit.TicketProbe{SPN: spnName, ClientRealm: realm, ErrorCode: code, ErrorName: name, Path: path}
}

func TestKRBTicket(t *testing.T) {
	issued := audit.TicketProbe{SPN: "HTTP/web01.lab.test", ClientRealm: "LAB.TEST", Issued: true, Realm: "LAB.TEST"}
	tests := []struct {
		name string
		snap *audit.Snapshot
		want []string
		ne   []string
	}{
		{"healthy twin: ticket issued", labSnapshot(), nil, nil},
		{"unknown SPN", withProbes(issued, refused("HTTP/web99.lab.test", "LAB.TEST", 7, "KDC_ERR_S_PRINCIPAL_UNKNOWN", "LAB.TEST")), []string{"http/web99.lab.test"}, nil},
		{"duplicate SPN", withProbes(refused("HTTP/dup.lab.test", "LAB.TEST", 8, "KDC_ERR_PRINCIPAL_NOT_UNIQUE")), []string{"http/dup.lab.test"}, nil},
		{"refused after a referral across the forest trust",
			withProbes(refused("HTTP/web02.partner.test", "LAB.TEST", 7, "KDC_ERR_S_PRINCIPAL_UNKNOWN", "LAB.TEST", "PARTNER.TEST")), []string{"http/web02.partner.test"}, nil},
		{"no referral across the external trust is left to KRB-CROSS-REALM-PATH",
			withProbes(refused("HTTP/web03.extern.test", "LAB.TEST", 7, "KDC_ERR_S_PRINCIPAL_UNKNOWN", "LAB.TEST")), nil, nil},
		{"no KDC answered: not evaluated", withProbes(audit.TicketProbe{SPN: "HTTP/web01.lab.test", ClientRealm: "LAB.TEST", Error: "dial tcp 127.0.0.11:88: connection refused"}),
			nil, []string{"ticket probes without answer"}},
		{"no probes at all: not evaluated", withProbes(), nil, []string{"ticket probes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runKRBTicket(tt.snap, DefaultOptions())
			if g := subjects(got, Fail); !reflect.DeepEqual(g, tt.want) {
				t.Errorf("failed = %q, want %q", g, tt.want)
			}
			if g := subjects(got, NotEvaluated); !reflect.DeepEqual(g, tt.ne) {
				t.Errorf("not evaluated = %q, want %q", g, tt.ne)
			}
		})
	}
}

func TestKRBTicketNamesTheErrorAndTheFix(t *testing.T) {
	f := runKRBTicket(withProbes(refused("HTTP/web99.lab.test", "LAB.TEST", 7, "KDC_ERR_S_PRINCIPAL_UNKNOWN", "LAB.TEST")), DefaultOptions())[0]
	if !strings.Contains(f.Title, "KDC_ERR_S_PRINCIPAL_UNKNOWN (7)") || f.Severity != High || f.Domain != "lab.test" {
		t.Errorf("finding: %+v", f)
	}
	for _, want := range []string{"setspn -Q HTTP/web99.lab.test", `setspn -S HTTP/web99.lab.test <DOMAIN\account>`, "klist get HTTP/web99.lab.test"} {
		if !strings.Contains(stepsText(f), want) {
			t.Errorf("steps lack %q:\n%s", want, stepsText(f))
		}
	}
	g := runKRBTicket(withProbes(refused("HTTP/web01.lab.test", "LAB.TEST", 14, "")), DefaultOptions())[0]
	if !strings.Contains(g.Title, "KDC_ERR_ETYPE_NOSUPP (14)") || !strings.Contains(stepsText(g), "KerberosEncryptionType AES128,AES256") {
		t.Errorf("etype finding: %s\n%s", g.Title, stepsText(g))
	}
}

// Without ticket probes, the finding says why: --probe-tickets not given,
// the Kerberos client failed (the gap's error), or unknown; never that
// credentials were missing when they were not the reason (issue 17).
func TestKRBTicketNoProbesSaysWhy(t *testing.T) {
	tests := []struct {
		name, state string
		gaps        []audit.Gap
		want        []string
	}{
		{"not asked for", audit.TicketProbesSkipped, nil, []string{"--probe-tickets not given", "without --probe-tickets"}},
		{"client failed", audit.TicketProbesFailed, []audit.Gap{{Scope: "kdc", What: "ticket probes", Error: "no KDC for LAB.TEST"}},
			[]string{"could not start", "no KDC for LAB.TEST"}},
		{"older snapshot", "", nil, []string{"does not record whether --probe-tickets was given"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := labSnapshot()
			s.TicketProbes = nil
			s.Collection.TicketProbeState = tt.state
			s.Collection.Gaps = tt.gaps
			fs := runKRBTicket(s, DefaultOptions())
			if len(fs) != 1 || fs[0].Status != NotEvaluated {
				t.Fatalf("findings %+v, want one not evaluated", fs)
			}
			text := fs[0].Title + "\n" + fs[0].Explanation + "\n" + fmt.Sprint(fs[0].Evidence)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q:\n%s", w, text)
				}
			}
			if strings.Contains(text, "when credentials are given") || strings.Contains(text, "with credentials to probe") {
				t.Errorf("blames credentials:\n%s", text)
			}
		})
	}
}
