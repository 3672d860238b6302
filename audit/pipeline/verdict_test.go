package pipeline

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/audit/collect"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/internal/exitcode"
	"github.com/spntrust/spntrust/krbprobe"
	"github.com/spntrust/spntrust/ldapx"
	"github.com/spntrust/spntrust/reports"
)

// The probe, end to end without a socket: a targeted collection over a
// fake DC, DNS and KDC, judged by the checks, its verdict and exit status
// derived from the findings and gaps (issue 16), honest as issue 17 asks.

var errNX = errors.New("nxdomain")

// zone answers A queries from a map of name → CNAME target ("cname:...")
// or address; it finds no DC (LookupSRV) and resolves no DC name.
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
func (z zone) LookupSRV(context.Context, string) ([]ldapx.SRV, error) { return nil, ldapx.ErrNotFound }
func (z zone) LookupHost(context.Context, string) ([]netip.Addr, error) {
	return nil, ldapx.ErrNotFound
}

// fakeDC serves one domain: its accounts, trusts and clock.
type fakeDC struct {
	domain   string
	accounts []ldapx.SPNAccount
	trusts   []ldapx.Trust
	skew     time.Duration
	noClock  bool
	siblings []string // other domains of the forest
}

func dnOf(domain string) string { return "DC=" + strings.ReplaceAll(domain, ".", ",DC=") }

func (f *fakeDC) ReadRootDSE(context.Context) (*ldapx.RootDSE, error) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r := &ldapx.RootDSE{DNSHostName: "dc1." + f.domain, DefaultNamingContext: dnOf(f.domain),
		ConfigurationNamingContext: "CN=Configuration," + dnOf(f.domain), RootDomainNamingContext: dnOf(f.domain),
		DomainFunctionality: 7, ForestFunctionality: 7}
	if !f.noClock {
		r.CurrentTime, r.LocalBefore, r.LocalAfter = now.Add(f.skew), now, now.Add(2*time.Millisecond)
	}
	return r, nil
}
func (f *fakeDC) ReadSPNMappings(context.Context, string) (*ldapx.SPNMappings, error) {
	return &ldapx.SPNMappings{Aliases: map[string]string{"http": "host"}}, nil
}
func (f *fakeDC) ReadPartitions(context.Context, string) ([]ldapx.Partition, error) {
	parts := []ldapx.Partition{{NCName: dnOf(f.domain), DNSRoot: f.domain, NetBIOSName: "CORP"}}
	for _, d := range f.siblings {
		parts = append(parts, ldapx.Partition{NCName: dnOf(d), DNSRoot: d, NetBIOSName: strings.ToUpper(strings.SplitN(d, ".", 2)[0])})
	}
	return parts, nil
}
func (f *fakeDC) ReadDCs(context.Context, string) ([]ldapx.DomainController, error) { return nil, nil }
func (f *fakeDC) ReadSPNAccounts(context.Context, string, func(ldapx.SPNAccount) error) (ldapx.SearchStats, error) {
	return ldapx.SearchStats{}, errors.New("a probe reads no whole domain")
}
func (f *fakeDC) ReadTrusts(context.Context, string) ([]ldapx.Trust, error) { return f.trusts, nil }
func (f *fakeDC) ReadAESKeysSince(context.Context, string, string) (time.Time, error) {
	return time.Time{}, errors.New("not read by a probe")
}
func (f *fakeDC) ReadDNSZones(context.Context, string) ([]ldapx.DNSZoneEntry, error) {
	return nil, ldapx.ErrNoDNSContainer
}
func (f *fakeDC) ReadDNSNodes(context.Context, string, func(ldapx.DNSNode) error) (ldapx.SearchStats, error) {
	return ldapx.SearchStats{}, ldapx.ErrNoDNSContainer
}
func (f *fakeDC) Close() error { return nil }
func (f *fakeDC) ReadSPNHolders(_ context.Context, _ string, spns []string) ([]ldapx.SPNAccount, error) {
	var out []ldapx.SPNAccount
	for _, a := range f.accounts {
	next:
		for _, s := range a.SPNs {
			for _, want := range spns {
				if strings.EqualFold(s, want) {
					out = append(out, a)
					break next
				}
			}
		}
	}
	return out, nil
}
func (f *fakeDC) ReadAccount(_ context.Context, _, name string) (*ldapx.SPNAccount, error) {
	for _, a := range f.accounts {
		if strings.EqualFold(a.SAMAccountName, name) {
			return &a, nil
		}
	}
	return nil, nil
}
func (f *fakeDC) ReadManagementPoints(context.Context, string, string) ([]ldapx.ManagementPoint, error) {
	return nil, nil
}

