package checks

import (
	"github.com/spntrust/spntrust/audit"
)

// accountObject describes an account as an affected object.
func accountObject(a *audit.Account) Object {
	return Object{DN: a.DN, Kind: string(a.Kind), Name: a.SAMAccountName, Domain: a.Domain}
}

// qualifiedName is DOMAIN\sAMAccountName, the form setspn takes; it falls back
// to the bare name when the domain's NetBIOS name is unknown.
func qualifiedName(ix *view, a *audit.Account) string {
	if nb := ix.NetBIOSOf(a.Domain); nb != "" {
		return nb + `\` + a.SAMAccountName
	}
	return a.SAMAccountName
}
