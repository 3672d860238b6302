// Package probe checks whether one web service is ready for Kerberos, the
// way an administrator troubleshoots a management point: resolve the host as
// a client does, derive the SPN the client will request, find who holds it,
// compare with the identity the service runs as, ask the KDC for a ticket,
// and measure clock skew. Each step keeps its evidence; the verdict is
// "ready" only when no step failed.
package probe

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/audit/collect"
	"github.com/spntrust/spntrust/krbprobe"
	"github.com/spntrust/spntrust/spn"
)

// Target is the service to probe.
type Target struct {
	URL  string
	Host string
	Port int
}

// ParseTarget reads an http(s) URL (or a bare host name).
func ParseTarget(raw string) (Target, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return Target{}, fmt.Errorf("empty URL: give the service's address, e.g. http://mp01.corp.example/")
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return Target{}, fmt.Errorf("URL %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return Target{}, fmt.Errorf("URL %q: scheme %q is not http or https", raw, u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return Target{}, fmt.Errorf("URL %q has no host", raw)
	}
	port := 80
	if u.Scheme == "https" {
		port = 443
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Target{}, fmt.Errorf("URL %q: port %q is not 1-65535", raw, p)
		}
		port = n
	}
	if _, err := spn.Parse("HTTP/" + host); err != nil {
		return Target{}, fmt.Errorf("URL %q: host %q is not a DNS name", raw, host)
	}
	return Target{URL: raw, Host: strings.ToLower(host), Port: port}, nil
}

// defaultPort reports whether the port is the scheme's default, which
// clients never put in the SPN.
func (t Target) defaultPort() bool { return t.Port == 80 || t.Port == 443 }

// Holder is an account holding an SPN.
type Holder struct {
	DN             string
	SAMAccountName string
	Domain         string
	Kind           audit.AccountKind
	SPNs           []string
}

// Directory is what the probe reads from AD.
type Directory interface {
	// SPNHolders returns the accounts holding any of spns.
	SPNHolders(ctx context.Context, spns []string) ([]Holder, error)
	// NetBIOS is the NetBIOS name of the domain searched, for commands.
	NetBIOS() string
}

// Identity says what the service runs as: an account name, or the computer.
type Identity struct {
	Account        string // sAMAccountName or DOMAIN\name; "" when RunsAsComputer or unknown
	RunsAsComputer bool
}

// Options and dependencies of a probe.
type Deps struct {
	DNS         collect.DNSQuerier
	IsNXDomain  func(error) bool
	Dir         Directory
	Tickets     collect.TicketRequester // nil: no ticket step (no Kerberos credentials)
	ClientRealm string                  // asserted client realm; "" = the credentials'
	// Suffix is the DNS suffix of the service's domain: a single-label
	// host is resolved with it (and its parents, as Windows devolution
	// does), the way a member of the domain resolves a short name.
	Suffix string
	// ExternalTrusts holds the DNS names (lower case) of the realms the
	// service's domain trusts through an external trust (not a forest
	// trust, not within the forest); nil when the trusts were not read.
	ExternalTrusts map[string]bool
	KDCClock       func(ctx context.Context) (audit.ClockSample, error)
	Mappings       map[string]string // sPNMappings alias → class; nil: unknown
	IncludePort    bool              // clients configured to put non-default ports in the SPN
	MaxSkew        time.Duration
	WarnSkew       time.Duration
}

// Step statuses: every step was tested and passed, tested and failed, or
// could not be tested (and then proves nothing either way).
const (
	OK        = "ok"
	Fail      = "fail"
	NotTested = "not tested"
)

// Verdicts. READY only when every step that decides it was tested and
// passed; NOT READY when one failed; UNKNOWN when none failed but at least
// one could not be tested.
const (
	Ready    = "READY"
	NotReady = "NOT READY"
	Unknown  = "UNKNOWN"
)

