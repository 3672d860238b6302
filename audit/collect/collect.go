package collect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/spntrust/spntrust/ldapx"
	"github.com/spntrust/spntrust/spn"

	"github.com/spntrust/spntrust/audit"
)

// Directory is what the collector reads from one domain controller.
// *ldapx.Conn implements it; it is the seam tests use.
type Directory interface {
	ReadRootDSE(ctx context.Context) (*ldapx.RootDSE, error)
	ReadSPNMappings(ctx context.Context, configNC string) (*ldapx.SPNMappings, error)
	ReadPartitions(ctx context.Context, configNC string) ([]ldapx.Partition, error)
	ReadDCs(ctx context.Context, configNC string) ([]ldapx.DomainController, error)
	ReadSPNAccounts(ctx context.Context, baseDN string, fn func(ldapx.SPNAccount) error) (ldapx.SearchStats, error)
	ReadTrusts(ctx context.Context, domainDN string) ([]ldapx.Trust, error)
	ReadAESKeysSince(ctx context.Context, baseDN, domainSID string) (time.Time, error)
	ReadDNSZones(ctx context.Context, container string) ([]ldapx.DNSZoneEntry, error)
	ReadDNSNodes(ctx context.Context, base string, fn func(ldapx.DNSNode) error) (ldapx.SearchStats, error)
	Close() error
}

// Connector opens an authenticated Directory on the DC at address (a host
// name or IP, optionally with a port).
type Connector func(ctx context.Context, address string) (Directory, error)

// Resolver is the DNS the collector uses: SRV and address lookups for DC
// discovery, and raw queries for the SPN hosts' records.
type Resolver interface {
	ldapx.Resolver
	DNSQuerier
}

// Config says what to collect and how.
type Config struct {
	Domain       string // discover DCs of this domain through DNS SRV ...
	Server       string // ... or use this DC
	FollowTrusts bool   // also collect trusted forests and domains
	Connect      Connector
	Resolver     Resolver
	IsNXDomain   func(error) bool
	Now          func() time.Time
	Timeout      time.Duration // bounds each DC's work and each DNS/KDC exchange
	Workers      int           // domains collected at once; DNS queries in flight
	ToolVersion  string
	Host         string
	Principal    string
	AuthMethod   string
	DNSServer    string
	// DNSSource is DNSSourceAuto (or ""): SPN hosts are answered from the
	// AD-integrated zones read over LDAP, concurrently with the accounts,
	// and the DNS server is asked only for names those zones do not hold;
	// or DNSSourceServer: the DNS server is asked for every name.
	DNSSource string
	// SkipKDCClocks makes no KDC exchange at all: no clock samples and no
	// key probes (tests whose fake DCs have no KDC).
	SkipKDCClocks bool
	// SkipKeyProbes leaves out the credential-free AS-REQ per SPN holder
	// that reads the key types the KDC holds (collect_keys.go).
	SkipKeyProbes bool
	// KeyProbeLimit bounds the accounts asked about (0: DefaultKeyProbeLimit);
	// KeyProbeRate paces the requests per second (0: DefaultKeyProbeRate).
	KeyProbeLimit int
	KeyProbeRate  int
	KeyProber     KeyProber // nil: ldapx.ProbeAccountKeys
	// Tickets, when set, adds the ticket-probe phase ("kdc.tickets", after
	// the KDC clocks and keys): a requester opened for the audited domain's
	// realm asks for a ticket for each SPN a client would request, at most
	// TicketLimit (0: DefaultProbeLimit); what cannot be probed is a gap.
	// It runs even with SkipKDCClocks: asking for it is explicit.
	Tickets     TicketSource
	TicketLimit int
	// Phase, when set, is told how long each phase of the collection took
	// ("ldap", "dns", "kdc"; "ldap.zones" is the part of "ldap" spent reading
	// the AD DNS zones on second connections), so a benchmark can say where
	// the time goes.
	Phase func(name string, took time.Duration)
}

// ErrNothingCollected is returned (wrapped) when no DC could be read at all.
var ErrNothingCollected = errors.New("nothing could be collected")

// collector accumulates one run. Its methods add to the snapshot under mu.
type collector struct {
	cfg  Config
	mu   sync.Mutex
	snap *audit.Snapshot
	// domains already collected or being collected, by DNS name.
	seen map[string]bool
	// hosts resolves SPN hosts while accounts are still being read.
	hosts *hostPrefetch
	// zones holds the AD-integrated zones read so far; nil when the DNS
	// server is asked for everything.
	zones *zoneStore
	// zoneSuffixes are the DNS names of the domains being collected, each
	// with its forest's zone state: a host under one waits for the zones
	// (see waitsForZones).
	zoneSuffixes map[string]*forestZones
	// zoneTime is the time spent reading zones (from their listing to the
	// last one read, during the LDAP phase), for Config.Phase.
	zoneTime time.Duration
}

