package checks

import (
	"fmt"
	"math"
	"net"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/remediate/action"
)

var timeSkew = Check{
	ID:       "TIME-SKEW",
	Title:    "Clock skew beyond the Kerberos tolerance",
	Area:     "TIME",
	Severity: Critical,
	Explanation: `What is checked
  Every clock sample of the snapshot: the clock of each DC read over LDAP
  (rootDSE currentTime, source "ldap:<dc>") and of each KDC read from a KRB-ERROR
  (stime, source "kdc:<dc>"), compared with the local clock of the machine that
  ran the audit; and every pair of DCs compared with each other. A skew beyond
  --max-skew (the Kerberos tolerance, 5 minutes by default) is critical, beyond
  --warn-skew (1 minute by default) medium. Each sample is uncertain by half its
  round trip, plus the clock's resolution (LDAP currentTime has whole seconds);
  the evidence says so.

Why it breaks Kerberos
  Kerberos authenticators carry a timestamp; a KDC or service rejects one that
  differs from its own clock by more than the tolerance (KRB_AP_ERR_SKEW, Windows
  SEC_E_TIME_SKEW), and tickets look not yet valid or expired. A skewed client
  gets no ticket; a skewed DC refuses everyone, including referrals from DCs of
  other domains; clients then fall back to NTLM or fail.

How to fix it
  Let the domain hierarchy keep time: the PDC emulator of the forest root domain
  syncs from reliable sources (w32tm /config /manualpeerlist:"<ntp servers>"
  /syncfromflags:manual /reliable:yes /update), every other DC and member syncs
  from the domain (w32tm /config /syncfromflags:domhier /update), then
  w32tm /resync /rediscover. Check with w32tm /monitor or
  w32tm /stripchart /computer:<dc> /samples:5. On Linux, point chrony or ntpd at
  the DCs. A skewed audit machine (every DC skewed by the same amount, DCs agree
  among themselves) only needs its own clock fixed.

Sources
  RFC 4120 1.6 (clock skew, KRB_AP_ERR_SKEW); Kerberos policy "Maximum tolerance
  for computer clock synchronization" (5 minutes by default); w32tm documentation.`,
	Run: runTimeSkew,
}

// clockSource is a sample's kind ("ldap", "kdc") and the DC it measured:
// "kdc:127.0.0.11:88" names the DC holding that address when the snapshot
// knows it, else the address.
func clockSource(ix *view, c audit.ClockSample) (kind, host string) {
	k, h, ok := strings.Cut(c.Source, ":")
	if !ok {
		return "", normDNS(c.Source)
	}
	if hp, _, err := net.SplitHostPort(h); err == nil {
		h = hp
	}
	h = strings.Trim(h, "[]")
	if ip, err := netip.ParseAddr(h); err == nil {
		if fqdn := dcWithAddress(ix, ip); fqdn != "" {
			return strings.ToLower(k), fqdn
		}
	}
	return strings.ToLower(k), normDNS(h)
}

// dcWithAddress returns the FQDN of the DC holding ip (from the directory or
// DNS), or "".
func dcWithAddress(ix *view, ip netip.Addr) string {
	match := func(addrs []string) bool {
		for _, a := range addrs {
			if x, err := netip.ParseAddr(a); err == nil && x == ip {
				return true
			}
		}
		return false
	}
	for _, d := range ix.Snapshot().Domains {
		for _, dc := range d.DCs {
			h, _ := ix.Host(dc.FQDN)
			if match(dc.Addresses) || match(h.A) || match(h.AAAA) {
				return normDNS(dc.FQDN)
			}
		}
	}
	return ""
}

// skewLevel grades a skew: Critical beyond max, Medium beyond warn, "" otherwise.
func skewLevel(d time.Duration, opt Options) Severity {
	if d < 0 {
		d = -d
	}
	switch {
	case d > opt.MaxSkew:
		return Critical
	case d > opt.WarnSkew:
		return Medium
	}
	return ""
}

// uncertainty is half the round trip of a sample.
func uncertainty(c audit.ClockSample) time.Duration {
	return time.Duration(c.RoundTripMs / 2 * float64(time.Millisecond))
}

