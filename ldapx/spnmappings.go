package ldapx

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// SPNMappings is the forest's sPNMappings: which service classes the HOST
// class stands for (alias → target, both lower case, e.g. "http" → "host").
type SPNMappings struct {
	DN       string
	Aliases  map[string]string
	Raw      []string
	Problems []ParseProblem
}

// directoryServiceRDN is the object holding sPNMappings, below the
// configuration naming context ([MS-ADTS] 6.1.1.2.2).
const directoryServiceRDN = "CN=Directory Service,CN=Windows NT,CN=Services,"

// ReadSPNMappings reads sPNMappings below configNC.
func (c *Conn) ReadSPNMappings(ctx context.Context, configNC string) (*SPNMappings, error) {
	if configNC == "" {
		return nil, errors.New("read sPNMappings: no configuration naming context")
	}
	dn := directoryServiceRDN + configNC
	var got *Entry
	_, err := c.Search(ctx, SearchRequest{BaseDN: dn, Scope: ScopeBase, Filter: "(objectClass=*)", Attributes: []string{"sPNMappings"}},
		func(e *Entry) error { got = e; return nil })
	if err != nil {
		return nil, fmt.Errorf("read sPNMappings of %s: %w", configNC, err)
	}
	m := &SPNMappings{DN: dn, Aliases: map[string]string{}}
	if got == nil {
		m.Problems = append(m.Problems, ParseProblem{DN: dn, Attribute: "sPNMappings", Problem: "object not found"})
		return m, nil
	}
	m.Raw = got.Values("sPNMappings")
	var probs []string
	m.Aliases, probs = ParseSPNMappings(m.Raw)
	for _, p := range probs {
		m.Problems = append(m.Problems, ParseProblem{DN: dn, Attribute: "sPNMappings", Problem: p})
	}
	if len(m.Raw) == 0 {
		m.Problems = append(m.Problems, ParseProblem{DN: dn, Attribute: "sPNMappings", Problem: "attribute missing or empty"})
	}
	return m, nil
}

// ParseSPNMappings parses values of the form "host=alerter,http,..." into
// alias → target. Malformed values are reported, not fatal. An alias that
// two values map to different targets keeps the first and is reported.
func ParseSPNMappings(values []string) (map[string]string, []string) {
	out := map[string]string{}
	var problems []string
	for _, v := range values {
		target, list, ok := strings.Cut(v, "=")
		target = strings.ToLower(strings.TrimSpace(target))
		if !ok || target == "" || strings.ContainsAny(target, "/ ,") {
			problems = append(problems, fmt.Sprintf("value %q is not target=alias,alias,...", v))
			continue
		}
		for _, a := range strings.Split(list, ",") {
			a = strings.ToLower(strings.TrimSpace(a))
			if a == "" {
				continue
			}
			if prev, dup := out[a]; dup && prev != target {
				problems = append(problems, fmt.Sprintf("alias %q maps to both %q and %q; keeping %q", a, prev, target, prev))
				continue
			}
			out[a] = target
		}
	}
	return out, problems
}
