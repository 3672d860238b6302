package checks

import (
	"fmt"

	"github.com/spntrust/spntrust/audit"

	"github.com/spntrust/spntrust/remediate/action"
)

var trustTGTDelegation = Check{
	ID:       "TRUST-TGT-DELEGATION",
	Title:    "TGT delegation enabled across a trust to another forest",
	Area:     "TRUST",
	Severity: Medium,
	Explanation: `What is checked
  Forest and external trusts with CROSS_ORGANIZATION_ENABLE_TGT_DELEGATION
  (0x800) on the side whose users the trust carries (trustDirection inbound or
  bidirectional: the other forest trusts this one).

Why it breaks Kerberos
  With the bit set, the KDC lets services in the other forest that are trusted
  for unconstrained delegation receive the full TGTs of this forest's users.
  Whoever controls such a service, or the other forest, can then act as those
  users, administrators included, anywhere in this forest: the forest stops being
  a security boundary. Since the 2019 updates (KB4490425) TGT delegation across
  forest trusts is off unless this bit is set. Constrained delegation (and
  resource-based constrained delegation) does not need it.

How to fix it
  Move the services that need it to constrained or resource-based constrained
  delegation, then clear the bit in the forest whose users are delegated:
  netdom trust <trusting forest> /domain:<this forest> /EnableTGTDelegation:No
  (or clear 0x800 in trustAttributes of the trustedDomain object).

Sources
  [MS-ADTS] 6.1.6.7.9 (trustAttributes CROSS_ORGANIZATION_ENABLE_TGT_DELEGATION,
  CROSS_ORGANIZATION_NO_TGT_DELEGATION); [MS-KILE] 3.3.5.7.5; Microsoft KB4490425
  (Updates to TGT delegation across incoming trusts in Windows Server).`,
	Run: runTrustTGTDelegation,
}

func runTrustTGTDelegation(s *audit.Snapshot, _ Options) []Finding {
	out := trustGapFindings(s, "TGT delegation across trusts")
	eachTrust(s, func(d audit.Domain, t audit.Trust) {
		if !trustsInbound(t) || t.Attributes&audit.TrustEnableTGTDeleg == 0 {
			return
		}
		kind := ClassifyTrust(s, d, t)
		if kind != TrustForest && kind != TrustExternal {
			return
		}
		fixed := t.Attributes &^ audit.TrustEnableTGTDeleg
		netdom := action.CmdLine("netdom", "trust", action.D(t.Partner), action.D("/domain:"+d.DNSName), "/EnableTGTDelegation:No")
		out = append(out, Finding{
			Severity: Medium,
			Title:    fmt.Sprintf("TGT delegation enabled across the %s trust %s -> %s", kind, d.DNSName, t.Partner),
			Domain:   d.DNSName,
			Subject:  trustSubject(d, t),
			Affected: []Object{trustObject(d, t)},
			Evidence: trustEvidence(s, d, t),
			Explanation: fmt.Sprintf("Services in %s trusted for unconstrained delegation receive the full TGTs of %s's users "+
				"(CROSS_ORGANIZATION_ENABLE_TGT_DELEGATION, 0x800): whoever controls such a service can act as those users anywhere in %s.",
				t.Partner, d.DNSName, d.DNSName),
			Remediation: []Option{{
				Name:    "disable-tgt-delegation",
				Summary: fmt.Sprintf("Stop delegating %s's TGTs to %s; use constrained delegation for the services that need it.", d.DNSName, t.Partner),
				Actions: []Action{
					{Type: ActionManual, Domain: t.Partner, Note: fmt.Sprintf("Find the services in %s that rely on it (accounts with TRUSTED_FOR_DELEGATION, 0x80000) and move them to constrained or resource-based constrained delegation.", t.Partner)},
					{Type: ActionManual, AccountDN: tdoDN(d, t), Domain: d.DNSName, Value: fmt.Sprintf("trustAttributes=%d", fixed),
						Note: "turn TGT delegation off", Say: action.Say("In "+d.DNSName+": ", netdom)},
					{Type: ActionManual, AccountDN: tdoDN(d, t), Domain: d.DNSName, Value: fmt.Sprintf("trustAttributes=%d", fixed),
						Say: setTrustAttributesStep("Or write the attribute directly: ", d, t, fixed)},
				},
			}},
		})
	})
	return out
}
