package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/audit/collect"
	"github.com/spntrust/spntrust/internal/exitcode"
	"github.com/spntrust/spntrust/krbprobe"
	"github.com/spntrust/spntrust/ldapx"
	"github.com/spntrust/spntrust/probe"
)

type probeOptions struct {
	cmdEnv
	target         targetOptions
	serviceAccount string
	runsAsComputer bool
	clientRealm    string
	includePort    bool
	format         string
	maxSkew        time.Duration
	warnSkew       time.Duration
	configMgr      bool
	configMgrSite  string
}

func newCmdProbe(f *App, runF func(context.Context, *probeOptions, []string) error) *cobra.Command {
	opts := &probeOptions{}
	cmd := &cobra.Command{
		Use:   "probe (URL | --configmgr | --configmgr-site CODE)",
		Short: "Check one web service's Kerberos readiness: DNS, SPN, holder, identity, ticket, clock",
		Long: `probe resolves the service's host as a client would (following CNAMEs to the
canonical name), derives the SPN a Windows client requests, finds which account holds it
(explicitly or through the sPNMappings HOST alias), compares it with the identity the
service runs as, asks the KDC for a ticket following referrals from the client realm, and
measures clock skew to the KDC. With --configmgr it reads the Configuration Manager
management points published in AD (mSSMSManagementPoint objects under CN=System
Management) and probes each as a service running as its computer.

Every step is ok, fail or not tested. The verdict is READY only when every step was
tested and passed; NOT READY when one failed; UNKNOWN when none failed but one was not
tested: the service's identity not given (--service-account / --runs-as-computer), no
Kerberos credentials, a --client-realm whose path could not be followed (it is followed
from that realm's KDC with a cross-realm TGT where a direct trust allows), the KDC's
clock not read. A --client-realm behind an external trust of
the service's domain is NOT READY: real clients get no referral across it. A short name (http://mp01/) is resolved with
the domain's DNS suffix, as a domain member does, and clients then ask for HTTP/<short>.
Exit code 0: READY; 1: NOT READY; 4: UNKNOWN; 2: bad usage; 3: the directory could not
be reached.`,
		Example: `  spntrust probe http://mp01.lab.test/ --runs-as-computer --dns-server 127.0.0.11 --user Administrator@LAB.TEST --password-file pw
  spntrust probe https://reports.corp.example/ --service-account CORP\svc-ssrs --format json
  spntrust probe --configmgr-site LAB --domain lab.test --dns-server 127.0.0.11 --user Administrator@LAB.TEST --password-file pw`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.cmdEnv = f.env()
			if runF != nil {
				return runF(cmd.Context(), opts, args)
			}
			return probeRun(cmd.Context(), opts, args)
		},
	}
	opts.target.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.serviceAccount, "service-account", "", "the account the service (IIS application pool) runs as: name or DOMAIN\\name")
	fl.BoolVar(&opts.runsAsComputer, "runs-as-computer", false, "the service runs as the computer (LocalSystem, NetworkService, ApplicationPoolIdentity)")
	fl.StringVar(&opts.clientRealm, "client-realm", "", "realm the clients are in; default: the credentials' realm")
	fl.BoolVar(&opts.includePort, "include-port", false, "clients put non-default ports in the SPN (FEATURE_INCLUDE_PORT_IN_SPN_KB908209 / EnableAuthNegotiatePort)")
	fl.StringVar(&opts.format, "format", "text", "output: text or json")
	fl.DurationVar(&opts.maxSkew, "max-skew", 5*time.Minute, "Kerberos clock tolerance")
	fl.DurationVar(&opts.warnSkew, "warn-skew", time.Minute, "skew that earns a warning")
	fl.BoolVar(&opts.configMgr, "configmgr", false, "probe every Configuration Manager management point published in the domain (--domain)")
	fl.StringVar(&opts.configMgrSite, "configmgr-site", "", "probe the management points of this ConfigMgr site code")
	return cmd
}

func (o *probeOptions) validate() error {
	if o.serviceAccount != "" && o.runsAsComputer {
		return usageError("--service-account and --runs-as-computer are exclusive")
	}
	if o.format != "text" && o.format != "json" {
		return usageError("--format %q: use text or json", o.format)
	}
	return o.target.validate()
}

// probeRun probes the URL, or the ConfigMgr management points.
func probeRun(ctx context.Context, o *probeOptions, args []string) error {
	if o.configMgr || o.configMgrSite != "" {
		if len(args) > 0 {
			return usageError("give a URL or --configmgr/--configmgr-site, not both")
		}
		return probeConfigMgrRun(ctx, o)
	}
	if len(args) != 1 {
		return usageError("probe needs the service's URL, or --configmgr / --configmgr-site CODE")
	}
	return probeURLRun(ctx, o, args[0])
}

