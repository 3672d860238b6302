package checks

import (
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestServiceIdentity(t *testing.T) {
	tests := []struct {
		name      string
		url       string
		id        *audit.ServiceIdentity
		edit      func(*audit.Service)
		accounts  []audit.Account
		status    Status // "" = no finding
		wantInFix []string
		notInFix  []string
	}{
		{"seed: a user holds HTTP, the service runs as the computer", "http://mp01.corp.example/", asComputer, nil, []audit.Account{mp01, svcWeb}, Fail,
			// both forms of the host come off the user, as audit and fix do
			[]string{`setspn -D HTTP/mp01.corp.example CORP\svc-web`, `setspn -D HTTP/mp01 CORP\svc-web`}, nil},
		{"seed for short-name clients (HTTP/mp01): both forms come off", "http://mp01/", asComputer, nil, []audit.Account{mp01, svcWeb}, Fail,
			[]string{`setspn -D HTTP/mp01 CORP\svc-web`, `setspn -D HTTP/mp01.corp.example CORP\svc-web`}, nil},
		{"the same host, the service runs as the user (useAppPoolCredentials)", "http://mp01.corp.example/", asAccount(`CORP\svc-web`), nil, []audit.Account{mp01, svcWeb}, "", nil, nil},
		{"the HOST alias covers a computer-run site", "http://web01.corp.example/", asComputer, nil, []audit.Account{web01}, "", nil, nil},
		{"a CNAME: the canonical name's holder", "http://portal.corp.example/", asComputer, nil, []audit.Account{web01}, "", nil, nil},
		{"without the identity: not evaluated, never healthy", "http://web01.corp.example/", nil, nil, []audit.Account{web01}, NotEvaluated, nil, nil},
		// Issue 17: a site on :8080 as a user, clients omitting the port,
		// on a host whose computer holds HOST: never HTTP/<host> on the
		// user, never setspn -D of an SPN the computer does not hold.
		{"port 8080 as a user without --include-port: port-including clients or port 80 as the computer", "http://web01.corp.example:8080/", asAccount(`CORP\svc-x`), nil,
			[]audit.Account{web01, svcX}, Fail,
			[]string{`setspn -S HTTP/web01.corp.example:8080 CORP\svc-x`, "--include-port", "port 80 as the computer", `Do not register HTTP/web01.corp.example on CORP\svc-x`},
			[]string{"setspn -S HTTP/web01.corp.example CORP", "setspn -D"}},
		{"another user holds HTTP/<host> of a computer's host: remove it, never move it to the service's user", "http://mp01.corp.example/", asAccount("svc-x"), nil,
			[]audit.Account{mp01, svcWeb, svcX}, Fail,
			[]string{`setspn -D HTTP/mp01.corp.example CORP\svc-web`, `setspn -D HTTP/mp01 CORP\svc-web`, "own host name"},
			[]string{"setspn -S HTTP/mp01.corp.example CORP", `setspn -D HTTP/mp01.corp.example CORP\MP01$`}},
		{"a port-qualified SPN held by the service's account, for port-including clients", "http://web01.corp.example:81/", asAccount("svc-x"),
			func(s *audit.Service) { s.IncludePort = true }, []audit.Account{web01, user("svc-x", "HTTP/web01.corp.example:81")}, "", nil, nil},
		{"another computer holds HTTP/<host>: tickets for it, not for the computer serving the host", "http://mp01.corp.example/", asComputer, nil,
			[]audit.Account{mp01, computer("web02", "HTTP/mp01.corp.example", "HTTP/mp01")}, Fail,
			[]string{`setspn -D HTTP/mp01.corp.example CORP\WEB02$`}, nil},
		{"the declared account is disabled: no SPN on it, find the real identity", "http://web01.corp.example/", asAccount("svc-x"), nil,
			[]audit.Account{web01, disabledUser("svc-x")}, Fail, []string{"is disabled", "real identity"}, []string{"setspn -S"}},
		{"nobody holds it: SERVICE-NO-SPN's, not this check's", "http://mp01.corp.example/", asAccount("svc-x"), nil, nil, "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := probeSnapshot(t, tt.url, tt.id, tt.edit, tt.accounts...)
			fs := runServiceIdentity(s, Options{})
			wantServiceFinding(t, fs, tt.status, tt.wantInFix, tt.notInFix)
			if tt.status == "" {
				return
			}
			if step, ok := ServiceStep(Finding{CheckID: "SERVICE-IDENTITY", Affected: fs[0].Affected}, s.Services[0]); !ok || step != StepIdentity {
				t.Errorf("the finding does not decide the service's identity step: %q %v", step, ok)
			}
		})
	}
}
