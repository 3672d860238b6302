package ldapx

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// DomainController is a server object under CN=Sites with its nTDSDSA
// ("NTDS Settings") child. A server without one is not (or no longer) a DC.
type DomainController struct {
	Name            string // the server object's CN
	DNSHostName     string
	ServerDN        string
	NTDSDSADN       string // empty when the server has no NTDS Settings
	Site            string
	IsGlobalCatalog bool // nTDSDSA options bit 0x1
	BehaviorVersion int  // nTDSDSA msDS-Behavior-Version; -1 when absent
	ServerReference string
	Problems        []ParseProblem
}

// ReadDCs lists the forest's domain controllers from the configuration
// partition.
func (c *Conn) ReadDCs(ctx context.Context, configNC string) ([]DomainController, error) {
	if configNC == "" {
		return nil, errors.New("read DCs: no configuration naming context")
	}
	var entries []*Entry
	_, err := c.Search(ctx, SearchRequest{
		BaseDN: "CN=Sites," + configNC, Scope: ScopeSubtree,
		Filter:     "(|(objectClass=server)(objectClass=nTDSDSA))",
		Attributes: []string{"objectClass", "cn", "dNSHostName", "serverReference", "options", "msDS-Behavior-Version"},
	}, func(e *Entry) error { entries = append(entries, e); return nil })
	if err != nil {
		return nil, fmt.Errorf("read DCs of %s: %w", configNC, err)
	}
	return ParseDCs(entries), nil
}

// ParseDCs joins server and nTDSDSA entries into DomainControllers, sorted
// by DNS name.
func ParseDCs(entries []*Entry) []DomainController {
	servers := map[string]*DomainController{}
	var dsas []*Entry
	for _, e := range entries {
		if hasClass(e, "nTDSDSA") {
			dsas = append(dsas, e)
			continue
		}
		r := &attrReader{e: e}
		dc := &DomainController{
			Name:            firstRDNValue(e.DN),
			DNSHostName:     strings.ToLower(e.Value("dNSHostName")),
			ServerDN:        e.DN,
			Site:            siteOf(e.DN),
			ServerReference: e.Value("serverReference"),
			BehaviorVersion: -1,
		}
		if dc.DNSHostName == "" {
			r.problem("dNSHostName", "", "missing")
		}
		dc.Problems = r.problems
		servers[strings.ToLower(e.DN)] = dc
	}
	for _, e := range dsas {
		parent := parentDN(e.DN)
		dc, ok := servers[strings.ToLower(parent)]
		if !ok {
			continue // NTDS Settings whose server object was not returned
		}
		r := &attrReader{e: e}
		dc.NTDSDSADN = e.DN
		if opts, ok := r.uint32("options"); ok {
			dc.IsGlobalCatalog = opts&1 != 0
		}
		dc.BehaviorVersion = r.int("msDS-Behavior-Version", -1)
		dc.Problems = append(dc.Problems, r.problems...)
	}
	out := make([]DomainController, 0, len(servers))
	for _, dc := range servers {
		out = append(out, *dc)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].DNSHostName != out[j].DNSHostName {
			return out[i].DNSHostName < out[j].DNSHostName
		}
		return out[i].ServerDN < out[j].ServerDN
	})
	return out
}

func hasClass(e *Entry, class string) bool {
	for _, c := range e.Values("objectClass") {
		if strings.EqualFold(c, class) {
			return true
		}
	}
	return false
}

// splitDN splits a DN into RDNs at unescaped commas.
func splitDN(dn string) []string {
	var out []string
	start := 0
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++
		case ',':
			out = append(out, strings.TrimSpace(dn[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(dn[start:]))
}

func parentDN(dn string) string {
	rdns := splitDN(dn)
	if len(rdns) < 2 {
		return ""
	}
	return strings.Join(rdns[1:], ",")
}

func firstRDNValue(dn string) string {
	rdns := splitDN(dn)
	if len(rdns) == 0 {
		return ""
	}
	_, v, _ := strings.Cut(rdns[0], "=")
	return v
}

// siteOf returns the site name of CN=<server>,CN=Servers,CN=<site>,CN=Sites,...
func siteOf(dn string) string {
	rdns := splitDN(dn)
	for i := 0; i+1 < len(rdns); i++ {
		if strings.EqualFold(rdns[i+1], "CN=Sites") && i > 0 {
			_, v, _ := strings.Cut(rdns[i], "=")
			return v
		}
	}
	return ""
}

// DNToDomain turns "DC=lab,DC=test" into "lab.test" (empty when the DN has
// no DC components).
func DNToDomain(dn string) string {
	var parts []string
	for _, r := range splitDN(dn) {
		k, v, ok := strings.Cut(r, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "DC") {
			parts = append(parts, strings.TrimSpace(v))
		}
	}
	return strings.ToLower(strings.Join(parts, "."))
}
