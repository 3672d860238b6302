package checks

import (
	"fmt"

	"github.com/spntrust/spntrust/audit"
)

var etypesNoAES = Check{
	ID:       "KRB-ETYPES-NO-AES",
	Title:    "Service account's encryption types exclude AES: RC4 tickets until RC4 is removed",
	Area:     "KRB",
	Severity: Medium,
	Explanation: `What is checked
  Enabled accounts holding SPNs whose msDS-SupportedEncryptionTypes is set but
  names neither AES type (0x8 AES128, 0x10 AES256): RC4 only (0x4), or RC4 and
  DES. (DES only is KRB-DES-ONLY; unset takes the DC's default and is judged by
  KRB-AES-KEYS.)

Why it breaks Kerberos
  An explicit RC4-only setting overrides the April 2026 default (CVE-2026-20833,
  KB5073381): patched and unpatched DCs alike keep issuing RC4 tickets, and log
  KDCSVC events about them. The service works today, but its tickets are
  encrypted with the unsalted NT hash (fast to crack offline), and it fails
  (KDC_ERR_ETYPE_NOSUPP) as soon as a DC or client policy ("Network security:
  Configure encryption types allowed for Kerberos" without RC4) or Microsoft's
  removal of RC4 takes RC4 away.

How to fix it
  Allow AES: msDS-SupportedEncryptionTypes = 0x18 (24: AES128 + AES256), with
  Set-ADUser/Set-ADComputer -KerberosEncryptionType AES128,AES256, or spntrust fix.
  Where some clients of the service still need RC4 for a while, 0x3C (60: RC4,
  AES128, AES256 and AES session keys) adds AES without removing RC4. Reset the
  password if the account has no AES keys yet (KRB-AES-KEYS).

Sources
  [MS-KILE] 2.2.7 (msDS-SupportedEncryptionTypes bits); KB5073381; KB5021131
  (AES256-CTS-HMAC-SHA1-96-SK, 0x20).`,
	Run: runEtypesNoAES,
}

func runEtypesNoAES(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	out := accountsGapFinding(s, "encryption types of service accounts")
	for i := range s.Accounts {
		a := &s.Accounts[i]
		if len(a.SPNs) == 0 || isDisabled(a) || isKrbtgt(a) || etypesUnset(a) || etypesAllowAES(a) {
			continue
		}
		et := *a.SupportedEncryptionTypes
		if et&audit.EncRC4 == 0 {
			continue // DES only: KRB-DES-ONLY
		}
		who := qualifiedName(ix, a)
		keys := accountAESKeys(ix, a)
		aes := Option{
			Name:    "allow-aes",
			Summary: fmt.Sprintf("Allow AES for %s (0x18, AES only).", who),
			Actions: []Action{{Type: ActionSetEncTypes, AccountDN: a.DN, Account: who, Domain: a.Domain, Value: "24",
				Note: "AES128-CTS-HMAC-SHA1-96 + AES256-CTS-HMAC-SHA1-96", Say: setEncTypesSay(a, 24)}},
		}
		transitional := Option{
			Name:    "add-aes",
			Summary: fmt.Sprintf("Add AES to %s but keep RC4 for clients that still need it (0x3C).", who),
			Actions: []Action{{Type: ActionSetEncTypes, AccountDN: a.DN, Account: who, Domain: a.Domain, Value: "60",
				Note: "RC4-HMAC + AES128 + AES256 + AES256-SK (AES session keys)", Say: setEncTypesSay(a, 60)}},
		}
		keyNote := ""
		var options []Option
		if keys.known && !keys.has {
			keyNote = " It has no AES keys yet (" + keys.evidence + "): reset its password too, or allowing only AES leaves it without any ticket."
			// Allowing only AES without AES keys would leave the account with
			// no ticket at all (KRB-AES-KEYS): that option resets first.
			reset := resetPasswordOption(ix, a, false)
			aes.Actions = append(append([]Action(nil), reset.Actions...), aes.Actions...)
			options = []Option{aes, transitional, reset}
		} else {
			options = []Option{aes, transitional}
		}
		out = append(out, Finding{
			Cause:    accountNoAESCause(a.DN, true),
			Title:    fmt.Sprintf("%s allows no AES (msDS-SupportedEncryptionTypes 0x%x): %s", who, et, serviceList(a)),
			Domain:   a.Domain,
			Subject:  accountSubject(a),
			Affected: []Object{accountObject(a)},
			Evidence: append([]Evidence{
				{Key: "account", Value: fmt.Sprintf("%s (%s)", who, a.DN)},
				{Key: "services", Value: serviceList(a)},
				{Key: "msDS-SupportedEncryptionTypes", Value: etypesValue(a)},
			}, ticketEvidence(s, a)...),
			Explanation: fmt.Sprintf("Tickets for %s are RC4-encrypted on every DC, patched for CVE-2026-20833 or not: the explicit setting overrides the AES default. "+
				"The services work today; they fail once RC4 is disabled by policy or removed, and their tickets are easy to crack meanwhile.%s", serviceList(a), keyNote),
			Remediation: options,
		})
	}
	return out
}