func computerAcct(name string, spns ...string) ldapx.SPNAccount {
	return ldapx.SPNAccount{DN: "CN=" + strings.ToUpper(name) + ",CN=Computers", SAMAccountName: strings.ToUpper(name) + "$",
		ObjectClasses: []string{"top", "person", "user", "computer"}, UserAccountControl: 4096, SPNs: spns}
}

func userAcct(name string, spns ...string) ldapx.SPNAccount {
	return ldapx.SPNAccount{DN: "CN=" + name + ",CN=Users", SAMAccountName: name,
		ObjectClasses: []string{"top", "person", "user"}, UserAccountControl: 512, SPNs: spns}
}

type tickets map[string]krbprobe.Result

func (t tickets) Request(_ context.Context, spn string) krbprobe.Result {
	if r, ok := t[spn]; ok {
		r.SPN = spn
		return r
	}
	return krbprobe.Result{SPN: spn, ClientRealm: "CORP.EXAMPLE", Path: []string{"CORP.EXAMPLE"}, ErrorCode: 7, ErrorName: "KDC_ERR_S_PRINCIPAL_UNKNOWN"}
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

// probeCase is one service probed.
type probeCase struct {
	url      string
	id       *audit.ServiceIdentity
	accounts []ldapx.SPNAccount
	edit     func(*probeSetup)
}

type probeSetup struct {
	svc     audit.Service
	dc      *fakeDC
	tickets collect.TicketRequester // nil: no Kerberos credentials
	skip    []string                // --skip
}

// runProbe collects, evaluates and reports one service as spntrust probe
// does, returning the report, its text and the exit code.
func runProbe(t *testing.T, pc probeCase) (*reports.Report, string, int) {
	t.Helper()
	z := zone{"mp01.corp.example": "10.0.0.21", "web01.corp.example": "10.0.0.22", "portal.corp.example": "cname:web01.corp.example"}
	issued := krbprobe.Result{Issued: true, ClientRealm: "CORP.EXAMPLE", Realm: "CORP.EXAMPLE", Path: []string{"CORP.EXAMPLE"}}
	tk := tickets{"HTTP/mp01.corp.example": issued, "HTTP/web01.corp.example": issued, "HTTP/mp01": issued, "HTTP/web01": issued}
	svc, err := audit.ParseServiceURL(pc.url)
	if err != nil {
		t.Fatal(err)
	}
	svc.Identity = pc.id
	ps := &probeSetup{svc: svc, dc: &fakeDC{domain: "corp.example", accounts: pc.accounts}, tickets: tk}
	if pc.edit != nil {
		pc.edit(ps)
	}
	q := collect.ServiceQuery{Services: []audit.Service{ps.svc}}
	if ps.tickets != nil {
		q.Tickets = func(context.Context, collect.Directory, string) (collect.TicketRequester, func(), error) {
			return ps.tickets, func() {}, nil
		}
	}
	cfg := collect.Config{Server: "dc1." + ps.dc.domain, Resolver: z, SkipKDCClocks: true,
		IsNXDomain: func(err error) bool { return errors.Is(err, errNX) },
		Connect:    func(context.Context, string) (collect.Directory, error) { return ps.dc, nil },
		Now:        func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }}
	src := Live{Collector: CollectorFunc(func(ctx context.Context) (*audit.Snapshot, error) {
		s, err := collect.CollectServices(ctx, cfg, q)
		if err == nil {
			err = s.Validate()
		}
		return s, err
	})}
	set := DefaultSettings()
	set.Include = checks.IDs(checks.ForServices())
	set.Skip = ps.skip
	var out bytes.Buffer
	p := &Pipeline{Source: src, Settings: set, Tool: "test", Now: cfg.Now, Stdout: &out, Verdicts: true,
		Outputs: []Output{{Writer: reports.Text{}, Format: "text"}}}
	rep, err := p.Run(context.Background())
	code, _ := exitcode.Of(err)
	if rep == nil {
		t.Fatalf("no report: %v", err)
	}
	return rep, out.String(), code
}

