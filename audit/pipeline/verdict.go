package pipeline

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/checks"
	"github.com/spntrust/spntrust/internal/exitcode"
	"github.com/spntrust/spntrust/reports"
	"github.com/spntrust/spntrust/spn"
)

// Verdicts derives the readiness of every service the snapshot declares
// (a probe's) from the findings of its evaluation and the collection's
// gaps, step by step (checks.ServiceSteps):
//
//   - a step fails when a failed finding that decides it (checks.ServiceStep)
//     means an outage at severity high or above (a medium TIME-SKEW is a
//     warning: the clock is within the limit); will-fail, exposure and
//     hygiene findings are reported but decide nothing;
//   - a step is not tested when a not-evaluated finding decides it, a gap
//     of the service names it, or the step it depends on failed or was not
//     tested (no SPN without DNS, no identity to compare without one holder);
//   - a step passed only on evidence: the host resolved, the SPN has a
//     holder, the identity was declared and matches, a ticket was issued
//     (from the declared client realm's KDC when it differs from the
//     credentials'), a clock was read.
//
// A step whose deciding check (checks.StepChecks) is not among ran (left
// out by --checks or --skip) is not tested: no finding could have failed it.
//
// The verdict is NOT READY when a step failed, else UNKNOWN when one was
// not tested, else READY.
func Verdicts(s *audit.Snapshot, ran []checks.Check, findings []checks.Finding) []reports.ServiceVerdict {
	var out []reports.ServiceVerdict
	v := audit.NewView(s)
	didRun := map[string]bool{}
	for _, c := range ran {
		didRun[c.ID] = true
	}
	for _, svc := range s.Services {
		out = append(out, verdict(s, v, svc, didRun, findings))
	}
	return out
}

// gapSteps maps the What of a service's gap to the step it leaves untested.
var gapSteps = map[string]string{
	"dns":               checks.StepDNS,
	"holders":           checks.StepHolder,
	"identity":          checks.StepIdentity,
	"ticket":            checks.StepTicket,
	"client realm path": checks.StepClientRealm,
	"clock":             checks.StepClock,
}

func verdict(s *audit.Snapshot, v *audit.View, svc audit.Service, didRun map[string]bool, findings []checks.Finding) reports.ServiceVerdict {
	steps := map[string]*reports.ServiceStep{}
	order := checks.ServiceSteps(svc)
	for _, name := range order {
		steps[name] = &reports.ServiceStep{Name: name}
	}
	set := func(name, status, summary, fp string) {
		st := steps[name]
		if st == nil {
			return
		}
		rank := map[string]int{"": 0, reports.StepOK: 1, reports.StepNotTested: 2, reports.StepFail: 3}
		if rank[status] > rank[st.Status] {
			st.Status, st.Summary = status, summary
		}
		if fp != "" {
			st.Fingerprints = append(st.Fingerprints, fp)
		}
	}
	for _, f := range findings {
		name, ok := checks.ServiceStep(f, svc)
		if !ok {
			continue
		}
		switch {
		case f.Status == checks.NotEvaluated:
			set(name, reports.StepNotTested, f.Title, f.Fingerprint)
		case f.Meaning == checks.Outage && f.Severity.AtLeast(checks.High):
			set(name, reports.StepFail, fmt.Sprintf("%s (%s)", f.Title, f.CheckID), f.Fingerprint)
		}
	}
	for _, name := range order {
		for _, id := range checks.StepChecks[name] {
			if !didRun[id] {
				set(name, reports.StepNotTested, fmt.Sprintf("not tested: %s was not run (--checks, --skip)", id), "")
			}
		}
	}
	for _, g := range s.Collection.Gaps {
		if g.Scope == svc.GapScope() {
			if name, ok := gapSteps[g.What]; ok {
				set(name, reports.StepNotTested, g.Error, "")
			}
		}
	}
	evidence(s, v, svc, steps)
	// A step that depends on one that did not pass is not tested.
	after := func(dep string, names ...string) {
		if st := steps[dep]; st.Status != reports.StepOK {
			for _, n := range names {
				set(n, reports.StepNotTested, fmt.Sprintf("not tested: the %s step did not pass", dep), "")
			}
		}
	}
	after(checks.StepDNS, checks.StepHolder, checks.StepIdentity, checks.StepTicket, checks.StepClientRealm)
	after(checks.StepHolder, checks.StepIdentity)

	out := reports.ServiceVerdict{URL: svc.URL, Note: svc.Note, SPN: svc.RequestedSPN, Verdict: reports.Ready,
		Reason: "every step was tested and passed: a client will get a Kerberos ticket the service can decrypt"}
	var untested []string
	for _, name := range order {
		st := steps[name]
		out.Steps = append(out.Steps, *st)
		switch st.Status {
		case reports.StepFail:
			if out.Verdict != reports.NotReady {
				out.Verdict, out.Reason = reports.NotReady, st.Summary
			}
		case reports.StepNotTested:
			untested = append(untested, name)
		}
	}
	if out.Verdict != reports.NotReady && len(untested) > 0 {
		out.Verdict = reports.Unknown
		out.Reason = fmt.Sprintf("no step failed, but %s not tested, so readiness is not proven", strings.Join(untested, ", "))
	}
	return out
}

