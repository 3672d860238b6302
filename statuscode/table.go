package statuscode

// Sources cited by the table. Values were checked against them (see
// table_test.go for the spot checks that pin the best-known ones).
const (
	srcWin32    = "[MS-ERREF] 2.2 Win32 Error Codes; winerror.h"
	srcNERR     = "lmerr.h (NERR_BASE 2100 + 140); [MS-ERREF] 2.2"
	srcHRESULT  = "[MS-ERREF] 2.1 HRESULT Values; winerror.h (SEC_E_*, SEC_I_*)"
	srcNTSTATUS = "[MS-ERREF] 2.3 NTSTATUS Values; ntstatus.h"
	srcRFC4120  = "RFC 4120 section 7.5.9 (Error Codes); [MS-KILE] 3.1.5"
	srcIIS      = "Microsoft KB 943891 \"The HTTP status code in IIS 7.0 and later versions\"; IIS 6.0 Operations Guide table 11.6 (HTTP 401 substatus codes)"
)

// Check IDs, named once so a typo is a compile error.
const (
	ckUserHostAlias   = "SPN-USER-HOST-ALIAS"
	ckDuplicate       = "SPN-DUPLICATE"
	ckDNSMissing      = "SPN-DNS-MISSING"
	ckDNSCNAME        = "SPN-DNS-CNAME"
	ckShortnamePair   = "SPN-SHORTNAME-PAIR"
	ckAccountDisabled = "SPN-ACCOUNT-DISABLED"
	ckAccountExpired  = "SPN-ACCOUNT-EXPIRED"
	ckMalformed       = "SPN-MALFORMED"
	ckKerberoastable  = "SPN-KERBEROASTABLE"
	ckTrustExternal   = "TRUST-EXTERNAL-KERBEROS"
	ckTrustRC4        = "TRUST-RC4"
	ckTrustSelective  = "TRUST-SELECTIVE-AUTH"
	ckTrustTGTDeleg   = "TRUST-TGT-DELEGATION"
	ckTimeSkew        = "TIME-SKEW"
	ckKrbTicket       = "KRB-TICKET"
	ckDNSSRVMissing   = "DNS-SRV-MISSING"
	ckSRVTarget       = "DNS-SRV-TARGET"
	ckCrossRealm      = "KRB-CROSS-REALM-PATH"
	ckLevelDomain     = "LEVEL-DOMAIN"
)

// CheckIDs lists every check ID the table refers to.
func CheckIDs() []string {
	return []string{ckUserHostAlias, ckDuplicate, ckDNSMissing, ckDNSCNAME, ckShortnamePair,
		ckAccountDisabled, ckAccountExpired, ckMalformed, ckKerberoastable, ckTrustExternal,
		ckTrustRC4, ckTrustSelective, ckTrustTGTDeleg, ckTimeSkew, ckKrbTicket, ckDNSSRVMissing, ckSRVTarget,
		ckCrossRealm, ckLevelDomain}
}

// Causes shared by several codes of the same condition.
const (
	causeWrongAccount = "The service could not decrypt the Kerberos ticket because the KDC encrypted it for a different " +
		"account than the one the service runs as. Usual reasons: the SPN the client asked for (HTTP/<host>) is " +
		"registered on a user or service account while IIS runs as the computer (or the reverse: the SPN is on the " +
		"computer while the app pool runs as a domain account without useAppPoolCredentials); the SPN is registered " +
		"twice; or the account's password changed and the service still uses the old key."
	causeSkew = "The clocks of client, server and KDC differ by more than the Kerberos tolerance (5 minutes by " +
		"default). Fix the time hierarchy: members follow their DC, DCs follow the domain's PDC emulator, the " +
		"forest root PDC emulator follows a reliable source."
	causeNoSPN = "The KDC has no account holding the SPN the client asked for. The client builds the SPN from the " +
		"name it connected to after CNAME resolution, without the port: a missing SPN, an SPN for the alias " +
		"instead of the canonical name, a short name without its FQDN pair (or the reverse), a host missing " +
		"from DNS, or a name in another forest reached over an external trust (no referral) all end here."
	causeNoDC = "No domain controller or KDC could be reached for the account's domain: DNS SRV records " +
		"(_kerberos._tcp, _ldap._tcp.dc._msdcs) missing or wrong, DCs down or firewalled (88, 389, 445, 135 and " +
		"RPC ports), or a trust whose other side cannot be located."
	causeETYPE = "Client, KDC and the target account share no encryption type: the account has only RC4 or DES " +
		"keys while RC4 is disabled (or the reverse), msDS-SupportedEncryptionTypes excludes what the client " +
		"offers, or a trust has no AES keys. Reset the account password after enabling AES so AES keys exist."
	causeDisabled = "The account is disabled, locked out or expired. For a service account holding SPNs, every " +
		"client asking for its SPNs fails."
	causeBadPassword = "The credentials were wrong: a mistyped or changed password (NTLM, Basic), a stale " +
		"password cached by a service, scheduled task or mapped drive, or a service key (keytab) older than the " +
		"account's password."
	causeTrustBroken = "The trust's shared secret or the secure channel to the trusted domain failed: the trust " +
		"password is out of sync, the other side's DCs cannot be located or reached, or the trust was removed " +
		"on one side. Verify with `netdom trust <trusting> /domain:<trusted> /verify` or `nltest /sc_verify:<domain>`."
	causeSecureChannel = "This computer's secure channel to its domain is broken: its machine account password " +
		"no longer matches the directory (restored from an old snapshot, reset, or the account was deleted or " +
		"recreated). Repair with `Test-ComputerSecureChannel -Repair` or rejoin; no spntrust check covers a member's " +
		"own secure channel."
	causeFirewall = "The trust uses selective authentication (or an authentication policy silo applies) and the " +
		"user is not granted \"Allowed to Authenticate\" on the target computer account."
	causeDowngrade = "Negotiate saw Kerberos fail and refused to fall back to NTLM (or detected the fallback as a " +
		"possible downgrade attack). The Kerberos failure underneath is the real problem: usually an SPN on the " +
		"wrong account or missing."
)

// Hints for bind and probe errors: the usual causes of a KRB-ERROR, in one
// clause (Code.Hint).
const (
	hintAccountUnusable  = "the account is disabled, locked out or expired"
	hintUnknownClient    = "no such account in this realm: check the user name, and that the realm is the AD domain's DNS name in upper case"
	hintUnknownService   = "the KDC knows no account holding this service principal name: check the DC's DNS name and its SPNs (setspn -Q)"
	hintDuplicateService = "two accounts hold the same service principal name (setspn -X -F lists duplicates)"
	hintEncType          = "no encryption type both sides support, or the account has no keys (never had a password set)"
	hintClockSkew        = "this machine's clock and the KDC's differ by more than the allowed skew (5 minutes by default): synchronise time"
	hintPolicy           = "the KDC's policy refused the request (logon hours, workstation restriction, protected users, or delegation settings)"
	hintPasswordExpired  = "the account's password has expired or must be changed at next logon"
	hintBadCredentials   = "the password is wrong or the keytab holds an old key version (a password change invalidates keytabs)"
	hintPreauthRequired  = "pre-authentication is required (normal first reply of an AS exchange)"
	hintUndecryptable    = "the service could not decrypt its ticket: its key differs from the KDC's (duplicate SPN, stale keytab, or a DNS alias pointing to another host)"
	hintWrongRealm       = "the realm is wrong: an AD realm is the domain's DNS name in upper case"
)

