package iislog

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spntrust/spntrust/statuscode"
)

// Options tune an analysis.
type Options struct {
	// Since drops requests logged before it (zero: keep all). Requests
	// without a date and time are kept and counted as undated.
	Since time.Time
	// Caps on distinct keys, so memory stays bounded whatever the input.
	MaxHosts   int // default 1000
	MaxURIs    int // per host, default 1000
	MaxClients int // per host, default 10000
}

const maxExamples = 20

// Analyzer accumulates requests from any number of files.
type Analyzer struct {
	opt         Options
	files       []FileStats
	hosts       map[string]*hostAgg
	otherHosts  *hostAgg
	badByReason map[string]int
	badExamples []MalformedLine
	undated     int
}

// New returns an empty analyzer.
func New(opt Options) *Analyzer {
	if opt.MaxHosts <= 0 {
		opt.MaxHosts = 1000
	}
	if opt.MaxURIs <= 0 {
		opt.MaxURIs = 1000
	}
	if opt.MaxClients <= 0 {
		opt.MaxClients = 10000
	}
	return &Analyzer{opt: opt, hosts: map[string]*hostAgg{}, badByReason: map[string]int{}}
}

// codeKey is a 401 response's substatus and sc-win32-status.
type codeKey struct {
	sub   int
	win32 uint32
	has   bool // sc-win32-status present
}

// Classes of 401 responses.
const (
	ClassChallenge = "challenge"     // 401.2: no credentials yet, the normal first response
	ClassLeg       = "handshake-leg" // 401.1 with a normal code (0x8009030E): a multi-leg (NTLM) challenge
	ClassFailure   = "failure"       // 401.1 with any other code: the logon failed
	ClassDenied    = "acl-denied"    // 401.3: authenticated, but an ACL denies the resource
	ClassOther     = "other"         // 401 without substatus, 401.4, 401.5: filters and applications
)

// legCodes are the sc-win32-status values of a 401.1 that is a step of a
// multi-leg handshake rather than a failure: SEC_E_NO_CREDENTIALS (what IIS
// logs while it sends NTLM's challenge), SEC_I_CONTINUE_NEEDED and
// STATUS_MORE_PROCESSING_REQUIRED.
var legCodes = map[uint32]bool{0x8009030E: true, 0x00090312: true, 0xC0000016: true}

func (k codeKey) class() string {
	switch k.sub {
	case 2:
		return ClassChallenge
	case 1:
		if k.has && legCodes[k.win32] {
			return ClassLeg
		}
		return ClassFailure
	case 3:
		return ClassDenied
	}
	return ClassOther
}

type hostAgg struct {
	key, site     string
	requests      int
	unauthorized  int // 401 responses
	authenticated int // non-401 responses with cs-username
	anonymous     int // non-401 responses without cs-username
	codes         map[codeKey]int
	uris          map[string]*uriAgg
	otherURIs     *uriAgg
	clients       map[string]*clientAgg
	untracked     int            // requests from clients beyond MaxClients
	users401      map[string]int // 401 responses that name a user (Basic, failed NTLM): by cs-username
	firstSeen     time.Time
	lastSeen      time.Time
}

type uriAgg struct {
	requests, unauthorized, authenticated int
	codes                                 map[codeKey]int
}

type clientAgg struct {
	requests, unauthorized, successes int
	codes                             map[codeKey]int
	user, agent                       string
}

// add counts one request; false when it is before --since.
func (a *Analyzer) add(e Entry) bool {
	if e.Time.IsZero() {
		a.undated++
	} else if !a.opt.Since.IsZero() && e.Time.Before(a.opt.Since) {
		return false
	}
	h := a.host(e)
	h.requests++
	if !e.Time.IsZero() {
		if h.firstSeen.IsZero() || e.Time.Before(h.firstSeen) {
			h.firstSeen = e.Time
		}
		if e.Time.After(h.lastSeen) {
			h.lastSeen = e.Time
		}
	}
	u := h.uri(e.URIStem, a.opt.MaxURIs)
	u.requests++
	c := h.client(e.ClientIP, a.opt.MaxClients)
	if c != nil {
		c.requests++
		if c.agent == "" && e.UserAgent != "" {
			c.agent = strings.Clone(clipRunes(e.UserAgent, 100))
		}
	} else {
		h.untracked++
	}
	if e.Status == 401 {
		k := codeKey{sub: e.SubStatus, win32: e.Win32Status, has: e.HasWin32}
		h.unauthorized++
		h.codes[k]++
		u.unauthorized++
		u.codes[k]++
		if c != nil {
			c.unauthorized++
			c.codes[k]++
		}
		if e.Username != "" {
			if _, ok := h.users401[e.Username]; ok || len(h.users401) < a.opt.MaxClients {
				h.users401[strings.Clone(e.Username)]++
			}
		}
		return true
	}
	if e.Username != "" {
		h.authenticated++
		u.authenticated++
		if c != nil {
			c.successes++
			if c.user != e.Username {
				c.user = strings.Clone(e.Username)
			}
		}
	} else {
		h.anonymous++
	}
	return true
}

