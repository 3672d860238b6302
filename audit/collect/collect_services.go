package collect

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/spntrust/spntrust/krbprobe"
	"github.com/spntrust/spntrust/ldapx"
	"github.com/spntrust/spntrust/spn"

	"github.com/spntrust/spntrust/audit"
)

// ServiceQuery says which services a targeted collection (spntrust probe)
// reads, beside the Config that says where and how.
type ServiceQuery struct {
	// Services are the declared services; an empty Domain is filled with
	// the domain of the DC the collection reads.
	Services []audit.Service
	// ConfigMgr adds the Configuration Manager management points published
	// in the domain (of ConfigMgrSite when it is set), each as a service
	// running as its computer.
	ConfigMgr     bool
	ConfigMgrSite string
	// Tickets opens the ticket requester for the domain's realm over the
	// directory connection the collection made (a Kerberos client logged in
	// with the collection's credentials); nil: no Kerberos credentials, so
	// the ticket step of every service is not tested (a gap).
	Tickets func(ctx context.Context, dir Directory, domain string) (r TicketRequester, done func(), err error)
	// DCAddresses resolves the name of the DC read, for its KDC's clock,
	// when the DNS server has no address for it (a DC named in /etc/hosts);
	// nil: only the DNS answer.
	DCAddresses func(ctx context.Context, name string) ([]netip.Addr, error)
}

// ServiceDirectory is what a targeted collection reads beyond Directory:
// the holders of a few SPNs, one account by name, the management points.
// *ldapx.Conn implements it.
type ServiceDirectory interface {
	ReadSPNHolders(ctx context.Context, baseDN string, spns []string) ([]ldapx.SPNAccount, error)
	ReadAccount(ctx context.Context, baseDN, samAccountName string) (*ldapx.SPNAccount, error)
	ReadManagementPoints(ctx context.Context, domainDN, siteCode string) ([]ldapx.ManagementPoint, error)
}

// clientRealmRequester is a TicketRequester that can start at another
// realm's KDC, as that realm's clients do (krbprobe.Prober).
type clientRealmRequester interface {
	RequestFrom(ctx context.Context, clientRealm, spn string) krbprobe.Result
}

// ErrNoManagementPoint is returned (wrapped) when --configmgr finds none.
var ErrNoManagementPoint = errors.New("no management point published")

// CollectServices is the targeted collection of a probe: a narrow snapshot
// holding what the checks need to judge the declared services, and no
// more. Through the directory session (discover → dial → bind → next DC)
// it reads the domain of one DC — its forest's sPNMappings, its NetBIOS
// name and trusts — and, per service, the DNS answer for its host as a
// client resolves it (a short name through the domain's suffixes, with
// devolution), the SPN its clients request (Service.RequestedSPN), the
// holders of that SPN and of the HOST/ and HTTP/ forms of the host, the
// declared account; then DNS answers for the holders' SPN hosts, the DC's
// and KDC's clocks and the ticket probe of each requested SPN (from the
// declared client realm's KDC where the credentials allow). What could not
// be collected or tested is a gap scoped to the service (scope
// "service:<URL>", what = the step). The error is non-nil only when no DC
// could be read, or --configmgr found no management point.
func CollectServices(ctx context.Context, cfg Config, q ServiceQuery) (*audit.Snapshot, error) {
	cfg = cfg.withDefaults()
	c := &collector{cfg: cfg, seen: map[string]bool{}, snap: newSnapshot(cfg)}
	c.snap.Collection.Mode = audit.ModeServices
	candidates := []string{cfg.Server}
	if cfg.Server == "" {
		dcs, err := c.discover(ctx, cfg.Domain)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNothingCollected, err)
		}
		candidates = dcs
	}
	dir, dcName, err := c.connectAny(ctx, candidates)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNothingCollected, err)
	}
	defer dir.Close()
	sd, ok := dir.(ServiceDirectory)
	if !ok {
		return nil, fmt.Errorf("%w: the directory connection to %s cannot read SPN holders", ErrNothingCollected, dcName)
	}
	dctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	d, siblings, err := c.readServiceDomain(dctx, dir, dcName)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNothingCollected, err)
	}
	services := append([]audit.Service(nil), q.Services...)
	if q.ConfigMgr {
		mps, err := managementPoints(dctx, sd, d, q.ConfigMgrSite)
		if err != nil {
			return nil, err
		}
		services = append(services, mps...)
	}
	for i := range services {
		if services[i].Domain == "" {
			services[i].Domain = d.DNSName
		}
	}
	c.resolveServices(ctx, services)
	c.readHolders(dctx, sd, d, services)
	c.siblingsNotSearched(d, siblings, services)
	c.snap.Services = services
	c.resolveHolderHosts(ctx, d)
	c.serviceClocks(ctx, q, d)
	c.serviceTickets(ctx, q, dir, d)
	c.finish()
	return c.snap, nil
}

