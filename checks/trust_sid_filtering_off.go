package checks

import (
	"fmt"

	"github.com/spntrust/spntrust/audit"

	"github.com/spntrust/spntrust/remediate/action"
)

var trustSIDFilteringOff = Check{
	ID:       "TRUST-SID-FILTERING-OFF",
	Title:    "SID filtering relaxed or off on a trust to another forest",
	Area:     "TRUST",
	Severity: High,
	Explanation: `What is checked
  Trusts of a domain that trusts another forest (trustDirection outbound or
  bidirectional: its DCs filter the SIDs arriving from the other side):
  - an external trust without QUARANTINED_DOMAIN (0x4): SID filtering is off;
  - a forest trust with TREAT_AS_EXTERNAL (0x40): SID history from the other
    forest is accepted (netdom /EnableSIDHistory:yes).
  Trusts within a forest and realm trusts are not filtered this way and are not
  checked.

Why it breaks Kerberos
  Kerberos carries the user's groups in the ticket's PAC. Across a trust, the
  trusting domain's KDC filters the SIDs that the other side claims; without
  filtering an administrator of the trusted domain (or whoever compromised it) can
  put any SID, such as Domain Admins or Enterprise Admins of the trusting forest,
  into SID history and be granted that access. It does not stop tickets from
  being issued: it makes every ticket from the other side as powerful as that
  side says.

How to fix it
  External trust: netdom trust <trusting> /domain:<trusted> /quarantine:yes.
  Forest trust: netdom trust <trusting forest root> /domain:<trusted forest root>
  /EnableSIDHistory:no. First make sure no migration still relies on SID history
  across the trust.

Sources
  [MS-ADTS] 6.1.6.7.9 (trustAttributes QUARANTINED_DOMAIN, TREAT_AS_EXTERNAL);
  [MS-PAC] 4.1.2.2 (SID filtering and claims transformation); netdom trust
  documentation.`,
	Run: runTrustSIDFilteringOff,
}

func runTrustSIDFilteringOff(s *audit.Snapshot, _ Options) []Finding {
	out := trustGapFindings(s, "SID filtering")
	eachTrust(s, func(d audit.Domain, t audit.Trust) {
		if !trustsOutbound(t) {
			return
		}
		switch ClassifyTrust(s, d, t) {
		case TrustExternal:
			if t.Attributes&audit.TrustQuarantined == 0 {
				out = append(out, sidFilteringFinding(s, d, t, High,
					fmt.Sprintf("SID filtering is off on the external trust %s -> %s", d.DNSName, t.Partner),
					fmt.Sprintf("%s trusts %s without QUARANTINED_DOMAIN (0x4): its DCs accept every SID that %s puts into a user's PAC, "+
						"including SID history naming %s's administrators.", d.DNSName, t.Partner, t.Partner, d.DNSName),
					action.CmdLine("netdom", "trust", action.D(d.DNSName), action.D("/domain:"+t.Partner), "/quarantine:yes"),
					t.Attributes|audit.TrustQuarantined))
			}
		case TrustForest:
			if t.Attributes&audit.TrustTreatAsExternal != 0 {
				out = append(out, sidFilteringFinding(s, d, t, Medium,
					fmt.Sprintf("SID history accepted across the forest trust %s -> %s (TREAT_AS_EXTERNAL)", d.DNSName, t.Partner),
					fmt.Sprintf("The forest trust %s -> %s has TREAT_AS_EXTERNAL (0x40): it is filtered like an external trust, so SID history "+
						"from %s's forest is accepted by %s's DCs.", d.DNSName, t.Partner, t.Partner, d.DNSName),
					action.CmdLine("netdom", "trust", action.D(d.DNSName), action.D("/domain:"+t.Partner), "/EnableSIDHistory:no"),
					t.Attributes&^audit.TrustTreatAsExternal))
			}
		}
	})
	return out
}

func sidFilteringFinding(s *audit.Snapshot, d audit.Domain, t audit.Trust, sev Severity, title, why string, netdom *action.Command, fixed uint32) Finding {
	return Finding{
		Severity:    sev,
		Title:       title,
		Domain:      d.DNSName,
		Subject:     trustSubject(d, t),
		Affected:    []Object{trustObject(d, t)},
		Evidence:    trustEvidence(s, d, t),
		Explanation: why + " Confirm no migration still relies on SID history across this trust, then turn filtering on.",
		Remediation: []Option{{
			Name:    "enable-sid-filtering",
			Summary: fmt.Sprintf("Turn SID filtering on for %s's trust of %s.", d.DNSName, t.Partner),
			Actions: []Action{
				{Type: ActionManual, AccountDN: tdoDN(d, t), Domain: d.DNSName, Value: fmt.Sprintf("trustAttributes=%d", fixed),
					Note: "turn SID filtering on", Say: action.Say(netdom)},
				{Type: ActionManual, AccountDN: tdoDN(d, t), Domain: d.DNSName, Value: fmt.Sprintf("trustAttributes=%d", fixed),
					Say: setTrustAttributesStep("Or write the attribute directly: ", d, t, fixed)},
			},
		}},
	}
}
