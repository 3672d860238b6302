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
	// key and class cache SPN.Key() and SPN.Class() when the SPN came
	// from a snapIndex; "" means "compute".
	key, class string
}

// Key is SPN.Key, cached by the index.
func (p parsedSPN) Key() string {
	if p.key != "" {
		return p.key
	}
	return p.SPN.Key()
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