// table is the curated list. Keep entries short; the explanation is for
// an administrator reading a log, not a protocol reference.
var table = []Code{
	// --- Win32 ---
	{Family: Win32, Name: "ERROR_SUCCESS", Value: 0, Meaning: "The operation completed successfully.",
		Cause:  "No error. In IIS logs, sc-win32-status 0 with status 200 is a request that authenticated (or needed no authentication).",
		Normal: true, Source: srcWin32},
	{Family: Win32, Name: "ERROR_ACCESS_DENIED", Value: 5, Meaning: "Access is denied.",
		Short: "no Authorization header yet (the normal challenge) or an ACL denial",
		Cause: "With IIS 401.2 this is the normal first response of Windows authentication: the client sent no " +
			"Authorization header and IIS answers with WWW-Authenticate: Negotiate/NTLM. With 401.3 the user " +
			"authenticated but an NTFS ACL or authorization rule denies the resource.",
		Normal: true, Source: srcWin32},
	{Family: Win32, Name: "ERROR_NETNAME_DELETED", Value: 64, Meaning: "The specified network name is no longer available.",
		Cause:  "In IIS logs: the client closed the connection before the response completed. Not an authentication failure.",
		Source: srcWin32},
	{Family: Win32, Name: "ERROR_DOWNGRADE_DETECTED", Value: 1265, Meaning: "The system cannot contact a domain controller to service the authentication request. Please try again later. (Raised when Negotiate detects a downgrade.)",
		Short: "Kerberos failed and NTLM fallback was refused", Cause: causeDowngrade,
		Checks: []string{ckUserHostAlias, ckDuplicate, ckKrbTicket}, Related: []string{"SEC_E_DOWNGRADE_DETECTED", "STATUS_DOWNGRADE_DETECTED"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_NO_LOGON_SERVERS", Value: 1311, Meaning: "There are currently no logon servers available to service the logon request.",
		Short: "no domain controller reachable", Cause: causeNoDC,
		Checks: []string{ckDNSSRVMissing, ckSRVTarget}, Related: []string{"STATUS_NO_LOGON_SERVERS", "SEC_E_NO_AUTHENTICATING_AUTHORITY"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_NO_SUCH_USER", Value: 1317, Meaning: "The specified account does not exist.",
		Short:   "no such user",
		Cause:   "The user name does not resolve to an account in any domain the server trusts: a typo, a deleted account, or a domain reached without a trust.",
		Related: []string{"STATUS_NO_SUCH_USER", "KDC_ERR_C_PRINCIPAL_UNKNOWN"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_LOGON_FAILURE", Value: 1326, Meaning: "The user name or password is incorrect.",
		Short: "wrong user name or password", Cause: causeBadPassword,
		Related: []string{"STATUS_LOGON_FAILURE", "SEC_E_LOGON_DENIED", "KDC_ERR_PREAUTH_FAILED"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_ACCOUNT_RESTRICTION", Value: 1327, Meaning: "Account restrictions are preventing this user from signing in.",
		Cause:   "Blank password, logon hours, workstation restrictions or a policy (Protected Users, authentication policy) forbid this logon.",
		Related: []string{"STATUS_ACCOUNT_RESTRICTION"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_INVALID_LOGON_HOURS", Value: 1328, Meaning: "Your account has time restrictions that keep you from signing in right now.",
		Short: "not permitted to log on at this time",
		Cause: "logonHours on the account excludes the current time.", Related: []string{"STATUS_INVALID_LOGON_HOURS"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_INVALID_WORKSTATION", Value: 1329, Meaning: "This user isn't allowed to sign in to this computer.",
		Short:   "not permitted to log on from this workstation",
		Cause:   "userWorkstations on the account does not list the computer the logon comes from.",
		Related: []string{"STATUS_INVALID_WORKSTATION", "NERR_InvalidWorkstation"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_PASSWORD_EXPIRED", Value: 1330, Meaning: "The password for this account has expired.",
		Short:   "password expired",
		Cause:   "The account's password is past its maximum age; a service account with an expired password breaks every service running as it.",
		Related: []string{"STATUS_PASSWORD_EXPIRED", "KDC_ERR_KEY_EXPIRED"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_ACCOUNT_DISABLED", Value: 1331, Meaning: "This user can't sign in because this account is currently disabled.",
		Short: "account disabled", Cause: causeDisabled, Checks: []string{ckAccountDisabled},
		Related: []string{"STATUS_ACCOUNT_DISABLED", "KDC_ERR_CLIENT_REVOKED"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_NO_SUCH_DOMAIN", Value: 1355, Meaning: "The specified domain either does not exist or could not be contacted.",
		Short: "domain not found or unreachable", Cause: causeNoDC + " Also: a NetBIOS domain name used across a forest trust that does not route it.",
		Checks: []string{ckDNSSRVMissing, ckSRVTarget, ckTrustExternal}, Related: []string{"STATUS_NO_SUCH_DOMAIN"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_LOGON_TYPE_NOT_GRANTED", Value: 1385, Meaning: "Logon failure: the user has not been granted the requested logon type at this computer.",
		Cause:   "The user lacks \"Access this computer from the network\" (or has the matching Deny right) on the server.",
		Related: []string{"STATUS_LOGON_TYPE_NOT_GRANTED"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_WRONG_TARGET_NAME", Value: 1396, Meaning: "The target account name is incorrect.",
		Short: "a ticket for another account", Cause: causeWrongAccount,
		Checks: []string{ckUserHostAlias, ckDuplicate}, Related: []string{"SEC_E_WRONG_PRINCIPAL", "KRB_AP_ERR_MODIFIED"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_TIME_SKEW", Value: 1398, Meaning: "There is a time and/or date difference between the client and server.",
		Short: "clocks differ too much", Cause: causeSkew, Checks: []string{ckTimeSkew},
		Related: []string{"SEC_E_TIME_SKEW", "KRB_AP_ERR_SKEW", "STATUS_TIME_DIFFERENCE_AT_DC"}, Source: srcWin32},
	{Family: Win32, Name: "RPC_S_SERVER_UNAVAILABLE", Value: 1722, Meaning: "The RPC server is unavailable.",
		Short: "domain controller unreachable over RPC", Cause: "A domain controller (or the server called) cannot be reached over RPC: " +
			"firewall blocking 135 or the dynamic RPC range, a DC that is down, or DNS pointing at the wrong address. " + causeNoDC,
		Checks: []string{ckDNSSRVMissing, ckSRVTarget}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_NO_TRUST_LSA_SECRET", Value: 1786, Meaning: "The workstation does not have a trust secret.",
		Cause: causeSecureChannel, Related: []string{"STATUS_NO_TRUST_LSA_SECRET"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_NO_TRUST_SAM_ACCOUNT", Value: 1787, Meaning: "The security database on the server does not have a computer account for this workstation trust relationship.",
		Cause: causeSecureChannel, Related: []string{"STATUS_NO_TRUST_SAM_ACCOUNT"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_TRUSTED_DOMAIN_FAILURE", Value: 1788, Meaning: "The trust relationship between the primary domain and the trusted domain failed.",
		Short: "domain trust failed", Cause: causeTrustBroken, Checks: []string{ckTrustExternal, ckTrustRC4},
		Related: []string{"STATUS_TRUSTED_DOMAIN_FAILURE"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_TRUSTED_RELATIONSHIP_FAILURE", Value: 1789, Meaning: "The trust relationship between this workstation and the primary domain failed.",
		Short: "the computer's secure channel is broken", Cause: causeSecureChannel,
		Related: []string{"STATUS_TRUSTED_RELATIONSHIP_FAILURE"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_TRUST_FAILURE", Value: 1790, Meaning: "The network logon failed.",
		Cause:  "A pass-through (NTLM) logon to another domain failed on its way through a trust. " + causeTrustBroken,
		Checks: []string{ckTrustExternal}, Related: []string{"STATUS_TRUST_FAILURE"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_TOO_MANY_CONTEXT_IDS", Value: 1384, Meaning: "During a logon attempt, the user's security context accumulated too many security IDs.",
		Short:  "too many security IDs in the token",
		Cause:  "The account is a member of so many groups (directly, nested or through SID history) that its token exceeds the limit of 1,024 SIDs.",
		Source: srcWin32},
	{Family: Win32, Name: "ERROR_ACCOUNT_EXPIRED", Value: 1793, Meaning: "The user's account has expired.",
		Short: "account expired", Cause: "accountExpires on the account is in the past. " + causeDisabled,
		Checks: []string{ckAccountExpired}, Related: []string{"STATUS_ACCOUNT_EXPIRED", "KDC_ERR_NAME_EXP"}, Source: srcWin32},
	{Family: Win32, Name: "RPC_S_SEC_PKG_ERROR", Value: 1825, Meaning: "A security package specific error occurred.",
		Short: "Kerberos failed underneath an RPC or SMB call",
		Cause: "RPC's wrapper for a Kerberos failure: most often KRB_AP_ERR_MODIFIED (an SPN on the wrong account or " +
			"duplicated) or clock skew. The System event log of the server shows the Kerberos error underneath.",
		Checks: []string{ckUserHostAlias, ckDuplicate, ckTimeSkew}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_PASSWORD_MUST_CHANGE", Value: 1907, Meaning: "The user's password must be changed before signing in.",
		Short:  "user must reset the password",
		Cause:  "\"User must change password at next logon\" is set (pwdLastSet is 0): a service account in this state cannot log on until someone sets its password.",
		Source: srcWin32},
	{Family: Win32, Name: "ERROR_ACCOUNT_LOCKED_OUT", Value: 1909, Meaning: "The referenced account is currently locked out and may not be logged on to.",
		Short:   "account locked out",
		Cause:   "Too many bad passwords: often a service, scheduled task or device still using an old password.",
		Related: []string{"STATUS_ACCOUNT_LOCKED_OUT"}, Source: srcWin32},
	{Family: Win32, Name: "ERROR_AUTHENTICATION_FIREWALL_FAILED", Value: 1935, Meaning: "The computer you are signing in to is protected by an authentication firewall. The specified account is not allowed to authenticate to the computer.",
		Short: "selective authentication: not allowed to authenticate", Cause: causeFirewall,
		Checks: []string{ckTrustSelective}, Related: []string{"STATUS_AUTHENTICATION_FIREWALL_FAILED"}, Source: srcWin32},
	{Family: Win32, Name: "NERR_InvalidWorkstation", Value: 2240, Meaning: "The user is not allowed to log on from this workstation.",
		Cause:   "The LAN Manager form of ERROR_INVALID_WORKSTATION: userWorkstations on the account excludes the client computer.",
		Related: []string{"ERROR_INVALID_WORKSTATION"}, Source: srcNERR},

	// --- SSPI HRESULTs ---
	{Family: HRESULT, Name: "SEC_I_CONTINUE_NEEDED", Value: 0x00090312, Meaning: "The function completed successfully, but it must be called again to complete the context.",
		Short: "handshake continues", Cause: "A multi-leg handshake (NTLM, or Kerberos with mutual authentication) is in progress. Not an error.",
		Normal: true, Related: []string{"STATUS_MORE_PROCESSING_REQUIRED"}, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_INVALID_HANDLE", Value: 0x80090301, Meaning: "The handle specified is invalid.",
		Cause:  "A handshake continued on a security context the server no longer has: the connection was reset or a load balancer sent the next leg to another server.",
		Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_UNSUPPORTED_FUNCTION", Value: 0x80090302, Meaning: "The function requested is not supported.",
		Short: "the security package cannot do what was asked",
		Cause: "A security package was asked for something it cannot do: a Kerberos option the account or KDC does not " +
			"allow (delegation, an encryption type), or a TLS/Negotiate feature disabled by policy.",
		Checks: []string{ckKrbTicket, ckTrustRC4}, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_TARGET_UNKNOWN", Value: 0x80090303, Meaning: "The specified target is unknown or unreachable.",
		Short: "no account holds the requested SPN", Cause: causeNoSPN,
		Checks:  []string{ckDNSCNAME, ckShortnamePair, ckDNSMissing, ckTrustExternal, ckKrbTicket, ckCrossRealm},
		Related: []string{"KDC_ERR_S_PRINCIPAL_UNKNOWN"}, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_INTERNAL_ERROR", Value: 0x80090304, Meaning: "The Local Security Authority cannot be contacted.",
		Cause: "LSASS on the server failed the request; check the server's System and Security event logs.", Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_SECPKG_NOT_FOUND", Value: 0x80090305, Meaning: "The requested security package does not exist.",
		Cause:  "The server does not offer the package the client asked for (for example Negotiate removed from the site's Windows authentication providers).",
		Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_INVALID_TOKEN", Value: 0x80090308, Meaning: "The token supplied to the function is invalid.",
		Short: "the Authorization token was damaged or unreadable",
		Cause: "The Authorization header reached the server damaged or truncated: a proxy rewrote it, the Kerberos ticket " +
			"is larger than http.sys accepts (MaxFieldLength/MaxRequestBytes; users in many groups), or a Kerberos token " +
			"arrived at a server that cannot parse it.",
		Checks: []string{ckKrbTicket}, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_NO_IMPERSONATION", Value: 0x8009030B, Meaning: "The security context does not allow impersonation of the client.",
		Cause: "The client restricted its token to identification level; the service cannot act as the user.", Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_LOGON_DENIED", Value: 0x8009030C, Meaning: "The logon attempt failed.",
		Short: "credentials rejected",
		Cause: "The credentials were rejected. With NTLM or Basic: a wrong or stale password, or a locked, disabled or " +
			"expired account. When it follows a Kerberos attempt, the service could not accept the ticket and the " +
			"fallback failed as well: look for an SPN on the wrong account.",
		Checks: []string{ckUserHostAlias, ckDuplicate}, Related: []string{"ERROR_LOGON_FAILURE", "STATUS_LOGON_FAILURE"}, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_UNKNOWN_CREDENTIALS", Value: 0x8009030D, Meaning: "The credentials supplied to the package were not recognized.",
		Cause: "The client's or service's credential handle is unusable: a service running as an account whose password " +
			"changed, or a certificate/credential without the needed private key.", Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_NO_CREDENTIALS", Value: 0x8009030E, Meaning: "No credentials are available in the security package.",
		Short: "first leg of the handshake (normal when the client then succeeds)",
		Cause: "Normal on the first, anonymous leg of Negotiate/NTLM: IIS logs 401.1 with this code while it sends the " +
			"challenge, and the same client's next request succeeds. When a client never gets past it, the client has " +
			"no usable credentials for the target: not domain-joined, the site is not in the browser's Intranet zone so " +
			"credentials are not sent, or the user's domain is not trusted.",
		Normal: true, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_MESSAGE_ALTERED", Value: 0x8009030F, Meaning: "The message or signature supplied for verification has been altered.",
		Cause:  "A signed or sealed message failed its integrity check: a device in the path changed it, or the session key differs between the two ends.",
		Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_NO_AUTHENTICATING_AUTHORITY", Value: 0x80090311, Meaning: "No authority could be contacted for authentication.",
		Short: "no KDC or domain controller reachable", Cause: causeNoDC,
		Checks: []string{ckDNSSRVMissing, ckSRVTarget, ckTrustExternal, ckKrbTicket}, Related: []string{"ERROR_NO_LOGON_SERVERS", "STATUS_NO_LOGON_SERVERS"}, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_CONTEXT_EXPIRED", Value: 0x80090317, Meaning: "The context has expired and can no longer be used.",
		Cause:  "The ticket or session outlived its lifetime; persistent occurrences point at clock differences.",
		Checks: []string{ckTimeSkew}, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_WRONG_PRINCIPAL", Value: 0x80090322, Meaning: "The target principal name is incorrect.",
		Short: "a ticket for another account", Cause: causeWrongAccount,
		Checks: []string{ckUserHostAlias, ckDuplicate}, Related: []string{"KRB_AP_ERR_MODIFIED", "ERROR_WRONG_TARGET_NAME"}, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_TIME_SKEW", Value: 0x80090324, Meaning: "The clocks on the client and server machines are skewed.",
		Short: "clocks differ too much", Cause: causeSkew, Checks: []string{ckTimeSkew},
		Related: []string{"KRB_AP_ERR_SKEW", "ERROR_TIME_SKEW", "STATUS_TIME_DIFFERENCE_AT_DC"}, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_ALGORITHM_MISMATCH", Value: 0x80090331, Meaning: "The client and server cannot communicate because they do not possess a common algorithm.",
		Short: "no common algorithm", Cause: "TLS or Kerberos found no algorithm both ends allow. For Kerberos: " + causeETYPE,
		Checks: []string{ckTrustRC4}, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_UNFINISHED_CONTEXT_DELETED", Value: 0x80090333, Meaning: "A security context was deleted before the context was completed. This is considered a logon failure.",
		Cause:  "The client abandoned a multi-leg handshake: the connection closed between legs, or a load balancer without affinity sent the legs to different servers.",
		Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_CRYPTO_SYSTEM_INVALID", Value: 0x80090337, Meaning: "The cryptographic system or checksum function is invalid because a required function is unavailable.",
		Cause: causeETYPE, Checks: []string{ckTrustRC4}, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_MAX_REFERRALS_EXCEEDED", Value: 0x80090338, Meaning: "The number of maximum ticket referrals has been exceeded.",
		Cause:  "The KDCs referred the client around in circles across trusts: conflicting name suffix routing or overlapping SPN/UPN suffixes between forests.",
		Checks: []string{ckTrustExternal, ckCrossRealm}, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_TOO_MANY_PRINCIPALS", Value: 0x8009033B, Meaning: "The KDC reply contained more than one principal name.",
		Cause: "More than one account answers for a name: a duplicate SPN or UPN.", Checks: []string{ckDuplicate}, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_KDC_UNABLE_TO_REFER", Value: 0x80090341, Meaning: "The KDC was unable to generate a referral for the service requested.",
		Short: "no referral to the realm holding the SPN",
		Cause: "The client's KDC does not know which realm holds the SPN: the host is in another forest reached over an " +
			"external trust (no name suffix routing), or the forest trust's name suffix for it is missing or disabled.",
		Checks: []string{ckTrustExternal, ckCrossRealm}, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_KDC_UNKNOWN_ETYPE", Value: 0x80090342, Meaning: "The encryption type requested is not supported by the KDC.",
		Short: "no common Kerberos encryption type", Cause: causeETYPE,
		Checks: []string{ckTrustRC4, ckKrbTicket, ckKerberoastable, ckLevelDomain}, Related: []string{"KDC_ERR_ETYPE_NOSUPP"}, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_DELEGATION_REQUIRED", Value: 0x80090345, Meaning: "The requested operation cannot be completed. The computer must be trusted for delegation, and the current user account must be configured to allow delegation.",
		Cause:  "The service tried to use the user's credentials onward (double hop) without being trusted for delegation, or the user is marked sensitive.",
		Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_BAD_BINDINGS", Value: 0x80090346, Meaning: "Client's supplied Security Support Provider Interface (SSPI) channel bindings were incorrect.",
		Cause:  "Extended Protection for Authentication: the TLS channel the client saw differs from the server's, usually because a proxy or load balancer terminates TLS.",
		Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_NO_KERB_KEY", Value: 0x80090348, Meaning: "No Kerberos key was found.",
		Cause:  "The account has no key for the encryption type in use: its password predates AES (reset it), or the service's keytab lacks the etype.",
		Checks: []string{ckTrustRC4, ckLevelDomain}, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_DOWNGRADE_DETECTED", Value: 0x80090350, Meaning: "The system detected a possible attempt to compromise security. Ensure that you can contact the server that authenticated you.",
		Short: "Kerberos failed and NTLM fallback was refused", Cause: causeDowngrade,
		Checks: []string{ckUserHostAlias, ckDuplicate, ckKrbTicket}, Related: []string{"ERROR_DOWNGRADE_DETECTED", "STATUS_DOWNGRADE_DETECTED"}, Source: srcHRESULT},
	{Family: HRESULT, Name: "SEC_E_CROSSREALM_DELEGATION_FAILURE", Value: 0x80090357, Meaning: "An attempt was made by this server to make a Kerberos constrained delegation request for a target outside the server's realm.",
		Cause:  "Classic constrained delegation does not cross domains; use resource-based constrained delegation.",
		Checks: []string{ckTrustTGTDeleg}, Source: srcHRESULT},

	// --- NTSTATUS ---
	{Family: NTSTATUS, Name: "STATUS_MORE_PROCESSING_REQUIRED", Value: 0xC0000016, Meaning: "{Still Busy} The specified I/O request packet (IRP) cannot be disposed of because the I/O operation is not complete.",
		Cause: "In authentication: a multi-leg handshake continues (NTLM challenge). Not an error.", Normal: true,
		Related: []string{"SEC_I_CONTINUE_NEEDED"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_ACCESS_DENIED", Value: 0xC0000022, Meaning: "A process has requested access to an object but has not been granted those access rights.",
		Cause: "Authorization, not authentication: the user is known but an ACL denies the operation.", Related: []string{"ERROR_ACCESS_DENIED"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_NO_LOGON_SERVERS", Value: 0xC000005E, Meaning: "No logon servers are currently available to service the logon request.",
		Short: "no domain controller reachable", Cause: causeNoDC, Checks: []string{ckDNSSRVMissing, ckSRVTarget},
		Related: []string{"ERROR_NO_LOGON_SERVERS", "SEC_E_NO_AUTHENTICATING_AUTHORITY"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_NO_SUCH_USER", Value: 0xC0000064, Meaning: "The specified account does not exist.",
		Cause:   "The user name does not resolve to an account: a typo, a deleted account, or a domain reached without a trust.",
		Related: []string{"ERROR_NO_SUCH_USER", "KDC_ERR_C_PRINCIPAL_UNKNOWN"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_WRONG_PASSWORD", Value: 0xC000006A, Meaning: "When trying to update a password, this return status indicates that the value provided as the current password is not correct.",
		Cause:   "In logon auditing (sub-status of 4625): the account exists and the password was wrong. " + causeBadPassword,
		Related: []string{"STATUS_LOGON_FAILURE"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_LOGON_FAILURE", Value: 0xC000006D, Meaning: "The attempted logon is invalid. This is either due to a bad username or authentication information.",
		Short: "wrong user name or password", Cause: causeBadPassword,
		Related: []string{"ERROR_LOGON_FAILURE", "SEC_E_LOGON_DENIED"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_ACCOUNT_RESTRICTION", Value: 0xC000006E, Meaning: "Indicates a referenced user name and authentication information are valid, but some user account restriction has prevented successful authentication.",
		Cause:   "Blank password, logon hours, workstation restrictions or a policy (Protected Users, authentication policy) forbid this logon.",
		Related: []string{"ERROR_ACCOUNT_RESTRICTION"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_INVALID_LOGON_HOURS", Value: 0xC000006F, Meaning: "The user account has time restrictions and may not be logged onto at this time.",
		Cause: "logonHours on the account excludes the current time.", Related: []string{"ERROR_INVALID_LOGON_HOURS"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_INVALID_WORKSTATION", Value: 0xC0000070, Meaning: "The user account is restricted so that it may not be used to log on from the source workstation.",
		Cause:   "userWorkstations on the account does not list the computer the logon comes from.",
		Related: []string{"ERROR_INVALID_WORKSTATION"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_PASSWORD_EXPIRED", Value: 0xC0000071, Meaning: "The user account password has expired.",
		Cause: "The account's password is past its maximum age.", Related: []string{"ERROR_PASSWORD_EXPIRED", "KDC_ERR_KEY_EXPIRED"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_ACCOUNT_DISABLED", Value: 0xC0000072, Meaning: "The referenced account is currently disabled and may not be logged on to.",
		Short: "account disabled", Cause: causeDisabled, Checks: []string{ckAccountDisabled},
		Related: []string{"ERROR_ACCOUNT_DISABLED", "KDC_ERR_CLIENT_REVOKED"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_NO_SUCH_DOMAIN", Value: 0xC00000DF, Meaning: "The specified domain did not exist.",
		Short: "domain not found or unreachable", Cause: causeNoDC, Checks: []string{ckDNSSRVMissing, ckSRVTarget, ckTrustExternal},
		Related: []string{"ERROR_NO_SUCH_DOMAIN"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_TIME_DIFFERENCE_AT_DC", Value: 0xC0000133, Meaning: "The time at the primary domain controller is different from the time at the backup domain controller or member server by too large an amount.",
		Short: "clocks differ too much", Cause: causeSkew, Checks: []string{ckTimeSkew},
		Related: []string{"ERROR_TIME_SKEW", "SEC_E_TIME_SKEW", "KRB_AP_ERR_SKEW"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_LOGON_TYPE_NOT_GRANTED", Value: 0xC000015B, Meaning: "A user has requested a type of logon (for example, interactive or network) that has not been granted.",
		Cause:   "The user lacks \"Access this computer from the network\" (or has the matching Deny right) on the server.",
		Related: []string{"ERROR_LOGON_TYPE_NOT_GRANTED"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_NO_TRUST_LSA_SECRET", Value: 0xC000018A, Meaning: "The workstation does not have a trust secret for the primary domain in the local LSA database.",
		Cause: causeSecureChannel, Related: []string{"ERROR_NO_TRUST_LSA_SECRET"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_NO_TRUST_SAM_ACCOUNT", Value: 0xC000018B, Meaning: "The SAM database on the domain controller does not have a computer account for this workstation trust relationship.",
		Short: "the computer account is missing", Cause: causeSecureChannel, Related: []string{"ERROR_NO_TRUST_SAM_ACCOUNT"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_TRUSTED_DOMAIN_FAILURE", Value: 0xC000018C, Meaning: "The logon request failed because the trust relationship between the primary domain and the trusted domain failed.",
		Short: "domain trust failed", Cause: causeTrustBroken, Checks: []string{ckTrustExternal, ckTrustRC4},
		Related: []string{"ERROR_TRUSTED_DOMAIN_FAILURE"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_TRUSTED_RELATIONSHIP_FAILURE", Value: 0xC000018D, Meaning: "The logon request failed because the trust relationship between this workstation and the primary domain failed.",
		Short: "the computer's secure channel is broken", Cause: causeSecureChannel,
		Related: []string{"ERROR_TRUSTED_RELATIONSHIP_FAILURE"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_TRUST_FAILURE", Value: 0xC0000190, Meaning: "The network logon failed. This may be because the validation authority cannot be reached.",
		Cause: causeTrustBroken, Checks: []string{ckTrustExternal}, Related: []string{"ERROR_TRUST_FAILURE"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_ACCOUNT_EXPIRED", Value: 0xC0000193, Meaning: "The user account has expired.",
		Short: "account expired", Cause: "accountExpires on the account is in the past. " + causeDisabled,
		Checks: []string{ckAccountExpired}, Related: []string{"ERROR_ACCOUNT_EXPIRED", "KDC_ERR_NAME_EXP"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_NOLOGON_INTERDOMAIN_TRUST_ACCOUNT", Value: 0xC0000198, Meaning: "The account used is an interdomain trust account.",
		Cause:  "Someone tried to log on with a trust account (DOMAIN$ of a trusted domain); usually a misconfigured trust or a scan.",
		Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT", Value: 0xC0000199, Meaning: "The account used is a computer account.",
		Cause: "A computer account (HOST$) tried an interactive or NTLM network logon it may not make; often harmless noise.", Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_NOLOGON_SERVER_TRUST_ACCOUNT", Value: 0xC000019A, Meaning: "The account used is a server trust account (a domain controller).",
		Cause: "A DC's computer account was used for a logon it may not make.", Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_DOMAIN_TRUST_INCONSISTENT", Value: 0xC000019B, Meaning: "The name or SID of the specified domain is inconsistent with the trust information for that domain.",
		Cause:  "The trust object and the other domain disagree about its name or SID: a domain rebuilt under the same name, or a stale trust.",
		Checks: []string{ckTrustExternal}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_PASSWORD_MUST_CHANGE", Value: 0xC0000224, Meaning: "The user password must be changed before logging on the first time.",
		Cause: "pwdLastSet is 0 (\"User must change password at next logon\"): network logons fail until the password is changed.", Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_ACCOUNT_LOCKED_OUT", Value: 0xC0000234, Meaning: "The user account has been automatically locked because too many invalid logon attempts or password change attempts have been requested.",
		Cause:   "Too many bad passwords: often a service, scheduled task or device still using an old password.",
		Related: []string{"ERROR_ACCOUNT_LOCKED_OUT"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_DOWNGRADE_DETECTED", Value: 0xC0000388, Meaning: "The system detected a possible attempt to compromise security.",
		Short: "Kerberos failed and NTLM fallback was refused", Cause: causeDowngrade,
		Checks: []string{ckUserHostAlias, ckDuplicate, ckKrbTicket}, Related: []string{"SEC_E_DOWNGRADE_DETECTED", "ERROR_DOWNGRADE_DETECTED"}, Source: srcNTSTATUS},
	{Family: NTSTATUS, Name: "STATUS_AUTHENTICATION_FIREWALL_FAILED", Value: 0xC0000413, Meaning: "Logon failure: the machine you are logging on to is protected by an authentication firewall. The specified account is not allowed to authenticate to the machine.",
		Short: "selective authentication: not allowed to authenticate", Cause: causeFirewall,
		Checks: []string{ckTrustSelective}, Related: []string{"ERROR_AUTHENTICATION_FIREWALL_FAILED"}, Source: srcNTSTATUS},

	// --- Kerberos (RFC 4120 7.5.9) ---
	{Family: Kerberos, Name: "KDC_ERR_NONE", Value: 0, Meaning: "No error.", Cause: "No error.", Normal: true, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_NAME_EXP", Value: 1, Problem: KerberosAccountLocked, Hint: hintAccountUnusable, Meaning: "Client's entry in database has expired.",
		Short: "client account expired", Cause: "accountExpires of the client account is in the past.",
		Checks: []string{ckAccountExpired}, Related: []string{"ERROR_ACCOUNT_EXPIRED"}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_SERVICE_EXP", Value: 2, Meaning: "Server's entry in database has expired.",
		Short: "service account expired", Cause: "The account holding the requested SPN has expired (accountExpires in the past): every client of the service fails.",
		Checks: []string{ckAccountExpired}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_BAD_PVNO", Value: 3, Meaning: "Requested protocol version number not supported.",
		Cause: "Something other than Kerberos 5 spoke to the KDC port.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_C_OLD_MAST_KVNO", Value: 4, Meaning: "Client's key encrypted in old master key.",
		Cause: "An MIT/Heimdal KDC database issue; Active Directory does not return it.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_S_OLD_MAST_KVNO", Value: 5, Meaning: "Server's key encrypted in old master key.",
		Cause: "An MIT/Heimdal KDC database issue; Active Directory does not return it.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_C_PRINCIPAL_UNKNOWN", Value: 6, Problem: KerberosUnknownClient, Hint: hintUnknownClient, Meaning: "Client not found in Kerberos database.",
		Short: "client principal unknown to the KDC",
		Cause: "The KDC has no account with the client name: a typo, a UPN suffix the domain does not own, a deleted " +
			"account, or the client asked a KDC of the wrong realm. (spntrust's clock probe provokes this on purpose.)",
		Checks: []string{ckKrbTicket}, Related: []string{"ERROR_NO_SUCH_USER", "STATUS_NO_SUCH_USER"}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_S_PRINCIPAL_UNKNOWN", Value: 7, Problem: KerberosUnknownService, Hint: hintUnknownService, Meaning: "Server not found in Kerberos database.",
		Short: "no account holds the requested SPN", Cause: causeNoSPN,
		Checks:  []string{ckDNSCNAME, ckShortnamePair, ckDNSMissing, ckMalformed, ckTrustExternal, ckKrbTicket, ckCrossRealm},
		Related: []string{"SEC_E_TARGET_UNKNOWN"}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_PRINCIPAL_NOT_UNIQUE", Value: 8, Problem: KerberosDuplicateService, Hint: hintDuplicateService, Meaning: "Multiple principal entries in database.",
		Short: "duplicate SPN", Cause: "Two or more accounts hold the requested SPN (or UPN); the KDC refuses to choose. Remove the duplicate with `setspn -D`; `setspn -X -F` lists duplicates forest-wide.",
		Checks: []string{ckDuplicate}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_NULL_KEY", Value: 9, Problem: KerberosEncType, Hint: hintEncType, Meaning: "The client or server has a null key.",
		Cause:  "The account has no usable key: its password was never set, or it has no key for any enabled encryption type. Reset the password.",
		Checks: []string{ckTrustRC4}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_CANNOT_POSTDATE", Value: 10, Meaning: "Ticket not eligible for postdating.", Cause: "Client asked for a postdated ticket the KDC does not allow; rare with Windows clients.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_NEVER_VALID", Value: 11, Problem: KerberosClockSkew, Hint: hintClockSkew, Meaning: "Requested starttime is later than end time.",
		Cause: "Usually clocks: the client's time is far from the KDC's.", Checks: []string{ckTimeSkew}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_POLICY", Value: 12, Problem: KerberosPolicy, Hint: hintPolicy, Meaning: "KDC policy rejects request.",
		Cause:  "A KDC policy forbids the request: logon hours or workstation restrictions, an authentication policy silo, Protected Users, or smart card required.",
		Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_BADOPTION", Value: 13, Problem: KerberosPolicy, Hint: hintPolicy, Meaning: "KDC cannot accommodate requested option.",
		Short: "the KDC refused a ticket option (often delegation)",
		Cause: "The KDC refused an option: constrained delegation (S4U2Proxy) to a service not in msDS-AllowedToDelegateTo, " +
			"a forwardable ticket for a user marked sensitive, or TGT delegation across a trust that forbids it.",
		Checks: []string{ckTrustTGTDeleg, ckKrbTicket}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_ETYPE_NOSUPP", Value: 14, Problem: KerberosEncType, Hint: hintEncType, Meaning: "KDC has no support for encryption type.",
		Short: "no common Kerberos encryption type", Cause: causeETYPE,
		Checks: []string{ckTrustRC4, ckKrbTicket, ckKerberoastable, ckLevelDomain}, Related: []string{"SEC_E_KDC_UNKNOWN_ETYPE"}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_SUMTYPE_NOSUPP", Value: 15, Meaning: "KDC has no support for checksum type.", Cause: causeETYPE, Checks: []string{ckTrustRC4}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_PADATA_TYPE_NOSUPP", Value: 16, Meaning: "KDC has no support for padata type.",
		Cause: "The KDC cannot do the pre-authentication offered, often smart card (PKINIT) logon against a DC without a suitable certificate.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_TRTYPE_NOSUPP", Value: 17, Meaning: "KDC has no support for transited type.", Cause: "Cross-realm transited encoding not supported; rare.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_CLIENT_REVOKED", Value: 18, Problem: KerberosAccountLocked, Hint: hintAccountUnusable, Meaning: "Clients credentials have been revoked.",
		Short: "client account disabled, locked or expired", Cause: causeDisabled,
		Checks: []string{ckAccountDisabled}, Related: []string{"ERROR_ACCOUNT_DISABLED", "STATUS_ACCOUNT_DISABLED"}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_SERVICE_REVOKED", Value: 19, Meaning: "Credentials for server have been revoked.",
		Short: "service account disabled", Cause: "The account holding the requested SPN is disabled or locked: every client of the service fails.",
		Checks: []string{ckAccountDisabled}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_TGT_REVOKED", Value: 20, Meaning: "TGT has been revoked.", Cause: "The client's TGT is no longer valid (account disabled or password reset since it was issued); log off and on.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_CLIENT_NOTYET", Value: 21, Meaning: "Client not yet valid; try again later.", Cause: "Account not yet valid, or clocks.", Checks: []string{ckTimeSkew}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_SERVICE_NOTYET", Value: 22, Meaning: "Server not yet valid; try again later.", Cause: "Service account not yet valid, or clocks.", Checks: []string{ckTimeSkew}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_KEY_EXPIRED", Value: 23, Problem: KerberosPasswordExpired, Hint: hintPasswordExpired, Meaning: "Password has expired; change password to reset.",
		Cause: "The account's password expired.", Related: []string{"ERROR_PASSWORD_EXPIRED", "STATUS_PASSWORD_EXPIRED"}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_PREAUTH_FAILED", Value: 24, Problem: KerberosBadCredentials, Hint: hintBadCredentials, Meaning: "Pre-authentication information was invalid.",
		Short: "wrong password", Cause: causeBadPassword,
		Related: []string{"ERROR_LOGON_FAILURE", "STATUS_WRONG_PASSWORD"}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_PREAUTH_REQUIRED", Value: 25, Hint: hintPreauthRequired, Meaning: "Additional pre-authentication required.",
		Cause: "Normal: the first AS-REQ of a logon is sent without pre-authentication and the KDC asks for it. An account " +
			"that does NOT get this (DONT_REQ_PREAUTH) can be attacked offline (AS-REP roasting).",
		Normal: true, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_SERVER_NOMATCH", Value: 26, Meaning: "Requested server and ticket don't match.", Cause: "A ticket presented for a different service than requested.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_MUST_USE_USER2USER", Value: 27, Meaning: "Server principal valid for user2user only.",
		Cause:  "The SPN's account has no long-term key usable for service tickets (often an SPN on a user account that cannot hold one).",
		Checks: []string{ckUserHostAlias}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_PATH_NOT_ACCEPTED", Value: 28, Meaning: "KDC Policy rejects transited path.",
		Cause: "A cross-realm path through realms the KDC does not accept.", Checks: []string{ckTrustExternal, ckCrossRealm}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_SVC_UNAVAILABLE", Value: 29, Meaning: "A service is not available.", Cause: "The KDC is overloaded or starting up.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_BAD_INTEGRITY", Value: 31, Problem: KerberosBadCredentials, Hint: hintBadCredentials, Meaning: "Integrity check on decrypted field failed.",
		Short:  "ticket decrypted with the wrong key",
		Cause:  "The ticket or authenticator did not decrypt cleanly: the service's key differs from the KDC's (password changed, keytab outdated, SPN moved).",
		Checks: []string{ckUserHostAlias, ckDuplicate}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_TKT_EXPIRED", Value: 32, Meaning: "Ticket expired.",
		Cause: "Normal now and then (the client renews). Persistent: the service's clock is ahead.", Checks: []string{ckTimeSkew}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_TKT_NYV", Value: 33, Problem: KerberosClockSkew, Hint: hintClockSkew, Meaning: "Ticket not yet valid.",
		Short: "clocks differ", Cause: "The service's clock is behind the KDC's. " + causeSkew, Checks: []string{ckTimeSkew}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_REPEAT", Value: 34, Meaning: "Request is a replay.",
		Cause:  "The service saw the same authenticator twice: a client retrying over a proxy, or a load balancer sending the same request to the same backend twice.",
		Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_NOT_US", Value: 35, Meaning: "The ticket isn't for us.",
		Short: "a ticket for another service", Cause: causeWrongAccount, Checks: []string{ckUserHostAlias, ckDuplicate}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_BADMATCH", Value: 36, Meaning: "Ticket and authenticator don't match.", Cause: "Corrupted or mismatched AP-REQ; rare.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_SKEW", Value: 37, Problem: KerberosClockSkew, Hint: hintClockSkew, Meaning: "Clock skew too great.",
		Short: "clocks differ too much", Cause: causeSkew, Checks: []string{ckTimeSkew},
		Related: []string{"SEC_E_TIME_SKEW", "ERROR_TIME_SKEW", "STATUS_TIME_DIFFERENCE_AT_DC"}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_BADADDR", Value: 38, Meaning: "Incorrect net address.",
		Cause: "An address-bound ticket used from another address (NAT, proxies).", Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_BADVERSION", Value: 39, Meaning: "Protocol version mismatch.", Cause: "Non-Kerberos-5 traffic.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_MSG_TYPE", Value: 40, Meaning: "Invalid msg type.", Cause: "A message of an unexpected type, such as a Kerberos token sent where NTLM was expected.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_MODIFIED", Value: 41, Problem: KerberosTicketModified, Hint: hintUndecryptable, Meaning: "Message stream modified.",
		Short: "a ticket for another account", Cause: causeWrongAccount,
		Checks: []string{ckUserHostAlias, ckDuplicate}, Related: []string{"SEC_E_WRONG_PRINCIPAL", "ERROR_WRONG_TARGET_NAME"}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_BADORDER", Value: 42, Meaning: "Message out of order.", Cause: "Sequence numbers out of order; rare.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_BADKEYVER", Value: 44, Problem: KerberosTicketModified, Hint: hintUndecryptable, Meaning: "Specified version of key is not available.",
		Short:  "service key version outdated",
		Cause:  "The ticket was encrypted with a key version (kvno) the service does not have: the account's password changed and the service or keytab still has the old key, or replication has not caught up.",
		Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_NOKEY", Value: 45, Problem: KerberosTicketModified, Hint: hintUndecryptable, Meaning: "Service key not available.",
		Cause:  "The service has no key for the ticket's encryption type (a keytab without AES, or without the account at all).",
		Checks: []string{ckTrustRC4}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_MUT_FAIL", Value: 46, Meaning: "Mutual authentication failed.", Cause: "The server's reply did not prove it holds the service key: a wrong service answering.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_BADDIRECTION", Value: 47, Meaning: "Incorrect message direction.", Cause: "Reflected message; rare.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_METHOD", Value: 48, Meaning: "Alternative authentication method required.", Cause: "The service wants another method.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_BADSEQ", Value: 49, Meaning: "Incorrect sequence number in message.", Cause: "Rare.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_ERR_INAPP_CKSUM", Value: 50, Meaning: "Inappropriate type of checksum in message.", Cause: causeETYPE, Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_AP_PATH_NOT_ACCEPTED", Value: 51, Meaning: "Policy rejects transited path.", Cause: "A cross-realm path the service does not accept.", Checks: []string{ckTrustExternal, ckCrossRealm}, Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_ERR_RESPONSE_TOO_BIG", Value: 52, Meaning: "Response too big for UDP; retry with TCP.",
		Cause: "Normal: the client retries over TCP. Only a problem when TCP 88 is blocked.", Normal: true, Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_ERR_GENERIC", Value: 60, Meaning: "Generic error (description in e-text).",
		Cause: "Read the e-text and e-data of the KRB-ERROR; Windows uses it for many policy failures.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KRB_ERR_FIELD_TOOLONG", Value: 61, Meaning: "Field is too long for this implementation.", Cause: "A ticket larger than the receiver accepts (users in many groups).", Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERROR_CLIENT_NOT_TRUSTED", Value: 62, Meaning: "Client not trusted (PKINIT).", Cause: "Smart card certificate not trusted by the KDC.", Source: "RFC 4556 section 3.1.3; " + srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERROR_KDC_NOT_TRUSTED", Value: 63, Meaning: "KDC not trusted (PKINIT).", Cause: "The client does not trust the KDC's certificate.", Source: "RFC 4556 section 3.1.3"},
	{Family: Kerberos, Name: "KDC_ERROR_INVALID_SIG", Value: 64, Meaning: "Invalid signature (PKINIT).", Cause: "Smart card logon signature invalid.", Source: "RFC 4556 section 3.1.3"},
	{Family: Kerberos, Name: "KDC_ERR_KEY_TOO_WEAK", Value: 65, Meaning: "Key too weak (PKINIT).", Cause: "The certificate's key is too weak for the KDC.", Source: "RFC 4556 section 3.1.3"},
	{Family: Kerberos, Name: "KDC_ERR_CERTIFICATE_MISMATCH", Value: 66, Meaning: "Certificate mismatch (PKINIT).", Cause: "The smart card certificate does not match the account it logs on as.", Source: "RFC 4556 section 3.1.3"},
	{Family: Kerberos, Name: "KRB_AP_ERR_NO_TGT", Value: 67, Meaning: "No TGT available to validate USER-TO-USER.", Cause: "User-to-user authentication without a TGT.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_WRONG_REALM", Value: 68, Problem: KerberosWrongRealm, Hint: hintWrongRealm, Meaning: "Wrong realm.",
		Short: "request sent to the wrong realm",
		Cause: "The client asked a KDC that does not serve the realm: a referral it could not follow, a realm name in the wrong case, " +
			"DNS SRV records pointing at another domain's KDCs, or an external trust where Kerberos needs a forest trust.",
		Checks: []string{ckTrustExternal, ckDNSSRVMissing, ckSRVTarget, ckCrossRealm}, Source: srcRFC4120},

	{Family: Kerberos, Name: "KRB_AP_ERR_USER_TO_USER_REQUIRED", Value: 69, Meaning: "Ticket must be for USER-TO-USER.", Cause: "The service accepts only user-to-user tickets; rare with Windows services.", Source: srcRFC4120},
	{Family: Kerberos, Name: "KDC_ERR_CANT_VERIFY_CERTIFICATE", Value: 70, Meaning: "The certificate could not be verified (PKINIT).", Cause: "Smart card logon: the KDC cannot build a chain for the client certificate.", Source: "RFC 4556 section 3.1.3"},
	{Family: Kerberos, Name: "KDC_ERR_INVALID_CERTIFICATE", Value: 71, Meaning: "Invalid certificate (PKINIT).", Cause: "Smart card logon: the client certificate is not acceptable to the KDC.", Source: "RFC 4556 section 3.1.3"},
	{Family: Kerberos, Name: "KDC_ERR_REVOKED_CERTIFICATE", Value: 72, Meaning: "Revoked certificate (PKINIT).", Cause: "Smart card logon: the client certificate is revoked.", Source: "RFC 4556 section 3.1.3"},
	{Family: Kerberos, Name: "KDC_ERR_REVOCATION_STATUS_UNKNOWN", Value: 73, Meaning: "Revocation status unknown (PKINIT).", Cause: "Smart card logon: the KDC could not learn whether the certificate is revoked (CRL unreachable).", Source: "RFC 4556 section 3.1.3"},
	{Family: Kerberos, Name: "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE", Value: 74, Meaning: "Revocation status unavailable (PKINIT).", Cause: "Smart card logon: the revocation server did not answer.", Source: "RFC 4556 section 3.1.3"},
	{Family: Kerberos, Name: "KDC_ERR_CLIENT_NAME_MISMATCH", Value: 75, Meaning: "Client name mismatch (PKINIT).", Cause: "Smart card logon: the certificate names another client.", Source: "RFC 4556 section 3.1.3"},
	{Family: Kerberos, Name: "KDC_ERR_KDC_NAME_MISMATCH", Value: 76, Meaning: "KDC name mismatch (PKINIT).", Cause: "Smart card logon: the KDC certificate names another KDC.", Source: "RFC 4556 section 3.1.3"},
	// --- IIS 401 substatus ---
	{Family: HTTP, Name: "401.1", Value: 1, Meaning: "Logon failed: access is denied due to invalid credentials.",
		Short: "logon failed",
		Cause: "IIS received credentials (an Authorization header) and the logon failed; sc-win32-status says why. " +
			"With 0x8009030E (2148074254) it is usually the normal challenge leg of NTLM; the same client's next " +
			"request then succeeds.",
		Source: srcIIS},
	{Family: HTTP, Name: "401.2", Value: 2, Meaning: "Logon failed due to server configuration (no or unusable Authorization header).",
		Short: "challenge sent (no credentials yet)",
		Cause: "The normal first response of Windows authentication: the request had no Authorization header and IIS " +
			"answered with WWW-Authenticate. Persistent without a following success: the client does not offer a method " +
			"the site enables (Windows authentication or the Negotiate provider disabled, or the browser does not send credentials to this zone).",
		Normal: true, Source: srcIIS},
	{Family: HTTP, Name: "401.3", Value: 3, Meaning: "Unauthorized due to ACL on resource.",
		Short:  "authenticated, but an ACL denies the resource",
		Cause:  "Authentication worked; the NTFS ACL or an authorization rule denies the user (or the app pool identity with anonymous access).",
		Source: srcIIS},
	{Family: HTTP, Name: "401.4", Value: 4, Meaning: "Authorization failed by filter.", Cause: "An ISAPI filter or module refused the request.", Source: srcIIS},
	{Family: HTTP, Name: "401.5", Value: 5, Meaning: "Authorization failed by ISAPI/CGI application.", Cause: "The application itself returned 401.", Source: srcIIS},
}
