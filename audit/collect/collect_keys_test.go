package collect

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spntrust/spntrust/ldapx"

	"github.com/spntrust/spntrust/audit"
)

// recordingProber answers key probes from a table and records what was asked.
type recordingProber struct {
	mu     sync.Mutex
	asked  []string
	answer map[string]ldapx.AccountKeys
	fail   map[string]error
}

func (p *recordingProber) probe(_ context.Context, kdc, realm, principal string, _ time.Duration) (ldapx.AccountKeys, error) {
	p.mu.Lock()
	p.asked = append(p.asked, kdc+" "+principal+"@"+realm)
	p.mu.Unlock()
	if err := p.fail[principal]; err != nil {
		return ldapx.AccountKeys{Outcome: ldapx.KeysError}, err
	}
	return p.answer[principal], nil
}

func keysCollector(p *recordingProber, limit int, accounts ...audit.Account) *collector {
	return &collector{
		cfg: Config{Timeout: time.Second, KeyProber: p.probe, KeyProbeLimit: limit, KeyProbeRate: 1000},
		snap: &audit.Snapshot{
			Domains: []audit.Domain{
				{DNSName: "corp.example", DCs: []audit.DC{{FQDN: "dc1.corp.example", Addresses: []string{"127.0.0.50"}}}},
				{DNSName: "lost.example", DCs: []audit.DC{{FQDN: "dc1.lost.example"}}}, // no address resolved
			},
			Accounts: accounts,
		},
	}
}

func acct(domain, sam string, kind audit.AccountKind, enabled bool) audit.Account {
	uac := uint32(512)
	if !enabled {
		uac |= audit.UACAccountDisable
	}
	return audit.Account{DN: "CN=" + sam + ",DC=x", Domain: domain, SAMAccountName: sam, Kind: kind, Enabled: enabled, UserAccountControl: uac}
}

func TestKeyProbesAskEveryEnabledHolderAndKrbtgt(t *testing.T) {
	p := &recordingProber{
		answer: map[string]ldapx.AccountKeys{
			"svc-aes": {Outcome: ldapx.KeysListed, Etypes: []int32{18}},
			"svc-nt":  {Outcome: ldapx.KeysListed, Etypes: []int32{23}},
			"krbtgt":  {Outcome: ldapx.KeysListed, Etypes: []int32{18}},
			"WEB01$":  {Outcome: ldapx.KeysListed, Etypes: []int32{18}},
		},
		fail: map[string]error{"svc-broken": errors.New("connection refused")},
	}
	c := keysCollector(p, 0,
		acct("corp.example", "svc-aes", audit.KindUser, true),
		acct("corp.example", "svc-nt", audit.KindUser, true),
		acct("corp.example", "krbtgt", audit.KindUser, false), // disabled by design, still asked
		acct("corp.example", "svc-off", audit.KindUser, false),
		acct("corp.example", "WEB01$", audit.KindComputer, true),
		acct("corp.example", "svc-broken", audit.KindUser, true),
		acct("corp.example", "CN=weird", audit.KindOther, true),
		acct("lost.example", "svc-lost", audit.KindUser, true),
	)
	c.collectAccountKeys(context.Background())
	slices.Sort(p.asked)
	want := []string{"127.0.0.50:88 WEB01$@CORP.EXAMPLE", "127.0.0.50:88 krbtgt@CORP.EXAMPLE", "127.0.0.50:88 svc-aes@CORP.EXAMPLE",
		"127.0.0.50:88 svc-broken@CORP.EXAMPLE", "127.0.0.50:88 svc-nt@CORP.EXAMPLE"}
	if !slices.Equal(p.asked, want) {
		t.Fatalf("asked %q\nwant  %q", p.asked, want)
	}
	got := map[string]*audit.AccountKeys{}
	for _, a := range c.snap.Accounts {
		got[a.SAMAccountName] = a.Keys
	}
	if k := got["svc-nt"]; k == nil || k.HasAES() || !slices.Equal(k.Etypes, []int32{23}) {
		t.Errorf("svc-nt keys %+v", k)
	}
	if k := got["svc-aes"]; k == nil || !k.HasAES() {
		t.Errorf("svc-aes keys %+v", k)
	}
	if k := got["svc-broken"]; k == nil || k.Outcome != audit.KeysError || !strings.Contains(k.Error, "connection refused") {
		t.Errorf("svc-broken keys %+v", k)
	}
	if got["svc-off"] != nil || got["svc-lost"] != nil || got["CN=weird"] != nil {
		t.Errorf("asked about accounts that are not candidates: %+v %+v %+v", got["svc-off"], got["svc-lost"], got["CN=weird"])
	}
	if c.snap.Collection.KeyProbes != audit.KeyProbesPartial {
		t.Errorf("state %q, want partial (a failure and a domain without a KDC address)", c.snap.Collection.KeyProbes)
	}
	var scopes []string
	for _, g := range c.snap.Collection.Gaps {
		scopes = append(scopes, g.Scope+": "+g.Error)
	}
	slices.Sort(scopes)
	if len(scopes) != 2 || !strings.Contains(scopes[0], "kdc:corp.example: 1 key probes failed") || !strings.Contains(scopes[1], "kdc:lost.example") {
		t.Errorf("gaps %q", scopes)
	}
}

func TestKeyProbesStopAtTheLimitAndSayWhoWasNotAsked(t *testing.T) {
	p := &recordingProber{answer: map[string]ldapx.AccountKeys{}}
	var accounts []audit.Account
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		accounts = append(accounts, acct("corp.example", n, audit.KindUser, true))
		p.answer[n] = ldapx.AccountKeys{Outcome: ldapx.KeysListed, Etypes: []int32{18}}
	}
	c := keysCollector(p, 2, accounts...)
	c.collectAccountKeys(context.Background())
	if len(p.asked) != 2 {
		t.Fatalf("asked %d accounts, want the limit 2", len(p.asked))
	}
	if c.snap.Collection.KeyProbes != audit.KeyProbesPartial || len(c.snap.Collection.Gaps) != 1 ||
		!strings.Contains(c.snap.Collection.Gaps[0].Error, "3 accounts not asked") {
		t.Fatalf("state %q gaps %+v", c.snap.Collection.KeyProbes, c.snap.Collection.Gaps)
	}
}

func TestKeyProbesCanBeSkipped(t *testing.T) {
	p := &recordingProber{}
	c := keysCollector(p, 0, acct("corp.example", "svc", audit.KindUser, true))
	c.cfg.SkipKeyProbes = true
	c.collectAccountKeys(context.Background())
	if len(p.asked) != 0 || c.snap.Collection.KeyProbes != audit.KeyProbesSkipped {
		t.Fatalf("asked %q, state %q", p.asked, c.snap.Collection.KeyProbes)
	}
}