// readServiceDomain reads the DC's domain and forest: sPNMappings,
// NetBIOS name, trusts; and names the forest's other domains (siblings),
// whose accounts the probe does not search.
func (c *collector) readServiceDomain(ctx context.Context, dir Directory, dcName string) (d audit.Domain, siblings []string, err error) {
	dse, err := dir.ReadRootDSE(ctx)
	if err != nil {
		return audit.Domain{}, nil, fmt.Errorf("%s: %w", dcName, err)
	}
	c.addRootDSEClock("ldap:"+firstNonEmpty(dse.DNSHostName, dcName), dse)
	domain := ldapx.DNToDomain(dse.DefaultNamingContext)
	root := firstNonEmpty(ldapx.DNToDomain(dse.RootDomainNamingContext), domain)
	forest := audit.Forest{RootDomain: root, FunctionalLevel: dse.ForestFunctionality}
	if m, err := dir.ReadSPNMappings(ctx, dse.ConfigurationNamingContext); err != nil {
		c.gap("forest:"+root, "sPNMappings", err)
	} else {
		forest.SPNMappings = m.Aliases
		if forest.SPNMappings == nil {
			forest.SPNMappings = map[string]string{}
		}
	}
	// Only the accounts holding the services' SPNs are read, but every
	// holder of them: those accounts are collected (Collection.Mode says
	// the rest of the domain was not).
	d = audit.Domain{DNSName: domain, DN: dse.DefaultNamingContext, Forest: root, FunctionalLevel: dse.DomainFunctionality,
		DCs: []audit.DC{{FQDN: strings.ToLower(firstNonEmpty(dse.DNSHostName, dcName))}}, Trusts: []audit.Trust{}, AccountsCollected: true}
	if parts, err := dir.ReadPartitions(ctx, dse.ConfigurationNamingContext); err != nil {
		c.gap("domain:"+domain, "NetBIOS name (partitions)", err)
	} else {
		for _, p := range parts {
			switch {
			case strings.EqualFold(p.NCName, d.DN):
				d.NetBIOSName, d.SID = p.NetBIOSName, p.DomainSID
			case p.NetBIOSName != "" && p.DNSRoot != "":
				siblings = append(siblings, strings.ToLower(p.DNSRoot))
			}
		}
	}
	if trusts, err := dir.ReadTrusts(ctx, d.DN); err != nil {
		c.gap("domain:"+domain, "trusts", err)
	} else {
		for _, t := range trusts {
			d.Trusts = append(d.Trusts, convertTrust(t))
		}
	}
	c.snap.Forests = append(c.snap.Forests, forest)
	c.snap.Domains = append(c.snap.Domains, d)
	return d, siblings, nil
}