// evidence marks as passed the steps the snapshot proves (those not
// already decided by a finding or a gap), and as not tested those it
// holds no evidence for.
func evidence(s *audit.Snapshot, v *audit.View, svc audit.Service, steps map[string]*reports.ServiceStep) {
	decide := func(name string, ok bool, yes, no string) {
		st := steps[name]
		if st == nil || st.Status != "" {
			return
		}
		if ok {
			st.Status, st.Summary = reports.StepOK, yes
		} else {
			st.Status, st.Summary = reports.StepNotTested, no
		}
	}
	h, found := s.ServiceHost(svc)
	dnsOK := found && h.Status == audit.DNSOK
	summary := svc.Host + " resolves"
	if h.QueriedAs != "" {
		summary += " as " + h.QueriedAs + " (the domain's DNS suffix, as a member resolves a short name)"
	}
	if len(h.CNAMEs) > 0 {
		summary += fmt.Sprintf("; an alias (CNAME) of %s: clients request the SPN of the canonical name", h.Canonical)
	}
	decide(checks.StepDNS, dnsOK, summary+"; a Windows client requests "+svc.RequestedSPN, "no DNS answer for "+svc.Host)

	var owners []*audit.Account
	via := ""
	if p, err := spn.Parse(svc.RequestedSPN); err == nil && svc.RequestedSPN != "" {
		owners, via = v.TicketOwner(v.ForestKey(svc.Domain), p)
	}
	holder := "no single holder"
	if len(owners) == 1 {
		holder = fmt.Sprintf("%s is held explicitly by %s (%s)", svc.RequestedSPN, owners[0].SAMAccountName, owners[0].Kind)
		if via != "" {
			holder = fmt.Sprintf("no account holds %s; sPNMappings makes it an alias of %s, so the ticket is issued for %s", svc.RequestedSPN, via, owners[0].SAMAccountName)
		}
	}
	decide(checks.StepHolder, len(owners) == 1, holder, "not tested: "+holder)
	decide(checks.StepIdentity, svc.Identity != nil && len(owners) == 1,
		fmt.Sprintf("the service runs as %s, and the tickets are encrypted for %s", svc.Identity.Label(), firstOwner(owners)),
		"the service's identity was not declared")

	var own, client *audit.TicketProbe
	for i := range s.TicketProbes {
		p := &s.TicketProbes[i]
		if !strings.EqualFold(p.SPN, svc.RequestedSPN) || !p.Issued {
			continue
		}
		if own == nil {
			own = p
		}
		if svc.ClientRealm != "" && strings.EqualFold(p.ClientRealm, svc.ClientRealm) {
			client = p
		}
	}
	ticket := "no ticket was issued for " + svc.RequestedSPN
	if own != nil {
		ticket = fmt.Sprintf("the KDC issued a ticket for %s in %s (referral path %s)", own.SPN, own.Realm, strings.Join(own.Path, " → "))
	}
	decide(checks.StepTicket, own != nil, ticket, ticket)
	if svc.ClientRealm != "" {
		realm := strings.ToUpper(svc.ClientRealm)
		ok := client != nil || (own != nil && strings.EqualFold(own.ClientRealm, svc.ClientRealm))
		yes := fmt.Sprintf("a client of %s gets the ticket", realm)
		if client != nil {
			yes = fmt.Sprintf("from %s's KDC the ticket was issued (referral path %s)", realm, strings.Join(client.Path, " → "))
		}
		decide(checks.StepClientRealm, ok, yes, fmt.Sprintf("the path of a client of %s was not tested", realm))
	}
	decide(checks.StepClock, len(s.Clocks) > 0, fmt.Sprintf("%d clock sample(s) of the DC and KDC within the Kerberos tolerance", len(s.Clocks)), "no clock was read")
}

func firstOwner(owners []*audit.Account) string {
	if len(owners) == 0 {
		return "nobody"
	}
	return owners[0].SAMAccountName
}

// verdictExit is the exit status of the services' verdicts: NOT READY
// anywhere is exitcode.ErrFindings (1), else UNKNOWN anywhere is
// exitcode.ErrUnknown (4), else (every service READY) nil.
func verdictExit(vs []reports.ServiceVerdict) error {
	unknown := false
	for _, v := range vs {
		switch v.Verdict {
		case reports.NotReady:
			return exitcode.ErrFindings
		case reports.Unknown:
			unknown = true
		}
	}
	if unknown {
		return exitcode.ErrUnknown
	}
	return nil
}
