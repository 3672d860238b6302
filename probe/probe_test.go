package probe

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/krbprobe"
)

var errNX = errors.New("nxdomain")

// zone answers A queries from a map of name → CNAME target or address.
type zone map[string]string

func (z zone) Query(_ context.Context, name string, qtype uint16) (*dns.Msg, error) {
	name = strings.TrimSuffix(name, ".")
	m := new(dns.Msg)
	for hop := 0; hop < 5; hop++ {
		v, ok := z[name]
		if !ok {
			if hop == 0 {
				return nil, errNX
			}
			return m, nil
		}
		if strings.HasPrefix(v, "cname:") {
			target := strings.TrimPrefix(v, "cname:")
			rr, _ := dns.NewRR(name + ". 60 IN CNAME " + target + ".")
			m.Answer = append(m.Answer, rr)
			name = target
			continue
		}
		if qtype == dns.TypeA {
			rr, _ := dns.NewRR(name + ". 60 IN A " + v)
			m.Answer = append(m.Answer, rr)
		}
		return m, nil
	}
	return m, nil
}

type dir []Holder

func (d dir) NetBIOS() string { return "CORP" }
func (d dir) SPNHolders(_ context.Context, spns []string) ([]Holder, error) {
	var out []Holder
	for _, h := range d {
		for _, s := range h.SPNs {
			for _, want := range spns {
				if strings.EqualFold(s, want) {
					out = append(out, h)
				}
			}
		}
	}
	return out, nil
}

type tickets map[string]krbprobe.Result

func (t tickets) Request(_ context.Context, spn string) krbprobe.Result {
	if r, ok := t[spn]; ok {
		r.SPN = spn
		return r
	}
	return krbprobe.Result{SPN: spn, ClientRealm: "CORP.EXAMPLE", Path: []string{"CORP.EXAMPLE"}, ErrorName: "KDC_ERR_S_PRINCIPAL_UNKNOWN"}
}

func TestRun(t *testing.T) {
	z := zone{"mp01.corp.example": "10.0.0.21", "web01.corp.example": "10.0.0.22", "portal.corp.example": "cname:web01.corp.example"}
	mp01 := Holder{DN: "CN=MP01", SAMAccountName: "MP01$", Kind: audit.KindComputer, SPNs: []string{"HOST/mp01.corp.example"}}
	web01 := Holder{DN: "CN=WEB01", SAMAccountName: "WEB01$", Kind: audit.KindComputer, SPNs: []string{"HOST/web01.corp.example"}}
	svc := Holder{DN: "CN=svc-web", SAMAccountName: "svc-web", Kind: audit.KindUser, SPNs: []string{"HTTP/mp01.corp.example"}}
	issued := krbprobe.Result{Issued: true, ClientRealm: "CORP.EXAMPLE", Realm: "CORP.EXAMPLE", Path: []string{"CORP.EXAMPLE"}}
	tk := tickets{"HTTP/mp01.corp.example": issued, "HTTP/web01.corp.example": issued}
	skewed := func(d time.Duration) func(context.Context) (audit.ClockSample, error) {
		return func(context.Context) (audit.ClockSample, error) {
			now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
			return audit.ClockSample{Source: "kdc:10.0.0.10:88", RemoteTime: now.Add(d), LocalTime: now}, nil
		}
	}
	tests := []struct {
		name      string
		url       string
		id        Identity
		holders   dir
		clock     time.Duration
		ready     bool
		failStep  string
		wantInFix string
	}{
		{"seed: user holds HTTP, service runs as computer", "http://mp01.corp.example/", Identity{RunsAsComputer: true}, dir{mp01, svc}, 0, false, "identity", `setspn -D HTTP/mp01.corp.example CORP\svc-web`},
		{"same host, service runs as the user (useAppPoolCredentials)", "http://mp01.corp.example/", Identity{Account: `CORP\svc-web`}, dir{mp01, svc}, 0, true, "", ""},
		{"HOST alias covers a computer-run site", "http://web01.corp.example/", Identity{RunsAsComputer: true}, dir{web01}, 0, true, "", ""},
		{"CNAME: SPN of the canonical name", "http://portal.corp.example/", Identity{RunsAsComputer: true}, dir{web01}, 0, true, "", ""},
		{"no DNS", "http://ghost.corp.example/", Identity{}, dir{}, 0, false, "dns", "Publish ghost.corp.example"},
		{"nobody holds it", "http://mp01.corp.example/", Identity{Account: "svc-x"}, dir{}, 0, false, "holder", `setspn -S HTTP/mp01.corp.example CORP\svc-x`},
		{"duplicate", "http://mp01.corp.example/", Identity{}, dir{svc, {DN: "CN=other", SAMAccountName: "other", Kind: audit.KindUser, SPNs: []string{"HTTP/mp01.corp.example"}}}, 0, false, "holder", "setspn -X -F"},
		{"clock skew beyond 5 minutes", "http://web01.corp.example/", Identity{RunsAsComputer: true}, dir{web01}, 7 * time.Minute, false, "clock", "Synchronise"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target, err := ParseTarget(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			r := Run(context.Background(), target, tt.id, Deps{
				DNS: z, IsNXDomain: func(err error) bool { return errors.Is(err, errNX) }, Dir: tt.holders, Tickets: tk,
				KDCClock: skewed(tt.clock), Mappings: map[string]string{"http": "host"}, MaxSkew: 5 * time.Minute, WarnSkew: time.Minute,
			})
			if r.Ready != tt.ready {
				t.Fatalf("ready = %v, want %v; verdict %q", r.Ready, tt.ready, r.Verdict)
			}
			if tt.failStep != "" {
				var failed string
				for _, s := range r.Steps {
					if s.Status == Fail {
						failed = s.Name
						break
					}
				}
				if failed != tt.failStep {
					t.Errorf("first failing step = %q, want %q (%+v)", failed, tt.failStep, r.Steps)
				}
			}
			if fix := strings.Join(r.Remediation, "\n"); !strings.Contains(fix, tt.wantInFix) {
				t.Errorf("remediation %q lacks %q", fix, tt.wantInFix)
			}
		})
	}
}

func TestParseTarget(t *testing.T) {
	for raw, want := range map[string]Target{
		"http://MP01.corp.example/":       {Host: "mp01.corp.example", Port: 80},
		"https://mp01.corp.example:8443/": {Host: "mp01.corp.example", Port: 8443},
		"mp01.corp.example":               {Host: "mp01.corp.example", Port: 80},
	} {
		got, err := ParseTarget(raw)
		if err != nil || got.Host != want.Host || got.Port != want.Port {
			t.Errorf("ParseTarget(%q) = %+v, %v", raw, got, err)
		}
	}
	for _, bad := range []string{"", "ftp://x.example/", "http://:80/", "http://x.example:99999/", "http://bad host/"} {
		if _, err := ParseTarget(bad); err == nil {
			t.Errorf("ParseTarget(%q) accepted", bad)
		}
	}
}