func (c *collector) gap(scope, what string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snap.Collection.Gaps = append(c.snap.Collection.Gaps, audit.Gap{Scope: scope, What: what, Error: err.Error()})
}

// Collect reads the forest of the target domain or server — every domain of
// it, their DCs, SPN accounts and trusts, sPNMappings, DNS answers for every
// SPN host and the domains' SRV records, and DC and KDC clocks — into a
// Snapshot. Whatever cannot be read is recorded as a gap; the error is
// non-nil only when nothing useful was collected.
func Collect(ctx context.Context, cfg Config) (*audit.Snapshot, error) {
	cfg = cfg.withDefaults()
	switch cfg.DNSSource {
	case "", DNSSourceAuto, DNSSourceServer:
	default:
		return nil, fmt.Errorf("DNS source %q: use %q (zones from the directory, the DNS server for the rest) or %q (the DNS server for every name)",
			cfg.DNSSource, DNSSourceAuto, DNSSourceServer)
	}
	c := &collector{cfg: cfg, seen: map[string]bool{}, zoneSuffixes: map[string]*forestZones{}, snap: newSnapshot(cfg)}
	if cfg.DNSSource != DNSSourceServer {
		c.zones = newZoneStore()
	}

	phase := func(name string, start time.Time) {
		if cfg.Phase != nil {
			cfg.Phase(name, time.Since(start))
		}
	}
	start := time.Now()
	// DNS for the SPN hosts starts with the first page of accounts (each
	// query has its own timeout; a failed one is asked again later).
	dnsCtx, cancelDNS := context.WithCancel(ctx)
	defer cancelDNS()
	c.hosts = startHostPrefetch(dnsCtx, cfg.Resolver, cfg.IsNXDomain, cfg.Workers*4)
	if c.zones != nil {
		c.hosts.later = c.waitsForZones
	}
	defer func() {
		if c.hosts != nil {
			c.hosts.finish() // an early return: stop the workers
		}
	}()
	var candidates []string
	if cfg.Server != "" {
		candidates = []string{cfg.Server}
	} else {
		dcs, err := c.discover(ctx, cfg.Domain)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNothingCollected, err)
		}
		candidates = dcs
	}
	if err := c.collectForest(ctx, candidates); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNothingCollected, err)
	}
	if cfg.FollowTrusts {
		c.followTrusts(ctx)
	}
	phase("ldap", start)
	if c.zones != nil && cfg.Phase != nil {
		cfg.Phase("ldap.zones", c.zoneTime) // part of "ldap", mostly beside the accounts
	}
	start = time.Now()
	c.collectDNS(ctx)
	phase("dns", start)
	if !cfg.SkipKDCClocks {
		start = time.Now()
		c.collectKDCClocks(ctx)
		phase("kdc", start)
		start = time.Now()
		c.collectAccountKeys(ctx)
		phase("kdc.keys", start)
	}
	if cfg.Tickets != nil {
		start = time.Now()
		c.collectTickets(ctx)
		phase("kdc.tickets", start)
	} else {
		c.snap.Collection.TicketProbeState = audit.TicketProbesSkipped
	}
	c.finish()
	return c.snap, nil
}

// withDefaults fills what the caller left unset.
func (cfg Config) withDefaults() Config {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Workers < 1 {
		cfg.Workers = 4
	}
	if cfg.IsNXDomain == nil {
		cfg.IsNXDomain = func(err error) bool { return errors.Is(err, ldapx.ErrNotFound) }
	}
	return cfg
}

// newSnapshot is the empty snapshot of a collection with cfg.
func newSnapshot(cfg Config) *audit.Snapshot {
	return &audit.Snapshot{
		SchemaVersion: audit.SchemaVersion,
		Collection: audit.Collection{
			ToolVersion: cfg.ToolVersion, StartedAt: cfg.Now().UTC(), Host: cfg.Host,
			Principal: cfg.Principal, AuthMethod: cfg.AuthMethod, Target: firstNonEmpty(cfg.Domain, cfg.Server),
		},
		Forests: []audit.Forest{}, Domains: []audit.Domain{}, Accounts: []audit.Account{},
	}
}

// session is the directory session over cfg.Connect: the DCs tried in
// order, each one that fails recorded as a gap.
func (c *collector) session() *ldapx.Session[Directory] {
	return &ldapx.Session[Directory]{
		DNS: c.cfg.Resolver, Connector: ldapx.ConnectorFunc[Directory](c.cfg.Connect), Timeout: c.cfg.Timeout,
		Failed: func(dc string, err error) { c.gap("dc:"+dc, "connection", err) },
	}
}

// discover returns the DC host names of a domain from DNS SRV records.
func (c *collector) discover(ctx context.Context, domain string) ([]string, error) {
	return c.session().Discover(ctx, domain)
}

