package audit

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/spntrust/spntrust/spn"
)

// Service is one web service a targeted collection (`spntrust probe`) was
// asked about: the URL clients use, what the operator declared about it
// (the identity it runs as, the clients' realm, whether clients put the
// port in the SPN), and what the collection derived from DNS: the SPN a
// Windows client of that URL requests. The SERVICE-* checks judge it
// against the directory; an audit's snapshot declares none.
type Service struct {
	URL    string `json:"url"`
	Scheme string `json:"scheme"` // http or https
	Host   string `json:"host"`   // as in the URL, lower case: a short name stays short
	Port   int    `json:"port"`
	// Source is who declared the service: "probe" (a URL given on the
	// command line) or "configmgr" (a management point published in AD).
	Source string `json:"source"`
	// Domain is the DNS domain whose suffixes resolve a short host, and
	// whose directory was searched for the SPN's holders.
	Domain string `json:"domain,omitempty"`
	// Identity is the account the service runs as, as declared; nil when
	// it was not declared (then whether the service can decrypt its
	// tickets is not known).
	Identity *ServiceIdentity `json:"identity,omitempty"`
	// ClientRealm is the realm the service's clients are in, as declared;
	// "" means the realm of the collection's credentials.
	ClientRealm string `json:"clientRealm,omitempty"`
	// IncludePort: the clients put a non-default port in the SPN
	// (FEATURE_INCLUDE_PORT_IN_SPN_KB908209, EnableAuthNegotiatePort).
	IncludePort bool `json:"includePort,omitempty"`
	// RequestedSPN is the SPN a Windows client of the URL requests, derived
	// from the host's DNS answer (DNS.Hosts, see HostLookup); "" when the
	// host did not resolve.
	RequestedSPN string `json:"requestedSpn,omitempty"`
	// Note says more of where the service came from (a management point's
	// site), for people.
	Note string `json:"note,omitempty"`
}

// ServiceIdentity is the identity a service runs as: an account, or the
// computer it runs on (LocalSystem, NetworkService, ApplicationPoolIdentity).
type ServiceIdentity struct {
	Account  string `json:"account,omitempty"` // sAMAccountName or DOMAIN\name
	Computer bool   `json:"computer,omitempty"`
}

// Service sources.
const (
	ServiceFromProbe     = "probe"
	ServiceFromConfigMgr = "configmgr"
)

// Label names the identity for people.
func (id *ServiceIdentity) Label() string {
	switch {
	case id == nil:
		return "not declared"
	case id.Computer:
		return "the computer"
	}
	return id.Account
}

// AccountName is the declared account without its domain ("" for the
// computer or an undeclared identity).
func (id *ServiceIdentity) AccountName() string {
	if id == nil || id.Computer {
		return ""
	}
	name := id.Account
	if i := strings.LastIndexByte(name, '\\'); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name = name[:i]
	}
	return name
}

// ParseServiceURL reads an http(s) URL (or a bare host name, taken as
// http) into a Service with Source "probe".
func ParseServiceURL(raw string) (Service, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return Service{}, fmt.Errorf("empty URL: give the service's address, e.g. http://mp01.corp.example/")
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return Service{}, fmt.Errorf("URL %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return Service{}, fmt.Errorf("URL %q: scheme %q is not http or https", raw, u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return Service{}, fmt.Errorf("URL %q has no host", raw)
	}
	port := 80
	if u.Scheme == "https" {
		port = 443
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Service{}, fmt.Errorf("URL %q: port %q is not 1-65535", raw, p)
		}
		port = n
	}
	if _, err := spn.Parse("HTTP/" + host); err != nil {
		return Service{}, fmt.Errorf("URL %q: host %q is not a DNS name", raw, host)
	}
	return Service{URL: raw, Scheme: u.Scheme, Host: strings.ToLower(host), Port: port, Source: ServiceFromProbe}, nil
}

// DefaultPort reports whether the port is the scheme's default, which
// clients never put in the SPN.
func (s Service) DefaultPort() bool {
	return (s.Scheme == "https" && s.Port == 443) || (s.Scheme != "https" && s.Port == 80) || s.Port == 0
}