// host finds the aggregate for a request: cs-host when logged, otherwise
// s-ip:s-port, each under its site.
func (a *Analyzer) host(e Entry) *hostAgg {
	name := strings.ToLower(e.Host)
	if name == "" {
		name = e.ServerIP
		if e.ServerPort != "" {
			name += ":" + e.ServerPort
		}
	}
	if name == "" {
		name = "(no host or server address logged)"
	}
	key := e.Site + "\x00" + name
	if h, ok := a.hosts[key]; ok {
		return h
	}
	if len(a.hosts) >= a.opt.MaxHosts {
		if a.otherHosts == nil {
			a.otherHosts = newHost("(other hosts)", "")
		}
		return a.otherHosts
	}
	h := newHost(strings.Clone(name), strings.Clone(e.Site))
	a.hosts[strings.Clone(key)] = h
	return h
}

func newHost(name, site string) *hostAgg {
	return &hostAgg{key: name, site: site, codes: map[codeKey]int{}, uris: map[string]*uriAgg{}, clients: map[string]*clientAgg{},
		users401: map[string]int{}}
}

func (h *hostAgg) uri(stem string, max int) *uriAgg {
	if stem == "" {
		stem = "(none)"
	}
	if u, ok := h.uris[stem]; ok {
		return u
	}
	if len(h.uris) >= max {
		if h.otherURIs == nil {
			h.otherURIs = &uriAgg{codes: map[codeKey]int{}}
		}
		return h.otherURIs
	}
	u := &uriAgg{codes: map[codeKey]int{}}
	h.uris[strings.Clone(stem)] = u
	return u
}

