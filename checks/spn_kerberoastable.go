package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/spn"

	"github.com/spntrust/spntrust/remediate/action"
)

var kerberoastable = Check{
	ID:       "SPN-KERBEROASTABLE",
	Title:    "Service user can be Kerberoasted (RC4, old password or privileged)",
	Area:     "SPN",
	Severity: High,
	Explanation: `What is checked
  Enabled user accounts (not computers, managed or group managed service
  accounts, whose passwords the system rotates; not krbtgt) that hold SPNs, and:
  allow RC4 (msDS-SupportedEncryptionTypes unset or 0, so the KDC default, which
  allows RC4, applies; or the RC4-HMAC bit 0x4 set; or neither AES bit 0x8/0x10
  set), or have a password older than --password-age-days (default 365) before
  the snapshot was taken, or are privileged (adminCount=1). RC4 is high, an old
  password alone or privilege alone medium; privilege together with RC4 or an
  old password is critical.

Why it breaks Kerberos
  Any authenticated user can ask the KDC for a ticket to any SPN. The ticket is
  encrypted with the service account's key, derived from its password, so it can
  be cracked offline ("Kerberoasting"); RC4 keys are an unsalted hash of the
  password and fast to attack, and a human-chosen password that has not changed
  for years is likely already in a wordlist. A cracked privileged account gives
  its privileges away. RC4 is also being retired: an account that offers only RC4
  stops working where RC4 is disabled by policy (Network security: Configure
  encryption types allowed for Kerberos).

How to fix it
  Best: run the service as a group managed service account (New-ADServiceAccount;
  a 240-character password the domain rotates) and move the SPNs there.
  Otherwise: allow AES only (Set-ADUser <account> -KerberosEncryptionType
  AES128,AES256, i.e. msDS-SupportedEncryptionTypes = 24), then reset the
  password to a long random one (25+ characters) so AES keys exist (a password
  last set before the domain reached the Windows Server 2008 functional level has
  no AES keys). Keep service accounts out of privileged groups.
  When an account's encryption types (no AES, or DES only) are its only reason,
  the finding is linked to KRB-ETYPES-NO-AES or KRB-DES-ONLY (one root cause):
  their fix, AES only, ends both.

Sources
  [MS-KILE] 2.2.7 (supported encryption types), 3.3.5.7; [MS-ADTS] 2.2.16;
  [MS-ADA1] adminCount; Microsoft documentation of group managed service
  accounts and of the Kerberos encryption type policy.`,
	Run: runKerberoastable,
}

func runKerberoastable(s *audit.Snapshot, opt Options) []Finding {
	ix := viewFor(s, opt)
	out := accountsGapFinding(s, "Kerberoastable service users")
	now, haveNow := snapshotNow(s)
	limit := time.Duration(opt.PasswordAgeDays) * 24 * time.Hour
	for i := range s.Accounts {
		a := &s.Accounts[i]
		if a.Kind != audit.KindUser || len(a.SPNs) == 0 || isKrbtgt(a) || isDisabled(a) {
			continue
		}
		if !kerberoastRisk(a, now, haveNow, limit) {
			continue // before building evidence text for every healthy service user
		}
		var reasons []string
		var ev []Evidence
		rc4 := false
		switch et := a.SupportedEncryptionTypes; {
		case et == nil || *et == 0:
			rc4 = true
			reasons = append(reasons, "msDS-SupportedEncryptionTypes is unset, so the KDC default applies and allows RC4")
			ev = append(ev, Evidence{Key: "msDS-SupportedEncryptionTypes", Value: "unset (KDC default: RC4 allowed)"})
		case *et&audit.EncRC4 != 0 || *et&(audit.EncAES128|audit.EncAES256) == 0:
			rc4 = true
			what := "RC4 allowed"
			if *et&audit.EncRC4 == 0 {
				what = "no AES, only weaker types"
			}
			reasons = append(reasons, fmt.Sprintf("msDS-SupportedEncryptionTypes is %d (%s): %s", *et, strings.Join(audit.DecodeEncTypes(*et), ", "), what))
			ev = append(ev, Evidence{Key: "msDS-SupportedEncryptionTypes", Value: fmt.Sprintf("%d (%s)", *et, strings.Join(audit.DecodeEncTypes(*et), ", "))})
		default:
			ev = append(ev, Evidence{Key: "msDS-SupportedEncryptionTypes", Value: fmt.Sprintf("%d (%s)", *et, strings.Join(audit.DecodeEncTypes(*et), ", "))})
		}
		if a.UserAccountControl&audit.UACUseDESKeyOnly != 0 {
			rc4 = true
			reasons = append(reasons, "USE_DES_KEY_ONLY is set")
			ev = append(ev, Evidence{Key: "userAccountControl", Value: fmt.Sprintf("0x%x %v", a.UserAccountControl, audit.DecodeUAC(a.UserAccountControl))})
		}
		old := false
		if haveNow {
			switch {
			case a.PwdLastSet == nil:
				old = true
				reasons = append(reasons, "its password was never set")
				ev = append(ev, Evidence{Key: "pwdLastSet", Value: "never"})
			case now.Sub(*a.PwdLastSet) > limit:
				old = true
				reasons = append(reasons, fmt.Sprintf("its password is %d days old (threshold %d)", daysBetween(*a.PwdLastSet, now), opt.PasswordAgeDays))
				ev = append(ev, Evidence{Key: "pwdLastSet", Value: fmt.Sprintf("%s (%d days before the snapshot)", day(*a.PwdLastSet), daysBetween(*a.PwdLastSet, now))})
			default:
				ev = append(ev, Evidence{Key: "pwdLastSet", Value: day(*a.PwdLastSet)})
			}
		} else {
			ev = append(ev, Evidence{Key: "pwdLastSet", Value: "age not evaluated: the snapshot has no collection time"})
		}
		privileged := a.AdminCount == 1
		if privileged {
			reasons = append(reasons, "it is privileged (adminCount=1)")
			ev = append(ev, Evidence{Key: "adminCount", Value: "1"})
		}
		if !rc4 && !old && !privileged {
			continue
		}
		sev := Medium
		switch {
		case privileged && (rc4 || old):
			sev = Critical
		case rc4:
			sev = High
		}
		f := kerberoastFinding(ix, a, sev, rc4, reasons, ev)
		if !old && !privileged && (!etypesUnset(a) && !etypesAllowAES(a) || a.UserAccountControl&audit.UACUseDESKeyOnly != 0) {
			// Its only reason is what KRB-ETYPES-NO-AES or KRB-DES-ONLY
			// reports; their fix (AES only) ends this one too.
			f.Cause = accountNoAESCause(a.DN, false)
		}
		out = append(out, f)
	}
	return out
}