func runTimeSkew(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	opt = opt.withDefaults()
	if len(s.Clocks) == 0 {
		return []Finding{{
			Severity: Info,
			Status:   NotEvaluated,
			Title:    "No clock samples: clock skew not checked",
			Subject:  "clock samples",
			Affected: []Object{{Kind: "clock", Name: "all DCs"}},
			Evidence: []Evidence{{Key: "clock samples", Value: "none in the snapshot"}},
			Explanation: "The snapshot holds no clock sample of any DC or KDC, so whether clocks are within the Kerberos tolerance is " +
				"unknown. Re-run the audit with the DCs reachable over LDAP or Kerberos.",
		}}
	}
	var out []Finding
	for _, c := range s.Clocks {
		sev := skewLevel(c.Skew(), opt)
		if sev == "" {
			continue
		}
		kind, host := clockSource(ix, c)
		what := "DC " + host
		if kind == "kdc" {
			what = "KDC " + host
		}
		local := orUnknown(s.Collection.Host)
		out = append(out, Finding{
			Severity: sev,
			Title:    fmt.Sprintf("Clock of %s is %s %s the audit machine", what, fmtAbs(c.Skew()), aheadBehind(c.Skew())),
			Impact: fmt.Sprintf("clients whose clocks agree with the audit machine's are %s off %s: beyond %s the KDC refuses their requests (KRB_AP_ERR_SKEW)",
				fmtAbs(c.Skew()), what, opt.MaxSkew),
			Domain:   domainOfName(s, host),
			Subject:  "clock " + kind + ":" + host + " vs local",
			Affected: []Object{{Kind: "clock", Name: c.Source, Domain: domainOfName(s, host)}},
			Evidence: []Evidence{
				{Key: "source", Value: c.Source},
				{Key: "remote time", Value: c.RemoteTime.UTC().Format(time.RFC3339Nano)},
				{Key: "local time (midpoint of the round trip)", Value: c.LocalTime.UTC().Format(time.RFC3339Nano) + " on " + local},
				{Key: "skew (remote - local)", Value: fmtSkew(c)},
				{Key: "limits", Value: fmt.Sprintf("critical beyond %s (Kerberos tolerance), warning beyond %s", opt.MaxSkew, opt.WarnSkew)},
			},
			Explanation: fmt.Sprintf("The clock of %s differs from the audit machine's by %s. %s", what, fmtAbs(c.Skew()), skewMeaning(sev, opt)) +
				" If every DC shows about the same skew, the audit machine's clock is the one that is off.",
			Remediation: []Option{timeFixOption(s, host)},
		})
	}
	out = append(out, dcPairSkew(s, opt)...)
	return out
}