func TestProbeVerdicts(t *testing.T) {
	mp01 := computerAcct("mp01", "HOST/mp01.corp.example", "HOST/mp01")
	web01 := computerAcct("web01", "HOST/web01.corp.example")
	web01s := computerAcct("web01", "HOST/web01.corp.example", "HOST/web01")
	svcWeb := userAcct("svc-web", "HTTP/mp01.corp.example", "HTTP/mp01")
	svcX := userAcct("svc-x")
	computerID := &audit.ServiceIdentity{Computer: true}
	account := func(n string) *audit.ServiceIdentity { return &audit.ServiceIdentity{Account: n} }
	tests := []struct {
		name      string
		pc        probeCase
		verdict   string
		failStep  string
		wantInFix []string
		notInFix  []string
	}{
		{"seed: a user holds HTTP, the service runs as the computer", probeCase{"http://mp01.corp.example/", computerID, []ldapx.SPNAccount{mp01, svcWeb}, nil},
			reports.NotReady, "identity",
			// both forms of the host come off the user, as audit and fix do
			[]string{`setspn -D HTTP/mp01.corp.example CORP\svc-web`, `setspn -D HTTP/mp01 CORP\svc-web`}, nil},
		{"the same host, the service runs as the user (useAppPoolCredentials)", probeCase{"http://mp01.corp.example/", account(`CORP\svc-web`), []ldapx.SPNAccount{mp01, svcWeb}, nil},
			reports.Ready, "", nil, nil},
		{"the HOST alias covers a computer-run site", probeCase{"http://web01.corp.example/", computerID, []ldapx.SPNAccount{web01}, nil}, reports.Ready, "", nil, nil},
		{"a CNAME: the SPN of the canonical name", probeCase{"http://portal.corp.example/", computerID, []ldapx.SPNAccount{web01}, nil}, reports.Ready, "", nil, nil},
		{"no DNS", probeCase{"http://ghost.corp.example/", nil, nil, nil}, reports.NotReady, "dns", []string{"Publish ghost.corp.example"}, nil},
		{"nobody holds it", probeCase{"http://mp01.corp.example/", account("svc-x"), []ldapx.SPNAccount{svcX}, nil}, reports.NotReady, "holder",
			[]string{`setspn -S HTTP/mp01.corp.example CORP\svc-x`}, nil},
		{"a duplicate", probeCase{"http://mp01.corp.example/", nil, []ldapx.SPNAccount{svcWeb, userAcct("other", "HTTP/mp01.corp.example")}, nil},
			reports.NotReady, "holder", []string{"setspn -D HTTP/mp01.corp.example"}, nil},
		{"clock skew beyond 5 minutes", probeCase{"http://web01.corp.example/", computerID, []ldapx.SPNAccount{web01}, func(p *probeSetup) { p.dc.skew = 7 * time.Minute }},
			reports.NotReady, "clock", []string{"w32tm"}, nil},
		{"clock skew above the warning but within the limit is ready", probeCase{"http://web01.corp.example/", computerID, []ldapx.SPNAccount{web01},
			func(p *probeSetup) { p.dc.skew = 2 * time.Minute }}, reports.Ready, "", nil, nil},
		// Issue 17: honesty.
		{"without the service's identity the verdict is UNKNOWN, never READY", probeCase{"http://web01.corp.example/", nil, []ldapx.SPNAccount{web01}, nil}, reports.Unknown, "", nil, nil},
		{"without Kerberos credentials the ticket step is not tested", probeCase{"http://web01.corp.example/", computerID, []ldapx.SPNAccount{web01},
			func(p *probeSetup) { p.tickets = nil }}, reports.Unknown, "", nil, nil},
		{"a client realm other than the credentials' is not tested, never READY", probeCase{"http://web01.corp.example/", computerID, []ldapx.SPNAccount{web01},
			func(p *probeSetup) { p.svc.ClientRealm = "EXTERN.EXAMPLE" }}, reports.Unknown, "", nil, nil},
		{"a client realm behind an external trust: real clients get no referral, NOT READY", probeCase{"http://web01.corp.example/", computerID, []ldapx.SPNAccount{web01},
			func(p *probeSetup) {
				p.svc.ClientRealm = "extern.example"
				p.dc.trusts = []ldapx.Trust{{TrustPartner: "extern.example", TrustType: 2, TrustDirection: 3, TrustAttributes: 4}}
			}}, reports.NotReady, "client realm", []string{"forest trust", "ksetup /addhosttorealmmap web01.corp.example CORP.EXAMPLE"}, nil},
		{"a client realm followed for real from its KDC is tested", probeCase{"http://web01.corp.example/", computerID, []ldapx.SPNAccount{web01},
			func(p *probeSetup) {
				p.svc.ClientRealm = "PARTNER.EXAMPLE"
				p.tickets = fromRealm{p.tickets.(tickets), krbprobe.Result{Issued: true, ClientRealm: "PARTNER.EXAMPLE", Realm: "CORP.EXAMPLE", Path: []string{"PARTNER.EXAMPLE", "CORP.EXAMPLE"}}}
			}}, reports.Ready, "", nil, nil},
		{"a client realm path refused with the credentials of another realm proves nothing: not tested", probeCase{"http://web01.corp.example/", computerID, []ldapx.SPNAccount{web01},
			func(p *probeSetup) {
				p.svc.ClientRealm = "PARTNER.EXAMPLE"
				p.tickets = fromRealm{p.tickets.(tickets), krbprobe.Result{ClientRealm: "PARTNER.EXAMPLE", Path: []string{"PARTNER.EXAMPLE", "CORP.EXAMPLE"}, ErrorCode: 43, ErrorName: "KRB_ERROR_43"}}
			}}, reports.Unknown, "", nil, nil},
		{"no cross-realm TGT for the client realm: not tested", probeCase{"http://web01.corp.example/", computerID, []ldapx.SPNAccount{web01},
			func(p *probeSetup) {
				p.svc.ClientRealm = "NOWHERE.EXAMPLE"
				p.tickets = fromRealm{p.tickets.(tickets), krbprobe.Result{NotTested: "no cross-realm TGT for NOWHERE.EXAMPLE"}}
			}}, reports.Unknown, "", nil, nil},
		{"a client realm equal to the credentials' is tested", probeCase{"http://web01.corp.example/", computerID, []ldapx.SPNAccount{web01},
			func(p *probeSetup) { p.svc.ClientRealm = "corp.example" }}, reports.Ready, "", nil, nil},
		{"no clock read at all is not tested", probeCase{"http://web01.corp.example/", computerID, []ldapx.SPNAccount{web01},
			func(p *probeSetup) { p.dc.noClock = true }}, reports.Unknown, "", nil, nil},
		{"a refused ticket is not ready", probeCase{"http://web01.corp.example/", computerID, []ldapx.SPNAccount{web01},
			func(p *probeSetup) { delete(p.tickets.(tickets), "HTTP/web01.corp.example") }}, reports.NotReady, "ticket", []string{"setspn -Q HTTP/web01.corp.example"}, nil},
		// Issue 17: a short name resolves through the domain's suffix, and
		// short-name clients ask for HTTP/<short>, which the seed's user holds.
		{"short name: resolved with the domain suffix, the seed is found", probeCase{"http://mp01/", computerID, []ldapx.SPNAccount{mp01, svcWeb}, nil},
			reports.NotReady, "identity", []string{`setspn -D HTTP/mp01 CORP\svc-web`, `setspn -D HTTP/mp01.corp.example CORP\svc-web`}, nil},
		{"short name under a child domain: the parent suffix (devolution) resolves it", probeCase{"http://web01/", computerID, []ldapx.SPNAccount{web01s},
			func(p *probeSetup) { p.dc.domain = "eu.corp.example" }}, reports.Ready, "", nil, nil},
		// Issue 17: a site on :8080 as a user, clients omitting the port,
		// on a host whose computer holds HOST: never HTTP/<host> on the
		// user, never setspn -D of an SPN the computer does not hold.
		{"port 8080 as a user without --include-port: port-including clients or port 80 as the computer", probeCase{"http://web01.corp.example:8080/", account(`CORP\svc-x`),
			[]ldapx.SPNAccount{web01, svcX}, nil}, reports.NotReady, "identity",
			[]string{`setspn -S HTTP/web01.corp.example:8080 CORP\svc-x`, "--include-port", "port 80 as the computer", `Do not register HTTP/web01.corp.example on CORP\svc-x`},
			[]string{"setspn -S HTTP/web01.corp.example CORP", "setspn -D"}},
		{"another user holds HTTP/<host> of a computer's host: remove it, never move it to the service's user", probeCase{"http://mp01.corp.example/", account("svc-x"),
			[]ldapx.SPNAccount{mp01, svcWeb, svcX}, nil}, reports.NotReady, "identity",
			[]string{`setspn -D HTTP/mp01.corp.example CORP\svc-web`, `setspn -D HTTP/mp01 CORP\svc-web`, "own host name"},
			[]string{"setspn -S HTTP/mp01.corp.example CORP", `setspn -D HTTP/mp01.corp.example CORP\MP01$`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, text, code := runProbe(t, tt.pc)
			if len(rep.Services) != 1 {
				t.Fatalf("verdicts = %+v", rep.Services)
			}
			v := rep.Services[0]
			if v.Verdict != tt.verdict {
				t.Fatalf("verdict = %s (%s), want %s\n%s", v.Verdict, v.Reason, tt.verdict, text)
			}
			wantCode := map[string]int{reports.Ready: exitcode.OK, reports.NotReady: exitcode.Findings, reports.Unknown: exitcode.Unknown}[tt.verdict]
			if code != wantCode {
				t.Errorf("exit %d, want %d", code, wantCode)
			}
			if !strings.HasPrefix(text, v.Verdict+": ") {
				t.Errorf("the text report does not open with the verdict:\n%s", text)
			}
			var failed string
			for _, s := range v.Steps {
				if s.Status != reports.StepOK && s.Status != reports.StepFail && s.Status != reports.StepNotTested {
					t.Errorf("step %s has status %q: only ok, fail or not tested", s.Name, s.Status)
				}
				if s.Status == reports.StepFail && failed == "" {
					failed = s.Name
				}
			}
			if failed != tt.failStep {
				t.Errorf("first failing step = %q, want %q (%+v)", failed, tt.failStep, v.Steps)
			}
			for _, w := range tt.wantInFix {
				if !strings.Contains(text, w) {
					t.Errorf("report lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tt.notInFix {
				if strings.Contains(text, w) {
					t.Errorf("report contains %q:\n%s", w, text)
				}
			}
		})
	}
}

// A step whose deciding check was left out (--skip, --checks) is not
// tested: the seed case with SERVICE-IDENTITY skipped is UNKNOWN, never
// READY, and so is a healthy service without TIME-SKEW or SPN-DUPLICATE.
func TestProbeVerdictIsNeverReadyWithADecidingCheckLeftOut(t *testing.T) {
	mp01 := computerAcct("mp01", "HOST/mp01.corp.example", "HOST/mp01")
	web01 := computerAcct("web01", "HOST/web01.corp.example")
	svcWeb := userAcct("svc-web", "HTTP/mp01.corp.example", "HTTP/mp01")
	computerID := &audit.ServiceIdentity{Computer: true}
	for _, tt := range []struct {
		name string
		pc   probeCase
		skip []string
		step string
	}{
		{"the seed case, SERVICE-IDENTITY skipped", probeCase{"http://mp01.corp.example/", computerID, []ldapx.SPNAccount{mp01, svcWeb}, nil}, []string{"SERVICE-IDENTITY"}, checks.StepIdentity},
		{"a healthy service, TIME-SKEW skipped", probeCase{"http://web01.corp.example/", computerID, []ldapx.SPNAccount{web01}, nil}, []string{"TIME-SKEW"}, checks.StepClock},
		{"a healthy service, SPN-DUPLICATE skipped", probeCase{"http://web01.corp.example/", computerID, []ldapx.SPNAccount{web01}, nil}, []string{"SPN-DUPLICATE"}, checks.StepHolder},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pc := tt.pc
			pc.edit = func(p *probeSetup) { p.skip = tt.skip }
			rep, text, code := runProbe(t, pc)
			v := rep.Services[0]
			if v.Verdict != reports.Unknown || code != exitcode.Unknown {
				t.Fatalf("verdict %s, exit %d; want UNKNOWN, exit %d\n%s", v.Verdict, code, exitcode.Unknown, text)
			}
			for _, st := range v.Steps {
				if st.Name == tt.step && st.Status != reports.StepNotTested {
					t.Errorf("step %s is %q, want not tested", st.Name, st.Status)
				}
			}
		})
	}
}

