package checks

import (
	"testing"
)

func TestServiceDNS(t *testing.T) {
	tests := []struct {
		name   string
		url    string
		status Status
		want   []string
	}{
		{"a host that does not resolve", "http://ghost.corp.example/", Fail, []string{"Add-DnsServerResourceRecordA -ZoneName 'corp.example' -Name 'ghost'"}},
		{"an A record", "http://mp01.corp.example/", "", nil},
		{"a short name resolved through the domain's suffix", "http://mp01/", "", nil},
		{"a CNAME resolves", "http://portal.corp.example/", "", nil},
		{"a host not looked up is not evaluated", "http://nowhere.corp.example/", NotEvaluated, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := probeSnapshot(t, tt.url, asComputer, nil)
			fs := runServiceDNS(s, Options{})
			wantServiceFinding(t, fs, tt.status, tt.want, nil)
		})
	}
}
