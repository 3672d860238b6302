package checks

import (
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

// The probe's fixture: corp.example with mp01 (the seed: svc-web holds
// HTTP/mp01 and HTTP/mp01.corp.example, MP01$ holds HOST/), web01 (healthy),
// portal (a CNAME of web01) and DNS answers for them.
var (
	mp01   = computer("mp01", "HOST/mp01.corp.example", "HOST/mp01")
	web01  = computer("web01", "HOST/web01.corp.example", "HOST/web01")
	svcWeb = user("svc-web", "HTTP/mp01.corp.example", "HTTP/mp01")
	svcX   = user("svc-x")
)

func aRecord(name, addr string) audit.HostLookup {
	return audit.HostLookup{Name: name, Canonical: name, A: []string{addr}, Status: audit.DNSOK}
}

// probeSnapshot declares one service of rawURL over the accounts, with the
// DNS answers a collection records for it (RequestedSPN derived as the
// collection derives it).
func probeSnapshot(t *testing.T, rawURL string, id *audit.ServiceIdentity, edit func(*audit.Service), accounts ...audit.Account) *audit.Snapshot {
	t.Helper()
	s := newSnapshot(accounts...)
	s.DNS.Hosts = []audit.HostLookup{
		aRecord("mp01.corp.example", "10.0.0.21"),
		aRecord("web01.corp.example", "10.0.0.22"),
		{Name: "portal.corp.example", CNAMEs: []string{"web01.corp.example"}, Canonical: "web01.corp.example", A: []string{"10.0.0.22"}, Status: audit.DNSOK},
		{Name: "ghost.corp.example", Status: audit.DNSNXDomain, Error: "nxdomain"},
		{Name: "mp01", QueriedAs: "mp01.corp.example", Canonical: "mp01.corp.example", A: []string{"10.0.0.21"}, Status: audit.DNSOK},
	}
	svc, err := audit.ParseServiceURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	svc.Domain, svc.Identity = "corp.example", id
	if edit != nil {
		edit(&svc)
	}
	if h, ok := s.ServiceHost(svc); ok {
		svc.RequestedSPN, _ = svc.SPNFor(h)
	}
	s.Services = []audit.Service{svc}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	asComputer = &audit.ServiceIdentity{Computer: true}
	asAccount  = func(name string) *audit.ServiceIdentity { return &audit.ServiceIdentity{Account: name} }
)

// steps renders every step of every option of the findings, one per line.
func fixText(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		for _, o := range f.Remediation {
			b.WriteString(o.Summary + "\n")
			for _, s := range o.Steps() {
				b.WriteString(s + "\n")
			}
		}
	}
	return b.String()
}

// Which findings decide which step of a service's readiness: the service
// checks by the service they name, SPN-DUPLICATE and KRB-TICKET by the SPN
// its clients request, TIME-SKEW always; others (SPN-USER-HOST-ALIAS) never.
func TestServiceStepReadsFindingsOfTheService(t *testing.T) {
	svc := audit.Service{URL: "http://mp01.corp.example/", RequestedSPN: "HTTP/mp01.corp.example"}
	other := audit.Service{URL: "http://web01.corp.example/", RequestedSPN: "HTTP/web01.corp.example"}
	tests := []struct {
		name string
		f    Finding
		step string
	}{
		{"the service's own check", Finding{CheckID: "SERVICE-IDENTITY", Affected: []Object{serviceObject(svc)}}, StepIdentity},
		{"a duplicate of the SPN clients request", Finding{CheckID: "SPN-DUPLICATE", Subject: "http/mp01.corp.example"}, StepHolder},
		{"a refused ticket for it", Finding{CheckID: "KRB-TICKET", Subject: "http/mp01.corp.example"}, StepTicket},
		{"no ticket asked for at all", Finding{CheckID: "KRB-TICKET", Status: NotEvaluated, Subject: noTicketProbesSubject}, StepTicket},
		{"a skewed clock", Finding{CheckID: "TIME-SKEW", Subject: "clock kdc:dc1 vs local"}, StepClock},
		{"another service's finding", Finding{CheckID: "SERVICE-IDENTITY", Affected: []Object{serviceObject(other)}}, ""},
		{"a duplicate of another SPN", Finding{CheckID: "SPN-DUPLICATE", Subject: "http/web01.corp.example"}, ""},
		{"the host alias (decided by the identity)", Finding{CheckID: "SPN-USER-HOST-ALIAS", Subject: "http/mp01,http/mp01.corp.example"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, ok := ServiceStep(tt.f, svc)
			if step != tt.step || ok != (tt.step != "") {
				t.Errorf("ServiceStep = %q, %v; want %q", step, ok, tt.step)
			}
		})
	}
}

// A snapshot without services (an audit's) runs no service check to a
// finding.
func TestServiceChecksAreSilentWithoutServices(t *testing.T) {
	for _, f := range Run(labSnapshot(), All(), Options{}) {
		if strings.HasPrefix(f.CheckID, "SERVICE-") {
			t.Errorf("%s found %q in a snapshot without services", f.CheckID, f.Title)
		}
	}
}

// statusOf is the finding's status as Run completes it (a check leaves a
// failed finding's status empty).
func statusOf(f Finding) Status {
	if f.Status == "" {
		return Fail
	}
	return f.Status
}

// wantServiceFinding holds fs to one finding of status (none when status
// is ""), whose remediation names every want and none of notWant.
func wantServiceFinding(t *testing.T, fs []Finding, status Status, want, notWant []string) {
	t.Helper()
	if status == "" {
		if len(fs) != 0 {
			t.Fatalf("want no finding, got %+v", fs)
		}
		return
	}
	if len(fs) != 1 || statusOf(fs[0]) != status {
		t.Fatalf("want one %s finding, got %+v", status, fs)
	}
	fix := fixText(fs)
	for _, w := range want {
		if !strings.Contains(fix, w) {
			t.Errorf("remediation lacks %q:\n%s", w, fix)
		}
	}
	for _, w := range notWant {
		if strings.Contains(fix, w) {
			t.Errorf("remediation contains %q:\n%s", w, fix)
		}
	}
}