func probeURLRun(ctx context.Context, o *probeOptions, rawURL string) error {
	t, err := probe.ParseTarget(rawURL)
	if err != nil {
		return usageError("%v", err)
	}
	if o.target.domain == "" && o.target.server == "" {
		o.target.domain = probe.HostDomain(t.Host)
		if o.target.domain == "" {
			return usageError("%s is a single-label name: give --domain or --server", t.Host)
		}
	}
	if err := o.validate(); err != nil {
		return err
	}
	deps, closeDeps, err := o.Connector.ProbeDeps(ctx, o)
	if err != nil {
		return err
	}
	defer closeDeps()
	res := probe.Run(ctx, t, probe.Identity{Account: o.serviceAccount, RunsAsComputer: o.runsAsComputer}, deps)
	if err := writeProbe(o, []probe.Result{res}); err != nil {
		return err
	}
	return probeExit([]probe.Result{res})
}

// runConfigMgrProbe probes every management point published in the domain
// (or of one site), each as a service running as its computer.
func probeConfigMgrRun(ctx context.Context, o *probeOptions) error {
	if o.target.domain == "" && o.target.server == "" {
		return usageError("--configmgr needs --domain (or --server): the domain whose System Management container to read")
	}
	if o.serviceAccount != "" {
		return usageError("--configmgr probes management points as their computers; --service-account does not apply")
	}
	if err := o.validate(); err != nil {
		return err
	}
	deps, closeDeps, err := o.Connector.ProbeDeps(ctx, o)
	if err != nil {
		return err
	}
	defer closeDeps()
	dir, ok := deps.Dir.(*probeDirectory)
	if !ok {
		return incompleteError(fmt.Errorf("--configmgr reads the management points over LDAP: the directory connection cannot"))
	}
	mps, err := dir.conn.ReadManagementPoints(ctx, dir.baseDN, o.configMgrSite)
	if err != nil {
		return incompleteError(err)
	}
	if len(mps) == 0 {
		site := "any site"
		if o.configMgrSite != "" {
			site = "site " + o.configMgrSite
		}
		return incompleteError(fmt.Errorf("no management point of %s is published in %s", site, dir.domain))
	}
	var results []probe.Result
	for _, mp := range mps {
		host := firstNonEmptyString(mp.DNSHostName, strings.ToLower(mp.MPName))
		t, err := probe.ParseTarget("http://" + host + "/")
		if err != nil {
			return incompleteError(fmt.Errorf("management point %s: %w", mp.DN, err))
		}
		t.URL = fmt.Sprintf("http://%s/ (ConfigMgr site %s management point%s)", host, mp.SiteCode, map[bool]string{true: ", default", false: ""}[mp.Default])
		res := probe.Run(ctx, t, probe.Identity{RunsAsComputer: true}, deps)
		results = append(results, res)
	}
	if err := writeProbe(o, results); err != nil {
		return err
	}
	return probeExit(results)
}

func writeProbe(o *probeOptions, results []probe.Result) error {
	if o.format == "json" {
		enc := json.NewEncoder(o.Stdout)
		enc.SetIndent("", "  ")
		if len(results) == 1 {
			return enc.Encode(results[0])
		}
		return enc.Encode(results)
	}
	for i, r := range results {
		if i > 0 {
			fmt.Fprintln(o.Stdout)
		}
		writeProbeText(o.Stdout, r)
	}
	return nil
}

// ProbeDeps connects to the directory and KDC once for one or more probes.
func (c *ldapConnector) ProbeDeps(ctx context.Context, o *probeOptions) (probe.Deps, func(), error) {
	a := c.app
	sess, err := a.session(&o.target)
	if err != nil {
		return probe.Deps{}, nil, err
	}
	dir, dcHost, err := a.probeDirectory(ctx, sess, &o.target)
	if err != nil {
		return probe.Deps{}, nil, incompleteError(err)
	}
	closers := []func(){func() { dir.conn.Close() }}
	closeAll := func() {
		for _, c := range closers {
			c()
		}
	}

	deps := probe.Deps{
		DNS: sess.resolver, IsNXDomain: func(err error) bool { return errors.Is(err, ldapx.ErrNotFound) },
		Dir: dir, Mappings: dir.mappings, IncludePort: o.includePort, ClientRealm: o.clientRealm, Suffix: dir.domain, ExternalTrusts: dir.external,
		MaxSkew: o.maxSkew, WarnSkew: o.warnSkew,
	}
	if addrs, err := sess.names.LookupHost(ctx, dcHost); err == nil && len(addrs) > 0 {
		kdc := netip.AddrPortFrom(addrs[0], 88).String()
		realm := strings.ToUpper(dir.domain)
		deps.KDCClock = func(ctx context.Context) (audit.ClockSample, error) {
			return collect.KDCClock(ctx, kdc, realm, o.target.timeout, a.Now)
		}
	}
	if o.target.auth == "kerberos" {
		cl, cfg, err := dir.conn.KerberosClient(ctx, sess.creds, dir.domain)
		if err != nil {
			closeAll()
			return probe.Deps{}, nil, incompleteError(err)
		}
		closers = append(closers, cl.Destroy)
		deps.Tickets = &krbprobe.Prober{Client: cl, Config: cfg, Timeout: o.target.timeout, Resolver: sess.resolver}
	}
	return deps, closeAll, nil
}

