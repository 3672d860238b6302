package ldapx

import (
	"context"
	"errors"
	"fmt"
)

// Partition is a domain of the forest: a crossRef with systemFlags bit 0x2
// (NTDS domain) under CN=Partitions of the configuration partition.
type Partition struct {
	DN          string // the crossRef
	NCName      string // the domain's DN
	DNSRoot     string
	NetBIOSName string
	SystemFlags uint32
	// DomainSID is the domain head's objectSid, read when this DC holds (or
	// can read) that domain; empty otherwise, with the reason in Problems.
	DomainSID string
	Problems  []ParseProblem
}

// ReadPartitions lists the forest's domains and the SIDs of those this DC
// can read.
func (c *Conn) ReadPartitions(ctx context.Context, configNC string) ([]Partition, error) {
	if configNC == "" {
		return nil, errors.New("read partitions: no configuration naming context")
	}
	var out []Partition
	_, err := c.Search(ctx, SearchRequest{
		BaseDN: "CN=Partitions," + configNC, Scope: ScopeOneLevel,
		Filter:     "(&(objectClass=crossRef)(systemFlags:1.2.840.113556.1.4.803:=2))",
		Attributes: []string{"nCName", "dnsRoot", "nETBIOSName", "systemFlags"},
	}, func(e *Entry) error {
		out = append(out, ParsePartition(e))
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("read partitions of %s: %w", configNC, err)
	}
	for i := range out {
		p := &out[i]
		if p.NCName == "" {
			continue
		}
		sid, err := c.readObjectSID(ctx, p.NCName)
		if err != nil {
			p.Problems = append(p.Problems, ParseProblem{DN: p.NCName, Attribute: "objectSid", Problem: "not readable from this DC: " + err.Error()})
			continue
		}
		p.DomainSID = sid
	}
	return out, nil
}

// ParsePartition turns a crossRef entry into a Partition.
func ParsePartition(e *Entry) Partition {
	r := &attrReader{e: e}
	p := Partition{
		DN:          e.DN,
		NCName:      e.Value("nCName"),
		DNSRoot:     e.Value("dnsRoot"),
		NetBIOSName: e.Value("nETBIOSName"),
	}
	p.SystemFlags, _ = r.uint32("systemFlags")
	if p.NCName == "" {
		r.problem("nCName", "", "missing")
	}
	if p.DNSRoot == "" {
		r.problem("dnsRoot", "", "missing")
	}
	p.Problems = r.problems
	return p
}

func (c *Conn) readObjectSID(ctx context.Context, dn string) (string, error) {
	var got *Entry
	_, err := c.Search(ctx, SearchRequest{BaseDN: dn, Scope: ScopeBase, Filter: "(objectClass=*)", Attributes: []string{"objectSid"}},
		func(e *Entry) error { got = e; return nil })
	if err != nil {
		return "", err
	}
	if got == nil || !got.Has("objectSid") {
		return "", errors.New("no objectSid returned")
	}
	return DecodeSID(got.Raw("objectSid")[0])
}