// connectAny connects to the first reachable DC of candidates; an
// unreachable DC is recorded as a gap and the next one is tried.
func (c *collector) connectAny(ctx context.Context, candidates []string) (Directory, string, error) {
	d, dc, err := c.session().ConnectAny(ctx, candidates)
	if err != nil {
		return nil, dc, err
	}
	c.mu.Lock()
	c.snap.Collection.DCsContacted = append(c.snap.Collection.DCsContacted, dc)
	c.mu.Unlock()
	return d, dc, nil
}

// collectForest reads the forest the candidates' DCs belong to, and every
// domain of it that can be reached; a forest already collected is skipped.
func (c *collector) collectForest(ctx context.Context, candidates []string) error {
	dir, dcName, err := c.connectAny(ctx, candidates)
	if err != nil {
		return err
	}
	defer dir.Close()
	dctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	rootDSE, err := dir.ReadRootDSE(dctx)
	if err != nil {
		return fmt.Errorf("%s: %w", dcName, err)
	}
	c.addRootDSEClock("ldap:"+firstNonEmpty(rootDSE.DNSHostName, dcName), rootDSE)
	configNC := rootDSE.ConfigurationNamingContext
	forestRoot := ldapx.DNToDomain(rootDSE.RootDomainNamingContext)
	if forestRoot == "" {
		return fmt.Errorf("%s: rootDSE has no rootDomainNamingContext", dcName)
	}
	c.mu.Lock()
	if c.seen["forest:"+forestRoot] {
		c.mu.Unlock()
		return nil
	}
	c.seen["forest:"+forestRoot] = true
	c.mu.Unlock()

	forest := audit.Forest{RootDomain: forestRoot, FunctionalLevel: rootDSE.ForestFunctionality}
	if m, err := dir.ReadSPNMappings(dctx, configNC); err != nil {
		c.gap("forest:"+forestRoot, "sPNMappings", err)
	} else {
		forest.SPNMappings = m.Aliases
		if forest.SPNMappings == nil {
			forest.SPNMappings = map[string]string{}
		}
	}
	parts, err := dir.ReadPartitions(dctx, configNC)
	if err != nil {
		c.gap("forest:"+forestRoot, "domains (partitions)", err)
		parts = []ldapx.Partition{{NCName: rootDSE.DefaultNamingContext, DNSRoot: ldapx.DNToDomain(rootDSE.DefaultNamingContext)}}
	}
	dcs, err := dir.ReadDCs(dctx, configNC)
	if err != nil {
		c.gap("forest:"+forestRoot, "domain controllers", err)
	}
	c.mu.Lock()
	c.snap.Forests = append(c.snap.Forests, forest)
	c.mu.Unlock()

	// The domain this DC serves is read over the connection we have; the
	// forest's other domains through one of their own DCs, concurrently.
	thisDomain := ldapx.DNToDomain(rootDSE.DefaultNamingContext)
	fz := &forestZones{}
	names := partitionNames(parts)
	c.mu.Lock()
	for _, n := range append([]string{forestRoot}, names...) {
		if n = strings.ToLower(n); c.zoneSuffixes[n] == nil {
			c.zoneSuffixes[n] = fz
		}
	}
	c.mu.Unlock()
	// The forest's domains, each once.
	var todo []audit.Domain
	for i, p := range parts {
		name := strings.ToLower(names[i])
		c.mu.Lock()
		dup := c.seen[name]
		c.seen[name] = true
		c.mu.Unlock()
		if dup {
			continue
		}
		d := audit.Domain{DNSName: name, NetBIOSName: p.NetBIOSName, SID: p.DomainSID, DN: p.NCName, Forest: forestRoot,
			DCs: []audit.DC{}, Trusts: []audit.Trust{}}
		for _, dc := range dcs {
			if strings.EqualFold(ldapx.DNToDomain(dc.ServerReference), name) || (dc.ServerReference == "" && strings.HasSuffix(strings.ToLower(dc.DNSHostName), "."+name)) {
				d.DCs = append(d.DCs, audit.DC{FQDN: strings.ToLower(dc.DNSHostName), GlobalCatalog: dc.IsGlobalCatalog, FunctionalLevel: max(dc.BehaviorVersion, 0), Site: dc.Site})
			}
		}
		todo = append(todo, d)
	}
	// Once every zone of this forest is read, the names under its domains
	// that no zone holds are asked of the DNS server at once, while the
	// accounts may still be paging (a forest whose DNS is not in AD).
	var zonesRead sync.WaitGroup
	zonesRead.Add(len(todo))
	released := make(chan struct{})
	go func() {
		defer close(released)
		zonesRead.Wait()
		c.mu.Lock()
		fz.read = true
		c.mu.Unlock()
		c.hosts.release(func(name string) bool { return !c.waitsForZones(name) })
	}()
	defer func() { <-released }()
	sem := make(chan struct{}, c.cfg.Workers)
	var wg sync.WaitGroup
	for _, d := range todo {
		if strings.EqualFold(d.DNSName, thisDomain) {
			d.FunctionalLevel = rootDSE.DomainFunctionality
			// The forest-wide zones are read once, with this domain's.
			c.readDomainFailover(ctx, dctx, dir, []string{dcName, rootDSE.DNSHostName}, &d,
				ldapx.DNSZoneContainers(d.DN, rootDSE.RootDomainNamingContext), zonesRead.Done)
			c.addDomain(d)
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(d audit.Domain) {
			defer func() { <-sem; wg.Done() }()
			c.collectOtherDomain(ctx, d, zonesRead.Done)
		}(d)
	}
	wg.Wait()
	return nil
}

func partitionNames(parts []ldapx.Partition) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = firstNonEmpty(p.DNSRoot, ldapx.DNToDomain(p.NCName))
	}
	return out
}