// probeDirectory is the probe's view of one domain's directory.
type probeDirectory struct {
	conn     *ldapx.Conn
	baseDN   string
	domain   string
	netbios  string
	mappings map[string]string
	// external: partners of the domain's external trusts (lower case);
	// nil when the trusts could not be read.
	external map[string]bool
}

// Trust attributes that make a trust route names: FOREST_TRANSITIVE (a
// forest trust) and WITHIN_FOREST (parent-child, tree-root); an uplevel
// trust (type 2) with neither is external ([MS-ADTS] 6.1.6.7.9).
const (
	trustForestTransitive = 0x8
	trustWithinForest     = 0x20
)

func (d *probeDirectory) NetBIOS() string { return d.netbios }

func (d *probeDirectory) SPNHolders(ctx context.Context, spns []string) ([]probe.Holder, error) {
	accts, err := d.conn.ReadSPNHolders(ctx, d.baseDN, spns)
	if err != nil {
		return nil, err
	}
	var out []probe.Holder
	for _, a := range accts {
		out = append(out, probe.Holder{DN: a.DN, SAMAccountName: a.SAMAccountName, Domain: d.domain, Kind: audit.KindOf(a.ObjectClasses), SPNs: a.SPNs})
	}
	return out, nil
}

// probeDirectory connects to a DC of the target domain and reads what the
// probe needs once: naming contexts, NetBIOS name and sPNMappings.
func (a *App) probeDirectory(ctx context.Context, sess *session, o *targetOptions) (*probeDirectory, string, error) {
	conn, dc, err := sess.directorySession(o.timeout).Connect(ctx, o.server, o.domain)
	if err != nil {
		return nil, "", err
	}
	dse, err := conn.ReadRootDSE(ctx)
	if err != nil {
		conn.Close()
		return nil, "", fmt.Errorf("%s: %w", dc, err)
	}
	d := &probeDirectory{conn: conn, baseDN: dse.DefaultNamingContext, domain: ldapx.DNToDomain(dse.DefaultNamingContext)}
	if m, err := conn.ReadSPNMappings(ctx, dse.ConfigurationNamingContext); err == nil {
		d.mappings = m.Aliases
	}
	if trusts, err := conn.ReadTrusts(ctx, d.baseDN); err == nil {
		d.external = map[string]bool{}
		for _, t := range trusts {
			if t.TrustType == 2 && t.TrustAttributes&(trustForestTransitive|trustWithinForest) == 0 {
				d.external[strings.ToLower(t.TrustPartner)] = true
			}
		}
	}
	if parts, err := conn.ReadPartitions(ctx, dse.ConfigurationNamingContext); err == nil {
		for _, p := range parts {
			if strings.EqualFold(p.NCName, d.baseDN) {
				d.netbios = p.NetBIOSName
			}
		}
	}
	return d, firstNonEmptyString(dse.DNSHostName, dc), nil
}

func firstNonEmptyString(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

func writeProbeText(w io.Writer, r probe.Result) {
	fmt.Fprintf(w, "Probe of %s\n", r.URL)
	for _, s := range r.Steps {
		fmt.Fprintf(w, "  [%-10s] %-8s %s\n", strings.ToUpper(s.Status), s.Name, s.Summary)
		for _, e := range s.Evidence {
			fmt.Fprintf(w, "                 %s: %s\n", e.Key, e.Value)
		}
	}
	fmt.Fprintf(w, "\n%s\n", r.Verdict)
	if len(r.Remediation) > 0 {
		fmt.Fprintln(w, "\nRemediation:")
		for _, s := range r.Remediation {
			fmt.Fprintf(w, "  - %s\n", s)
		}
	}
}

// probeExit maps the verdicts to the exit status: NOT READY anywhere is 1,
// else UNKNOWN anywhere is 4, else (every service READY) 0.
func probeExit(results []probe.Result) error {
	unknown := false
	for _, r := range results {
		switch r.Status {
		case probe.NotReady:
			return errFindings
		case probe.Unknown:
			unknown = true
		}
	}
	if unknown {
		return exitcode.ErrUnknown
	}
	return nil
}