// siblingsNotSearched records, for every service with an SPN to look up,
// that the holders were searched in d only: an account of another domain of
// the forest holding the SPN (a duplicate) or HOST/<host> (the computer
// that covers it) is not seen, so the holder step is not tested and no
// check may conclude that nobody holds it.
func (c *collector) siblingsNotSearched(d audit.Domain, siblings []string, services []audit.Service) {
	if len(siblings) == 0 {
		return
	}
	for _, svc := range services {
		if svc.RequestedSPN != "" {
			c.gap(svc.GapScope(), "holders", fmt.Errorf("the holders of %s were searched in %s only; the forest's other domains (%s) were not searched",
				svc.RequestedSPN, d.DNSName, strings.Join(siblings, ", ")))
		}
	}
}

// managementPoints lists the ConfigMgr management points of the domain as
// services running as their computers.
func managementPoints(ctx context.Context, dir ServiceDirectory, d audit.Domain, site string) ([]audit.Service, error) {
	mps, err := dir.ReadManagementPoints(ctx, d.DN, site)
	if err != nil {
		return nil, err
	}
	if len(mps) == 0 {
		which := "any site"
		if site != "" {
			which = "site " + site
		}
		return nil, fmt.Errorf("%w: no management point of %s is published in %s", ErrNoManagementPoint, which, d.DNSName)
	}
	var out []audit.Service
	for _, mp := range mps {
		host := firstNonEmpty(mp.DNSHostName, strings.ToLower(mp.MPName))
		svc, err := audit.ParseServiceURL("http://" + host + "/")
		if err != nil {
			return nil, fmt.Errorf("management point %s: %w", mp.DN, err)
		}
		svc.Source, svc.Domain = audit.ServiceFromConfigMgr, d.DNSName
		svc.Identity = &audit.ServiceIdentity{Computer: true}
		svc.Note = fmt.Sprintf("ConfigMgr site %s management point%s (%s)", mp.SiteCode, map[bool]string{true: ", default", false: ""}[mp.Default], mp.DN)
		out = append(out, svc)
	}
	return out, nil
}

// LookupServiceHost resolves a service's host as a member of domain does:
// a name with a dot as it is; a single-label name with each of the
// domain's suffixes in turn (audit.DNSSuffixes: the domain, then its
// parents — Windows devolution) until one resolves. Every answer asked is
// returned, the one that resolved (if any) last.
func LookupServiceHost(ctx context.Context, q DNSQuerier, host, domain string, isNXDomain func(error) bool) []audit.HostLookup {
	if strings.Contains(host, ".") || domain == "" {
		return []audit.HostLookup{LookupHost(ctx, q, HostQuery{Name: host}, isNXDomain)}
	}
	var out []audit.HostLookup
	for _, suffix := range audit.DNSSuffixes(domain) {
		h := LookupHost(ctx, q, HostQuery{Name: host, Suffix: suffix}, isNXDomain)
		out = append(out, h)
		if h.Status == audit.DNSOK {
			break
		}
	}
	return out
}

// resolveServices looks each service's host up and derives the SPN its
// clients request.
func (c *collector) resolveServices(ctx context.Context, services []audit.Service) {
	for i := range services {
		svc := &services[i]
		dctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		answers := LookupServiceHost(dctx, c.cfg.Resolver, svc.Host, svc.Domain, c.cfg.IsNXDomain)
		cancel()
		c.snap.DNS.Hosts = append(c.snap.DNS.Hosts, answers...)
		if h, ok := c.snap.ServiceHost(*svc); ok {
			svc.RequestedSPN, _ = svc.SPNFor(h)
		}
	}
	c.snap.DNS.Server = c.cfg.DNSServer
}