// forestZones is the state of one forest's zone reads.
type forestZones struct {
	read bool // every zone read of the forest has finished
}

// collectOtherDomain reads a domain of an already-collected forest through
// one of its own DCs.
// zonesRead is called once its zones are read, or when they will not be.
func (c *collector) collectOtherDomain(ctx context.Context, d audit.Domain, zonesRead func()) {
	started := false
	defer func() {
		if !started {
			zonesRead()
		}
	}()
	var candidates []string
	for _, dc := range d.DCs {
		candidates = append(candidates, dc.FQDN)
	}
	if len(candidates) == 0 {
		found, err := c.discover(ctx, d.DNSName)
		if err != nil {
			c.gap("domain:"+d.DNSName, "accounts and trusts", fmt.Errorf("no DC known: %w", err))
			c.addDomain(d)
			return
		}
		candidates = found
	}
	dir, dcName, err := c.connectAny(ctx, candidates)
	if err != nil {
		c.gap("domain:"+d.DNSName, "accounts and trusts", err)
		c.addDomain(d)
		return
	}
	defer dir.Close()
	dctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	served := []string{dcName}
	if rootDSE, err := dir.ReadRootDSE(dctx); err == nil {
		c.addRootDSEClock("ldap:"+firstNonEmpty(rootDSE.DNSHostName, dcName), rootDSE)
		d.FunctionalLevel = rootDSE.DomainFunctionality
		served = append(served, rootDSE.DNSHostName)
	} else {
		c.gap("dc:"+dcName, "rootDSE", err)
	}
	started = true
	c.readDomainFailover(ctx, dctx, dir, served, &d, ldapx.DNSZoneContainers(d.DN, ""), zonesRead)
	c.addDomain(d)
}

// readDomainFailover reads domain d's zones (in containers), accounts,
// trusts and AES key marker over dir, the connection to the DC named by
// served[0] (served also holds the name that DC gives itself, if known),
// within dctx. If that DC stops answering on the way — the connection is
// lost or a request times out — and the domain has other DCs, the next one
// that answers is read instead (fresh timeout): the accounts again from the
// start if they were not all read (else only the trusts and the AES marker),
// and every zone that was not read; the first DC's partial results are
// dropped, and a "failover" gap names the DC
// that failed, why, and the DC the data came from. With no other DC, or
// when none answers, the first DC's results and gaps are kept, as without
// failover. zonesDone is called once, when no more zone will be read.
func (c *collector) readDomainFailover(ctx, dctx context.Context, dir Directory, served []string, d *audit.Domain, containers []string, zonesDone func()) {
	dcName := served[0]
	others := otherDCs(d, served)
	var failedZones []zoneJob
	released := false
	wait := c.startZoneRead(dctx, dir, dcName, containers, func(failed []zoneJob) {
		// Zones the DC failed to deliver are read from another DC, if there
		// is one; zones it refused (or could not parse) are gaps now.
		for _, j := range failed {
			if len(others) > 0 && dcFailed(ctx, j.err) {
				failedZones = append(failedZones, j)
			} else {
				c.zoneFailed(j.dn, j.zone, j.err)
			}
		}
		if len(failedZones) == 0 {
			released = true
			zonesDone()
		}
	})
	r := c.readDomainFrom(ctx, dctx, dir, d, len(others) > 0)
	wait() // failedZones and released are set by now
	if len(others) == 0 || (r.dcErr == nil && len(failedZones) == 0) {
		c.keepDomainRead(d, r)
		return
	}
	cause := r.dcErr
	if cause == nil {
		cause = failedZones[0].err
	}
	var parts []string
	if r.dcErr != nil {
		parts = append(parts, d.DNSName+"'s accounts and trusts")
	}
	if len(failedZones) > 0 {
		parts = append(parts, fmt.Sprintf("the %d DNS zone(s) it had not delivered", len(failedZones)))
	}
	what := strings.Join(parts, " and ")
	dir2, dc2, err := c.connectAny(ctx, others)
	if err != nil {
		c.keepDomainRead(d, r)
		c.zonesFailed(failedZones)
		c.gap("dc:"+dcName, "failover", fmt.Errorf("%s stopped answering during the collection (%v); no other DC of %s could be used instead: %v", dcName, cause, d.DNSName, err))
		if !released {
			zonesDone()
		}
		return
	}
	defer dir2.Close()
	c.gap("dc:"+dcName, "failover", fmt.Errorf("%s stopped answering during the collection (%v); %s were read from %s instead", dcName, cause, what, dc2))
	ctx2, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	switch {
	case r.dcErr != nil && r.collected:
		// Every account came from the failed DC before it stopped (on the
		// trusts or the AES marker): keep them, read only the rest.
		r = r.withAccounts()
		c.readDomainRest(ctx, ctx2, dir2, d, r, false)
	case r.dcErr != nil:
		// No partial results of the failed DC: what it delivered before it
		// failed is read again, whole, from the next one.
		r = c.readDomainFrom(ctx, ctx2, dir2, d, false)
	}
	c.keepDomainRead(d, r)
	for _, j := range failedZones {
		if err := c.readZone(ctx2, dir2, dc2, j.container, j.dn, j.zone); err != nil {
			c.zoneFailed(j.dn, j.zone, err)
		}
	}
	if !released {
		zonesDone()
	}
}

