package checks

import (
	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/spn"
)

// parsedSPN is one SPN of one account, parsed once.
type parsedSPN struct {
	spn.SPN
	account *audit.Account
	err     error
	// class caches SPN.Class() when the SPN came from a snapIndex; ""
	// means "compute". (The key is not cached: a string per SPN was 60 MB
	// on a million SPNs; the index hashes keys without building them.)
	class string
}

// Class is SPN.Class, cached by the index.
func (p parsedSPN) Class() string {
	if p.class != "" {
		return p.class
	}
	return p.SPN.Class()
}

// eachSPN calls fn for every SPN of every account, parsed.
func eachSPN(s *audit.Snapshot, fn func(p parsedSPN)) {
	for i := range s.Accounts {
		a := &s.Accounts[i]
		for _, raw := range a.SPNs {
			v, err := spn.Parse(raw)
			fn(parsedSPN{SPN: v, account: a, err: err})
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