// readHolders reads every account holding a service's SPN, the HTTP and
// HOST forms of its host (short and fully qualified: SPN-USER-HOST-ALIAS
// and the fixes need every form), and the declared accounts.
func (c *collector) readHolders(ctx context.Context, dir ServiceDirectory, d audit.Domain, services []audit.Service) {
	seen := map[string]bool{}
	var spns []string
	add := func(v string) {
		if k := strings.ToLower(v); !seen[k] {
			seen[k] = true
			spns = append(spns, v)
		}
	}
	for _, svc := range services {
		if svc.RequestedSPN == "" {
			continue
		}
		add(svc.RequestedSPN)
		h, _ := c.snap.ServiceHost(svc)
		host, _ := svc.SPNHost(h)
		for _, name := range []string{host, h.Canonical} {
			name = spn.NormalizeHost(name)
			if name == "" {
				continue
			}
			for _, n := range []string{name, strings.SplitN(name, ".", 2)[0]} {
				add("HTTP/" + n)
				add("HOST/" + n)
			}
		}
	}
	accounts := map[string]bool{}
	keep := func(a ldapx.SPNAccount) {
		if k := strings.ToLower(a.DN); !accounts[k] {
			accounts[k] = true
			c.snap.Accounts = append(c.snap.Accounts, convertAccount(a, d.DNSName))
		}
	}
	if len(spns) > 0 {
		found, err := dir.ReadSPNHolders(ctx, d.DN, spns)
		if err != nil {
			for _, svc := range services {
				if svc.RequestedSPN != "" {
					c.gap(svc.GapScope(), "holders", err)
				}
			}
		}
		for _, a := range found {
			keep(a)
		}
	}
	for _, svc := range services {
		name := svc.Identity.AccountName()
		if name == "" {
			continue
		}
		a, err := dir.ReadAccount(ctx, d.DN, name)
		if err == nil && a == nil && !strings.HasSuffix(name, "$") {
			a, err = dir.ReadAccount(ctx, d.DN, name+"$") // a gMSA or computer named without its $
		}
		switch {
		case err != nil:
			c.gap(svc.GapScope(), "identity", fmt.Errorf("read the declared account %s: %w", svc.Identity.Account, err))
		case a == nil:
			c.gap(svc.GapScope(), "identity", fmt.Errorf("the declared account %s does not exist in %s", svc.Identity.Account, d.DNSName))
		default:
			keep(*a)
		}
	}
}

// resolveHolderHosts asks DNS for the SPN hosts of the accounts read and
// for the DC, as a full audit does, so the SPN-DNS-* checks judge them.
func (c *collector) resolveHolderHosts(ctx context.Context, d audit.Domain) {
	var hosts []HostQuery
	for _, a := range c.snap.Accounts {
		for _, raw := range a.SPNs {
			if p, err := spn.Parse(raw); err == nil && p.NamesAHost() {
				hosts = append(hosts, HostQuery{Name: p.Host, Suffix: a.Domain})
			}
		}
	}
	for _, dc := range d.DCs {
		hosts = append(hosts, HostQuery{Name: dc.FQDN})
	}
	dctx, cancel := context.WithTimeout(ctx, 4*c.cfg.Timeout)
	defer cancel()
	dns := CollectDNS(dctx, c.cfg.Resolver, c.cfg.IsNXDomain, hosts, nil, c.cfg.Workers*4)
	asked := map[[2]string]bool{}
	for _, h := range c.snap.DNS.Hosts {
		asked[[2]string{h.Name, h.QueriedAs}] = true
	}
	for _, h := range dns.Hosts {
		if !asked[[2]string{h.Name, h.QueriedAs}] {
			c.snap.DNS.Hosts = append(c.snap.DNS.Hosts, h)
		}
	}
}

// serviceClocks samples the KDC's clock (the DC read, port 88). Without
// any clock sample (the rootDSE's included) the clock step of every
// service is a gap.
func (c *collector) serviceClocks(ctx context.Context, q ServiceQuery, d audit.Domain) {
	dom := &c.snap.Domains[len(c.snap.Domains)-1]
	for i := range dom.DCs {
		dc := &dom.DCs[i]
		if h, ok := c.snap.Host(dc.FQDN); ok {
			dc.Addresses = append(append([]string(nil), h.A...), h.AAAA...)
		}
		if len(dc.Addresses) == 0 && q.DCAddresses != nil {
			if addrs, err := q.DCAddresses(ctx, dc.FQDN); err == nil {
				for _, a := range addrs {
					dc.Addresses = append(dc.Addresses, a.String())
				}
			}
		}
	}
	if !c.cfg.SkipKDCClocks {
		c.collectKDCClocks(ctx)
	}
	if len(c.snap.Clocks) == 0 {
		for _, svc := range c.snap.Services {
			c.gap(svc.GapScope(), "clock", fmt.Errorf("no clock of a DC or KDC of %s could be read", d.DNSName))
		}
	}
}

