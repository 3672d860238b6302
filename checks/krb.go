package checks

// Reading ticket probes: helpers shared by the KRB-* checks.

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/spn"
	"github.com/spntrust/spntrust/statuscode"
)

// externalWithoutReferral reports whether probe p asked for a service across
// an external trust of its client realm and got no referral: the walked path
// never left the client realm. It returns the client domain and the trust.
func externalWithoutReferral(ix *view, p audit.TicketProbe) (audit.Domain, audit.Trust, bool) {
	if p.Issued {
		return audit.Domain{}, audit.Trust{}, false
	}
	d, t, ok := probeExternalTrust(ix, p)
	if !ok {
		return d, t, false
	}
	for _, realm := range p.Path {
		if normDNS(realm) != normDNS(p.ClientRealm) {
			return d, t, false // a referral was followed: another problem
		}
	}
	return d, t, true
}

// krbErrorLabel is the error's name with its code, e.g.
// "KDC_ERR_S_PRINCIPAL_UNKNOWN (7)". The name is the collector's, else the
// one table of codes' (statuscode), which the collector also reads.
func krbErrorLabel(p audit.TicketProbe) string {
	name := p.ErrorName
	if name == "" {
		if c := statuscode.ClassifyKerberos(int32(p.ErrorCode)); c.Known {
			name = c.Name
		} else {
			name = "Kerberos error"
		}
	}
	return fmt.Sprintf("%s (%d)", name, p.ErrorCode)
}

// probeExternalTrust finds the external trust of the probe's client realm
// whose partner holds the SPN's host.
func probeExternalTrust(ix *view, p audit.TicketProbe) (audit.Domain, audit.Trust, bool) {
	s := ix.Snapshot()
	v, err := spn.Parse(p.SPN)
	if err != nil {
		return audit.Domain{}, audit.Trust{}, false
	}
	host := normDNS(v.Host)
	client, ok := ix.DomainByName(p.ClientRealm)
	if !ok {
		return audit.Domain{}, audit.Trust{}, false
	}
	inside := func(name string) bool { n := normDNS(name); return host == n || strings.HasSuffix(host, "."+n) }
	if inside(client.DNSName) {
		return audit.Domain{}, audit.Trust{}, false
	}
	for _, t := range client.Trusts {
		if t.Direction != 0 && inside(t.Partner) && ClassifyTrust(s, client, t) == TrustExternal {
			return client, t, true
		}
	}
	return audit.Domain{}, audit.Trust{}, false
}

// ticketRefusalCause is the condition behind a refused ticket that another
// check states: a duplicate SPN (KDC_ERR_PRINCIPAL_NOT_UNIQUE), or an
// account that gets no AES ticket (KDC_ERR_ETYPE_NOSUPP for its SPN); nil
// for the other refusals.
func ticketRefusalCause(ix *view, p audit.TicketProbe) *Cause {
	v, err := spn.Parse(p.SPN)
	if err != nil {
		return nil
	}
	switch statuscode.ClassifyKerberos(int32(p.ErrorCode)).Problem {
	case statuscode.KerberosDuplicateService:
		return causeOf(CauseDuplicateSPN, v.Key(), false)
	case statuscode.KerberosEncType:
		if h := ix.Holders(v.Key()).All(); len(h) == 1 {
			return accountNoAESCause(h[0].DN, false)
		}
	}
	return nil
}

// noTicketProbesSubject is the subject of KRB-TICKET's finding that no
// ticket was requested: every service's ticket step is then not tested.
const noTicketProbesSubject = "ticket probes"
