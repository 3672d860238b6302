package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestUserHostAlias(t *testing.T) {
	mp01 := computer("mp01", "HOST/mp01.corp.example", "HOST/MP01")
	tests := []struct {
		name string
		snap *audit.Snapshot
		want []string // subjects of failed findings
	}{
		{"seed case: HTTP FQDN and short name on a user", newSnapshot(mp01, user("svc-web", "HTTP/mp01.corp.example", "HTTP/MP01")),
			[]string{"http/mp01,http/mp01.corp.example"}},
		{"case-insensitive match", newSnapshot(mp01, user("svc-web", "http/MP01.Corp.Example")),
			[]string{"http/mp01.corp.example"}},
		{"another aliased class (cifs)", newSnapshot(mp01, user("svc-files", "cifs/mp01.corp.example")),
			[]string{"cifs/mp01.corp.example"}},
		{"group managed service account is not the computer", newSnapshot(mp01, withKind(user("gmsa-web$", "HTTP/mp01.corp.example"), audit.KindGMSA)),
			[]string{"http/mp01.corp.example"}},
		{"remediated form: port-qualified SPN is not flagged", newSnapshot(mp01, user("svc-web", "HTTP/mp01.corp.example:81")), nil},
		{"HTTP on the computer itself is fine", newSnapshot(computer("mp01", "HOST/mp01.corp.example", "HTTP/mp01.corp.example")), nil},
		{"no computer holds HOST for that host", newSnapshot(mp01, user("svc-web", "HTTP/web99.corp.example")), nil},
		{"class not aliased to HOST (MSSQLSvc)", newSnapshot(mp01, user("svc-sql", "MSSQLSvc/mp01.corp.example:1433")), nil},
		{"malformed SPN is left to the malformed check", newSnapshot(mp01, user("svc-web", "HTTP/http://mp01.corp.example")), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := subjects(runUserHostAlias(tt.snap, DefaultOptions()), Fail)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("subjects = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUserHostAliasReadsMappingsFromTheDirectory(t *testing.T) {
	snap := newSnapshot(computer("mp01", "HOST/mp01.corp.example"), user("svc-web", "HTTP/mp01.corp.example"))
	// An admin removed http from sPNMappings: HTTP/mp01 then never resolves to
	// the computer, so the user's SPN shadows nothing.
	delete(snap.Forests[0].SPNMappings, "http")
	if got := runUserHostAlias(snap, DefaultOptions()); len(got) != 0 {
		t.Errorf("flagged %d findings with http not mapped to host", len(got))
	}
	// An admin added a custom class.
	snap.Accounts[1].SPNs = []string{"CUSTOMSVC/mp01.corp.example"}
	snap.Forests[0].SPNMappings["customsvc"] = "host"
	if got := runUserHostAlias(snap, DefaultOptions()); len(got) != 1 {
		t.Errorf("custom alias: %d findings, want 1", len(got))
	}
}

func TestUserHostAliasWithoutMappingsIsNotEvaluated(t *testing.T) {
	snap := newSnapshot(computer("mp01", "HOST/mp01.corp.example"), user("svc-web", "HTTP/mp01.corp.example"))
	snap.Forests[0].SPNMappings = nil
	got := runUserHostAlias(snap, DefaultOptions())
	if len(got) != 1 || got[0].Status != NotEvaluated {
		t.Fatalf("want one not-evaluated finding, got %+v", got)
	}
}

func TestUserHostAliasOnlyWithinTheForest(t *testing.T) {
	snap := newSnapshot(computer("mp01", "HOST/mp01.corp.example"),
		inDomain(user("svc-web", "HTTP/mp01.corp.example"), "partner.example"))
	snap.Forests = append(snap.Forests, audit.Forest{RootDomain: "partner.example", SPNMappings: defaultMappings()})
	snap.Domains = append(snap.Domains, audit.Domain{DNSName: "partner.example", NetBIOSName: "PARTNER", Forest: "partner.example"})
	// The KDC of corp.example never sees partner.example's accounts: this is a
	// cross-forest duplicate-name question, not a shadowed HOST SPN.
	if got := runUserHostAlias(snap, DefaultOptions()); len(got) != 0 {
		t.Errorf("flagged across forests: %+v", got)
	}
}

func TestUserHostAliasRemediation(t *testing.T) {
	snap := newSnapshot(computer("mp01", "HOST/mp01.corp.example"), user("svc-web", "HTTP/mp01.corp.example"))
	got := runUserHostAlias(snap, Options{MovePort: 8081})
	if len(got) != 1 {
		t.Fatalf("want 1 finding, got %d", len(got))
	}
	opts := got[0].Remediation
	if len(opts) != 2 || opts[0].Name != "move-port" || opts[1].Name != "remove" {
		t.Fatalf("remediation options = %+v", opts)
	}
	steps := strings.Join(opts[0].Steps(), "\n")
	for _, want := range []string{`setspn -D HTTP/mp01.corp.example CORP\svc-web`, `setspn -S HTTP/mp01.corp.example:8081 CORP\svc-web`} {
		if !strings.Contains(steps, want) {
			t.Errorf("move-port steps lack %q:\n%s", want, steps)
		}
	}
	var types []ActionType
	for _, a := range opts[0].Actions {
		types = append(types, a.Type)
	}
	if want := []ActionType{ActionMoveSitePort, ActionRemoveSPN, ActionAddSPN, ActionAdvice}; !reflect.DeepEqual(types, want) {
		t.Errorf("move-port actions = %v, want %v", types, want)
	}
	if strings.Contains(strings.Join(opts[1].Steps(), "\n"), "setspn -S") {
		t.Error("remove option must not add SPNs")
	}
}
