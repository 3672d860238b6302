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
	mp01 := Holder{DN: "CN=MP01", SAMAccountName: "MP01$", Kind: audit.KindComputer, SPNs: []string{"HOST/mp01.corp.example", "HOST/mp01"}}
	web01s := Holder{DN: "CN=WEB01", SAMAccountName: "WEB01$", Kind: audit.KindComputer, SPNs: []string{"HOST/web01.corp.example", "HOST/web01"}}
	web01 := Holder{DN: "CN=WEB01", SAMAccountName: "WEB01$", Kind: audit.KindComputer, SPNs: []string{"HOST/web01.corp.example"}}
	svc := Holder{DN: "CN=svc-web", SAMAccountName: "svc-web", Kind: audit.KindUser, SPNs: []string{"HTTP/mp01.corp.example", "HTTP/mp01"}}
	issued := krbprobe.Result{Issued: true, ClientRealm: "CORP.EXAMPLE", Realm: "CORP.EXAMPLE", Path: []string{"CORP.EXAMPLE"}}
	tk := tickets{"HTTP/mp01.corp.example": issued, "HTTP/web01.corp.example": issued, "HTTP/mp01": issued, "HTTP/web01": issued}
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
		deps      func(*Deps)
		status    string
		failStep  string
		wantInFix []string
		notInFix  []string
	}{
		{"seed: user holds HTTP, service runs as computer", "http://mp01.corp.example/", Identity{RunsAsComputer: true}, dir{mp01, svc}, 0, nil, NotReady, "identity",
			// both forms of the host come off the user, as audit and fix do
			[]string{`setspn -D HTTP/mp01.corp.example CORP\svc-web`, `setspn -D HTTP/mp01 CORP\svc-web`}, nil},
		{"same host, service runs as the user (useAppPoolCredentials)", "http://mp01.corp.example/", Identity{Account: `CORP\svc-web`}, dir{mp01, svc}, 0, nil, Ready, "", nil, nil},
		{"HOST alias covers a computer-run site", "http://web01.corp.example/", Identity{RunsAsComputer: true}, dir{web01}, 0, nil, Ready, "", nil, nil},
		{"CNAME: SPN of the canonical name", "http://portal.corp.example/", Identity{RunsAsComputer: true}, dir{web01}, 0, nil, Ready, "", nil, nil},
		{"no DNS", "http://ghost.corp.example/", Identity{}, dir{}, 0, nil, NotReady, "dns", []string{"Publish ghost.corp.example"}, nil},
		{"nobody holds it", "http://mp01.corp.example/", Identity{Account: "svc-x"}, dir{}, 0, nil, NotReady, "holder", []string{`setspn -S HTTP/mp01.corp.example CORP\svc-x`}, nil},
		{"duplicate", "http://mp01.corp.example/", Identity{}, dir{svc, {DN: "CN=other", SAMAccountName: "other", Kind: audit.KindUser, SPNs: []string{"HTTP/mp01.corp.example"}}}, 0, nil, NotReady, "holder", []string{"setspn -X -F"}, nil},
		{"clock skew beyond 5 minutes", "http://web01.corp.example/", Identity{RunsAsComputer: true}, dir{web01}, 7 * time.Minute, nil, NotReady, "clock", []string{"Synchronise"}, nil},
		{"clock skew above the warning but within the limit is ready", "http://web01.corp.example/", Identity{RunsAsComputer: true}, dir{web01}, 2 * time.Minute, nil, Ready, "", nil, nil},
		// Issue 17: honesty.
		{"without the service's identity the verdict is UNKNOWN, never READY", "http://web01.corp.example/", Identity{}, dir{web01}, 0, nil, Unknown, "", nil, nil},
		{"without Kerberos credentials the ticket step is not tested", "http://web01.corp.example/", Identity{RunsAsComputer: true}, dir{web01}, 0,
			func(d *Deps) { d.Tickets = nil }, Unknown, "", nil, nil},
		{"a client realm other than the credentials' is not tested, never READY", "http://web01.corp.example/", Identity{RunsAsComputer: true}, dir{web01}, 0,
			func(d *Deps) { d.ClientRealm = "EXTERN.EXAMPLE" }, Unknown, "", nil, nil},
		{"a client realm behind an external trust: real clients get no referral, NOT READY", "http://web01.corp.example/", Identity{RunsAsComputer: true}, dir{web01}, 0,
			func(d *Deps) {
				d.ClientRealm = "extern.example"
				d.ExternalTrusts = map[string]bool{"extern.example": true}
			}, NotReady, "ticket", []string{"forest trust", "ksetup /addhosttorealmmap web01.corp.example CORP.EXAMPLE"}, nil},
		{"a client realm followed for real from its KDC is tested", "http://web01.corp.example/", Identity{RunsAsComputer: true}, dir{web01}, 0,
			func(d *Deps) {
				d.ClientRealm = "PARTNER.EXAMPLE"
				d.Tickets = fromRealm{tk, krbprobe.Result{Issued: true, ClientRealm: "PARTNER.EXAMPLE", Realm: "CORP.EXAMPLE", Path: []string{"PARTNER.EXAMPLE", "CORP.EXAMPLE"}}}
			}, Ready, "", nil, nil},
		{"a client realm path refused with the credentials of another realm proves nothing: not tested", "http://web01.corp.example/", Identity{RunsAsComputer: true}, dir{web01}, 0,
			func(d *Deps) {
				d.ClientRealm = "PARTNER.EXAMPLE"
				d.Tickets = fromRealm{tk, krbprobe.Result{ClientRealm: "PARTNER.EXAMPLE", Path: []string{"PARTNER.EXAMPLE", "CORP.EXAMPLE"}, ErrorCode: 43, ErrorName: "KRB_ERROR_43"}}
			}, Unknown, "", nil, nil},
		{"no cross-realm TGT for the client realm: not tested", "http://web01.corp.example/", Identity{RunsAsComputer: true}, dir{web01}, 0,
			func(d *Deps) {
				d.ClientRealm = "NOWHERE.EXAMPLE"
				d.Tickets = fromRealm{tk, krbprobe.Result{NotTested: "no cross-realm TGT for NOWHERE.EXAMPLE"}}
			}, Unknown, "", nil, nil},
		{"a client realm equal to the credentials' is tested", "http://web01.corp.example/", Identity{RunsAsComputer: true}, dir{web01}, 0,
			func(d *Deps) { d.ClientRealm = "corp.example" }, Ready, "", nil, nil},
		{"an unreadable KDC clock is not tested", "http://web01.corp.example/", Identity{RunsAsComputer: true}, dir{web01}, 0,
			func(d *Deps) {
				d.KDCClock = func(context.Context) (audit.ClockSample, error) { return audit.ClockSample{}, errors.New("timeout") }
			}, Unknown, "", nil, nil},
		// Issue 17: a short name resolves through the domain's suffix, and
		// short-name clients ask for HTTP/<short>, which the seed's user holds.
		{"short name: resolved with the domain suffix, the seed is found", "http://mp01/", Identity{RunsAsComputer: true}, dir{mp01, svc}, 0,
			func(d *Deps) { d.Suffix = "corp.example" }, NotReady, "identity",
			[]string{`setspn -D HTTP/mp01 CORP\svc-web`, `setspn -D HTTP/mp01.corp.example CORP\svc-web`}, nil},
		{"short name under a child domain: the parent suffix (devolution) resolves it", "http://web01/", Identity{RunsAsComputer: true}, dir{web01s}, 0,
			func(d *Deps) { d.Suffix = "eu.corp.example" }, Ready, "", nil, nil},
		// Issue 17: a site on :8080 as a user, clients omitting the port,
		// on a host whose computer holds HOST: never HTTP/<host> on the
		// user, never setspn -D of an SPN the computer does not hold.
		{"port 8080 as a user without --include-port: port-including clients or port 80 as the computer", "http://web01.corp.example:8080/", Identity{Account: `CORP\svc-x`}, dir{web01}, 0, nil, NotReady, "identity",
			[]string{`setspn -S HTTP/web01.corp.example:8080 CORP\svc-x`, "--include-port", "port 80 as the computer", `Do not register HTTP/web01.corp.example on CORP\svc-x`},
			[]string{"setspn -S HTTP/web01.corp.example CORP", "setspn -D"}},
		{"another user holds HTTP/<host> of a computer's host: remove it, never move it to the service's user", "http://mp01.corp.example/", Identity{Account: "svc-x"}, dir{mp01, svc}, 0, nil, NotReady, "identity",
			[]string{`setspn -D HTTP/mp01.corp.example CORP\svc-web`, `setspn -D HTTP/mp01 CORP\svc-web`, "own host name"},
			[]string{"setspn -S HTTP/mp01.corp.example CORP", "setspn -D HTTP/mp01.corp.example CORP\\MP01$"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target, err := ParseTarget(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			d := Deps{
				DNS: z, IsNXDomain: func(err error) bool { return errors.Is(err, errNX) }, Dir: tt.holders, Tickets: tk,
				KDCClock: skewed(tt.clock), Mappings: map[string]string{"http": "host"}, MaxSkew: 5 * time.Minute, WarnSkew: time.Minute,
			}
			if tt.deps != nil {
				tt.deps(&d)
			}
			r := Run(context.Background(), target, tt.id, d)
			if r.Status != tt.status || r.Ready != (tt.status == Ready) {
				t.Fatalf("status = %q (ready %v), want %q; verdict %q; steps %+v", r.Status, r.Ready, tt.status, r.Verdict, r.Steps)
			}
			for _, s := range r.Steps {
				if s.Status != OK && s.Status != Fail && s.Status != NotTested {
					t.Errorf("step %s has status %q: only ok, fail or not tested", s.Name, s.Status)
				}
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
			fix := strings.Join(r.Remediation, "\n")
			for _, w := range tt.wantInFix {
				if !strings.Contains(fix, w) {
					t.Errorf("remediation lacks %q:\n%s", w, fix)
				}
			}
			for _, w := range tt.notInFix {
				if strings.Contains(fix, w) {
					t.Errorf("remediation contains %q:\n%s", w, fix)
				}
			}
		})
	}
}

// fromRealm is a ticket requester that can start at another realm's KDC.
type fromRealm struct {
	tickets
	from krbprobe.Result
}

func (f fromRealm) RequestFrom(_ context.Context, _, spn string) krbprobe.Result {
	r := f.from
	r.SPN = spn
	return r
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