// kerberoastRisk is the condition runKerberoastable reports on: RC4 (or
// DES) allowed, an old or never-set password, or privilege.
func kerberoastRisk(a *audit.Account, now time.Time, haveNow bool, limit time.Duration) bool {
	et := a.SupportedEncryptionTypes
	rc4 := et == nil || *et == 0 || *et&audit.EncRC4 != 0 || *et&(audit.EncAES128|audit.EncAES256) == 0 ||
		a.UserAccountControl&audit.UACUseDESKeyOnly != 0
	old := haveNow && (a.PwdLastSet == nil || now.Sub(*a.PwdLastSet) > limit)
	return rc4 || old || a.AdminCount == 1
}

func kerberoastFinding(ix *view, a *audit.Account, sev Severity, rc4 bool, reasons []string, ev []Evidence) Finding {
	who := qualifiedName(ix, a)
	ident := action.D(a.SAMAccountName)
	server := action.D(a.Domain)
	gmsaName := "gmsa-" + strings.TrimPrefix(strings.ToLower(a.SAMAccountName), "svc-")
	if len(gmsaName) > 15 {
		gmsaName = gmsaName[:15] // sAMAccountName of a gMSA: 15 characters before the $
	}
	gmsa := Option{
		Name:    "gmsa",
		Summary: fmt.Sprintf("Run the service as a group managed service account instead of %s and move the SPNs there.", who),
		Actions: []Action{
			{Type: ActionManual, Account: who, Domain: a.Domain,
				Note: "create gMSA " + gmsaName + ", run the service as it and register the SPNs on it",
				Say: action.Say(action.PS("New-ADServiceAccount", "-Name", action.D(gmsaName), "-Server", server, "-DNSHostName", action.D(gmsaName+"."+a.Domain),
					"-KerberosEncryptionType", "AES128,AES256", "-PrincipalsAllowedToRetrieveManagedPassword", "<servers running the service>"))},
			{Type: ActionManual, Account: who, Domain: a.Domain,
				Say: action.Say(action.PS("Install-ADServiceAccount", action.D(gmsaName)), " (on each server), then configure the service to run as "+gmsaName+"$")},
		},
	}
	for _, raw := range a.SPNs {
		gmsa.Actions = append(gmsa.Actions, Action{Type: ActionRemoveSPN, AccountDN: a.DN, Account: who, Domain: a.Domain, SPN: raw})
	}
	gmsaAccount := ix.NetBIOSOf(a.Domain) + `\` + gmsaName + "$"
	for _, raw := range a.SPNs {
		if why := gmsaLeaveOut(ix, a, raw); why != "" {
			gmsa.Actions = append(gmsa.Actions, Action{Type: ActionAdvice, SPN: raw,
				Note: fmt.Sprintf("Do not register %s on %s: %s.", raw, gmsaAccount, why)})
			continue
		}
		gmsa.Actions = append(gmsa.Actions, Action{Type: ActionManual, Account: gmsaAccount, Domain: a.Domain, SPN: raw,
			Note: "register the SPN on the gMSA once it exists", Say: action.Say(action.SetSPN(ActionAddSPN, raw, gmsaAccount))})
	}

	harden := Option{
		Name:    "aes-only",
		Summary: fmt.Sprintf("Keep %s but allow AES only and give it a long random password.", who),
		// The reset comes first: it creates the AES keys that allowing only
		// AES needs (the other order leaves a window with no ticket at all).
		Actions: []Action{
			{Type: ActionResetPassword, AccountDN: a.DN, Account: who, Domain: a.Domain, Note: "reset the password to a long random value and update the service",
				Say: action.Say(action.PS("Set-ADAccountPassword", "-Identity", ident, "-Server", server, "-Reset"),
					" (a random password of 25+ characters; creates the AES keys), then update the service's configured password")},
			{Type: ActionSetEncTypes, AccountDN: a.DN, Account: who, Domain: a.Domain, Value: "24", Note: "AES128-CTS-HMAC-SHA1-96 + AES256-CTS-HMAC-SHA1-96",
				Say: action.Say(action.PS("Set-ADUser", "-Identity", ident, "-Server", server, "-KerberosEncryptionType", "AES128,AES256"))},
		},
	}
	if !rc4 {
		harden.Summary = fmt.Sprintf("Give %s a long random password (it already allows AES only).", who)
		harden.Actions = harden.Actions[:1]
	}
	options := []Option{gmsa, harden}
	if a.AdminCount == 1 {
		options = append(options, Option{
			Name:    "unprivilege",
			Summary: fmt.Sprintf("Take %s out of privileged groups: a service account needs only the rights of its service.", who),
			Actions: []Action{{Type: ActionManual, AccountDN: a.DN, Account: who, Domain: a.Domain, Note: "remove from privileged groups",
				Say: action.Say(action.PS("Get-ADPrincipalGroupMembership", "-Identity", ident, "-Server", server), " (then Remove-ADGroupMember for each privileged group)")}},
		})
	}
	ev = append([]Evidence{
		{Key: "account", Value: fmt.Sprintf("%s (%s)", who, a.DN)},
		{Key: "spns", Value: strings.Join(a.SPNs, ", ")},
	}, ev...)
	return Finding{
		Severity: sev,
		Title:    fmt.Sprintf("Service user %s can be Kerberoasted: %s", a.SAMAccountName, strings.Join(shortReasons(reasons), ", ")),
		Domain:   a.Domain,
		Subject:  strings.ToLower(a.Domain + `\` + a.SAMAccountName),
		Affected: []Object{accountObject(a)},
		Evidence: ev,
		Explanation: fmt.Sprintf("Any authenticated user can request a ticket for %s's SPNs and try to crack its password offline; %s.",
			who, strings.Join(reasons, "; ")),
		Remediation: options,
	}
}

// shortReasons condenses the reasons for a title.
func shortReasons(reasons []string) []string {
	var out []string
	for _, r := range reasons {
		switch {
		case strings.Contains(r, "USE_DES_KEY_ONLY"):
			out = append(out, "DES only")
		case strings.Contains(r, "no AES"):
			out = append(out, "no AES")
		case strings.Contains(r, "RC4"):
			out = append(out, "RC4 allowed")
		case strings.Contains(r, "password"):
			out = append(out, "old password")
		case strings.Contains(r, "adminCount"):
			out = append(out, "privileged")
		}
	}
	return dedupeStrings(out)
}

// gmsaLeaveOut says why an SPN of a must not be moved to the gMSA (it
// would carry a problem another check reports to the new account), or "".
func gmsaLeaveOut(ix *view, a *audit.Account, raw string) string {
	p, err := spn.Parse(raw)
	if err != nil {
		return "it is malformed (see SPN-MALFORMED)"
	}
	for _, h := range ix.Holders(p.Key()).All() {
		if h != a {
			return fmt.Sprintf("%s holds it too (see SPN-DUPLICATE); resolve that first", qualifiedName(ix, h))
		}
	}
	// An alias of a class the forest's sPNMappings map (HTTP → HOST):
	// while a computer holds the mapped SPN, the KDC gives that host's
	// tickets to whoever holds the alias explicitly.
	if f, ok := ix.ForestOf(a.Domain); ok && p.Port == "" {
		if target := f.SPNMappings[p.Class()]; target != "" && target != p.Class() {
			mapped := p
			mapped.ServiceClass = target
			mapped.Raw = strings.ToUpper(target) + strings.TrimPrefix(p.Raw, p.ServiceClass) // sPNMappings values are lower case
			for _, h := range ix.HoldersIn(ix.ForestKey(a.Domain), mapped.Key()) {
				if h.Kind == audit.KindComputer {
					return fmt.Sprintf("computer %s holds %s, and %s on any other account takes that host's tickets from it (see SPN-USER-HOST-ALIAS); "+
						"run the service as the computer, or have clients ask for a port-qualified SPN and register that form instead", qualifiedName(ix, h), mapped.Raw, raw)
				}
			}
		}
	}
	if h, ok := ix.Host(spn.NormalizeHost(p.Host)); ok && h.Status != audit.DNSOK {
		return fmt.Sprintf("its host %s has no DNS answer (%s; see SPN-DNS-MISSING)", p.Host, h.Status)
	}
	return ""
}
