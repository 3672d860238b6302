package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/audit/collect"
	"github.com/spntrust/spntrust/audit/pipeline"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/krbprobe"
	"github.com/spntrust/spntrust/ldapx"
)

type probeOptions struct {
	cmdEnv
	target         targetOptions
	settings       settingsFlags
	report         reportOptions
	serviceAccount string
	runsAsComputer bool
	clientRealm    string
	includePort    bool
	configMgr      bool
	configMgrSite  string
	saveSnapshot   string
}

func newCmdProbe(f *App, runF func(context.Context, *probeOptions, []string) error) *cobra.Command {
	opts := &probeOptions{}
	cmd := &cobra.Command{
		Use:   "probe (URL | --configmgr | --configmgr-site CODE)",
		Short: "Check one web service's Kerberos readiness: DNS, SPN, holder, identity, ticket, clock",
		Long: `probe is a targeted collection: a narrow snapshot of one service, judged by the
same checks and written by the same report writers as an audit. It resolves the service's
host as a client would (a short name through the domain's DNS suffixes, CNAMEs followed to
the canonical name), derives the SPN a Windows client requests, reads the holders of that
SPN and of the host's HTTP/ and HOST/ forms, the forest's sPNMappings, the domain's trusts,
the declared account, the DC's and KDC's clocks, and asks the KDC for the ticket (from the
--client-realm's KDC with a cross-realm TGT where a direct trust allows). The SERVICE-*
checks (SERVICE-DNS, SERVICE-NO-SPN, SERVICE-IDENTITY, SERVICE-CLIENT-REALM) and the audit's
checks whose data it holds (SPN-USER-HOST-ALIAS, SPN-DUPLICATE, SPN-DNS-*, TIME-SKEW,
KRB-TICKET, TRUST-EXTERNAL-KERBEROS, ...) judge it; their findings carry the fixes. With
--configmgr it reads the Configuration Manager management points published in AD
(mSSMSManagementPoint objects under CN=System Management) and probes each as a service
running as its computer.

The report opens with each service's verdict and its steps (dns, holder, identity, ticket,
client realm, clock), each ok, fail or not tested. NOT READY when an outage finding (high
or above) concerns the service; UNKNOWN when none does but a deciding step was not tested:
the service's identity not given (--service-account / --runs-as-computer), no Kerberos
credentials, a --client-realm whose path could not be followed, no clock read; READY only
when every step was tested and passed. A --client-realm behind an external trust of the
service's domain is NOT READY: real clients get no referral across it. --format json is
the audit's JSON report (the same findings records) with a "services" list of verdicts.
Exit code 0: READY; 1: NOT READY; 4: UNKNOWN; 2: bad usage; 3: the directory could not be
reached.`,
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
	opts.report.register(cmd)
	opts.settings.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.serviceAccount, "service-account", "", "the account the service (IIS application pool) runs as: name or DOMAIN\\name")
	fl.BoolVar(&opts.runsAsComputer, "runs-as-computer", false, "the service runs as the computer (LocalSystem, NetworkService, ApplicationPoolIdentity)")
	fl.StringVar(&opts.clientRealm, "client-realm", "", "realm the clients are in; default: the credentials' realm")
	fl.BoolVar(&opts.includePort, "include-port", false, "clients put non-default ports in the SPN (FEATURE_INCLUDE_PORT_IN_SPN_KB908209 / EnableAuthNegotiatePort)")
	fl.BoolVar(&opts.configMgr, "configmgr", false, "probe every Configuration Manager management point published in the domain (--domain)")
	fl.StringVar(&opts.configMgrSite, "configmgr-site", "", "probe the management points of this ConfigMgr site code")
	fl.StringVar(&opts.saveSnapshot, "save-snapshot", "", "save the probe's narrow snapshot to this file (atomically, mode 0600, no secrets); spntrust audit --from FILE replays it")
	return cmd
}