// serviceTickets asks the KDC for each service's SPN with the collection's
// credentials and, for a service whose clients are in another realm,
// starts at that realm's KDC as they do. What could not be asked is a gap:
// no credentials, no cross-realm TGT, or a refusal on a path that is not
// the clients' (the credentials are of another realm), which proves
// nothing about them.
func (c *collector) serviceTickets(ctx context.Context, q ServiceQuery, dir Directory, d audit.Domain) {
	if q.Tickets == nil {
		c.snap.Collection.TicketProbeState = audit.TicketProbesSkipped
		for _, svc := range c.snap.Services {
			c.gap(svc.GapScope(), "ticket", errors.New("no Kerberos credentials (--auth kerberos): the KDC was not asked for a ticket"))
		}
		return
	}
	r, done, err := q.Tickets(ctx, dir, d.DNSName)
	if err != nil {
		c.gap("kdc", "ticket probes", err)
		c.snap.Collection.TicketProbeState = audit.TicketProbesFailed
		for _, svc := range c.snap.Services {
			c.gap(svc.GapScope(), "ticket", fmt.Errorf("the Kerberos client could not start: %w", err))
		}
		return
	}
	defer done()
	c.snap.Collection.TicketProbeState = audit.TicketProbesDone
	for _, svc := range c.snap.Services {
		if svc.RequestedSPN == "" {
			continue // no SPN to ask for (SERVICE-DNS says why)
		}
		res := r.Request(ctx, svc.RequestedSPN)
		c.snap.TicketProbes = append(c.snap.TicketProbes, ticketProbe(svc.RequestedSPN, res))
		if svc.ClientRealm == "" || strings.EqualFold(svc.ClientRealm, res.ClientRealm) {
			continue
		}
		client := strings.ToUpper(svc.ClientRealm)
		from, ok := r.(clientRealmRequester)
		if !ok {
			c.gap(svc.GapScope(), "client realm path", fmt.Errorf("asked from %s (the credentials' realm); the path of a client of %s was not followed: probe with credentials of %s",
				res.ClientRealm, client, client))
			continue
		}
		switch fr := from.RequestFrom(ctx, client, svc.RequestedSPN); {
		case fr.NotTested != "":
			c.gap(svc.GapScope(), "client realm path", fmt.Errorf("%s; the path of a client of %s was not tested: probe with credentials of %s", fr.NotTested, client, client))
		case fr.Issued:
			c.snap.TicketProbes = append(c.snap.TicketProbes, ticketProbe(svc.RequestedSPN, fr))
		default:
			// The ticket names a client of the credentials' realm and its
			// transited path is not a real client's (a KDC may refuse a path
			// that returns to the client's own realm).
			why := fr.ErrorName
			if why == "" && fr.Err != nil {
				why = fr.Err.Error()
			}
			c.gap(svc.GapScope(), "client realm path", fmt.Errorf("from %s's KDC (%s): refused, %s — with credentials of %s, which is not what a client of %s sends: not tested",
				client, strings.Join(fr.Path, " → "), why, res.ClientRealm, client))
		}
	}
}

func ticketProbe(spnName string, res krbprobe.Result) audit.TicketProbe {
	p := audit.TicketProbe{SPN: spnName, ClientRealm: res.ClientRealm, Issued: res.Issued, Realm: res.Realm, Path: res.Path,
		ErrorCode: int(res.ErrorCode), ErrorName: res.ErrorName, TicketEtype: res.TicketEtype, SessionEtype: res.SessionEtype}
	if res.Err != nil {
		p.Error = res.Err.Error()
	}
	return p
}
