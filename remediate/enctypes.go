package remediate

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spntrust/spntrust/checks"
)

// Encryption types in the plan: the set-encryption-types action of the RC4
// checks changes an account's msDS-SupportedEncryptionTypes, which the
// scripts and `spntrust fix` change and restore like its SPNs.

// encAttr is the attribute set-encryption-types changes.
const encAttr = "msDS-SupportedEncryptionTypes"

// aesOptions are the options the aes strategy follows, in the order their
// actions run: a password reset first (it creates the AES keys), then the
// encryption types, so an account is never AES-only without AES keys.
var aesOptions = []string{"reset-password", "allow-aes"}

// strategyOption returns the remediation option the strategy follows for f,
// or nil. For the aes strategy it is the actions of the finding's
// reset-password and allow-aes options together, in that order.
func strategyOption(f checks.Finding, strategy Strategy) *checks.Option {
	if strategy != AES {
		var option *checks.Option
		for i := range f.Remediation {
			if strings.EqualFold(f.Remediation[i].Name, string(strategy)) {
				option = &f.Remediation[i]
			}
		}
		return option
	}
	var merged *checks.Option
	for _, name := range aesOptions {
		for i := range f.Remediation {
			o := f.Remediation[i]
			if !strings.EqualFold(o.Name, name) {
				continue
			}
			if merged == nil {
				merged = &checks.Option{Name: string(AES), Summary: o.Summary}
			} else {
				merged.Summary += " " + o.Summary
			}
			for _, a := range o.Actions {
				if !containsAction(merged.Actions, a) { // allow-aes may already start with the reset
					merged.Actions = append(merged.Actions, a)
				}
			}
		}
	}
	return merged
}

func containsAction(list []checks.Action, a checks.Action) bool {
	for _, b := range list {
		if b.Type == a.Type && strings.EqualFold(b.AccountDN, a.AccountDN) && b.Value == a.Value && b.Note == a.Note {
			return true
		}
	}
	return false
}

// parseEncTypes reads an action's value: a decimal or 0x-hex bit set.
func parseEncTypes(v string) (uint32, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(v), 0, 32)
	if err != nil {
		return 0, fmt.Errorf("encryption types %q: not a number", v)
	}
	if n == 0 || n > 0x3F {
		return 0, fmt.Errorf("encryption types %d: want a non-empty set of the bits 0x1-0x20", n)
	}
	return uint32(n), nil
}

// encTarget validates a set-encryption-types action and returns the state
// of the account it changes. A trust object is not an account: its types
// are set on both sides of the trust by hand (ksetup /setenctypeattr).
func (b *builder) encTarget(ref FindingRef, a checks.Action) (*accountState, error) {
	if a.AccountDN == "" {
		return nil, fmt.Errorf("finding %s: %s action without an account DN", ref, a.Type)
	}
	if _, err := parseEncTypes(a.Value); err != nil {
		return nil, fmt.Errorf("finding %s: %w", ref, err)
	}
	if strings.Contains(strings.ToLower(a.AccountDN), ",cn=system,") {
		return nil, &skipError{"a trust's encryption types are set on both sides of the trust (ksetup /setenctypeattr or the trust's properties); follow the report's steps"}
	}
	return b.account(a.AccountDN)
}

func copyEnc(v *uint32) *uint32 {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}

// sameEnc compares two msDS-SupportedEncryptionTypes values, nil (unset)
// and 0 alike: both leave the DC's default.
func sameEnc(a, b *uint32) bool {
	av, bv := uint32(0), uint32(0)
	if a != nil {
		av = *a
	}
	if b != nil {
		bv = *b
	}
	return av == bv
}

// encString describes a value for comments and logs.
func encString(v *uint32) string {
	if v == nil || *v == 0 {
		return "unset"
	}
	return fmt.Sprintf("%d (0x%x)", *v, *v)
}
