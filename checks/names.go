package checks

// DNS-name normalisation and small string-list helpers shared by checks of
// several areas.

import (
	"strings"

	"github.com/spntrust/spntrust/audit"
)

// normDNS lower-cases a DNS name and drops a trailing dot.
func normDNS(name string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
}

// dnsParent is name without its first label ("" for a single label).
func dnsParent(name string) string {
	_, rest, ok := strings.Cut(name, ".")
	if !ok {
		return ""
	}
	return rest
}

func orUnknown(v string) string {
	if v == "" {
		return "unknown"
	}
	return v
}

// domainOfName returns the collected domain whose namespace holds name
// (longest suffix match), or "".
func domainOfName(s *audit.Snapshot, name string) string {
	name = normDNS(name)
	best := ""
	for _, d := range s.Domains {
		n := normDNS(d.DNSName)
		if (name == n || strings.HasSuffix(name, "."+n)) && len(n) > len(normDNS(best)) {
			best = d.DNSName
		}
	}
	return best
}

// dedupeStrings drops repeated values, keeping the first of each.
func dedupeStrings(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// containsName reports whether any of names is fqdn (already normalised).
func containsName(names []string, fqdn string) bool {
	for _, n := range names {
		if normDNS(n) == fqdn {
			return true
		}
	}
	return false
}
