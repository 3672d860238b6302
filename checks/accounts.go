package checks

import (
	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/spn"
)

// eachSPN calls fn for every SPN of every account, parsed.
func eachSPN(s *audit.Snapshot, fn func(p parsedSPN)) {
	for i := range s.Accounts {
		a := &s.Accounts[i]
		for _, raw := range a.SPNs {
			v, err := spn.Parse(raw)
			fn(parsedSPN{SPN: v, Account: a, Err: err})
		}
	}
}

// accountObject describes an account as an affected object.
func accountObject(a *audit.Account) Object {
	return Object{DN: a.DN, Kind: string(a.Kind), Name: a.SAMAccountName, Domain: a.Domain}
}

// qualifiedName is DOMAIN\sAMAccountName, the form setspn takes; it falls back
// to the bare name when the domain's NetBIOS name is unknown.
func qualifiedName(s *audit.Snapshot, a *audit.Account) string {
	if nb := s.NetBIOSOf(a.Domain); nb != "" {
		return nb + `\` + a.SAMAccountName
	}
	return a.SAMAccountName
}
