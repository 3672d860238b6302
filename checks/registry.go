package checks

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spntrust/spntrust/audit"
)

// Options tune checks. Checks never read the wall clock: "now" is the
// snapshot's collection time, so a replayed audit gives the same findings.
type Options struct {
	// MovePort is the port the move-port remediation moves a site to.
	MovePort int
	// StaleDays: an account holding SPNs with no logon for this many days is stale.
	StaleDays int
	// PasswordAgeDays: a service user's password older than this is old.
	PasswordAgeDays int
	// MinFunctionalLevel is the lowest acceptable domain/forest functional
	// level (msDS-Behavior-Version; 3 = Windows Server 2008, needed for AES).
	MinFunctionalLevel int
	// MaxSkew is the Kerberos clock tolerance (5 minutes by default);
	// WarnSkew a smaller threshold that earns a warning.
	MaxSkew  time.Duration
	WarnSkew time.Duration

	// view is the indexed, read-only view of the snapshot every check
	// reads, built once per Run and shared; see index.go.
	view *view
}

// DefaultOptions returns the options used when the user sets none.
func DefaultOptions() Options {
	return Options{
		MovePort:           81,
		StaleDays:          90,
		PasswordAgeDays:    365,
		MinFunctionalLevel: 3,
		MaxSkew:            5 * time.Minute,
		WarnSkew:           time.Minute,
	}
}

// withDefaults fills zero fields from DefaultOptions.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.MovePort == 0 {
		o.MovePort = d.MovePort
	}
	if o.StaleDays == 0 {
		o.StaleDays = d.StaleDays
	}
	if o.PasswordAgeDays == 0 {
		o.PasswordAgeDays = d.PasswordAgeDays
	}
	if o.MinFunctionalLevel == 0 {
		o.MinFunctionalLevel = d.MinFunctionalLevel
	}
	if o.MaxSkew == 0 {
		o.MaxSkew = d.MaxSkew
	}
	if o.WarnSkew == 0 {
		o.WarnSkew = d.WarnSkew
	}
	return o
}

// Check is one registered check.
type Check struct {
	ID       string
	Title    string
	Area     string   // SPN, TRUST, DNS, TIME, LEVEL, KRB, SERVICE
	Severity Severity // the usual severity of its findings
	// Meaning is what its findings mean: outage, will-fail, exposure or
	// hygiene (meaning.go).
	Meaning Meaning
	// Explanation is the full text `spntrust checks explain` prints: what is
	// checked, why it breaks Kerberos, how to fix it, and the sources.
	Explanation string
	Run         func(s *audit.Snapshot, opt Options) []Finding
	// NoFix says why the check's findings carry no remediation ("no
	// automatic fix because …"); empty for every check whose failed
	// findings carry actions. remediation_meta_test.go holds each check to
	// one or the other.
	NoFix string
}

// All lists every check, in one place. Keep IDs stable: baselines and
// history refer to them.
func All() []Check {
	list := allChecks()
	for i := range list {
		list[i].Meaning = meaningOf[list[i].ID]
	}
	return list
}

func allChecks() []Check {
	return []Check{
		// SPN-*: service principal names (issue 5).
		userHostAlias,
		duplicateSPN,
		dnsMissing,
		dnsCNAME,
		dnsPTR,
		shortnamePair,
		accountDisabled,
		accountExpired,
		accountStale,
		malformedSPN,
		kerberoastable,
		// TRUST-*, LEVEL-*, DNS-*, TIME-*, KRB-*: trusts, functional levels,
		// AD DNS health, clocks and live Kerberos probes (issue 6).
		trustInventory,
		trustExternalKerberos,
		trustSIDFilteringOff,
		trustTGTDelegation,
		trustSelectiveAuth,
		trustRC4,
		levelDomain,
		levelForest,
		dnsSRVMissing,
		dnsSRVTarget,
		dnsDCPTR,
		timeSkew,
		krbTicket,
		krbCrossRealmPath,
		// KRB-* RC4 removal (issue 19): keys and encryption types.
		aesKeysMissing,
		etypesNoAES,
		desOnly,
		krbtgtKeys,
		osNoAES,
		// SERVICE-*: the services a targeted collection declared (probe).
		serviceDNS,
		serviceNoSPN,
		serviceIdentity,
		serviceClientRealm,
	}
}

