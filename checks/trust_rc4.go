package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"

	"github.com/spntrust/spntrust/remediate/action"
)

var trustRC4 = Check{
	ID:       "TRUST-RC4",
	Title:    "Trust uses RC4: referral tickets are not protected with AES",
	Area:     "TRUST",
	Severity: Medium,
	Explanation: `What is checked
  Enabled forest, external and realm trusts whose referral (inter-realm) tickets
  are encrypted with RC4: USES_RC4_ENCRYPTION (0x80) in trustAttributes, or
  msDS-SupportedEncryptionTypes on the trustedDomain object unset, 0 or without
  the AES bits (0x8 AES128, 0x10 AES256). Trusts within a forest are not checked:
  AD keys them itself.

Why it breaks Kerberos
  A client crossing a trust gets a referral ticket encrypted with the trust's
  inter-realm key. When the trustedDomain object does not say the other side
  supports AES, the KDC uses RC4 for it. RC4 is weak (its key is the unsalted NT
  hash of the trust password) and is being disabled: once a KDC or client refuses
  RC4, every cross-trust ticket fails with KDC_ERR_ETYPE_NOSUPP and users fall
  back to NTLM or lose access.

How to fix it
  Mark AES as supported on both trustedDomain objects, in both domains: tick "The
  other domain supports Kerberos AES Encryption" on the trust's properties, or run
  on a DC of each side ksetup /setenctypeattr <partner> AES256-CTS-HMAC-SHA1-96
  AES128-CTS-HMAC-SHA1-96. For an MIT realm, also give the cross-realm principals
  (krbtgt/REALM@DOMAIN and krbtgt/DOMAIN@REALM) AES keys on the MIT KDC and clear
  USES_RC4_ENCRYPTION.

Sources
  [MS-ADTS] 6.1.6.7.9 (trustAttributes USES_RC4_ENCRYPTION); [MS-KILE] 2.2.7
  (msDS-SupportedEncryptionTypes bits) and 3.3.5.7.5 (inter-realm keys); ksetup
  documentation.`,
	Run: runTrustRC4,
}

func runTrustRC4(s *audit.Snapshot, _ Options) []Finding {
	out := trustGapFindings(s, "trust encryption types")
	eachTrust(s, func(d audit.Domain, t audit.Trust) {
		if t.Direction == 0 {
			return
		}
		kind := ClassifyTrust(s, d, t)
		if kind != TrustForest && kind != TrustExternal && kind != TrustRealm {
			return
		}
		if t.Type == 1 { // Windows NT: no Kerberos, nothing to encrypt
			return
		}
		var reasons []string
		if t.Attributes&audit.TrustUsesRC4 != 0 {
			reasons = append(reasons, "USES_RC4_ENCRYPTION (0x80) is set")
		}
		aes := audit.EncAES128 | audit.EncAES256
		switch {
		case t.SupportedEncryptionTypes == nil || *t.SupportedEncryptionTypes == 0:
			reasons = append(reasons, "msDS-SupportedEncryptionTypes is unset, so the KDC assumes RC4")
		case *t.SupportedEncryptionTypes&aes == 0:
			reasons = append(reasons, "msDS-SupportedEncryptionTypes has no AES bit")
		}
		if len(reasons) == 0 {
			return
		}
		out = append(out, trustRC4Finding(s, d, t, kind, reasons))
	})
	return out
}

func trustRC4Finding(s *audit.Snapshot, d audit.Domain, t audit.Trust, kind TrustKind, reasons []string) Finding {
	ev := append(trustEvidence(s, d, t), Evidence{Key: "msDS-SupportedEncryptionTypes", Value: encTypesText(t.SupportedEncryptionTypes)})
	aes := audit.EncAES128 | audit.EncAES256
	note := "msDS-SupportedEncryptionTypes of the trustedDomain object for " + t.Partner
	actions := []Action{
		{Type: ActionSetEncTypes, AccountDN: tdoDN(d, t), Domain: d.DNSName, Value: fmt.Sprint(aes), Note: note,
			Say: action.Say("On a DC of "+d.DNSName+": ", action.CmdLine("ksetup", "/setenctypeattr", action.D(t.Partner), "AES256-CTS-HMAC-SHA1-96", "AES128-CTS-HMAC-SHA1-96"))},
		{Type: ActionSetEncTypes, AccountDN: tdoDN(d, t), Domain: d.DNSName, Value: fmt.Sprint(aes), Note: note,
			Say: action.Say("Or write the attribute directly: ", action.PS("Set-ADObject", "-Server", action.D(d.DNSName), "-Identity", action.D(orUnknown(tdoDN(d, t))),
				"-Replace", fmt.Sprintf("@{'msDS-SupportedEncryptionTypes'=%d}", aes)))},
	}
	if kind != TrustRealm {
		actions = append(actions, Action{Type: ActionManual, Domain: t.Partner, Note: fmt.Sprintf("Do the same on the other side (in %s, for %s), or tick \"The other domain supports Kerberos AES Encryption\" on both sides of the trust.", t.Partner, d.DNSName)})
	}
	if t.Attributes&audit.TrustUsesRC4 != 0 {
		fixed := t.Attributes &^ audit.TrustUsesRC4
		actions = append(actions, Action{Type: ActionManual, AccountDN: tdoDN(d, t), Domain: d.DNSName, Value: fmt.Sprintf("trustAttributes=%d", fixed),
			Say: setTrustAttributesStep("Clear USES_RC4_ENCRYPTION: ", d, t, fixed)})
	}
	if kind == TrustRealm {
		actions = append(actions, Action{Type: ActionManual, Domain: t.Partner, Note: fmt.Sprintf("On the MIT KDC of %s, give krbtgt/%s@%s and krbtgt/%s@%s AES keys (same password as the trust).",
			t.Partner, t.Partner, strings.ToUpper(d.DNSName), strings.ToUpper(d.DNSName), t.Partner)})
	}
	return Finding{
		Severity: Medium,
		Title:    fmt.Sprintf("The %s trust %s -> %s uses RC4", kind, d.DNSName, t.Partner),
		Domain:   d.DNSName,
		Subject:  trustSubject(d, t),
		Affected: []Object{trustObject(d, t)},
		Evidence: ev,
		Explanation: fmt.Sprintf("Referral tickets across the trust %s -> %s are encrypted with RC4: %s. When RC4 is disabled on a KDC "+
			"or client, tickets across this trust fail (KDC_ERR_ETYPE_NOSUPP) and users fall back to NTLM.", d.DNSName, t.Partner, strings.Join(reasons, "; ")),
		Remediation: []Option{{
			Name:    "enable-aes",
			Summary: fmt.Sprintf("Mark AES as supported on the trust between %s and %s, on both sides.", d.DNSName, t.Partner),
			Actions: actions,
		}},
	}
}