// dcPairSkew compares DCs with each other: one sample per DC, every pair
// once. KDC samples are preferred (microsecond resolution), then the
// shortest round trip.
func dcPairSkew(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	best := map[string]audit.ClockSample{}
	better := func(a, b audit.ClockSample) bool {
		if resolution(a) != resolution(b) {
			return resolution(a) < resolution(b)
		}
		return a.RoundTripMs < b.RoundTripMs
	}
	for _, c := range s.Clocks {
		kind, host := clockSource(ix, c)
		if (kind != "ldap" && kind != "kdc") || host == "" {
			continue
		}
		if b, ok := best[host]; !ok || better(c, b) {
			best[host] = c
		}
	}
	hosts := make([]string, 0, len(best))
	for h := range best {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	var out []Finding
	for i := 0; i < len(hosts); i++ {
		for j := i + 1; j < len(hosts); j++ {
			a, b := best[hosts[i]], best[hosts[j]]
			diff := a.Skew() - b.Skew() // clock of a minus clock of b
			sev := skewLevel(diff, opt)
			if sev == "" {
				continue
			}
			u := uncertainty(a) + uncertainty(b) + max(resolution(a), resolution(b))
			out = append(out, Finding{
				Severity: sev,
				Title:    fmt.Sprintf("DC clocks disagree: %s is %s %s %s", hosts[i], fmtAbs(diff), aheadBehind(diff), hosts[j]),
				Impact: fmt.Sprintf("a client in time with %s is %s off %s: beyond %s tickets one issues are refused by services that check against the other (KRB_AP_ERR_SKEW)",
					hosts[j], fmtAbs(diff), hosts[i], opt.MaxSkew),
				Domain:  domainOfName(s, hosts[i]),
				Subject: "clock " + hosts[i] + " vs " + hosts[j],
				Affected: []Object{
					{Kind: "clock", Name: a.Source, Domain: domainOfName(s, hosts[i])},
					{Kind: "clock", Name: b.Source, Domain: domainOfName(s, hosts[j])},
				},
				Evidence: []Evidence{
					{Key: "skew of " + a.Source + " vs local", Value: fmtSkew(a)},
					{Key: "skew of " + b.Source + " vs local", Value: fmtSkew(b)},
					{Key: "difference (" + hosts[i] + " - " + hosts[j] + ")", Value: fmt.Sprintf("%s ± %s", fmtSigned(diff), fmtDur(u))},
					{Key: "limits", Value: fmt.Sprintf("critical beyond %s (Kerberos tolerance), warning beyond %s", opt.MaxSkew, opt.WarnSkew)},
				},
				Explanation: fmt.Sprintf("The clocks of %s and %s differ by %s (measured through the audit machine's clock, which "+
					"cancels out). %s Referrals and replication between them are affected whatever the clients' clocks say.",
					hosts[i], hosts[j], fmtAbs(diff), skewMeaning(sev, opt)),
				Remediation: []Option{timeFixOption(s, hosts[i], hosts[j])},
			})
		}
	}
	return out
}

func skewMeaning(sev Severity, opt Options) string {
	if sev == Critical {
		return fmt.Sprintf("That is beyond the Kerberos tolerance (%s): authenticators are rejected with KRB_AP_ERR_SKEW and clients fall back to NTLM or fail.", opt.MaxSkew)
	}
	return fmt.Sprintf("That is within the Kerberos tolerance (%s) but beyond the warning threshold (%s): a little more drift and Kerberos fails.", opt.MaxSkew, opt.WarnSkew)
}

func timeFixOption(s *audit.Snapshot, hosts ...string) Option {
	peers := action.CmdLine("w32tm", "/config", `/manualpeerlist:"<ntp servers>"`, "/syncfromflags:manual", "/reliable:yes", "/update")
	pdc := action.Action{Type: ActionManual, Note: "make the forest root's PDC emulator the reliable time source",
		Say: action.Say("On the PDC emulator of the forest root domain: ", peers)}
	for _, f := range s.Forests {
		if f.RootDomain != "" {
			pdc.Domain = f.RootDomain
			pdc.Say = action.Say("On the PDC emulator of "+f.RootDomain+" (", action.PS("Get-ADDomain", action.D(f.RootDomain), "|", "Select-Object", "PDCEmulator"), "): ", peers)
			break
		}
	}
	steps := []Action{pdc}
	for _, h := range hosts {
		steps = append(steps, Action{Type: ActionManual, Host: h, Note: "synchronise time (w32tm /resync)",
			Say: action.Say(fmt.Sprintf("On %s: ", h), action.CmdLine("w32tm", "/config", "/syncfromflags:domhier", "/update"), "; ", action.CmdLine("w32tm", "/resync", "/rediscover"),
				"  (Samba AD on Linux: check ", action.ShLine("chronyc", "tracking"), " / ", action.ShLine("ntpq", "-p"), ")")})
	}
	steps = append(steps, Action{Type: ActionAdvice, Say: action.Say("Check: ", action.CmdLine("w32tm", "/monitor"), ", or ", action.CmdLine("w32tm", "/stripchart", "/computer:<dc>", "/samples:5"),
		"; on the audit machine (Linux): ", action.ShLine("chronyc", "tracking"), ".")})
	return Option{
		Name:    "sync-time",
		Summary: "Synchronise the clocks through the domain hierarchy.",
		Actions: steps,
	}
}

func aheadBehind(d time.Duration) string {
	if d < 0 {
		return "behind"
	}
	return "ahead of"
}

// fmtSkew shows a sample's skew with its uncertainty: half the round trip,
// and for LDAP the whole-second resolution of currentTime (the remote clock
// was up to a second later than it read).
func fmtSkew(c audit.ClockSample) string {
	skew, u, res := c.Skew(), uncertainty(c), resolution(c)
	text := fmt.Sprintf("%s ± %s (round trip %s", fmtSigned(skew), fmtDur(u), fmtDur(time.Duration(c.RoundTripMs*float64(time.Millisecond))))
	if res > 0 {
		text += fmt.Sprintf("; currentTime has whole seconds, so add up to %s", fmtDur(res))
	}
	return text + fmt.Sprintf("; the true skew lies between %s and %s)", fmtSigned(skew-u), fmtSigned(skew+u+res))
}

func fmtSigned(d time.Duration) string {
	if d < 0 {
		return "-" + fmtDur(-d)
	}
	return "+" + fmtDur(d)
}

func fmtAbs(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	return fmtDur(d)
}

// fmtDur rounds to a precision that suits the magnitude.
func fmtDur(d time.Duration) string {
	if math.Abs(float64(d)) >= float64(time.Second) {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(10 * time.Microsecond).String()
}
