package collect

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/spntrust/spntrust/krbprobe"
	"github.com/spntrust/spntrust/spn"

	"github.com/spntrust/spntrust/audit"
)

// TicketRequester asks the KDC for one service ticket (krbprobe.Prober).
type TicketRequester interface {
	Request(ctx context.Context, spn string) krbprobe.Result
}

// TicketSource opens a TicketRequester for the realm of domain (for
// krbprobe, a Kerberos client logged in with the audit's credentials); done
// releases it.
type TicketSource func(ctx context.Context, domain string) (r TicketRequester, done func(), err error)

// collectTickets is the ticket-probe phase of a collection. The requester
// is opened for the audited domain (--domain, else the first collected
// domain by name); when it cannot be opened — no Kerberos credentials, no
// KDC — the probes are a gap, not a failed audit.
func (c *collector) collectTickets(ctx context.Context) {
	domain := c.cfg.Domain
	if domain == "" {
		for _, d := range c.snap.Domains {
			if domain == "" || d.DNSName < domain {
				domain = d.DNSName
			}
		}
	}
	r, done, err := c.cfg.Tickets(ctx, domain)
	if err != nil {
		c.gap("kdc", "ticket probes", err)
		c.snap.Collection.TicketProbeState = audit.TicketProbesFailed
		return
	}
	defer done()
	c.snap.Collection.TicketProbeState = audit.TicketProbesDone
	ProbeTickets(ctx, c.snap, r, c.cfg.TicketLimit)
}

// DefaultProbeLimit bounds the ticket requests of one audit.
const DefaultProbeLimit = 200

// probeTargets lists the SPNs a client would request from this snapshot:
// every host-based SPN of a non-computer account (the services whose
// tickets go astray), HTTP/<dNSHostName> of every computer (what a browser
// asks for a site running as the computer), and HOST/<DC> of every trusted
// domain's DC (the cross-realm path).
func probeTargets(s *audit.Snapshot) []string {
	seen := map[string]bool{}
	var out []string
	add := func(v string) {
		if k := strings.ToLower(v); !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	for _, a := range s.Accounts {
		if !a.Enabled {
			continue
		}
		if a.Kind == audit.KindComputer {
			if a.DNSHostName != "" && a.UserAccountControl&audit.UACServerTrust == 0 {
				add("HTTP/" + a.DNSHostName)
			}
			continue
		}
		for _, raw := range a.SPNs {
			p, err := spn.Parse(raw)
			if err == nil && p.NamesAHost() {
				add(raw)
			}
		}
	}
	for _, d := range s.Domains {
		for _, t := range d.Trusts {
			if pd, ok := s.DomainByName(t.Partner); ok {
				for _, dc := range pd.DCs {
					add("HOST/" + dc.FQDN)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// ProbeTickets asks the KDC, through r, for a ticket for each SPN a client
// would request from this snapshot (at most limit) and records each outcome
// and referral path in s.TicketProbes.
func ProbeTickets(ctx context.Context, s *audit.Snapshot, r TicketRequester, limit int) {
	targets := probeTargets(s)
	if limit <= 0 {
		limit = DefaultProbeLimit
	}
	if len(targets) > limit {
		s.Collection.Gaps = append(s.Collection.Gaps, audit.Gap{Scope: "kdc", What: "ticket probes",
			Error: fmt.Sprintf("%d SPNs to probe, limited to %d (raise --probe-limit)", len(targets), limit)})
		targets = targets[:limit]
	}
	for _, t := range targets {
		s.TicketProbes = append(s.TicketProbes, ticketProbe(t, r.Request(ctx, t)))
	}
}
