package audit

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseServiceURL(t *testing.T) {
	for raw, want := range map[string]Service{
		"http://MP01.corp.example/":       {Scheme: "http", Host: "mp01.corp.example", Port: 80},
		"https://mp01.corp.example:8443/": {Scheme: "https", Host: "mp01.corp.example", Port: 8443},
		"mp01.corp.example":               {Scheme: "http", Host: "mp01.corp.example", Port: 80},
		"http://mp01/":                    {Scheme: "http", Host: "mp01", Port: 80},
	} {
		got, err := ParseServiceURL(raw)
		if err != nil || got.Host != want.Host || got.Port != want.Port || got.Scheme != want.Scheme || got.Source != ServiceFromProbe || got.URL != raw {
			t.Errorf("ParseServiceURL(%q) = %+v, %v", raw, got, err)
		}
	}
	for _, bad := range []string{"", "ftp://x.example/", "http://:80/", "http://x.example:99999/", "http://bad host/"} {
		if _, err := ParseServiceURL(bad); err == nil {
			t.Errorf("ParseServiceURL(%q) accepted", bad)
		}
	}
}

func TestServiceSPNFor(t *testing.T) {
	a := HostLookup{Name: "mp01.corp.example", Canonical: "mp01.corp.example", Status: DNSOK}
	short := HostLookup{Name: "mp01", QueriedAs: "mp01.corp.example", Canonical: "mp01.corp.example", Status: DNSOK}
	alias := HostLookup{Name: "portal.corp.example", CNAMEs: []string{"web01.corp.example"}, Canonical: "web01.corp.example", Status: DNSOK}
	tests := []struct {
		name, url   string
		includePort bool
		h           HostLookup
		want        string
	}{
		{"an A record: the name in the URL", "http://mp01.corp.example/", false, a, "HTTP/mp01.corp.example"},
		{"a short name that is an A record stays short", "http://mp01/", false, short, "HTTP/mp01"},
		{"a CNAME: the canonical name", "http://portal.corp.example/", false, alias, "HTTP/web01.corp.example"},
		{"a non-default port is left out unless clients include it", "http://mp01.corp.example:8080/", false, a, "HTTP/mp01.corp.example"},
		{"clients that include the port", "http://mp01.corp.example:8080/", true, a, "HTTP/mp01.corp.example:8080"},
		{"the default port is never included", "https://mp01.corp.example/", true, a, "HTTP/mp01.corp.example"},
		{"no SPN for a host that does not resolve", "http://ghost.corp.example/", false, HostLookup{Name: "ghost.corp.example", Status: DNSNXDomain}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, err := ParseServiceURL(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			svc.IncludePort = tt.includePort
			got, ok := svc.SPNFor(tt.h)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("SPNFor = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

func TestDNSSuffixesDevolveToTwoLabels(t *testing.T) {
	got := DNSSuffixes("EU.Corp.Example.")
	if want := []string{"eu.corp.example", "corp.example"}; !reflect.DeepEqual(got, want) {
		t.Errorf("DNSSuffixes = %q, want %q", got, want)
	}
	if got := DNSSuffixes(""); got != nil {
		t.Errorf("DNSSuffixes(\"\") = %q", got)
	}
}

func TestServiceHostPrefersTheSuffixThatResolved(t *testing.T) {
	s := &Snapshot{DNS: DNS{Hosts: []HostLookup{
		{Name: "web01", QueriedAs: "web01.eu.corp.example", Status: DNSNXDomain},
		{Name: "web01", QueriedAs: "web01.corp.example", Canonical: "web01.corp.example", A: []string{"10.0.0.1"}, Status: DNSOK},
	}}}
	h, ok := s.ServiceHost(Service{Host: "web01"})
	if !ok || h.QueriedAs != "web01.corp.example" {
		t.Errorf("ServiceHost = %+v, %v", h, ok)
	}
	s.DNS.Hosts[1].Status = DNSNXDomain
	if h, _ := s.ServiceHost(Service{Host: "web01"}); h.QueriedAs != "web01.eu.corp.example" {
		t.Errorf("nothing resolved: want the first suffix's answer, got %+v", h)
	}
}

func TestValidateRejectsBadServices(t *testing.T) {
	good := Service{URL: "http://mp01.corp.example/", Scheme: "http", Host: "mp01.corp.example", Port: 80, Source: ServiceFromProbe}
	tests := []struct {
		name  string
		edit  func(*Service)
		field string
	}{
		{"no URL", func(s *Service) { s.URL = "" }, "services[0].url"},
		{"a port out of range", func(s *Service) { s.Port = 0 }, "services[0].port"},
		{"an unknown source", func(s *Service) { s.Source = "guess" }, "services[0].source"},
		{"an identity naming both", func(s *Service) { s.Identity = &ServiceIdentity{Account: "svc", Computer: true} }, "services[0].identity"},
		{"a malformed requested SPN", func(s *Service) { s.RequestedSPN = "HTTP" }, "services[0].requestedSpn"},
	}
	snap := &Snapshot{SchemaVersion: SchemaVersion, Services: []Service{good}}
	if err := snap.Validate(); err != nil {
		t.Fatalf("a good service is refused: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := good
			tt.edit(&svc)
			err := (&Snapshot{SchemaVersion: SchemaVersion, Services: []Service{svc}}).Validate()
			var le *LoadError
			if !errors.As(err, &le) || le.Field != tt.field {
				t.Errorf("Validate = %v, want a LoadError on %s", err, tt.field)
			}
		})
	}
}
