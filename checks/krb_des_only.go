package checks

import (
	"fmt"

	"github.com/spntrust/spntrust/audit"

	"github.com/spntrust/spntrust/remediate/action"
)

var desOnly = Check{
	ID:       "KRB-DES-ONLY",
	Title:    "Account restricted to DES: no Kerberos tickets from current DCs",
	Area:     "KRB",
	Severity: High,
	Explanation: `What is checked
  Enabled accounts holding SPNs with USE_DES_KEY_ONLY (0x200000) in
  userAccountControl, or whose msDS-SupportedEncryptionTypes names only DES
  (0x1 DES-CBC-CRC, 0x2 DES-CBC-MD5).

Why it breaks Kerberos
  DES has been disabled by default since Windows 7 and Windows Server 2008 R2: a
  DC does not issue a DES ticket, so the account's services get no Kerberos
  tickets at all (KDC_ERR_ETYPE_NOSUPP), on patched and unpatched DCs alike.

How to fix it
  Clear USE_DES_KEY_ONLY (Set-ADAccountControl -UseDESKeyOnly $false), set
  msDS-SupportedEncryptionTypes to 0x18 (AES), and reset the password so AES keys
  exist.

Sources
  [MS-ADTS] 2.2.16 (userAccountControl); [MS-KILE] 2.2.7; Microsoft, "Changes in
  Kerberos Authentication" (Windows 7 / Server 2008 R2, DES disabled by default).`,
	Run: runDESOnly,
}

func runDESOnly(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	out := accountsGapFinding(s, "DES-only accounts")
	for i := range s.Accounts {
		a := &s.Accounts[i]
		if len(a.SPNs) == 0 || isDisabled(a) {
			continue
		}
		useDES := a.UserAccountControl&audit.UACUseDESKeyOnly != 0
		desTypes := !etypesUnset(a) && *a.SupportedEncryptionTypes&^(audit.EncDESCBCCRC|audit.EncDESCBCMD5) == 0
		if !useDES && !desTypes {
			continue
		}
		who := qualifiedName(ix, a)
		ev := []Evidence{
			{Key: "account", Value: fmt.Sprintf("%s (%s)", who, a.DN)},
			{Key: "services", Value: serviceList(a)},
			{Key: "msDS-SupportedEncryptionTypes", Value: etypesValue(a)},
		}
		fix := Option{
			Name:    "allow-aes",
			Summary: fmt.Sprintf("Let %s use AES instead of DES.", who),
		}
		if useDES {
			ev = append(ev, Evidence{Key: "userAccountControl", Value: fmt.Sprintf("0x%x %v", a.UserAccountControl, audit.DecodeUAC(a.UserAccountControl))})
			fix.Actions = append(fix.Actions, Action{Type: ActionManual, AccountDN: a.DN, Account: who, Domain: a.Domain, Note: "clear USE_DES_KEY_ONLY in userAccountControl",
				Say: action.Say(action.PS("Set-ADAccountControl", "-Identity", action.D(a.DN), "-Server", action.D(a.Domain), "-UseDESKeyOnly", "$false"))})
		}
		if k := accountAESKeys(ix, a); !k.known || !k.has {
			// AES only without AES keys would leave no ticket at all
			// (KRB-AES-KEYS): reset the password before allowing AES.
			fix.Actions = append(fix.Actions, resetPasswordOption(ix, a, false).Actions...)
		}
		fix.Actions = append(fix.Actions, Action{Type: ActionSetEncTypes, AccountDN: a.DN, Account: who, Domain: a.Domain, Value: "24", Note: "AES128 + AES256",
			Say: setEncTypesSay(a, 24)})
		out = append(out, Finding{
			Cause:       accountNoAESCause(a.DN, true),
			Impact:      fmt.Sprintf("clients of %s get no ticket for %s: no current DC issues DES tickets", servicesText(a.SPNs), who),
			Title:       fmt.Sprintf("%s is restricted to DES: %s", who, serviceList(a)),
			Domain:      a.Domain,
			Subject:     accountSubject(a),
			Affected:    []Object{accountObject(a)},
			Evidence:    ev,
			Explanation: fmt.Sprintf("No current DC issues DES tickets, so clients get no Kerberos ticket for %s, on patched and unpatched DCs alike.", serviceList(a)),
			Remediation: []Option{fix, resetPasswordOption(ix, a, false)},
		})
	}
	return out
}
