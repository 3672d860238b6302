package checks

import (
	"reflect"
	"strings"
	"testing"
)

func TestDNSCNAME(t *testing.T) {
	portal := cnameHost("portal.corp.example", "app04.corp.example", "10.0.0.4")
	cases := []struct {
		name string
		run  func() []Finding
		want []string
	}{
		{"FQDN and short alias on one account: one finding", func() []Finding {
			return runDNSCNAME(withHosts(newSnapshot(user("svc-portal", "HTTP/portal.corp.example", "HTTP/portal")), portal), DefaultOptions())
		}, []string{"http/portal,http/portal.corp.example"}},
		{"short alias recorded as the collector does (queried with the domain suffix)", func() []Finding {
			short := portal
			short.Name, short.QueriedAs = "portal", "portal.corp.example"
			return runDNSCNAME(withHosts(newSnapshot(user("svc-portal", "HTTP/portal")), short), DefaultOptions())
		}, []string{"http/portal"}},
		{"short name's lookup in another domain is not used", func() []Finding {
			other := cnameHost("portal", "app99.partner.example", "10.9.9.9")
			other.QueriedAs = "portal.partner.example"
			return runDNSCNAME(withHosts(newSnapshot(user("svc-portal", "HTTP/portal")), other, okHost("portal.corp.example", "10.0.0.4")), DefaultOptions())
		}, nil},
		{"healthy twin: A record", func() []Finding {
			return runDNSCNAME(withHosts(newSnapshot(user("svc-app05", "HTTP/app05.corp.example", "HTTP/app05")), okHost("app05.corp.example", "10.0.0.5")), DefaultOptions())
		}, nil},
		{"healthy twin: the canonical name itself", func() []Finding {
			return runDNSCNAME(withHosts(newSnapshot(user("svc-portal", "HTTP/app04.corp.example")), okHost("app04.corp.example", "10.0.0.4")), DefaultOptions())
		}, nil},
		{"short name expanded by the search list is not an alias", func() []Finding {
			mp01 := cnameHost("mp01", "mp01.corp.example", "10.0.0.21")
			return runDNSCNAME(withHosts(newSnapshot(user("svc-x", "HTTP/mp01")), mp01), DefaultOptions())
		}, nil},
		{"NXDOMAIN is left to SPN-DNS-MISSING", func() []Finding {
			return runDNSCNAME(withHosts(newSnapshot(user("svc-ghost", "HTTP/ghost.corp.example")), nxHost("ghost.corp.example")), DefaultOptions())
		}, nil},
		{"DC SPNs on _msdcs CNAMEs are not flagged", func() []Finding {
			return runDNSCNAME(withHosts(newSnapshot(dc("dc01", "ldap/6b0f2bbc._msdcs.corp.example")),
				cnameHost("6b0f2bbc._msdcs.corp.example", "dc01.corp.example", "10.0.0.10")), DefaultOptions())
		}, nil},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got := subjects(tt.run(), Fail)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("subjects = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDNSCNAMERemediation(t *testing.T) {
	portal := cnameHost("portal.corp.example", "app04.corp.example", "10.0.0.4")
	t.Run("canonical SPN free: register it, remove the aliases", func(t *testing.T) {
		fs := runDNSCNAME(withHosts(newSnapshot(user("svc-portal", "HTTP/portal.corp.example", "HTTP/portal")), portal), DefaultOptions())
		if len(fs) != 1 {
			t.Fatalf("want 1 finding, got %+v", fs)
		}
		reg := strings.Join(fs[0].Remediation[0].Steps(), "\n")
		for _, want := range []string{`setspn -S HTTP/app04.corp.example CORP\svc-portal`, `setspn -D HTTP/portal.corp.example CORP\svc-portal`, `setspn -D HTTP/portal CORP\svc-portal`} {
			if !strings.Contains(reg, want) {
				t.Errorf("register-canonical lacks %q:\n%s", want, reg)
			}
		}
		if strings.Count(reg, "setspn -S") != 1 {
			t.Errorf("canonical SPN registered more than once:\n%s", reg)
		}
		arec := strings.Join(fs[0].Remediation[1].Steps(), "\n")
		if !strings.Contains(arec, "-RRType CNAME -Name 'portal'") || !strings.Contains(arec, "-Name 'portal' -IPv4Address '10.0.0.4'") {
			t.Errorf("a-record steps:\n%s", arec)
		}
		if !strings.Contains(fs[0].Explanation, "nobody holds it") {
			t.Errorf("explanation does not say what clients get today: %s", fs[0].Explanation)
		}
	})
	t.Run("canonical SPN held elsewhere: no blind setspn -S", func(t *testing.T) {
		fs := runDNSCNAME(withHosts(newSnapshot(user("svc-portal", "HTTP/portal.corp.example"), user("svc-app04", "HTTP/app04.corp.example")), portal), DefaultOptions())
		reg := strings.Join(fs[0].Remediation[0].Steps(), "\n")
		if strings.Contains(reg, "setspn -S") || !strings.Contains(reg, `already held by CORP\svc-app04`) {
			t.Errorf("steps:\n%s", reg)
		}
	})
	t.Run("computer holds HOST/<canonical>: clients get its ticket, caution", func(t *testing.T) {
		fs := runDNSCNAME(withHosts(newSnapshot(computer("app04", "HOST/app04.corp.example"), user("svc-portal", "HTTP/portal.corp.example")), portal), DefaultOptions())
		if !strings.Contains(fs[0].Explanation, `ticket for APP04$`) && !strings.Contains(fs[0].Explanation, `ticket for CORP\APP04$`) {
			t.Errorf("explanation: %s", fs[0].Explanation)
		}
		if reg := strings.Join(fs[0].Remediation[0].Steps(), "\n"); !strings.Contains(reg, "Caution") {
			t.Errorf("steps lack the caution:\n%s", reg)
		}
	})
}
