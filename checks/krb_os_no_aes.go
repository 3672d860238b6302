package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"

	"github.com/spntrust/spntrust/remediate/action"
)

var osNoAES = Check{
	ID:       "KRB-OS-NO-AES",
	Title:    "Computer runs an operating system without Kerberos AES",
	Area:     "KRB",
	Severity: High,
	Explanation: `What is checked
  Enabled computer accounts holding SPNs whose operatingSystem is older than
  Windows Vista / Windows Server 2008 (Windows NT, 2000, XP, Server 2003): the
  first Windows versions with Kerberos AES are Vista and Server 2008.

Why it breaks Kerberos
  Such a computer has no AES keys of its own and cannot decrypt an AES ticket. A
  DC patched for CVE-2026-20833 issues only AES tickets for accounts with unset
  encryption types, so clients get no usable ticket for its services; where RC4
  is allowed explicitly it works until RC4 is removed.

How to fix it
  Replace or upgrade the computer; move its services to a supported server. Until
  then, keep its encryption types explicitly RC4 (msDS-SupportedEncryptionTypes
  0x4) and isolate it, knowing its tickets are easy to crack.

Sources
  Microsoft, "Kerberos Enhancements" (AES in Windows Vista / Server 2008);
  KB5073381 (CVE-2026-20833).`,
	Run: runOSNoAES,
}

// osWithoutAES reports whether a Windows operatingSystem value predates
// Kerberos AES (Vista / Server 2008).
func osWithoutAES(os string) bool {
	o := strings.ToLower(os)
	for _, old := range []string{"windows nt", "windows 2000", "windows xp", "windows server 2003", "windows server® 2003", "windows .net"} {
		if strings.Contains(o, old) {
			return true
		}
	}
	return false
}

func runOSNoAES(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	out := accountsGapFinding(s, "operating systems of computers")
	for i := range s.Accounts {
		a := &s.Accounts[i]
		if a.Kind != audit.KindComputer || len(a.SPNs) == 0 || isDisabled(a) || !osWithoutAES(a.OperatingSystem) {
			continue
		}
		who := qualifiedName(ix, a)
		today := "On a DC patched for CVE-2026-20833 clients get an AES ticket it cannot decrypt, or none: its services fail now."
		if !etypesUnset(a) && *a.SupportedEncryptionTypes&audit.EncRC4 != 0 && !etypesAllowAES(a) {
			today = "Its encryption types are explicitly RC4, so DCs still issue RC4 tickets: it works until RC4 is removed or disabled by policy."
		}
		out = append(out, Finding{
			Title:    fmt.Sprintf("%s runs %s, which has no Kerberos AES: %s", who, a.OperatingSystem, serviceList(a)),
			Domain:   a.Domain,
			Subject:  accountSubject(a),
			Affected: []Object{accountObject(a)},
			Evidence: []Evidence{
				{Key: "account", Value: fmt.Sprintf("%s (%s)", who, a.DN)},
				{Key: "operatingSystem", Value: a.OperatingSystem},
				{Key: "msDS-SupportedEncryptionTypes", Value: etypesValue(a)},
				{Key: "services", Value: serviceList(a)},
			},
			Explanation: fmt.Sprintf("%s cannot use AES keys. %s", who, today),
			Remediation: []Option{{
				Name:    "replace",
				Summary: fmt.Sprintf("Replace or upgrade %s and move its services to a supported server.", who),
				Actions: []Action{{Type: ActionManual, AccountDN: a.DN, Account: who, Domain: a.Domain, Note: "replace or upgrade the computer (no Kerberos AES before Vista / Server 2008)",
					Say: action.Say("move the services (and their SPNs) to a server running a supported Windows version, then retire " + who)}},
			}},
		})
	}
	return out
}