func (h *hostAgg) client(ip string, max int) *clientAgg {
	if ip == "" {
		ip = "(none)"
	}
	if c, ok := h.clients[ip]; ok {
		return c
	}
	if len(h.clients) >= max {
		return nil
	}
	c := &clientAgg{codes: map[codeKey]int{}}
	h.clients[strings.Clone(ip)] = c
	return c
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// ---- report ----

// Report is the result of an analysis, rendered as text or JSON.
type Report struct {
	Since     *time.Time   `json:"since,omitempty"`
	Files     []FileStats  `json:"files"`
	Totals    Totals       `json:"totals"`
	Malformed Malformed    `json:"malformed"`
	Hosts     []HostReport `json:"hosts"`
}

// Totals over all files.
type Totals struct {
	Lines       int `json:"lines"`
	Directives  int `json:"directives"`
	Requests    int `json:"requests"`
	Malformed   int `json:"malformed"`
	BeforeSince int `json:"beforeSince"`
	Undated     int `json:"undated"`
}

// Malformed summarises lines that could not be read.
type Malformed struct {
	ByReason map[string]int  `json:"byReason"`
	Examples []MalformedLine `json:"examples"`
}

// MalformedLine locates one bad line (never its text: a query string may
// hold a token).
type MalformedLine struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// HostReport is everything about one host (cs-host, or s-ip:s-port).
type HostReport struct {
	Host      string     `json:"host"`
	Site      string     `json:"site,omitempty"`
	FirstSeen *time.Time `json:"firstSeen,omitempty"`
	LastSeen  *time.Time `json:"lastSeen,omitempty"`
	Requests  int        `json:"requests"`
	// Unauthorized counts 401 responses; Authenticated and Anonymous split
	// the other responses by whether cs-username is set.
	Unauthorized       int            `json:"unauthorized"`
	Authenticated      int            `json:"authenticated"`
	Anonymous          int            `json:"anonymous"`
	AuthenticatedShare int            `json:"authenticatedPercent"`
	Codes              []CodeCount    `json:"codes"`
	URIs               []URIReport    `json:"uris"`
	Clients            ClientSummary  `json:"clients"`
	FailingClients     []ClientReport `json:"failingClients"`
	// Users401 counts 401 responses that carry a cs-username (Basic
	// authentication, or a logon that failed after naming the user).
	Users401 []UserCount `json:"users401,omitempty"`
	Verdict  Verdict     `json:"verdict"`
	Notes    []string    `json:"notes,omitempty"`
}

// CodeCount is how many 401 responses had one substatus and sc-win32-status.
type CodeCount struct {
	Status    string  `json:"status"` // "401.1"
	Substatus int     `json:"substatus"`
	Win32     *uint32 `json:"win32Status,omitempty"`
	Hex       string  `json:"hex,omitempty"`
	Name      string  `json:"name,omitempty"` // "" when the code is not in spntrust's table
	Class     string  `json:"class"`
	Count     int     `json:"count"`
}

// URIReport counts one URI stem.
type URIReport struct {
	URI           string      `json:"uri"`
	Requests      int         `json:"requests"`
	Unauthorized  int         `json:"unauthorized"`
	Authenticated int         `json:"authenticated"`
	Codes         []CodeCount `json:"codes,omitempty"`
}

// ClientSummary counts clients (c-ip) of a host.
type ClientSummary struct {
	Seen               int `json:"seen"`
	Challenged         int `json:"challenged"`         // got at least one 401
	Authenticated      int `json:"authenticated"`      // had at least one response with cs-username
	NeverAuthenticated int `json:"neverAuthenticated"` // challenged, never authenticated
	WithFailures       int `json:"withFailures"`       // at least one 401.1 failure code
	NTLMLeg            int `json:"ntlmLeg"`            // authenticated after a 401.1 handshake leg
	UntrackedRequests  int `json:"untrackedRequests,omitempty"`
}

// UserCount is how many 401 responses named one user.
type UserCount struct {
	User  string `json:"user"`
	Count int    `json:"count"`
}

// ClientReport is one client that failed.
type ClientReport struct {
	ClientIP      string `json:"clientIP"`
	Unauthorized  int    `json:"unauthorized"`
	Authenticated int    `json:"authenticated"`
	// Reason is the client's most frequent 401 that is not a challenge
	// (or the challenge, when it got nothing else).
	Reason    CodeCount `json:"reason"`
	User      string    `json:"user,omitempty"`
	UserAgent string    `json:"userAgent,omitempty"`
}

// Verdict statuses.
const (
	VerdictOK      = "ok"
	VerdictWarning = "warning"
	VerdictFailing = "failing"
	VerdictInfo    = "info"
)

// Verdict is the one-line conclusion for a host.
type Verdict struct {
	Status string   `json:"status"`
	Text   string   `json:"text"`
	Checks []string `json:"checks,omitempty"`
}

// Report builds the report. It can be called at any time; later files add
// to the same totals.
func (a *Analyzer) Report() *Report {
	r := &Report{Files: append([]FileStats{}, a.files...), Hosts: []HostReport{},
		Malformed: Malformed{ByReason: map[string]int{}, Examples: append([]MalformedLine{}, a.badExamples...)}}
	if !a.opt.Since.IsZero() {
		s := a.opt.Since.UTC()
		r.Since = &s
	}
	for k, v := range a.badByReason {
		r.Malformed.ByReason[k] = v
	}
	for _, f := range a.files {
		r.Totals.Lines += f.Lines
		r.Totals.Directives += f.Directives
		r.Totals.Requests += f.Entries
		r.Totals.Malformed += f.Malformed
		r.Totals.BeforeSince += f.BeforeSince
	}
	r.Totals.Undated = a.undated
	hosts := make([]*hostAgg, 0, len(a.hosts)+1)
	for _, h := range a.hosts {
		hosts = append(hosts, h)
	}
	sort.Slice(hosts, func(i, j int) bool {
		if hosts[i].key != hosts[j].key {
			return hosts[i].key < hosts[j].key
		}
		return hosts[i].site < hosts[j].site
	})
	if a.otherHosts != nil {
		hosts = append(hosts, a.otherHosts)
	}
	for _, h := range hosts {
		r.Hosts = append(r.Hosts, h.report(a.opt))
	}
	return r
}

func codeCount(k codeKey, n int) CodeCount {
	cc := CodeCount{Status: "401", Substatus: k.sub, Class: k.class(), Count: n}
	if k.sub >= 0 {
		cc.Status = fmt.Sprintf("401.%d", k.sub)
	}
	if k.has {
		w := k.win32
		cc.Win32 = &w
		cc.Hex = fmt.Sprintf("0x%08X", w)
		if c, ok := statuscode.Win32Status(w); ok {
			cc.Name = c.Name
		}
	}
	return cc
}

// sortedCodes orders codes by count (descending), then substatus and value.
func sortedCodes(m map[codeKey]int) []CodeCount {
	keys := make([]codeKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if m[a] != m[b] {
			return m[a] > m[b]
		}
		if a.sub != b.sub {
			return a.sub < b.sub
		}
		if a.has != b.has {
			return a.has
		}
		return a.win32 < b.win32
	})
	out := make([]CodeCount, 0, len(keys))
	for _, k := range keys {
		out = append(out, codeCount(k, m[k]))
	}
	return out
}

