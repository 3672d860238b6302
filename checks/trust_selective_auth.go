package checks

import (
	"fmt"

	"github.com/spntrust/spntrust/audit"

	"github.com/spntrust/spntrust/remediate/action"
)

var trustSelectiveAuth = Check{
	ID:       "TRUST-SELECTIVE-AUTH",
	Title:    "Selective authentication on a trust: services need \"Allowed to Authenticate\"",
	Area:     "TRUST",
	Severity: Info,
	Explanation: `What is checked
  Forest and external trusts with CROSS_ORGANIZATION (0x10), selective
  authentication, on the trusting side (trustDirection outbound or bidirectional).

Why it breaks Kerberos
  Across a selective-authentication trust the KDC of the trusting domain checks,
  for every service ticket, that the user from the other side has the "Allowed to
  Authenticate" right on the service's account (the computer or service account
  holding the SPN). Without it the KDC refuses the ticket (KDC_ERR_POLICY) and the
  client sees an access error or falls back to NTLM, which the DC then refuses
  too. A new service works for local users and fails only for users from the other
  forest. This is a deliberate setting, reported for information.

How to fix it
  Keep selective authentication and grant "Allowed to Authenticate" on each
  service's account to the groups of the other side that use it:
  dsacls "<service account DN>" /G "<OTHER>\<group>:CA;Allowed to Authenticate".
  Or switch the trust to forest-wide authentication:
  netdom trust <trusting> /domain:<trusted> /SelectiveAUTH:No.

Sources
  [MS-ADTS] 6.1.6.7.9 (trustAttributes CROSS_ORGANIZATION); [MS-KILE] 3.3.5.7.5
  (the ACTRL_DS_CONTROL_ACCESS check on the server account); netdom trust and
  dsacls documentation.`,
	Run: runTrustSelectiveAuth,
}

func runTrustSelectiveAuth(s *audit.Snapshot, _ Options) []Finding {
	out := trustGapFindings(s, "selective authentication")
	eachTrust(s, func(d audit.Domain, t audit.Trust) {
		if !trustsOutbound(t) || t.Attributes&audit.TrustCrossOrg == 0 {
			return
		}
		kind := ClassifyTrust(s, d, t)
		if kind != TrustForest && kind != TrustExternal {
			return
		}
		other := t.FlatName
		if other == "" {
			other = "<" + t.Partner + " NetBIOS name>"
		}
		grant := action.CmdLine("dsacls", fmt.Sprintf(`"<DN of the service's account in %s>"`, d.DNSName), "/G", action.D(other+`\<group>:CA;Allowed to Authenticate`))
		netdom := action.CmdLine("netdom", "trust", action.D(d.DNSName), action.D("/domain:"+t.Partner), "/SelectiveAUTH:No")
		out = append(out, Finding{
			Severity: Info,
			Title:    fmt.Sprintf("Selective authentication on the %s trust %s -> %s", kind, d.DNSName, t.Partner),
			Domain:   d.DNSName,
			Subject:  trustSubject(d, t),
			Affected: []Object{trustObject(d, t)},
			Evidence: trustEvidence(s, d, t),
			Explanation: fmt.Sprintf("Users of %s get service tickets for a service in %s only if they hold \"Allowed to Authenticate\" "+
				"on the account holding the service's SPN (the computer, or the service account); otherwise the KDC refuses with KDC_ERR_POLICY.",
				t.Partner, d.DNSName),
			Remediation: []Option{
				{
					Name:    "grant-allowed-to-authenticate",
					Summary: fmt.Sprintf("Keep selective authentication; grant the users of %s that need a service the right on its account.", t.Partner),
					Actions: []Action{{Type: ActionManual, Domain: d.DNSName, Note: "grant Allowed to Authenticate on each service's account",
						Say: action.Say("For each service used from "+t.Partner+": ", grant)}},
				},
				{
					Name:    "forest-wide-authentication",
					Summary: fmt.Sprintf("Let every user of %s authenticate to every service in %s.", t.Partner, d.DNSName),
					Actions: []Action{{Type: ActionManual, AccountDN: tdoDN(d, t), Domain: d.DNSName,
						Value: fmt.Sprintf("trustAttributes=%d", t.Attributes&^audit.TrustCrossOrg), Note: "turn selective authentication off",
						Say: action.Say(netdom)}},
				},
			},
		})
	})
	return out
}
