package checks

import (
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestServiceNoSPN(t *testing.T) {
	tests := []struct {
		name      string
		url       string
		id        *audit.ServiceIdentity
		accounts  []audit.Account
		mappings  bool
		status    Status
		wantInFix []string
		notInFix  []string
	}{
		{"nobody holds it: register it on the declared account", "http://mp01.corp.example/", asAccount("svc-x"), []audit.Account{svcX}, true, Fail,
			[]string{`setspn -S HTTP/mp01.corp.example CORP\svc-x`, "useAppPoolCredentials"}, nil},
		{"the declared account is disabled: no SPN on it, find the real identity", "http://mp01.corp.example/", asAccount("svc-x"), []audit.Account{disabledUser("svc-x")}, true, Fail,
			[]string{"is disabled", "real identity"}, []string{"setspn -S"}},
		{"a computer-run service: the computer needs HOST/", "http://mp01.corp.example/", asComputer, nil, true, Fail,
			[]string{`setspn -S HOST/mp01.corp.example CORP\MP01$`}, []string{"HTTP/mp01.corp.example CORP"}},
		{"no identity: the command has a placeholder", "http://mp01.corp.example/", nil, nil, true, Fail,
			[]string{`setspn -S HTTP/mp01.corp.example <DOMAIN\account>`}, nil},
		{"a CNAME: the canonical name's SPN is nobody's", "http://portal.corp.example/", asAccount("svc-x"), []audit.Account{svcX}, true, Fail,
			[]string{`setspn -S HTTP/web01.corp.example CORP\svc-x`}, nil},
		{"the HOST alias holds it", "http://web01.corp.example/", asComputer, []audit.Account{web01}, true, "", nil, nil},
		{"an explicit holder holds it", "http://mp01.corp.example/", asComputer, []audit.Account{svcWeb}, true, "", nil, nil},
		{"sPNMappings not read: whether HOST covers it is unknown", "http://mp01.corp.example/", asComputer, nil, false, NotEvaluated, nil, nil},
		{"no DNS, no SPN: SERVICE-DNS's", "http://ghost.corp.example/", asComputer, nil, true, "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := probeSnapshot(t, tt.url, tt.id, nil, tt.accounts...)
			if !tt.mappings {
				s.Forests[0].SPNMappings = nil
			}
			fs := runServiceNoSPN(s, Options{})
			wantServiceFinding(t, fs, tt.status, tt.wantInFix, tt.notInFix)
		})
	}
}

// disabledUser is a user account that is disabled.
func disabledUser(name string, spns ...string) audit.Account {
	a := user(name, spns...)
	a.Enabled = false
	a.UserAccountControl |= audit.UACAccountDisable
	return a
}

// Holders searched in one domain of several (the probe reads its DC's
// domain): nobody holding the SPN is not proven, so the finding is not
// evaluated and registers nothing (it could duplicate the SPN or shadow the
// computer of another domain holding HOST/<host>).
func TestServiceNoSPNWithHoldersNotAllSearched(t *testing.T) {
	s := probeSnapshot(t, "http://mp01.corp.example/", asAccount("svc-x"), nil, svcX)
	s.Collection.Gaps = append(s.Collection.Gaps, audit.Gap{Scope: s.Services[0].GapScope(), What: "holders",
		Error: "the holders of HTTP/mp01.corp.example were searched in corp.example only; the forest's other domains (eu.corp.example) were not searched"})
	wantServiceFinding(t, runServiceNoSPN(s, Options{}), NotEvaluated, nil, []string{"setspn"})
}
