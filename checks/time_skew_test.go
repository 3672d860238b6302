package checks

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
)

// shiftClock moves the remote clock of every sample of a DC by d.
func shiftClock(s *audit.Snapshot, host string, d time.Duration) *audit.Snapshot {
	for i := range s.Clocks {
		if _, h := clockSource(newView(s), s.Clocks[i]); h == host {
			s.Clocks[i].RemoteTime = s.Clocks[i].RemoteTime.Add(d)
		}
	}
	return s
}

// graded lists "severity subject" of failed findings, sorted.
func graded(fs []Finding) []string {
	var out []string
	for _, f := range ofStatus(fs, Fail) {
		out = append(out, string(f.Severity)+" "+f.Subject)
	}
	sort.Strings(out)
	return out
}

func TestTimeSkew(t *testing.T) {
	all := func(d time.Duration) *audit.Snapshot {
		s := labSnapshot()
		for _, h := range []string{"dc1.lab.test", "dc2.partner.test", "dc3.extern.test"} {
			shiftClock(s, h, d)
		}
		return s
	}
	tests := []struct {
		name string
		snap *audit.Snapshot
		opt  Options
		want []string
	}{
		{"healthy twin: the lab's clocks agree within a second", labSnapshot(), Options{}, nil},
		{"one DC six minutes ahead: local and DC-vs-DC errors", shiftClock(labSnapshot(), "dc2.partner.test", 6*time.Minute), Options{}, []string{
			"critical clock dc1.lab.test vs dc2.partner.test",
			"critical clock dc2.partner.test vs dc3.extern.test",
			"critical clock kdc:dc2.partner.test vs local",
			"critical clock ldap:dc2.partner.test vs local",
		}},
		{"one DC two minutes behind: warnings", shiftClock(labSnapshot(), "dc3.extern.test", -2*time.Minute), Options{}, []string{
			"medium clock dc1.lab.test vs dc3.extern.test",
			"medium clock dc2.partner.test vs dc3.extern.test",
			"medium clock kdc:dc3.extern.test vs local",
			"medium clock ldap:dc3.extern.test vs local",
		}},
		{"the audit machine is off: DCs agree among themselves", all(10 * time.Minute), Options{}, []string{
			"critical clock kdc:dc1.lab.test vs local", "critical clock kdc:dc2.partner.test vs local", "critical clock kdc:dc3.extern.test vs local",
			"critical clock ldap:dc1.lab.test vs local", "critical clock ldap:dc2.partner.test vs local", "critical clock ldap:dc3.extern.test vs local",
		}},
		{"configured limits: 6 minutes is a warning under a 10 minute tolerance", shiftClock(labSnapshot(), "dc2.partner.test", 6*time.Minute),
			Options{MaxSkew: 10 * time.Minute, WarnSkew: 5 * time.Minute}, []string{
				"medium clock dc1.lab.test vs dc2.partner.test",
				"medium clock dc2.partner.test vs dc3.extern.test",
				"medium clock kdc:dc2.partner.test vs local",
				"medium clock ldap:dc2.partner.test vs local",
			}},
		{"healthy twin: 50 seconds is below the warning threshold", shiftClock(labSnapshot(), "dc1.lab.test", 50*time.Second), Options{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := graded(runTimeSkew(tt.snap, tt.opt))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("findings = %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestTimeSkewEvidenceHasUncertainty(t *testing.T) {
	fs := runTimeSkew(shiftClock(labSnapshot(), "dc2.partner.test", -6*time.Minute), Options{})
	var local, pair *Finding
	for i := range fs {
		switch fs[i].Subject {
		case "clock ldap:dc2.partner.test vs local":
			local = &fs[i]
		case "clock dc1.lab.test vs dc2.partner.test":
			pair = &fs[i]
		}
	}
	if local == nil || pair == nil {
		t.Fatalf("findings: %v", graded(fs))
	}
	if v := evidence(*local, "skew (remote - local)"); !strings.Contains(v, "-5m59.7s ± 1ms") || !strings.Contains(v, "round trip 2ms") {
		t.Errorf("local skew evidence: %q", v)
	}
	if !strings.Contains(local.Title, "behind") {
		t.Errorf("title: %s", local.Title)
	}
	// The pair uses the sample with the shortest round trip (kdc:, 1.5 ms).
	if v := evidence(*pair, "difference (dc1.lab.test - dc2.partner.test)"); !strings.Contains(v, "+5m59.7s ± 1.5ms") {
		t.Errorf("pair evidence: %q", v)
	}
	if !strings.Contains(stepsText(*local), "w32tm /resync /rediscover") {
		t.Errorf("steps: %s", stepsText(*local))
	}
}

func TestTimeSkewWithoutSamplesIsNotEvaluated(t *testing.T) {
	s := labSnapshot()
	s.Clocks = nil
	got := runTimeSkew(s, Options{})
	if len(got) != 1 || got[0].Status != NotEvaluated {
		t.Fatalf("want one not-evaluated finding, got %+v", got)
	}
}

func TestClockSourceNamesTheDC(t *testing.T) {
	s := labSnapshot()
	for _, tt := range []struct{ source, kind, host string }{
		{"ldap:dc1.lab.test", "ldap", "dc1.lab.test"},
		{"kdc:127.0.0.12:88", "kdc", "dc2.partner.test"},
		{"kdc:127.0.0.99:88", "kdc", "127.0.0.99"},
		{"kdc:[2001:db8::1]:88", "kdc", "2001:db8::1"},
		{"KDC:DC3.Extern.Test", "kdc", "dc3.extern.test"},
	} {
		if k, h := clockSource(newView(s), audit.ClockSample{Source: tt.source}); k != tt.kind || h != tt.host {
			t.Errorf("clockSource(%s) = %s, %s; want %s, %s", tt.source, k, h, tt.kind, tt.host)
		}
	}
}

func TestTimeSkewLDAPResolutionIsInTheEvidence(t *testing.T) {
	fs := runTimeSkew(shiftClock(labSnapshot(), "dc1.lab.test", 2*time.Minute), Options{})
	for _, f := range fs {
		if f.Subject == "clock ldap:dc1.lab.test vs local" {
			if v := evidence(f, "skew (remote - local)"); !strings.Contains(v, "add up to 1s") || !strings.Contains(v, "and +2m1.001s") {
				t.Errorf("evidence: %q", v)
			}
			return
		}
	}
	t.Fatalf("no finding for ldap:dc1.lab.test: %v", graded(fs))
}
