package ldapx

import (
	"context"
	"fmt"
	"time"
)

// RootDSE is what a DC says about itself before any bind. Functional
// levels are -1 when not reported.
type RootDSE struct {
	DNSHostName                string
	DefaultNamingContext       string
	ConfigurationNamingContext string
	RootDomainNamingContext    string
	SchemaNamingContext        string
	ServerName                 string // DN of the DC's server object
	// CurrentTime is the DC's clock; LocalBefore and LocalAfter bracket the
	// request on the local clock (Options.Now), so skew can be corrected
	// for the round trip.
	CurrentTime             time.Time
	LocalBefore             time.Time
	LocalAfter              time.Time
	DomainFunctionality     int
	ForestFunctionality     int
	DCFunctionality         int
	IsGlobalCatalogReady    bool
	SupportedSASLMechanisms []string
	SupportedControls       []string
	Problems                []ParseProblem
}

var rootDSEAttributes = []string{
	"currentTime", "dnsHostName", "defaultNamingContext", "configurationNamingContext",
	"rootDomainNamingContext", "schemaNamingContext", "serverName", "domainFunctionality",
	"forestFunctionality", "domainControllerFunctionality", "supportedSASLMechanisms",
	"supportedControl", "isGlobalCatalogReady",
}

// ReadRootDSE reads the rootDSE (anonymous access suffices).
func (c *Conn) ReadRootDSE(ctx context.Context) (*RootDSE, error) {
	var got *Entry
	before := c.opts.now()
	_, err := c.Search(ctx, SearchRequest{Scope: ScopeBase, Filter: "(objectClass=*)", Attributes: rootDSEAttributes},
		func(e *Entry) error { got = e; return nil })
	after := c.opts.now()
	if err != nil {
		return nil, fmt.Errorf("read rootDSE: %w", err)
	}
	if got == nil {
		return nil, fmt.Errorf("read rootDSE: no entry returned")
	}
	d := ParseRootDSE(got)
	d.LocalBefore, d.LocalAfter = before, after
	return d, nil
}

// ParseRootDSE turns a rootDSE entry into a RootDSE.
func ParseRootDSE(e *Entry) *RootDSE {
	r := &attrReader{e: e}
	d := &RootDSE{
		DNSHostName:                e.Value("dnsHostName"),
		DefaultNamingContext:       e.Value("defaultNamingContext"),
		ConfigurationNamingContext: e.Value("configurationNamingContext"),
		RootDomainNamingContext:    e.Value("rootDomainNamingContext"),
		SchemaNamingContext:        e.Value("schemaNamingContext"),
		ServerName:                 e.Value("serverName"),
		CurrentTime:                r.generalizedTime("currentTime"),
		DomainFunctionality:        r.int("domainFunctionality", -1),
		ForestFunctionality:        r.int("forestFunctionality", -1),
		DCFunctionality:            r.int("domainControllerFunctionality", -1),
		IsGlobalCatalogReady:       e.Value("isGlobalCatalogReady") == "TRUE",
		SupportedSASLMechanisms:    e.Values("supportedSASLMechanisms"),
		SupportedControls:          e.Values("supportedControl"),
	}
	if !e.Has("currentTime") {
		r.problem("currentTime", "", "missing")
	}
	d.Problems = r.problems
	return d
}