// Step is one stage of the probe with its evidence.
type Step struct {
	Name     string     `json:"name"`
	Status   string     `json:"status"`
	Summary  string     `json:"summary"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Evidence is one observed fact.
type Evidence struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Result is the verdict and the steps that led to it.
type Result struct {
	URL         string   `json:"url"`
	Canonical   string   `json:"canonicalHost,omitempty"`
	SPN         string   `json:"spn,omitempty"`
	Ready       bool     `json:"ready"`
	Status      string   `json:"status"` // READY, NOT READY or UNKNOWN
	Verdict     string   `json:"verdict"`
	Steps       []Step   `json:"steps"`
	Remediation []string `json:"remediation,omitempty"`
}

func (r *Result) add(s Step) { r.Steps = append(r.Steps, s) }

// judge derives the verdict from the steps: any failure makes it NOT
// READY, else any step not tested makes it UNKNOWN, else READY.
func (r *Result) judge() {
	var untested []string
	for _, s := range r.Steps {
		if s.Status == Fail {
			r.Status, r.Ready = NotReady, false
			r.Verdict = NotReady + ": " + s.Summary
			return
		}
		if s.Status != OK {
			untested = append(untested, s.Name)
		}
	}
	if len(untested) > 0 {
		r.Status, r.Ready = Unknown, false
		r.Verdict = fmt.Sprintf("%s: no step failed, but %s not tested, so readiness is not proven", Unknown, strings.Join(untested, ", "))
		return
	}
	r.Status, r.Ready = Ready, true
	r.Verdict = Ready + ": a client will get a Kerberos ticket the service can decrypt"
}

// Run probes one target.
func Run(ctx context.Context, t Target, id Identity, d Deps) (r Result) {
	r.URL = t.URL
	defer r.judge()

	// 1. Resolve as a client does.
	h := resolve(ctx, t.Host, d)
	dnsStep := Step{Name: "dns", Evidence: []Evidence{{"name", t.Host}, {"status", h.Status}}}
	if h.QueriedAs != "" {
		dnsStep.Evidence = append(dnsStep.Evidence, Evidence{"asked as", h.QueriedAs + " (the domain's DNS suffix, as a member resolves a short name)"})
	}
	if len(h.CNAMEs) > 0 {
		dnsStep.Evidence = append(dnsStep.Evidence, Evidence{"cname chain", strings.Join(append([]string{t.Host}, h.CNAMEs...), " → ")})
	}
	if len(h.A)+len(h.AAAA) > 0 {
		dnsStep.Evidence = append(dnsStep.Evidence, Evidence{"addresses", strings.Join(append(append([]string(nil), h.A...), h.AAAA...), ", ")})
	}
	if h.Status != audit.DNSOK {
		dnsStep.Status, dnsStep.Summary = Fail, fmt.Sprintf("%s does not resolve (%s): clients cannot reach it, and no SPN can be derived", t.Host, h.Status)
		if h.Error != "" {
			dnsStep.Evidence = append(dnsStep.Evidence, Evidence{"error", h.Error})
		}
		r.add(dnsStep)
		r.Remediation = append(r.Remediation, fmt.Sprintf("Publish %s in DNS (an A record), then probe again.", t.Host))
		return r
	}
	canonical := h.Canonical
	r.Canonical = canonical
	// Browsers build the SPN from the name in the URL unless DNS aliases
	// it: a short name that is an A record stays short (HTTP/mp01).
	spnHost := canonical
	if len(h.CNAMEs) == 0 && !strings.Contains(t.Host, ".") {
		spnHost = t.Host
	}
	dnsStep.Status = OK
	dnsStep.Summary = fmt.Sprintf("%s resolves", t.Host)
	if len(h.CNAMEs) > 0 {
		dnsStep.Summary = fmt.Sprintf("%s is an alias (CNAME) of %s: clients request the SPN of the canonical name", t.Host, canonical)
	}
	r.add(dnsStep)

	// 2. The SPN the client will request.
	want := "HTTP/" + spnHost
	spnStep := Step{Name: "spn", Status: OK}
	if !t.defaultPort() && d.IncludePort {
		want = fmt.Sprintf("HTTP/%s:%d", spnHost, t.Port)
	}
	r.SPN = want
	spnStep.Summary = "a Windows client will request " + want
	if !t.defaultPort() && !d.IncludePort {
		spnStep.Summary += fmt.Sprintf(" — without the port %d: Windows clients omit it unless configured to include it (Edge/IE FEATURE_INCLUDE_PORT_IN_SPN_KB908209, Chrome EnableAuthNegotiatePort; --include-port if yours do)", t.Port)
	}
	r.add(spnStep)

	// 3. Who holds it, explicitly or through the HOST alias.
	host := spn.SPN{ServiceClass: "HOST", Host: spnHost}
	holders, err := d.Dir.SPNHolders(ctx, []string{want, "HOST/" + spnHost})
	holderStep := Step{Name: "holder"}
	if err != nil {
		holderStep.Status, holderStep.Summary = Fail, "could not search the directory: "+err.Error()
		r.add(holderStep)
		return r
	}
	var explicit, hostHolders []Holder
	for _, hd := range holders {
		for _, v := range hd.SPNs {
			if strings.EqualFold(v, want) {
				explicit = append(explicit, hd)
			}
			if strings.EqualFold(v, host.ServiceClass+"/"+host.Host) {
				hostHolders = append(hostHolders, hd)
			}
		}
	}
	var holder *Holder
	switch {
	case len(explicit) > 1:
		holderStep.Status = Fail
		holderStep.Summary = fmt.Sprintf("%s is registered on %d accounts: the KDC cannot tell which key to use (duplicate SPN)", want, len(explicit))
		for _, e := range explicit {
			holderStep.Evidence = append(holderStep.Evidence, Evidence{"holder", e.DN})
		}
		r.Remediation = append(r.Remediation, fmt.Sprintf("Keep %s only on the account the service runs as: setspn -D %s <other account>; list duplicates with setspn -X -F.", want, want))
	case len(explicit) == 1:
		holder = &explicit[0]
		holderStep.Status = OK
		holderStep.Summary = fmt.Sprintf("%s is held explicitly by %s (%s)", want, holder.SAMAccountName, holder.Kind)
		holderStep.Evidence = append(holderStep.Evidence, Evidence{"holder", holder.DN})
	case len(hostHolders) > 0 && d.Mappings != nil && d.Mappings["http"] == "host":
		holder = &hostHolders[0]
		holderStep.Status = OK
		holderStep.Summary = fmt.Sprintf("no account holds %s; sPNMappings makes HTTP an alias of HOST, so the ticket is issued for %s, which holds HOST/%s", want, holder.SAMAccountName, spnHost)
		holderStep.Evidence = append(holderStep.Evidence, Evidence{"holder", holder.DN}, Evidence{"via", "sPNMappings http → host"})
	default:
		holderStep.Status = Fail
		holderStep.Summary = fmt.Sprintf("no account holds %s or HOST/%s: the KDC answers KDC_ERR_S_PRINCIPAL_UNKNOWN and clients fall back to NTLM", want, canonical)
		switch {
		case id.Account != "":
			r.Remediation = append(r.Remediation, fmt.Sprintf("Register the SPN on the account the service runs as: setspn -S %s %s", want, qualify(d.Dir.NetBIOS(), id.Account)))
		case id.RunsAsComputer:
			r.Remediation = append(r.Remediation, fmt.Sprintf("The computer serving %s must hold HOST/%s (a domain join registers it): setspn -S HOST/%s %s", canonical, canonical, canonical, qualify(d.Dir.NetBIOS(), strings.SplitN(canonical, ".", 2)[0]+"$")))
		default:
			r.Remediation = append(r.Remediation, fmt.Sprintf("Register %s on the account the service runs as with setspn -S (give --service-account to get the exact command).", want))
		}
	}
	r.add(holderStep)

	// 4. Does the holder match the identity the service runs as?
	idStep := Step{Name: "identity"}
	nb := d.Dir.NetBIOS()
	isExplicit := len(explicit) == 1
	switch {
	case holder == nil:
		idStep.Status, idStep.Summary = NotTested, "no single holder to compare"
	case id.RunsAsComputer:
		if holder.Kind == audit.KindComputer {
			idStep.Status, idStep.Summary = OK, fmt.Sprintf("the service runs as the computer and the ticket is encrypted for %s", holder.SAMAccountName)
		} else {
			idStep.Status = Fail
			idStep.Summary = fmt.Sprintf("the service runs as the computer, but tickets for %s are encrypted for %s (%s): it cannot decrypt them (KRB_AP_ERR_MODIFIED, SEC_E_WRONG_PRINCIPAL)", want, holder.SAMAccountName, holder.Kind)
			r.Remediation = append(r.Remediation, computerRunFix(qualify(nb, holder.SAMAccountName), shadowForms(*holder, spnHost, canonical, d.Mappings))...)
		}
	case id.Account != "":
		name := id.Account
		if i := strings.LastIndexByte(name, '\\'); i >= 0 {
			name = name[i+1:]
		}
		if strings.EqualFold(holder.SAMAccountName, name) || strings.EqualFold(holder.SAMAccountName, name+"$") {
			idStep.Status, idStep.Summary = OK, fmt.Sprintf("the service runs as %s, which holds the SPN", holder.SAMAccountName)
			break
		}
		idStep.Status = Fail
		idStep.Summary = fmt.Sprintf("the service runs as %s, but tickets for %s are encrypted for %s", id.Account, want, holder.SAMAccountName)
		svc := qualify(nb, id.Account)
		// Only an SPN the holder holds explicitly can be taken off it; a
		// computer reached through the HOST alias holds no HTTP SPN.
		if isExplicit {
			for _, v := range shadowForms(*holder, spnHost, canonical, d.Mappings) {
				r.Remediation = append(r.Remediation, fmt.Sprintf("Remove %s from %s: setspn -D %s %s", v, qualify(nb, holder.SAMAccountName), v, qualify(nb, holder.SAMAccountName)))
			}
		}
		if c := hostComputer(hostHolders, d.Mappings); c != nil && !isComputerName(name) {
			// HTTP/<host> on a user while the computer holds HOST/<host> is
			// the shadowing SPN-USER-HOST-ALIAS reports: never advise it.
			r.Remediation = append(r.Remediation, userRunFix(t, spnHost, svc, qualify(nb, c.SAMAccountName))...)
		} else {
			r.Remediation = append(r.Remediation, fmt.Sprintf("Register the SPN on the service's account: setspn -S %s %s; in IIS set useAppPoolCredentials=true for a site running as a service account.", want, svc))
		}
	default:
		idStep.Status, idStep.Summary = NotTested, "the service's identity was not given (--service-account or --runs-as-computer): whether it can decrypt the ticket is unknown"
	}
	r.add(idStep)

	// 5. Ask the KDC, following referrals from the client realm.
	tStep := Step{Name: "ticket"}
	if d.Tickets == nil {
		tStep.Status, tStep.Summary = NotTested, "no Kerberos credentials: the KDC was not asked"
	} else {
		res := d.Tickets.Request(ctx, want)
		otherRealm := d.ClientRealm != "" && !strings.EqualFold(d.ClientRealm, res.ClientRealm)
		followed := false
		if from, ok := d.Tickets.(clientRealmRequester); ok && otherRealm && !d.ExternalTrusts[strings.ToLower(d.ClientRealm)] {
			// Follow the client realm's path for real: its KDC first.
			switch fr := from.RequestFrom(ctx, d.ClientRealm, want); {
			case fr.NotTested == "" && fr.Issued:
				res, otherRealm, followed = fr, false, true
			case fr.NotTested == "":
				// A refusal on this path proves nothing about real clients:
				// the ticket names a client of the credentials' realm and
				// its transited path is not theirs (a KDC may refuse a path
				// that returns to the client's own realm).
				tStep.Evidence = append(tStep.Evidence, Evidence{"client realm path", fmt.Sprintf("from %s's KDC (%s): refused, %s — with credentials of %s, which is not what a client of %s sends",
					strings.ToUpper(d.ClientRealm), strings.Join(fr.Path, " → "), firstNonEmpty(fr.ErrorName, errString(fr.Err)), res.ClientRealm, strings.ToUpper(d.ClientRealm))})
			default:
				tStep.Evidence = append(tStep.Evidence, Evidence{"client realm path", fr.NotTested})
			}
		}
		tStep.Evidence = append(tStep.Evidence, Evidence{"client realm", res.ClientRealm}, Evidence{"referral path", strings.Join(res.Path, " → ")})
		if followed {
			tStep.Evidence = append(tStep.Evidence, Evidence{"note", "started at the client realm's KDC with a cross-realm TGT of the credentials' realm (the client's own logon there was not made)"})
		}
		switch {
		case d.ClientRealm != "" && d.ExternalTrusts[strings.ToLower(d.ClientRealm)]:
			// Judged from the trust's attributes, not from this KDC: a
			// Windows KDC routes no names across an external trust (a Samba
			// KDC may refer anyway).
			client := strings.ToUpper(d.ClientRealm)
			tStep.Status = Fail
			tStep.Summary = fmt.Sprintf("clients of %s reach this domain through an external trust: their KDC has no name-suffix routing across it, so real clients get no referral for %s and fall back to NTLM (TRUST-EXTERNAL-KERBEROS)", client, want)
			tStep.Evidence = append(tStep.Evidence, Evidence{"trust", fmt.Sprintf("external trust with %s (no forest-trust name suffixes)", client)})
			r.Remediation = append(r.Remediation,
				fmt.Sprintf("Replace the external trust with %s by a forest trust between the forest roots (see spntrust checks explain TRUST-EXTERNAL-KERBEROS), or meanwhile map the host on the clients of %s: ksetup /addhosttorealmmap %s %s (MIT: [domain_realm] in krb5.conf).", client, client, canonical, strings.ToUpper(HostDomain(canonical))))
		case res.Issued && otherRealm:
			tStep.Status = NotTested
			tStep.Summary = fmt.Sprintf("the KDC issued a ticket for %s to a client of %s (the credentials' realm); the path of a client of %s (its own KDC and the referrals from there) was not tested: probe with credentials of %s", res.Principal, res.ClientRealm, strings.ToUpper(d.ClientRealm), strings.ToUpper(d.ClientRealm))
		case res.Issued:
			tStep.Status, tStep.Summary = OK, fmt.Sprintf("the KDC issued a ticket for %s in %s", res.Principal, res.Realm)
		default:
			tStep.Status = Fail
			tStep.Summary = fmt.Sprintf("the KDC refused: %s", firstNonEmpty(res.ErrorName, errString(res.Err)))
			if len(res.Path) == 1 && !strings.HasSuffix(strings.ToLower(canonical), "."+strings.ToLower(res.ClientRealm)) {
				tStep.Summary += "; no referral left the client's realm — across an external trust a KDC has no name-suffix routing (a forest trust is needed; see TRUST-EXTERNAL-KERBEROS)"
			}
			if otherRealm {
				tStep.Summary += fmt.Sprintf(" (asked from %s, the credentials' realm, not from %s)", res.ClientRealm, strings.ToUpper(d.ClientRealm))
			}
		}
	}
	r.add(tStep)

	// 6. Clock skew to the KDC.
	cStep := Step{Name: "clock"}
	if d.KDCClock == nil {
		cStep.Status, cStep.Summary = NotTested, "no KDC to ask"
	} else if c, err := d.KDCClock(ctx); err != nil {
		cStep.Status, cStep.Summary = NotTested, "could not read the KDC's clock: "+err.Error()
	} else {
		skew := c.Skew()
		abs := skew
		if abs < 0 {
			abs = -abs
		}
		cStep.Evidence = []Evidence{{"kdc", strings.TrimPrefix(c.Source, "kdc:")}, {"skew", skew.Round(time.Millisecond).String()}}
		switch {
		case d.MaxSkew > 0 && abs > d.MaxSkew:
			cStep.Status, cStep.Summary = Fail, fmt.Sprintf("clock skew %v exceeds the Kerberos limit %v (KRB_AP_ERR_SKEW)", skew.Round(time.Second), d.MaxSkew)
			r.Remediation = append(r.Remediation, "Synchronise this machine's clock with the domain (w32tm /resync on Windows; chrony/ntpd pointed at a DC elsewhere).")
		case d.WarnSkew > 0 && abs > d.WarnSkew:
			cStep.Status, cStep.Summary = OK, fmt.Sprintf("clock skew %v is within the limit %v (but above %v: watch time synchronisation)", skew.Round(time.Second), d.MaxSkew, d.WarnSkew)
		default:
			cStep.Status, cStep.Summary = OK, fmt.Sprintf("clock skew %v", skew.Round(time.Millisecond))
		}
	}
	r.add(cStep)
	return r
}

// clientRealmRequester is a ticket requester that can start at another
// realm's KDC, as that realm's clients do (krbprobe.Prober).
type clientRealmRequester interface {
	RequestFrom(ctx context.Context, clientRealm, spn string) krbprobe.Result
}

// resolve looks the host up as a client does; a single-label name is
// asked with the domain's DNS suffix, then its parents down to two labels
// (Windows suffix devolution), and the first that resolves answers.
func resolve(ctx context.Context, host string, d Deps) audit.HostLookup {
	if strings.Contains(host, ".") || d.Suffix == "" {
		return collect.LookupHost(ctx, d.DNS, collect.HostQuery{Name: host}, d.IsNXDomain)
	}
	var first audit.HostLookup
	for i, suffix := range suffixes(d.Suffix) {
		h := collect.LookupHost(ctx, d.DNS, collect.HostQuery{Name: host, Suffix: suffix}, d.IsNXDomain)
		if h.Status == audit.DNSOK {
			return h
		}
		if i == 0 {
			first = h
		}
	}
	return first
}

// suffixes is the domain's DNS suffix and its parents of two labels or more.
func suffixes(domain string) []string {
	domain = strings.Trim(strings.ToLower(domain), ".")
	out := []string{domain}
	for {
		i := strings.IndexByte(domain, '.')
		if i < 0 || !strings.Contains(domain[i+1:], ".") {
			return out
		}
		domain = domain[i+1:]
		out = append(out, domain)
	}
}

// shadowForms are the SPNs of holder that clients of this host get its
// tickets for: HTTP (or a class sPNMappings aliases to HOST) for the short
// and the fully qualified name, without a port. Every form must go, or the
// clients using the other name keep getting the holder's tickets.
func shadowForms(holder Holder, spnHost, canonical string, mappings map[string]string) []string {
	short := strings.SplitN(canonical, ".", 2)[0]
	var out []string
	for _, raw := range holder.SPNs {
		v, err := spn.Parse(raw)
		if err != nil || v.Port != "" || v.ServiceName != "" {
			continue
		}
		class := strings.ToLower(v.ServiceClass)
		if class == "host" || (class != "http" && mappings[class] != "host") {
			continue
		}
		h := strings.ToLower(v.Host)
		if h == strings.ToLower(spnHost) || h == strings.ToLower(canonical) || h == strings.ToLower(short) {
			out = append(out, raw)
		}
	}
	return out
}

// computerRunFix takes every shadowing form off the user (the computer's
// HOST SPN then covers the service), or moves the user's own site to
// another port with port-qualified SPNs, as SPN-USER-HOST-ALIAS does.
func computerRunFix(user string, forms []string) []string {
	if len(forms) == 0 {
		return nil
	}
	var remove, move []string
	for _, v := range forms {
		remove = append(remove, fmt.Sprintf("setspn -D %s %s", v, user))
		move = append(move, fmt.Sprintf("setspn -D %s %s && setspn -S %s:81 %s", v, user, v, user))
	}
	return []string{
		fmt.Sprintf("Remove the SPNs from %s (the computer's HOST SPN then covers the service): %s, or", user, strings.Join(remove, " && ")),
		fmt.Sprintf("move %s's own site to another port (e.g. 81): %s (see spntrust checks explain SPN-USER-HOST-ALIAS).", user, strings.Join(move, " && ")),
	}
}

// userRunFix is the advice for a site running as a user on a host whose
// computer holds HOST/<host>: HTTP/<host> on the user would shadow the
// computer's HOST SPN, so the site needs port-including clients, its own
// host name, or to run as the computer.
func userRunFix(t Target, spnHost, svc, computer string) []string {
	out := []string{fmt.Sprintf("Do not register HTTP/%s on %s: %s holds HOST/%s, and an HTTP SPN on a user shadows it for every site on the host that runs as the computer (SPN-USER-HOST-ALIAS).", spnHost, svc, computer, spnHost)}
	if !t.defaultPort() {
		out = append(out, fmt.Sprintf("Either have the clients put the port in the SPN (Edge/IE FEATURE_INCLUDE_PORT_IN_SPN_KB908209, Chrome EnableAuthNegotiatePort), register it on the service's account: setspn -S HTTP/%s:%d %s, and probe again with --include-port, or", spnHost, t.Port, svc))
	} else {
		out = append(out, fmt.Sprintf("Either give the site its own host name (an A record, not a CNAME) and register HTTP/<that name> on %s, or", svc))
	}
	out = append(out, fmt.Sprintf("run the site on port 80 as the computer (application pool identity ApplicationPoolIdentity or NetworkService): %s's HOST/%s then covers it.", computer, spnHost))
	return out
}

// hostComputer is the computer holding HOST/<host> whose tickets an HTTP
// request gets through sPNMappings, or nil.
func hostComputer(hostHolders []Holder, mappings map[string]string) *Holder {
	if mappings == nil || mappings["http"] != "host" {
		return nil
	}
	for i := range hostHolders {
		if hostHolders[i].Kind == audit.KindComputer {
			return &hostHolders[i]
		}
	}
	return nil
}

func isComputerName(name string) bool { return strings.HasSuffix(name, "$") }

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

func errString(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// qualify returns DOMAIN\name unless name is already qualified.
func qualify(netbios, name string) string {
	if strings.Contains(name, `\`) || netbios == "" {
		return name
	}
	return netbios + `\` + name
}

// HostDomain returns the DNS domain of a host name ("" for a single label).
func HostDomain(host string) string {
	if i := strings.IndexByte(host, '.'); i > 0 {
		return host[i+1:]
	}
	return ""
}