func pct(n, of int) int {
	if of == 0 {
		return 0
	}
	return (n*100 + of/2) / of
}

const maxFailingClients = 100

func (h *hostAgg) report(opt Options) HostReport {
	hr := HostReport{Host: h.key, Site: h.site, Requests: h.requests, Unauthorized: h.unauthorized,
		Authenticated: h.authenticated, Anonymous: h.anonymous,
		AuthenticatedShare: pct(h.authenticated, h.authenticated+h.anonymous),
		Codes:              sortedCodes(h.codes), URIs: []URIReport{}, FailingClients: []ClientReport{}}
	if !h.firstSeen.IsZero() {
		f, l := h.firstSeen.UTC(), h.lastSeen.UTC()
		hr.FirstSeen, hr.LastSeen = &f, &l
	}
	// URIs: most 401s first, then most requests, then name.
	stems := make([]string, 0, len(h.uris))
	for s := range h.uris {
		stems = append(stems, s)
	}
	sort.Slice(stems, func(i, j int) bool {
		a, b := h.uris[stems[i]], h.uris[stems[j]]
		if a.unauthorized != b.unauthorized {
			return a.unauthorized > b.unauthorized
		}
		if a.requests != b.requests {
			return a.requests > b.requests
		}
		return stems[i] < stems[j]
	})
	for _, s := range stems {
		u := h.uris[s]
		hr.URIs = append(hr.URIs, URIReport{URI: s, Requests: u.requests, Unauthorized: u.unauthorized,
			Authenticated: u.authenticated, Codes: sortedCodes(u.codes)})
	}
	if u := h.otherURIs; u != nil {
		hr.URIs = append(hr.URIs, URIReport{URI: fmt.Sprintf("(other URIs beyond the first %d)", opt.MaxURIs),
			Requests: u.requests, Unauthorized: u.unauthorized, Authenticated: u.authenticated, Codes: sortedCodes(u.codes)})
	}

	// Clients.
	cs := &hr.Clients
	cs.Seen = len(h.clients)
	cs.UntrackedRequests = h.untracked
	ips := make([]string, 0, len(h.clients))
	for ip, c := range h.clients {
		failures, legs := 0, 0
		for k, n := range c.codes {
			switch k.class() {
			case ClassFailure:
				failures += n
			case ClassLeg:
				legs += n
			}
		}
		if c.unauthorized > 0 {
			cs.Challenged++
		}
		if c.successes > 0 {
			cs.Authenticated++
			if legs > 0 {
				cs.NTLMLeg++
			}
		}
		if failures > 0 {
			cs.WithFailures++
		}
		if c.unauthorized > 0 && c.successes == 0 {
			cs.NeverAuthenticated++
		}
		if failures > 0 || (c.unauthorized > 0 && c.successes == 0) {
			ips = append(ips, ip)
		}
	}
	sort.Slice(ips, func(i, j int) bool {
		a, b := h.clients[ips[i]], h.clients[ips[j]]
		if a.unauthorized != b.unauthorized {
			return a.unauthorized > b.unauthorized
		}
		return ips[i] < ips[j]
	})
	for i, ip := range ips {
		if i == maxFailingClients {
			break
		}
		c := h.clients[ip]
		hr.FailingClients = append(hr.FailingClients, ClientReport{ClientIP: ip, Unauthorized: c.unauthorized,
			Authenticated: c.successes, Reason: clientReason(c.codes), User: c.user, UserAgent: c.agent})
	}
	for u, n := range h.users401 {
		hr.Users401 = append(hr.Users401, UserCount{User: u, Count: n})
	}
	sort.Slice(hr.Users401, func(i, j int) bool {
		a, b := hr.Users401[i], hr.Users401[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.User < b.User
	})
	if len(hr.Users401) > maxFailingClients {
		hr.Users401 = hr.Users401[:maxFailingClients]
	}
	hr.Verdict, hr.Notes = verdict(h, hr)
	if h.untracked > 0 {
		hr.Notes = append(hr.Notes, fmt.Sprintf("%d requests came from clients beyond the first %d and are counted "+
			"in the totals but not per client", h.untracked, opt.MaxClients))
	}
	return hr
}

// clientReason picks the most frequent non-challenge 401 of a client, or
// its most frequent 401 when all were challenges.
func clientReason(m map[codeKey]int) CodeCount {
	all := sortedCodes(m)
	for _, c := range all {
		if c.Class != ClassChallenge {
			return c
		}
	}
	if len(all) > 0 {
		return all[0]
	}
	return CodeCount{}
}

// kerberosChecks are the checks to run when clients authenticate with
// NTLM although Kerberos is expected.
var kerberosChecks = []string{"SPN-USER-HOST-ALIAS", "SPN-DUPLICATE", "SPN-DNS-CNAME", "SPN-SHORTNAME-PAIR"}

func verdict(h *hostAgg, hr HostReport) (Verdict, []string) {
	var notes []string
	byClass := map[string]int{}
	sub1 := 0
	for k, n := range h.codes {
		byClass[k.class()] += n
		if k.sub == 1 {
			sub1 += n
		}
	}
	cs := hr.Clients
	if n := byClass[ClassDenied]; n > 0 {
		notes = append(notes, fmt.Sprintf("%d %s 401.3: the user authenticated but an NTFS ACL or "+
			"authorization rule denies the resource — an authorization problem, not Kerberos", n, plural(n, "response was", "responses were")))
	}
	if n := byClass[ClassOther]; n > 0 {
		notes = append(notes, fmt.Sprintf("%d %s 401 from a filter, module or the application "+
			"(401.0, 401.4, 401.5): not Windows authentication", n, plural(n, "response was", "responses were")))
	}

	if byClass[ClassFailure] > 0 {
		// The dominant failure code among 401.1 responses.
		var top CodeCount
		for _, c := range hr.Codes {
			if c.Class == ClassFailure {
				top = c
				break
			}
		}
		if cs.NTLMLeg > 0 {
			notes = append(notes, fmt.Sprintf("%d %s authenticated only after a 401.1 0x8009030E leg "+
				"(NTLM's challenge), not with Kerberos", cs.NTLMLeg, plural(cs.NTLMLeg, "client", "clients")))
		}
		return failureVerdict(top, sub1, cs), notes
	}
	if cs.NeverAuthenticated > 0 {
		text := fmt.Sprintf("Clients not authenticating: %d of %d challenged clients never authenticated "+
			"(they got only %s) — they offer no usable credentials: not domain-joined, the site not in the "+
			"browser's Intranet zone, a user from an untrusted domain, or a monitor probing anonymously",
			cs.NeverAuthenticated, cs.Challenged, describeChallenges(hr.Codes))
		if cs.NTLMLeg > 0 {
			notes = append(notes, fmt.Sprintf("%d %s authenticated only after a 401.1 0x8009030E leg "+
				"(NTLM's challenge), not with Kerberos", cs.NTLMLeg, plural(cs.NTLMLeg, "client", "clients")))
		}
		return Verdict{Status: VerdictWarning, Text: text}, notes
	}
	if cs.NTLMLeg > 0 {
		text := fmt.Sprintf("Authenticating, but not with Kerberos for %d of %d clients: they needed a 401.1 "+
			"0x8009030E SEC_E_NO_CREDENTIALS leg before succeeding, which is NTLM's challenge (Kerberos succeeds on "+
			"the first authenticated request); run `spntrust audit` and see %s",
			cs.NTLMLeg, cs.Authenticated, strings.Join(kerberosChecks, ", "))
		return Verdict{Status: VerdictWarning, Text: text, Checks: kerberosChecks}, notes
	}
	if byClass[ClassChallenge] > 0 {
		return Verdict{Status: VerdictOK, Text: fmt.Sprintf("Windows authentication working: all %d challenged "+
			"clients authenticated right after the 401.2 challenge; none needed an NTLM leg (consistent with "+
			"Kerberos)", cs.Challenged)}, notes
	}
	if byClass[ClassDenied] > 0 {
		return Verdict{Status: VerdictWarning, Text: fmt.Sprintf("Authenticated, but %d requests were denied by "+
			"ACLs (401.3): authorization, not Kerberos", byClass[ClassDenied])}, notes
	}
	if h.authenticated > 0 {
		return Verdict{Status: VerdictOK, Text: fmt.Sprintf("Authenticated requests without 401 challenges in "+
			"this period: %d of %d responses with cs-username (connections reuse an earlier logon)",
			h.authenticated, h.authenticated+h.anonymous)}, notes
	}
	return Verdict{Status: VerdictInfo, Text: fmt.Sprintf("No Windows authentication seen: %d requests, all "+
		"anonymous", h.requests)}, notes
}

func failureVerdict(top CodeCount, sub1 int, cs ClientSummary) Verdict {
	share := pct(top.Count, sub1)
	who := fmt.Sprintf(" (%d of %d challenged clients never authenticated)", cs.NeverAuthenticated, cs.Challenged)
	if cs.NeverAuthenticated == 0 {
		who = " (every client authenticated in the end, some after failures)"
	}
	if top.Win32 == nil {
		return Verdict{Status: VerdictFailing, Text: fmt.Sprintf("Authentication failing: %d%% of 401.1 without "+
			"sc-win32-status; add the sc-win32-status field to the IIS log to see why%s", share, who)}
	}
	code, known := statuscode.Win32Status(*top.Win32)
	if !known {
		return Verdict{Status: VerdictFailing, Text: fmt.Sprintf("Authentication failing: %d%% of 401.1 with "+
			"sc-win32-status %d (%s), which spntrust's table does not know; on Windows `certutil -error %s` "+
			"decodes it%s", share, *top.Win32, top.Hex, top.Hex, who)}
	}
	label := "Authentication failing"
	for _, id := range code.Checks {
		if strings.HasPrefix(id, "SPN-") || strings.HasPrefix(id, "KRB-") || strings.HasPrefix(id, "TIME-") ||
			strings.HasPrefix(id, "TRUST-") {
			label = "Kerberos failing"
			break
		}
	}
	num := top.Hex
	if *top.Win32 <= 0xFFFF {
		num = fmt.Sprintf("%d", *top.Win32) // Win32 codes are known by their decimal
	}
	text := fmt.Sprintf("%s: %d%% of 401.1 with %s %s — %s", label, share, num, code.Name, code.ShortCause())
	if len(code.Checks) > 0 {
		text += fmt.Sprintf("; run `spntrust audit` and see %s", strings.Join(code.Checks, ", "))
	} else {
		text += fmt.Sprintf("; `spntrust explain %s` says more", code.Name)
	}
	return Verdict{Status: VerdictFailing, Text: text + who, Checks: code.Checks}
}

// describeChallenges names the 401 kinds the host answered with, e.g.
// "401.2 challenges and 401.1 0x8009030E legs".
func describeChallenges(codes []CodeCount) string {
	var parts []string
	seen := map[string]bool{}
	for _, c := range codes {
		var p string
		switch c.Class {
		case ClassChallenge:
			p = "401.2 challenges"
		case ClassLeg:
			p = "401.1 " + c.Hex + " legs"
		default:
			continue
		}
		if !seen[p] {
			seen[p] = true
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "401 responses"
	}
	return strings.Join(parts, " and ")
}
