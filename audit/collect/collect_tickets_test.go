package collect

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/krbprobe"
	"github.com/spntrust/spntrust/ldapx"
)

// fakeTickets issues a ticket for every SPN it is asked for.
type fakeTickets struct{ asked []string }

func (f *fakeTickets) Request(_ context.Context, spn string) krbprobe.Result {
	f.asked = append(f.asked, spn)
	return krbprobe.Result{ClientRealm: "CORP.EXAMPLE", Realm: "CORP.EXAMPLE", Issued: true, Path: []string{"CORP.EXAMPLE"}}
}

// TestTicketProbingIsAPhaseOfCollection: with Config.Tickets the collector
// opens the requester for the audited domain, probes, releases it, and
// records a requester it cannot open as a gap of the snapshot.
func TestTicketProbingIsAPhaseOfCollection(t *testing.T) {
	res := fakeResolver{srv: map[string][]ldapx.SRV{"_ldap._tcp.dc._msdcs.corp.example": {{Target: "dc1.corp.example"}}}}
	dir := &fakeDirectory{domain: "corp.example", accounts: []ldapx.SPNAccount{{DN: "CN=svc,DC=corp,DC=example", SAMAccountName: "svc",
		ObjectClasses: []string{"top", "person", "user"}, UserAccountControl: 512, SPNs: []string{"HTTP/web.corp.example", "HTTP/app.corp.example"}}}}
	tests := []struct {
		name       string
		openErr    error
		limit      int
		wantProbes int
		wantGap    string // in the kdc gap's error; "" = no gap
	}{
		{"every SPN a client would ask for is probed", nil, 0, 2, ""},
		{"the limit is a gap naming it", nil, 1, 1, "limited to 1"},
		{"a requester that cannot be opened is a gap", errors.New("no Kerberos credentials"), 0, 0, "no Kerberos credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tickets := &fakeTickets{}
			var openedFor string
			released := false
			var phases []string
			snap, err := Collect(context.Background(), Config{
				Domain: "corp.example", Resolver: res, SkipKDCClocks: true,
				Connect: func(context.Context, string) (Directory, error) { return dir, nil },
				Tickets: func(_ context.Context, domain string) (TicketRequester, func(), error) {
					openedFor = domain
					if tt.openErr != nil {
						return nil, nil, tt.openErr
					}
					return tickets, func() { released = true }, nil
				},
				TicketLimit: tt.limit,
				Phase:       func(name string, _ time.Duration) { phases = append(phases, name) },
			})
			if err != nil {
				t.Fatal(err)
			}
			if openedFor != "corp.example" {
				t.Errorf("requester opened for %q, want the audited domain", openedFor)
			}
			if len(snap.TicketProbes) != tt.wantProbes || len(tickets.asked) != tt.wantProbes {
				t.Errorf("%d probes recorded, %d asked; want %d", len(snap.TicketProbes), len(tickets.asked), tt.wantProbes)
			}
			if tt.openErr == nil && !released {
				t.Error("the requester was not released")
			}
			var gap string
			for _, g := range snap.Collection.Gaps {
				if g.Scope == "kdc" && g.What == "ticket probes" {
					gap = g.Error
				}
			}
			if (tt.wantGap == "") != (gap == "") || !strings.Contains(gap, tt.wantGap) {
				t.Errorf("ticket-probe gap %q, want %q", gap, tt.wantGap)
			}
			wantState := audit.TicketProbesDone
			if tt.openErr != nil {
				wantState = audit.TicketProbesFailed
			}
			if snap.Collection.TicketProbeState != wantState {
				t.Errorf("ticket probe state %q, want %q", snap.Collection.TicketProbeState, wantState)
			}
			if phases[len(phases)-1] != "kdc.tickets" {
				t.Errorf("phases %v: the ticket probes are not the last phase", phases)
			}
		})
	}
}

func TestNoTicketSourceNoTicketPhase(t *testing.T) {
	res := fakeResolver{srv: map[string][]ldapx.SRV{"_ldap._tcp.dc._msdcs.corp.example": {{Target: "dc1.corp.example"}}}}
	dir := &fakeDirectory{domain: "corp.example"}
	var phases []string
	snap, err := Collect(context.Background(), Config{Domain: "corp.example", Resolver: res, SkipKDCClocks: true,
		Connect: func(context.Context, string) (Directory, error) { return dir, nil },
		Phase:   func(name string, _ time.Duration) { phases = append(phases, name) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.TicketProbes) != 0 || strings.Contains(strings.Join(phases, " "), "kdc.tickets") {
		t.Errorf("probes %v, phases %v without a ticket source", snap.TicketProbes, phases)
	}
	if snap.Collection.TicketProbeState != audit.TicketProbesSkipped {
		t.Errorf("ticket probe state %q without a ticket source, want %q", snap.Collection.TicketProbeState, audit.TicketProbesSkipped)
	}
}
