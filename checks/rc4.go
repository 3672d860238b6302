package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"

	"github.com/spntrust/spntrust/remediate/action"
)

// Helpers of the RC4-removal checks (KRB-AES-KEYS, KRB-ETYPES-NO-AES,
// KRB-DES-ONLY, KRB-KRBTGT-KEYS, KRB-OS-NO-AES): whether an account has AES
// keys, and the words for what clients see on patched and unpatched DCs.
//
// Since the April 2026 Windows updates (CVE-2026-20833, KB5073381; the
// rollback is gone since July 2026) a patched DC issues only AES service
// tickets for accounts whose msDS-SupportedEncryptionTypes is unset or 0.

// aesKeys is what is known of whether an account has AES keys.
type aesKeys struct {
	known, has bool
	// source says how it is known: the KDC's answer, or the pwdLastSet
	// heuristic; evidence is the fact itself.
	source, evidence string
}

// etypeName names a Kerberos encryption type number.
func etypeName(e int32) string {
	switch e {
	case audit.EtypeAES256:
		return "aes256-cts-hmac-sha1-96"
	case audit.EtypeAES128:
		return "aes128-cts-hmac-sha1-96"
	case audit.EtypeRC4:
		return "rc4-hmac"
	case audit.EtypeDESCBCMD5:
		return "des-cbc-md5"
	case audit.EtypeDESCBCCRC:
		return "des-cbc-crc"
	}
	return fmt.Sprintf("etype %d", e)
}

func etypeNames(es []int32) string {
	var n []string
	for _, e := range es {
		n = append(n, etypeName(e))
	}
	return strings.Join(n, ", ")
}

// accountAESKeys says whether a has AES keys: from the KDC's answer to the
// key probe when there is one, else from pwdLastSet against the time the
// domain began generating AES keys.
func accountAESKeys(ix *view, a *audit.Account) aesKeys {
	if k := a.Keys; k != nil && (k.Outcome == audit.KeysListed || k.Outcome == audit.KeysNoPreauth) {
		return aesKeys{known: true, has: k.HasAES(), source: "live",
			evidence: "the KDC names " + etypeNames(k.Etypes) + " as its key (credential-free AS-REQ, PA-ETYPE-INFO2)"}
	}
	d, ok := ix.DomainByName(a.Domain)
	if !ok || d.AESKeysSince == nil {
		return aesKeys{}
	}
	since := *d.AESKeysSince
	switch {
	case a.PwdLastSet == nil:
		return aesKeys{known: true, has: false, source: "heuristic", evidence: "the password was never set"}
	case a.PwdLastSet.Before(since):
		return aesKeys{known: true, has: false, source: "heuristic",
			evidence: fmt.Sprintf("password last set %s, before the domain began generating AES keys (%s, the creation of its Read-only Domain Controllers group)", day(*a.PwdLastSet), day(since))}
	}
	return aesKeys{known: true, has: true, source: "heuristic",
		evidence: fmt.Sprintf("password last set %s, after the domain began generating AES keys (%s)", day(*a.PwdLastSet), day(since))}
}

// etypesValue describes msDS-SupportedEncryptionTypes for evidence.
func etypesValue(a *audit.Account) string {
	et := a.SupportedEncryptionTypes
	if et == nil || *et == 0 {
		return "unset (the DC's default applies: AES only on a DC patched for CVE-2026-20833, RC4 on an unpatched one)"
	}
	return fmt.Sprintf("%d (0x%x: %s)", *et, *et, strings.Join(audit.DecodeEncTypes(*et), ", "))
}

// etypesUnset reports whether the account takes the DC's default.
func etypesUnset(a *audit.Account) bool {
	return a.SupportedEncryptionTypes == nil || *a.SupportedEncryptionTypes == 0
}

// etypesAllowAES reports whether an explicit msDS-SupportedEncryptionTypes
// names an AES type (false when unset).
func etypesAllowAES(a *audit.Account) bool {
	return !etypesUnset(a) && *a.SupportedEncryptionTypes&(audit.EncAES128|audit.EncAES256) != 0
}

// isDCAccount reports whether a is a domain controller's computer account.
func isDCAccount(a *audit.Account) bool { return a.UserAccountControl&audit.UACServerTrust != 0 }

// serviceList names an account's SPNs for a finding: the services whose
// tickets are encrypted with its keys.
func serviceList(a *audit.Account) string {
	const max = 8
	if len(a.SPNs) <= max {
		return strings.Join(a.SPNs, ", ")
	}
	return strings.Join(a.SPNs[:max], ", ") + fmt.Sprintf(" and %d more", len(a.SPNs)-max)
}

// resetPasswordOption is the fix that creates AES keys: a password reset
// (the DC derives the AES keys from the new password). The password is
// typed by the operator at the prompt (fix.ps1 asks for it) and never
// written anywhere.
func resetPasswordOption(ix *view, a *audit.Account, twice bool) Option {
	who := qualifiedName(ix, a)
	setPW := action.PS("Set-ADAccountPassword", "-Identity", action.D(a.DN), "-Server", action.D(a.Domain), "-Reset", "-NewPassword",
		"(Read-Host", "-AsSecureString", action.D("New password for "+who), ")")
	reset := Action{Type: ActionResetPassword, AccountDN: a.DN, Account: who, Domain: a.Domain,
		Note: "reset the password (the operator types it; it is never written down) so the DC creates AES keys",
		Say:  action.Say(setPW)}
	update := Action{Type: ActionManual, Account: who, Note: "update the password in the service's configuration (service logon, application pool) and restart it"}
	o := Option{
		Name:    "reset-password",
		Summary: fmt.Sprintf("Reset %s's password so the DC creates AES keys for it, then give the service the new password.", who),
		Actions: []Action{reset, update},
	}
	if twice {
		o.Summary = fmt.Sprintf("Reset %s's password twice, waiting for replication to every DC in between, so both keys the KDC keeps have AES.", who)
		reset.Value = "twice"
		reset.Note = "reset the password twice with the replication wait in between (AD sets krbtgt's password itself; nothing typed is kept)"
		reset.Say = action.Say(setPW, ", then ", action.CmdLine("repadmin", "/syncall", "/AdeP"),
			" (or wait for replication to every DC and at least the maximum ticket lifetime, 10 hours by default), then ", setPW)
		o.Actions = []Action{reset}
	}
	return o
}

// setEncTypesSay writes msDS-SupportedEncryptionTypes of a directly.
func setEncTypesSay(a *audit.Account, value int) []action.Part {
	return action.Say(action.PS("Set-ADObject", "-Identity", action.D(a.DN), "-Server", action.D(a.Domain),
		"-Replace", fmt.Sprintf("@{'msDS-SupportedEncryptionTypes'=%d}", value)))
}

// accountSubject is the domain\name subject of an account finding.
func accountSubject(a *audit.Account) string {
	return strings.ToLower(a.Domain + `\` + a.SAMAccountName)
}

// ticketEvidence is what the ticket probes saw for a's services: the
// encryption type of each issued ticket, today's fact behind the finding.
func ticketEvidence(s *audit.Snapshot, a *audit.Account) []Evidence {
	var ev []Evidence
	for _, p := range s.TicketProbes {
		if !p.Issued || p.TicketEtype == 0 {
			continue
		}
		for _, raw := range a.SPNs {
			if strings.EqualFold(p.SPN, raw) {
				ev = append(ev, Evidence{Key: "ticket probe " + p.SPN,
					Value: fmt.Sprintf("issued today: ticket %s, session key %s", etypeName(p.TicketEtype), etypeName(p.SessionEtype))})
			}
		}
	}
	return ev
}