// otherDCs are the DCs of d other than the one read (any of the names in
// served: the name dialled and the name the DC gives itself), in the order
// the directory lists them.
func otherDCs(d *audit.Domain, served []string) []string {
	var out []string
	for _, dc := range d.DCs {
		same := false
		for _, s := range served {
			if s != "" && strings.EqualFold(strings.TrimSuffix(dc.FQDN, "."), strings.TrimSuffix(s, ".")) {
				same = true
			}
		}
		if !same && dc.FQDN != "" {
			out = append(out, dc.FQDN)
		}
	}
	return out
}

// dcFailed reports whether err says the DC stopped answering (the
// connection was lost, a request or the DC's time ran out, a network
// error, the DC busy or unavailable) rather than answering with a refusal
// or a limit: another DC of the domain may do better. ctx is the
// collection's own context: when it is over, no DC is tried.
func dcFailed(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var pe *ldapx.PartialError
	if errors.As(err, &pe) {
		return pe.LDAPCode == 0 // "connection lost during the search"; limits and referrals are answers
	}
	var le *ldap.Error
	if errors.As(err, &le) {
		switch le.ResultCode {
		case ldap.ErrorNetwork, ldap.LDAPResultBusy, ldap.LDAPResultUnavailable:
			return true
		}
		return false
	}
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || errors.As(err, &ne)
}

// zoneReaders is how many more connections read one DC's zones while the
// first one reads the accounts; it joins them when the accounts are read.
// The largest zones of a domain (its forward zone and its reverse zones)
// are of similar size; two readers beside the account search keep a DC's
// cores busy (issue 10).
const zoneReaders = 2

// startZoneRead lists the AD-integrated zones in containers over dir (the
// connection that reads the accounts next) and starts reading them over
// zoneReaders more connections to the DC dcName, which a DC serves in
// parallel. The returned function lends dir to the zone readers (call it
// once the accounts are read) and returns when every zone is read: on a
// small directory dir reads them all before the others have connected,
// and those connections are called off. A container that does not exist
// is skipped; any other failure is a gap, and the names of the zones not
// read are asked of the DNS server instead. done is called when every zone
// is read (also when there is none).
func (c *collector) startZoneRead(ctx context.Context, dir Directory, dcName string, containers []string, done func(failed []zoneJob)) (lendAndWait func()) {
	if c.zones == nil {
		done(nil)
		return func() {}
	}
	start := time.Now()
	type job = zoneJob
	var jobs []job
	for _, container := range containers {
		zones, err := dir.ReadDNSZones(ctx, container)
		switch {
		case errors.Is(err, ldapx.ErrNoDNSContainer):
			continue
		case err != nil:
			c.gap("dns-zones:"+container, "DNS zones", err)
			continue
		}
		for _, z := range zones {
			if z.Served() {
				jobs = append(jobs, job{container: container, dn: z.DN, zone: z.Name})
			}
		}
	}
	queue := make(chan job, len(jobs))
	for _, j := range jobs {
		queue <- j
	}
	close(queue)
	var pending sync.WaitGroup // the zones not yet read
	pending.Add(len(jobs))
	var failedMu sync.Mutex
	var failed []job
	read := func(dir Directory) {
		for j := range queue {
			if err := c.readZone(ctx, dir, dcName, j.container, j.dn, j.zone); err != nil {
				j.err = err
				failedMu.Lock()
				failed = append(failed, j)
				failedMu.Unlock()
			}
			pending.Done()
		}
	}
	dialCtx, stopDialing := context.WithCancel(ctx)
	var extras sync.WaitGroup
	for range min(zoneReaders, len(jobs)) {
		extras.Add(1)
		go func() {
			defer extras.Done()
			extra, err := c.cfg.Connect(dialCtx, dcName)
			if err != nil {
				return // dir reads them once the accounts are read
			}
			defer extra.Close()
			read(extra)
		}()
	}
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		pending.Wait()
		c.mu.Lock()
		c.zoneTime += time.Since(start)
		c.mu.Unlock()
		failedMu.Lock()
		f := failed
		failedMu.Unlock()
		done(f)
		stopDialing()
		extras.Wait()
	}()
	return func() {
		read(dir)
		<-finished
	}
}

