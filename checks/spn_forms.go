package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/spn"
)

// The other form of an HTTP host name (short ↔ FQDN), which SPN-SHORTNAME-PAIR
// reports missing and SPN-MALFORMED's replacement registers too.

// otherFormDNS is the DNS answer that shows the other form resolves; its
// evidence is written only for the SPNs reported.
type otherFormDNS struct {
	name    string // the other form
	h       audit.HostLookup
	members string // for a short name resolved with a domain's suffix: that domain
}

func (d otherFormDNS) evidence() []Evidence {
	desc := describeLookup(d.h)
	if d.members != "" {
		desc = fmt.Sprintf("members of %s resolve it as %s: %s", d.members, d.h.Name, desc)
	}
	return []Evidence{{Key: "dns " + d.name, Value: desc}}
}

// otherForm returns the other form of p's host (short ↔ FQDN) when DNS shows
// that it resolves to the same host.
func otherForm(ix *view, p parsedSPN) (string, otherFormDNS, bool) {
	host := p.HostKey()
	domain := strings.ToLower(p.Account.Domain)
	if p.IsShortName() {
		// Candidates: the short name's own canonical FQDN, then the short
		// name in the account's domain.
		var cands []string
		if h, ok := lookupHost(ix, hostTarget{Key: host, Domain: domain}); ok && h.Status == audit.DNSOK && len(h.CNAMEs) == 0 {
			if c := canonicalOf(h); strings.HasPrefix(c, host+".") {
				cands = append(cands, c)
			}
		}
		cands = append(cands, host+"."+domain)
		for _, fqdn := range cands {
			if h, ok := ix.Host(fqdn); ok && h.Status == audit.DNSOK {
				return fqdn, otherFormDNS{name: fqdn, h: h}, true
			}
		}
		return "", otherFormDNS{}, false
	}
	short, _, _ := strings.Cut(host, ".")
	sh, ok := lookupHost(ix, hostTarget{Key: short, Domain: domain})
	if !ok || sh.Status != audit.DNSOK {
		return "", otherFormDNS{}, false
	}
	fh, fok := ix.Host(host)
	if !sameHost(host, fh, fok, sh) {
		return "", otherFormDNS{}, false
	}
	d := otherFormDNS{name: short, h: sh}
	if spn.NormalizeHost(sh.Name) != short {
		d.members = p.Account.Domain
	}
	return short, d, true
}

// sameHost reports whether the short name's answer sh leads to fqdn: its
// canonical name is fqdn (or fqdn's canonical name), or they share an address.
func sameHost(fqdn string, fh audit.HostLookup, fok bool, sh audit.HostLookup) bool {
	c := canonicalOf(sh)
	if c == fqdn || (fok && c != "" && c == canonicalOf(fh)) {
		return true
	}
	if !fok {
		return false
	}
	addrs := map[string]bool{}
	for _, a := range append(append([]string(nil), fh.A...), fh.AAAA...) {
		addrs[a] = true
	}
	for _, a := range append(append([]string(nil), sh.A...), sh.AAAA...) {
		if addrs[a] {
			return true
		}
	}
	return false
}
func describeLookup(h audit.HostLookup) string {
	parts := []string{h.Status}
	if len(h.CNAMEs) > 0 {
		parts = append(parts, "cnames "+strings.Join(h.CNAMEs, " → "))
	}
	if h.Canonical != "" {
		parts = append(parts, "canonical "+h.Canonical)
	}
	if addrs := append(append([]string(nil), h.A...), h.AAAA...); len(addrs) > 0 {
		parts = append(parts, "addresses "+strings.Join(addrs, ", "))
	}
	return strings.Join(parts, "; ")
}