// The probe searches the holders in its DC's domain: in a forest of several
// domains that proves nothing about the others (a duplicate there, or the
// computer holding HOST/<host>), so the holder step is not tested — a
// healthy service is UNKNOWN, and a service nobody in this domain serves
// gets no SPN registered.
func TestProbeHoldersInAForestOfSeveralDomainsAreNotProven(t *testing.T) {
	web01 := computerAcct("web01", "HOST/web01.corp.example")
	svcX := userAcct("svc-x")
	for _, tt := range []struct {
		name string
		pc   probeCase
	}{
		{"a healthy service", probeCase{"http://web01.corp.example/", &audit.ServiceIdentity{Computer: true}, []ldapx.SPNAccount{web01}, nil}},
		{"nobody in this domain holds it", probeCase{"http://mp01.corp.example/", &audit.ServiceIdentity{Account: "svc-x"}, []ldapx.SPNAccount{svcX}, nil}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pc := tt.pc
			pc.edit = func(p *probeSetup) { p.dc.siblings = []string{"eu.corp.example"} }
			rep, text, code := runProbe(t, pc)
			v := rep.Services[0]
			if v.Verdict != reports.Unknown || code != exitcode.Unknown {
				t.Fatalf("verdict %s, exit %d; want UNKNOWN\n%s", v.Verdict, code, text)
			}
			if strings.Contains(text, "setspn -S") {
				t.Errorf("an SPN is registered although other domains were not searched:\n%s", text)
			}
		})
	}
}
