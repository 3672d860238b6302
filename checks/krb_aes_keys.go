package checks

import (
	"fmt"

	"github.com/spntrust/spntrust/audit"
)

var aesKeysMissing = Check{
	ID:       "KRB-AES-KEYS",
	Title:    "Service account without AES keys: no tickets from DCs that removed RC4",
	Area:     "KRB",
	Severity: High,
	Explanation: `What is checked
  Every enabled account that holds SPNs (users, computers, managed and group
  managed service accounts; krbtgt and DC accounts are KRB-KRBTGT-KEYS), and
  whether the KDC holds an AES key for it. Live evidence first: the audit sends
  each account's KDC a credential-free AS-REQ offering AES, RC4 and DES, and the
  KDC's PA-ETYPE-INFO2 names the key it would use (no password is sent, no logon
  fails, badPwdCount is untouched; --key-probes=false skips it). Where the probe
  was not run, the password's age decides: a password last set before the domain
  began generating AES keys (the creation of its Read-only Domain Controllers
  group, made when the domain first reached the Windows Server 2008 level) has
  no AES keys. Each finding says which evidence it rests on.

Why it breaks Kerberos
  Since the April 2026 Windows updates (CVE-2026-20833, KB5073381; the rollback
  was removed in July 2026) a patched DC issues only AES service tickets for an
  account whose msDS-SupportedEncryptionTypes is unset: for an account with only
  an RC4 key (the NT hash) there is no ticket at all, and clients fail with
  KDC_ERR_ETYPE_NOSUPP and fall back to NTLM or lose access. An unpatched DC
  still issues an RC4 ticket, so the same service works or fails depending on the
  DC the client asks. An account explicitly set to RC4 (0x4) still gets RC4
  tickets, which is an exposure (KRB-ETYPES-NO-AES); one set to AES only without
  AES keys gets no ticket from any DC.

How to fix it
  Reset the account's password (Set-ADAccountPassword -Reset): the DC derives AES
  keys from the new password. Then update the service's configured password. For
  a computer, reset its machine password (Reset-ComputerMachinePassword on it, or
  rejoin); a (group) managed service account rotates its own password.
  Where the account's encryption types themselves exclude AES, the finding is
  linked to KRB-ETYPES-NO-AES or KRB-DES-ONLY (one root cause): their fix resets
  the password too, so reports and plans do it once.

Sources
  KB5073381 (CVE-2026-20833, RC4 service tickets); [MS-KILE] 2.2.7, 3.3.5.7;
  RFC 4120 5.2.7.5 (ETYPE-INFO2); measured on the lab's Samba KDC (an account
  with only an NT hash is answered with rc4-hmac only).`,
	Run: runAESKeysMissing,
}

func runAESKeysMissing(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	out := accountsGapFinding(s, "AES keys of service accounts")
	for i := range s.Accounts {
		a := &s.Accounts[i]
		if len(a.SPNs) == 0 || isDisabled(a) || isKrbtgt(a) || isDCAccount(a) || a.Kind == audit.KindOther {
			continue
		}
		k := accountAESKeys(ix, a)
		if !k.known || k.has {
			continue
		}
		who := qualifiedName(ix, a)
		sev, now := High, ""
		impact := fmt.Sprintf("clients of %s get no ticket for %s from DCs patched for CVE-2026-20833: it has no AES key", servicesText(a.SPNs), who)
		switch {
		case etypesUnset(a):
			now = "On a DC patched for CVE-2026-20833 (April 2026 updates) clients get no ticket for these services (KDC_ERR_ETYPE_NOSUPP): " +
				"Kerberos fails now wherever a patched DC answers; an unpatched DC still issues an RC4 ticket."
		case etypesAllowAES(a) && *a.SupportedEncryptionTypes&audit.EncRC4 == 0:
			now = "Its encryption types allow AES, but it has no AES key: no DC can issue a ticket for it (KDC_ERR_ETYPE_NOSUPP), patched or not."
			impact = fmt.Sprintf("clients of %s get no ticket for %s from any DC: it allows only AES and has no AES key", servicesText(a.SPNs), who)
		default:
			sev = Medium
			impact = fmt.Sprintf("clients of %s get only RC4 tickets for %s, and none once RC4 is disabled or removed: it has no AES key", servicesText(a.SPNs), who)
			now = "Its encryption types explicitly allow RC4 and it has no AES key, so DCs still issue RC4 tickets (patched or not); it stops working when RC4 is disabled " +
				"by policy or removed, and its RC4 tickets are easy to crack (KRB-ETYPES-NO-AES)."
		}
		if k.source == "heuristic" {
			now += " (Judged from the password's age: the key probe was not run for this account.)"
		}
		out = append(out, Finding{
			// Where the encryption types exclude AES, KRB-ETYPES-NO-AES or
			// KRB-DES-ONLY states the condition (their fix resets too).
			Cause:    accountNoAESCause(a.DN, (etypesUnset(a) || etypesAllowAES(a)) && a.UserAccountControl&audit.UACUseDESKeyOnly == 0),
			Severity: sev,
			Title:    fmt.Sprintf("%s has no AES keys: %s", who, serviceList(a)),
			Impact:   impact,
			Domain:   a.Domain,
			Subject:  accountSubject(a),
			Affected: []Object{accountObject(a)},
			Evidence: append([]Evidence{
				{Key: "account", Value: fmt.Sprintf("%s (%s)", who, a.DN)},
				{Key: "services", Value: serviceList(a)},
				{Key: "keys (" + k.source + ")", Value: k.evidence},
				{Key: "msDS-SupportedEncryptionTypes", Value: etypesValue(a)},
			}, ticketEvidence(s, a)...),
			Explanation: fmt.Sprintf("%s holds the keys of %s, and the KDC has no AES key for it. %s", who, serviceList(a), now),
			Remediation: []Option{resetPasswordOption(ix, a, false)},
		})
	}
	return out
}
