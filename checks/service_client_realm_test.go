package checks

import (
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestServiceClientRealm(t *testing.T) {
	external := audit.Trust{Partner: "extern.example", Type: 2, Direction: 3, Attributes: audit.TrustQuarantined}
	forest := audit.Trust{Partner: "partner.example", Type: 2, Direction: 3, Attributes: audit.TrustForestTransitive}
	tests := []struct {
		name   string
		realm  string
		trusts []audit.Trust
		gap    bool
		status Status
		want   []string
	}{
		{"a client realm behind an external trust: real clients get no referral", "EXTERN.EXAMPLE", []audit.Trust{external, forest}, false, Fail,
			[]string{"forest trust", "ksetup /addhosttorealmmap web01.corp.example CORP.EXAMPLE"}},
		{"a client realm behind a forest trust: the ticket path decides", "PARTNER.EXAMPLE", []audit.Trust{external, forest}, false, "", nil},
		{"the service's own realm", "CORP.EXAMPLE", []audit.Trust{external}, false, "", nil},
		{"no client realm declared", "", []audit.Trust{external}, false, "", nil},
		{"the trusts were not read: not evaluated", "EXTERN.EXAMPLE", nil, true, NotEvaluated, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := probeSnapshot(t, "http://portal.corp.example/", asComputer, func(svc *audit.Service) { svc.ClientRealm = tt.realm }, web01)
			s.Domains[0].Trusts = tt.trusts
			if tt.gap {
				s.Collection.Gaps = []audit.Gap{{Scope: "domain:corp.example", What: "trusts", Error: "timeout"}}
			}
			fs := runServiceClientRealm(s, Options{})
			wantServiceFinding(t, fs, tt.status, tt.want, nil)
		})
	}
}