// probeRun probes the URL, or the ConfigMgr management points: the
// declared services are collected through the factory's connector and go
// down the pipeline like an audit; the verdicts decide the exit status.
func probeRun(ctx context.Context, o *probeOptions, args []string) error {
	q := collect.ServiceQuery{ConfigMgr: o.configMgr || o.configMgrSite != "", ConfigMgrSite: o.configMgrSite}
	switch {
	case q.ConfigMgr && len(args) > 0:
		return usageError("give a URL or --configmgr/--configmgr-site, not both")
	case q.ConfigMgr && o.target.domain == "" && o.target.server == "":
		return usageError("--configmgr needs --domain (or --server): the domain whose System Management container to read")
	case q.ConfigMgr && o.serviceAccount != "":
		return usageError("--configmgr probes management points as their computers; --service-account does not apply")
	case !q.ConfigMgr && len(args) != 1:
		return usageError("probe needs the service's URL, or --configmgr / --configmgr-site CODE")
	}
	if o.serviceAccount != "" && o.runsAsComputer {
		return usageError("--service-account and --runs-as-computer are exclusive")
	}
	if !q.ConfigMgr {
		svc, err := audit.ParseServiceURL(args[0])
		if err != nil {
			return usageError("%v", err)
		}
		if o.target.domain == "" && o.target.server == "" {
			o.target.domain = audit.HostDomain(svc.Host)
			if o.target.domain == "" {
				return usageError("%s is a single-label name: give --domain or --server", svc.Host)
			}
		}
		switch {
		case o.serviceAccount != "":
			svc.Identity = &audit.ServiceIdentity{Account: o.serviceAccount}
		case o.runsAsComputer:
			svc.Identity = &audit.ServiceIdentity{Computer: true}
		}
		svc.ClientRealm, svc.IncludePort = o.clientRealm, o.includePort
		q.Services = []audit.Service{svc}
	}
	if err := o.target.validate(); err != nil {
		return err
	}
	if !o.settings.flags.Changed("checks") {
		o.settings.set.Include = checks.IDs(checks.ForServices())
	}
	set, err := o.settings.settings()
	if err != nil {
		return err
	}
	stage, err := o.report.parse(o.cmdEnv)
	if err != nil {
		return err
	}
	if err := checkPaths(append(outputPathChecks(stage.outputs), pathCheck{flag: "--history", path: o.report.historyPath},
		pathCheck{flag: "--save-snapshot", path: o.saveSnapshot})...); err != nil {
		return err
	}
	p := &pipeline.Pipeline{
		Source: pipeline.Live{Collector: o.Connector.ServiceCollector(&o.target, q)}, Settings: set,
		SaveSnapshot: o.saveSnapshot, Verdicts: true, Tool: o.Version, Now: o.Now,
		Processors: stage.processors, Outputs: stage.outputs, Recorders: stage.recorders, FailOn: stage.failOn,
		Stdout: o.Stdout, Log: o.Stderr,
	}
	_, err = p.Run(ctx)
	return err
}

// ServiceCollector collects the declared services live with the target
// flags: the directory session of the collector, the Kerberos client
// opened on the DC it reached (every DC is a KDC of its domain, which
// matters where DNS names none), and that DC's name resolved as it was
// dialled for its KDC's clock.
func (c *ldapConnector) ServiceCollector(o *targetOptions, q collect.ServiceQuery) pipeline.Collector {
	return pipeline.CollectorFunc(func(ctx context.Context) (*audit.Snapshot, error) {
		a := c.app
		sess, err := a.session(o)
		if err != nil {
			return nil, err
		}
		if o.auth == "kerberos" {
			q.Tickets = func(ctx context.Context, dir collect.Directory, domain string) (collect.TicketRequester, func(), error) {
				conn, ok := dir.(*ldapx.Conn)
				if !ok {
					return nil, nil, errors.New("the directory connection is not LDAP")
				}
				cl, cfg, err := conn.KerberosClient(ctx, sess.creds, domain)
				if err != nil {
					return nil, nil, err
				}
				return &krbprobe.Prober{Client: cl, Config: cfg, Timeout: o.timeout, Resolver: sess.resolver, Etypes: probeEtypes(o.etypes)}, cl.Destroy, nil
			}
		}
		q.DCAddresses = sess.names.LookupHost
		host, _ := os.Hostname()
		snap, err := collect.CollectServices(ctx, collect.Config{
			Domain: o.domain, Server: o.server, Connect: sess.directory, Resolver: sess.resolver, Now: a.Now,
			Timeout: o.timeout, Workers: o.workers, ToolVersion: a.Version, Host: host, Principal: sess.creds.Principal,
			AuthMethod: o.auth, DNSServer: o.dnsServer,
		}, q)
		if err != nil {
			return nil, incompleteError(fmt.Errorf("probe: %w", err))
		}
		return snap, nil
	})
}