// Lookup returns the check with the given ID (any case).
func Lookup(id string) (Check, bool) {
	for _, c := range All() {
		if strings.EqualFold(c.ID, id) {
			return c, true
		}
	}
	return Check{}, false
}

// Filter selects checks by ID: include (if non-empty) keeps only those
// listed, skip drops those listed. Unknown IDs are an error so a typo does not
// silently disable a check.
func Filter(include, skip []string) ([]Check, error) {
	for _, id := range append(append([]string(nil), include...), skip...) {
		if _, ok := Lookup(id); !ok {
			return nil, fmt.Errorf("unknown check ID %q: `spntrust checks list` shows the IDs", id)
		}
	}
	in := func(list []string, id string) bool {
		for _, x := range list {
			if strings.EqualFold(x, id) {
				return true
			}
		}
		return false
	}
	var out []Check
	for _, c := range All() {
		if len(include) > 0 && !in(include, c.ID) {
			continue
		}
		if in(skip, c.ID) {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// Run runs the given checks over the snapshot and returns their findings,
// each completed with its check ID, fingerprint and default severity, sorted,
// and those sharing a root cause linked (Link).
//
// Checks are pure functions of the snapshot, so they run concurrently
// (issue 10: on a million SPNs the SPN checks' work is CPU-bound). All start
// at once: a check waiting for a part of the shared index that another is
// building uses no CPU, and GOMAXPROCS bounds how many run. The findings are
// gathered in list order, so the result does not depend on scheduling.
func Run(s *audit.Snapshot, list []Check, opt Options) []Finding {
	opt = opt.withDefaults()
	opt.view = newView(s)
	results := make([][]Finding, len(list))
	var wg sync.WaitGroup
	opt.view.prebuild(list, &wg)
	for i, c := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.Run(s, opt)
		}()
	}
	wg.Wait()
	var all []Finding
	for i, c := range list {
		for _, f := range results[i] {
			f.CheckID = c.ID
			f.Meaning = c.Meaning
			if f.Severity == "" {
				f.Severity = c.Severity
			}
			if f.Status == "" {
				f.Status = Fail
			}
			if f.Title == "" {
				f.Title = c.Title
			}
			f.Fingerprint = fingerprint(c.ID, f.Subject, f.Affected)
			all = append(all, f)
		}
	}
	SortFindings(all)
	Link(all)
	return all
}

// Applicable drops from list the checks the snapshot gives nothing to
// judge: the SERVICE-* checks judge the services a targeted collection
// declared, so over an audit's snapshot (which declares none) they do not
// run, and reports do not list them as run.
func Applicable(list []Check, s *audit.Snapshot) []Check {
	if len(s.Services) > 0 {
		return list
	}
	var out []Check
	for _, c := range list {
		if c.Area != "SERVICE" {
			out = append(out, c)
		}
	}
	return out
}

// ForServices lists the checks that judge a targeted collection's narrow
// snapshot (spntrust probe): the SERVICE-* checks, and the checks whose
// data it holds — the holders of the services' SPNs and of their hosts'
// HTTP and HOST forms, their hosts' DNS answers, the domain's trusts, the
// clocks and the ticket probes. Checks needing what it does not read
// (every account, SRV records, key probes, functional levels of every DC)
// would only say "not evaluated".
func ForServices() []Check {
	ids := map[string]bool{
		"SERVICE-DNS": true, "SERVICE-NO-SPN": true, "SERVICE-IDENTITY": true, "SERVICE-CLIENT-REALM": true,
		"SPN-USER-HOST-ALIAS": true, "SPN-DUPLICATE": true, "SPN-DNS-MISSING": true, "SPN-DNS-CNAME": true, "SPN-DNS-PTR": true,
		"SPN-ACCOUNT-DISABLED": true, "SPN-ACCOUNT-EXPIRED": true, "SPN-MALFORMED": true,
		"TRUST-EXTERNAL-KERBEROS": true, "TIME-SKEW": true, "KRB-TICKET": true, "KRB-CROSS-REALM-PATH": true,
	}
	var out []Check
	for _, c := range All() {
		if ids[c.ID] {
			out = append(out, c)
		}
	}
	return out
}

// IDs returns the sorted IDs of the checks.
func IDs(list []Check) []string {
	ids := make([]string, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	sort.Strings(ids)
	return ids
}
