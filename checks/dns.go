package checks

// Reading recorded DNS answers (SRV targets, canonical names, the server
// asked): helpers shared by the DNS-* and SPN-DNS-* checks.

import (
	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/spn"
)

// usableTargets are the SRV targets other than "." (service not available).
func usableTargets(r audit.SRVLookup) []audit.SRVTarget {
	var out []audit.SRVTarget
	for _, t := range r.Targets {
		if normDNS(t.Target) != "" {
			out = append(out, t)
		}
	}
	return out
}

// resolverOrDC is the server a verification command should ask.
func resolverOrDC(s *audit.Snapshot) string {
	if s.DNS.Server != "" {
		return s.DNS.Server
	}
	return "<DNS server>"
}

// canonicalOf is the name a client ends up asking for.
func canonicalOf(h audit.HostLookup) string {
	if h.Canonical != "" {
		return spn.NormalizeHost(h.Canonical)
	}
	if n := len(h.CNAMEs); n > 0 {
		return spn.NormalizeHost(h.CNAMEs[n-1])
	}
	return ""
}
