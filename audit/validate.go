package audit

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
)

// maxFunctionalLevel is the highest msDS-Behavior-Version defined today
// (10 = Windows Server 2025).
const maxFunctionalLevel = 10

// Validate rejects values no directory can hold. The error is a *LoadError
// naming the field.
func (s *Snapshot) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &LoadError{Field: field, Err: fmt.Errorf(format, args...)}
	}
	if s.SchemaVersion != SchemaVersion {
		return bad("schemaVersion", "version %d is not supported (this spntrust reads version %d)", s.SchemaVersion, SchemaVersion)
	}
	c := s.Collection
	if !c.StartedAt.IsZero() && !c.FinishedAt.IsZero() && c.FinishedAt.Before(c.StartedAt) {
		return bad("collection.finishedAt", "%s is before startedAt %s", c.FinishedAt, c.StartedAt)
	}
	switch c.KeyProbes {
	case "", KeyProbesDone, KeyProbesSkipped, KeyProbesPartial:
	default:
		return bad("collection.keyProbes", "%q is not one of done, skipped, partial", c.KeyProbes)
	}
	switch c.TicketProbeState {
	case "", TicketProbesDone, TicketProbesSkipped, TicketProbesFailed:
	default:
		return bad("collection.ticketProbeState", "%q is not one of done, skipped, failed", c.TicketProbeState)
	}
	if c.Mode != "" && c.Mode != ModeServices {
		return bad("collection.mode", "%q is not \"\" (an audit) or %q", c.Mode, ModeServices)
	}
	for i, g := range c.Gaps {
		if g.Scope == "" || g.What == "" {
			return bad(fmt.Sprintf("collection.gaps[%d]", i), "scope and what are required")
		}
	}
	for i, f := range s.Forests {
		p := fmt.Sprintf("forests[%d]", i)
		if f.RootDomain == "" {
			return bad(p+".rootDomain", "empty")
		}
		if f.FunctionalLevel < 0 || f.FunctionalLevel > maxFunctionalLevel {
			return bad(p+".functionalLevel", "%d is not a functional level (0-%d)", f.FunctionalLevel, maxFunctionalLevel)
		}
	}
	for i, d := range s.Domains {
		p := fmt.Sprintf("domains[%d]", i)
		if d.DNSName == "" {
			return bad(p+".dnsName", "empty")
		}
		if d.FunctionalLevel < 0 || d.FunctionalLevel > maxFunctionalLevel {
			return bad(p+".functionalLevel", "%d is not a functional level (0-%d)", d.FunctionalLevel, maxFunctionalLevel)
		}
		if d.SID != "" && !strings.HasPrefix(d.SID, "S-1-") {
			return bad(p+".sid", "%q is not a SID (S-1-...)", d.SID)
		}
		for j, dc := range d.DCs {
			q := fmt.Sprintf("%s.dcs[%d]", p, j)
			if dc.FQDN == "" {
				return bad(q+".fqdn", "empty")
			}
			if dc.FunctionalLevel < 0 || dc.FunctionalLevel > maxFunctionalLevel {
				return bad(q+".functionalLevel", "%d is not a functional level (0-%d)", dc.FunctionalLevel, maxFunctionalLevel)
			}
			for k, a := range dc.Addresses {
				if _, err := netip.ParseAddr(a); err != nil {
					return bad(fmt.Sprintf("%s.addresses[%d]", q, k), "%q is not an IP address", a)
				}
			}
		}
		for j, t := range d.Trusts {
			q := fmt.Sprintf("%s.trusts[%d]", p, j)
			if t.Partner == "" {
				return bad(q+".partner", "empty")
			}
			if t.Direction < 0 || t.Direction > 3 {
				return bad(q+".direction", "%d is not a trustDirection (0-3)", t.Direction)
			}
			if t.Type < 1 || t.Type > 5 {
				return bad(q+".type", "%d is not a trustType (1-5)", t.Type)
			}
			if t.AttributeFlags != nil && !reflect.DeepEqual(t.AttributeFlags, DecodeTrustAttributes(t.Attributes)) {
				return bad(q+".attributeFlags", "%v does not match attributes %#x", t.AttributeFlags, t.Attributes)
			}
		}
	}
	// Accounts and DNS answers number in the hundreds of thousands: their
	// field paths are formatted only for the error (issue 10).
	for i, a := range s.Accounts {
		p := func(field string) string { return fmt.Sprintf("accounts[%d].%s", i, field) }
		if a.DN == "" {
			return bad(p("dn"), "empty")
		}
		if !a.Kind.valid() {
			return bad(p("kind"), "%q is not one of user, computer, managedServiceAccount, groupManagedServiceAccount, other", a.Kind)
		}
		if a.UACFlags != nil && !reflect.DeepEqual(a.UACFlags, DecodeUAC(a.UserAccountControl)) {
			return bad(p("userAccountControlFlags"), "%v does not match userAccountControl %d", a.UACFlags, a.UserAccountControl)
		}
		if wantEnabled := a.UserAccountControl&UACAccountDisable == 0; a.Enabled != wantEnabled {
			return bad(p("enabled"), "%v contradicts userAccountControl %d", a.Enabled, a.UserAccountControl)
		}
		if a.SID != "" && !strings.HasPrefix(a.SID, "S-1-") {
			return bad(p("sid"), "%q is not a SID (S-1-...)", a.SID)
		}
		if k := a.Keys; k != nil {
			switch k.Outcome {
			case KeysListed, KeysNoPreauth:
				if len(k.Etypes) == 0 {
					return bad(p("keys.etypes"), "empty, but outcome %q names key types", k.Outcome)
				}
			case KeysUnknown, KeysNone, KeysRevoked, KeysError:
			default:
				return bad(p("keys.outcome"), "%q is not one of keys, no-preauth, unknown, no-keys, revoked, error", k.Outcome)
			}
		}
	}
	for i, h := range s.DNS.Hosts {
		p := func(field string) string { return fmt.Sprintf("dns.hosts[%d].%s", i, field) }
		if h.Name == "" {
			return bad(p("name"), "empty")
		}
		if err := validStatus(h.Status); err != nil {
			return bad(p("status"), "%v", err)
		}
		switch h.Source {
		case "", SourceDirectory, SourceDirectoryAndDNS:
		default:
			return bad(p("source"), "%q is not one of \"\" (the DNS server), %q, %q", h.Source, SourceDirectory, SourceDirectoryAndDNS)
		}
		for k, a := range h.A {
			if _, err := netip.ParseAddr(a); err != nil {
				return bad(p(fmt.Sprintf("addresses[%d]", k)), "%q is not an IP address", a)
			}
		}
		for k, a := range h.AAAA {
			if _, err := netip.ParseAddr(a); err != nil {
				return bad(p(fmt.Sprintf("addresses[%d]", len(h.A)+k)), "%q is not an IP address", a)
			}
		}
	}
	for i, z := range s.DNS.Zones {
		p := fmt.Sprintf("dns.zones[%d]", i)
		if z.Name == "" {
			return bad(p+".name", "empty")
		}
		if z.Nodes < 0 {
			return bad(p+".nodes", "%d is negative", z.Nodes)
		}
	}
	for i, r := range s.DNS.SRV {
		p := fmt.Sprintf("dns.srv[%d]", i)
		if err := validStatus(r.Status); err != nil {
			return bad(p+".status", "%v", err)
		}
		for j, t := range r.Targets {
			if t.Port < 0 || t.Port > 65535 {
				return bad(fmt.Sprintf("%s.targets[%d].port", p, j), "%d is not a port", t.Port)
			}
		}
	}
	for i, c := range s.Clocks {
		p := fmt.Sprintf("clocks[%d]", i)
		if c.RoundTripMs < 0 {
			return bad(p+".roundTripMs", "negative round trip %v", c.RoundTripMs)
		}
		if c.RemoteTime.IsZero() || c.LocalTime.IsZero() {
			return bad(p, "remoteTime and localTime are required")
		}
	}
	for i, svc := range s.Services {
		if field, err := validService(svc); err != nil {
			return bad(fmt.Sprintf("services[%d].%s", i, field), "%v", err)
		}
	}
	return nil
}

func validStatus(s string) error {
	switch s {
	case DNSOK, DNSNXDomain, DNSNoData, DNSError:
		return nil
	}
	return fmt.Errorf("%q is not one of ok, nxdomain, nodata, error", s)
}