// SPNHost is the host a Windows client puts in the SPN for the host's DNS
// answer h: the canonical name of a CNAME chain, else the name in the URL —
// a short name that is an A record stays short (HTTP/mp01). ok is false
// when the host did not resolve (no SPN can be derived).
func (s Service) SPNHost(h HostLookup) (host string, ok bool) {
	if h.Status != DNSOK {
		return "", false
	}
	if len(h.CNAMEs) == 0 && !strings.Contains(s.Host, ".") {
		return s.Host, true
	}
	return strings.ToLower(strings.TrimSuffix(h.Canonical, ".")), true
}

// SPNFor is the SPN a Windows client requests for the host's DNS answer h:
// HTTP/<SPNHost>, with the port only when it is not the default and the
// clients include it (IncludePort). ok is false when h did not resolve.
func (s Service) SPNFor(h HostLookup) (string, bool) {
	host, ok := s.SPNHost(h)
	if !ok {
		return "", false
	}
	if !s.DefaultPort() && s.IncludePort {
		return fmt.Sprintf("HTTP/%s:%d", host, s.Port), true
	}
	return "HTTP/" + host, true
}

// HostDomain returns the DNS domain of a host name ("" for a single label).
func HostDomain(host string) string {
	if i := strings.IndexByte(host, '.'); i > 0 {
		return strings.ToLower(strings.TrimSuffix(host[i+1:], "."))
	}
	return ""
}

// DNSSuffixes are the suffixes a member of domain appends to a short name,
// in order: the domain's own DNS name, then its parents of two labels or
// more (Windows suffix devolution).
func DNSSuffixes(domain string) []string {
	domain = strings.Trim(strings.ToLower(domain), ".")
	if domain == "" {
		return nil
	}
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

// ServiceHost returns the DNS answer recorded for the service's host: for
// a short host the first that resolved through the domain's suffixes
// (DNSSuffixes), else the first asked; ok is false when none is recorded.
func (s *Snapshot) ServiceHost(svc Service) (HostLookup, bool) {
	var first *HostLookup
	for i := range s.DNS.Hosts {
		h := &s.DNS.Hosts[i]
		if !strings.EqualFold(strings.TrimSuffix(h.Name, "."), svc.Host) {
			continue
		}
		if strings.Contains(svc.Host, ".") {
			return *h, true
		}
		if h.Status == DNSOK && h.QueriedAs != "" {
			return *h, true
		}
		if first == nil && h.QueriedAs != "" {
			first = h
		}
	}
	if first != nil {
		return *first, true
	}
	return HostLookup{}, false
}

// GapScope is the scope of a collection gap about this service: what of
// it could not be collected or tested; the gap's What names the step
// ("holders", "identity", "ticket", "client realm path", "clock").
func (s Service) GapScope() string { return "service:" + s.URL }

// validService rejects a service no collection can have declared.
func validService(svc Service) (field string, err error) {
	switch {
	case svc.URL == "":
		return "url", fmt.Errorf("empty")
	case svc.Scheme != "http" && svc.Scheme != "https":
		return "scheme", fmt.Errorf("%q is not http or https", svc.Scheme)
	case svc.Port < 1 || svc.Port > 65535:
		return "port", fmt.Errorf("%d is not a port (1-65535)", svc.Port)
	case svc.Source != ServiceFromProbe && svc.Source != ServiceFromConfigMgr:
		return "source", fmt.Errorf("%q is not one of %s, %s", svc.Source, ServiceFromProbe, ServiceFromConfigMgr)
	}
	if _, err := spn.Parse("HTTP/" + svc.Host); err != nil {
		return "host", fmt.Errorf("%q is not a DNS name", svc.Host)
	}
	if id := svc.Identity; id != nil && (id.Computer == (id.Account != "")) {
		return "identity", fmt.Errorf("name an account or the computer, not both or neither")
	}
	if svc.RequestedSPN != "" {
		if _, err := spn.Parse(svc.RequestedSPN); err != nil {
			return "requestedSpn", err
		}
	}
	return "", nil
}