// zoneJob is one zone to read (and, once it failed, why).
type zoneJob struct {
	container, dn, zone string
	err                 error
}

// readZone reads one zone's nodes into the zone store. A zone that cannot
// be read whole is not stored and its error returned: the caller marks it
// unread (zoneFailed) or reads it from another DC.
func (c *collector) readZone(ctx context.Context, dir Directory, dcName, container, dn, zone string) error {
	var nodes []ldapx.DNSNode
	var problems []audit.Gap
	_, err := dir.ReadDNSNodes(ctx, dn, func(n ldapx.DNSNode) error {
		nodes = append(nodes, n)
		for _, p := range n.Problems {
			problems = append(problems, audit.Gap{Scope: "dns-node:" + n.DN, What: "attribute " + p.Attribute, Error: p.String()})
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.snap.Collection.Gaps = append(c.snap.Collection.Gaps, problems...)
	c.mu.Unlock()
	c.zones.add(dcName, container, nodes)
	return nil
}

// zoneFailed records a zone that could not be read whole: a partial zone
// would answer NXDOMAIN for names it did not deliver, so none of it is
// used and its names go to the DNS server.
func (c *collector) zoneFailed(dn, zone string, err error) {
	c.gap("dns-zone:"+dn, "DNS zone", err)
	c.zones.unread(zone)
}

func (c *collector) zonesFailed(jobs []zoneJob) {
	for _, j := range jobs {
		c.zoneFailed(j.dn, j.zone, j.err)
	}
}

// waitsForZones reports whether the host name should wait for the zones
// read from the directory instead of being asked of the DNS server now: it
// is under the DNS name of a domain being collected, and either its
// forest's zones are still being read or one of them holds it.
func (c *collector) waitsForZones(name string) bool {
	c.mu.Lock()
	var fz *forestZones
	for n := name; n != ""; n = parentName(n) {
		if fz = c.zoneSuffixes[n]; fz != nil {
			break
		}
	}
	read := fz != nil && fz.read
	c.mu.Unlock()
	if fz == nil {
		return false
	}
	return !read || c.zones.holds(name)
}

// domainRead is what one DC delivered of a domain, kept (keepDomainRead)
// unless another DC is read instead.
type domainRead struct {
	accounts  []audit.Account
	collected bool // every account was read
	trusts    []audit.Trust
	aesSince  *time.Time
	gaps      []audit.Gap
	// accountGaps is how many of gaps came with the accounts (the rest
	// with the trusts and the AES marker).
	accountGaps int
	// dcErr is set when the DC stopped answering (dcFailed): another DC of
	// the domain may deliver what this one did not.
	dcErr error
}

// withAccounts is what of r another DC need not read again: the accounts,
// when every one was read, with their gaps.
func (r *domainRead) withAccounts() *domainRead {
	return &domainRead{accounts: r.accounts, collected: true, gaps: append([]audit.Gap(nil), r.gaps[:r.accountGaps]...), accountGaps: r.accountGaps}
}

// readDomainFrom reads a domain's SPN accounts, trusts and AES key marker
// over dir. With stopOnDCFailure, a DC that stops answering during the
// accounts is not asked for the rest (another DC will be).
// parent is the collection's context (ctx is the DC's, with its deadline).
func (c *collector) readDomainFrom(parent, ctx context.Context, dir Directory, d *audit.Domain, stopOnDCFailure bool) *domainRead {
	r := &domainRead{}
	gap, dcErr := r.recorders(parent)
	_, err := dir.ReadSPNAccounts(ctx, d.DN, func(a ldapx.SPNAccount) error {
		r.accounts = append(r.accounts, convertAccount(a, d.DNSName))
		for _, raw := range a.SPNs {
			if s, err := spn.Parse(raw); err == nil && s.NamesAHost() {
				c.hosts.add(HostQuery{Name: s.Host, Suffix: d.DNSName})
			}
		}
		for _, p := range a.Problems {
			gap("account:"+a.DN, "attribute "+p.Attribute, errors.New(p.String()))
		}
		return nil
	})
	var partial *ldapx.PartialError
	switch {
	case err == nil:
		r.collected = true
	case errors.As(err, &partial):
		gap("domain:"+d.DNSName, "accounts (partial)", err)
	default:
		gap("domain:"+d.DNSName, "accounts", err)
	}
	dcErr("accounts", err)
	r.accountGaps = len(r.gaps)
	if r.dcErr != nil && stopOnDCFailure {
		return r
	}
	c.readDomainRest(parent, ctx, dir, d, r, stopOnDCFailure)
	return r
}

// recorders are how a read of a domain notes a gap, and a DC that stopped
// answering (the first such error only).
func (r *domainRead) recorders(parent context.Context) (gap func(scope, what string, err error), dcErr func(what string, err error)) {
	gap = func(scope, what string, err error) {
		r.gaps = append(r.gaps, audit.Gap{Scope: scope, What: what, Error: err.Error()})
	}
	dcErr = func(what string, err error) {
		if r.dcErr == nil && dcFailed(parent, err) {
			r.dcErr = fmt.Errorf("%s: %w", what, err)
		}
	}
	return gap, dcErr
}

// readDomainRest reads what of d follows its accounts — the trusts and the
// AES key marker — over dir into r; with stopOnDCFailure, not past a DC
// that stopped answering.
func (c *collector) readDomainRest(parent, ctx context.Context, dir Directory, d *audit.Domain, r *domainRead, stopOnDCFailure bool) {
	gap, dcErr := r.recorders(parent)
	trusts, err := dir.ReadTrusts(ctx, d.DN)
	if err != nil {
		gap("domain:"+d.DNSName, "trusts", err)
		dcErr("trusts", err)
		if r.dcErr != nil && stopOnDCFailure {
			return
		}
	}
	for _, t := range trusts {
		r.trusts = append(r.trusts, convertTrust(t))
	}
	if d.SID != "" {
		if since, err := dir.ReadAESKeysSince(ctx, d.DN, d.SID); err != nil {
			gap("domain:"+d.DNSName, "AES key marker (Read-only Domain Controllers group)", err)
			dcErr("AES key marker", err)
		} else {
			since = since.UTC()
			r.aesSince = &since
		}
	}
}

// keepDomainRead puts what one DC delivered of d into d and the snapshot.
func (c *collector) keepDomainRead(d *audit.Domain, r *domainRead) {
	d.AccountsCollected = r.collected
	d.Trusts = append(d.Trusts[:0], r.trusts...)
	d.AESKeysSince = r.aesSince
	c.mu.Lock()
	c.snap.Accounts = append(c.snap.Accounts, r.accounts...)
	c.snap.Collection.Gaps = append(c.snap.Collection.Gaps, r.gaps...)
	c.mu.Unlock()
}

func (c *collector) addDomain(d audit.Domain) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snap.Domains = append(c.snap.Domains, d)
}

func (c *collector) addRootDSEClock(source string, r *ldapx.RootDSE) {
	if r.CurrentTime.IsZero() || r.LocalBefore.IsZero() {
		return
	}
	rtt := r.LocalAfter.Sub(r.LocalBefore)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snap.Clocks = append(c.snap.Clocks, audit.ClockSample{
		Source: source, RemoteTime: r.CurrentTime.UTC(), LocalTime: r.LocalBefore.Add(rtt / 2).UTC(),
		RoundTripMs: float64(rtt) / float64(time.Millisecond),
	})
}

// followTrusts collects the forests and domains on the other side of every
// trust, where the credentials are accepted; where not, the gap says why.
func (c *collector) followTrusts(ctx context.Context) {
	for {
		c.mu.Lock()
		var partners []string
		for _, d := range c.snap.Domains {
			for _, t := range d.Trusts {
				p := strings.ToLower(t.Partner)
				if !c.seen[p] && !c.seen["trying:"+p] {
					c.seen["trying:"+p] = true
					partners = append(partners, p)
				}
			}
		}
		c.mu.Unlock()
		if len(partners) == 0 {
			return
		}
		sort.Strings(partners)
		for _, p := range partners {
			dcs, err := c.discover(ctx, p)
			if err != nil {
				c.gap("domain:"+p, "trusted domain (--follow-trusts)", err)
				continue
			}
			if err := c.collectForest(ctx, dcs); err != nil {
				c.gap("domain:"+p, "trusted domain (--follow-trusts)", err)
			}
		}
	}
}

// collectDNS resolves every SPN host and DC name, and the SRV records of
// every domain collected.
func (c *collector) collectDNS(ctx context.Context) {
	// The SPN hosts were gathered (and mostly resolved) as the accounts
	// streamed in; add the DCs and the SRV sets.
	hosts, known := c.hosts.finish()
	c.hosts = nil
	var srv []string
	c.mu.Lock()
	roots := map[string]bool{}
	for _, f := range c.snap.Forests {
		roots[f.RootDomain] = true
	}
	var domainNames []string
	for _, d := range c.snap.Domains {
		domainNames = append(domainNames, d.DNSName)
		srv = append(srv, audit.RequiredSRVNames(d.DNSName, roots[d.DNSName])...)
		for _, dc := range d.DCs {
			hosts = append(hosts, HostQuery{Name: dc.FQDN})
		}
	}
	c.mu.Unlock()
	dctx, cancel := context.WithTimeout(ctx, 4*c.cfg.Timeout)
	defer cancel()
	var q DNSQuerier = c.cfg.Resolver
	if c.zones != nil && !c.zones.empty() {
		q = &zoneQuerier{store: c.zones, wire: c.cfg.Resolver}
	}
	dns := collectDNS(dctx, q, c.cfg.IsNXDomain, hosts, srv, c.cfg.Workers*4, known)
	dns.Server = c.cfg.DNSServer
	c.judgeResolver(dctx, &dns, domainNames, c.zones)
	if c.zones != nil {
		dns.Zones = c.zones.read
		sort.Slice(dns.Zones, func(i, j int) bool {
			a, b := dns.Zones[i], dns.Zones[j]
			if a.Name != b.Name {
				return a.Name < b.Name
			}
			return a.Container < b.Container
		})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snap.DNS = dns
	// DC addresses come from the same answers.
	for i := range c.snap.Domains {
		for j := range c.snap.Domains[i].DCs {
			dc := &c.snap.Domains[i].DCs[j]
			if h, ok := c.snap.Host(dc.FQDN); ok {
				dc.Addresses = append(append([]string(nil), h.A...), h.AAAA...)
			}
		}
	}
}

// collectKDCClocks samples each domain's KDC clock (first DC address, port
// 88) with a credential-free AS-REQ.
func (c *collector) collectKDCClocks(ctx context.Context) {
	c.mu.Lock()
	type target struct{ addr, realm string }
	var targets []target
	var unresolved []string
	for _, d := range c.snap.Domains {
		found := false
		for _, dc := range d.DCs {
			if len(dc.Addresses) > 0 {
				if a, err := netip.ParseAddr(dc.Addresses[0]); err == nil {
					targets = append(targets, target{netip.AddrPortFrom(a, 88).String(), strings.ToUpper(d.DNSName)})
					found = true
				}
				break
			}
		}
		if !found {
			unresolved = append(unresolved, d.DNSName)
		}
	}
	c.mu.Unlock()
	for _, d := range unresolved {
		c.gap("kdc:"+d, "clock", errors.New("no DC address of this domain resolved in DNS, so its KDC was not asked for the time"))
	}
	for _, t := range targets {
		kctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		s, err := KDCClock(kctx, t.addr, t.realm, c.cfg.Timeout, c.cfg.Now)
		cancel()
		if err != nil {
			c.gap("kdc:"+t.addr, "clock", err)
			continue
		}
		c.mu.Lock()
		c.snap.Clocks = append(c.snap.Clocks, s)
		c.mu.Unlock()
	}
}

// finish sorts everything so snapshots of the same directory compare equal.
func (c *collector) finish() {
	s := c.snap
	s.Collection.FinishedAt = c.cfg.Now().UTC()
	sort.Slice(s.Forests, func(i, j int) bool { return s.Forests[i].RootDomain < s.Forests[j].RootDomain })
	sort.Slice(s.Domains, func(i, j int) bool { return s.Domains[i].DNSName < s.Domains[j].DNSName })
	for i := range s.Domains {
		d := &s.Domains[i]
		sort.Slice(d.DCs, func(a, b int) bool { return d.DCs[a].FQDN < d.DCs[b].FQDN })
		sort.Slice(d.Trusts, func(a, b int) bool { return d.Trusts[a].Partner < d.Trusts[b].Partner })
	}
	sort.Slice(s.Accounts, func(i, j int) bool {
		if s.Accounts[i].Domain != s.Accounts[j].Domain {
			return s.Accounts[i].Domain < s.Accounts[j].Domain
		}
		return strings.ToLower(s.Accounts[i].DN) < strings.ToLower(s.Accounts[j].DN)
	})
	sort.Slice(s.Clocks, func(i, j int) bool { return s.Clocks[i].Source < s.Clocks[j].Source })
	sort.Strings(s.Collection.DCsContacted)
	sort.SliceStable(s.Collection.Gaps, func(i, j int) bool { return s.Collection.Gaps[i].Scope < s.Collection.Gaps[j].Scope })
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
