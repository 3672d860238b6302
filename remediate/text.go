package remediate

import (
	"bytes"
	"fmt"

	"github.com/spntrust/spntrust/checks"
)

// Text renders the plan for a terminal: what `spntrust fix` prints before
// (or instead of, in a dry run) applying it.
func Text(p *Plan) []byte {
	var b bytes.Buffer
	ln := func(format string, args ...any) {
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	ln("Plan: %s (port %d) from snapshot %s (target %s, collected %s)", p.Strategy, p.Port, orUnknown(p.Snapshot), orUnknown(p.Source.Target), p.collectedAt())
	if p.Empty() {
		ln("  nothing to change")
	}
	for _, s := range p.Steps {
		what := ""
		switch s.Type {
		case checks.ActionRemoveSPN:
			what = fmt.Sprintf("remove %s from %s", s.SPN, s.Account)
		case checks.ActionAddSPN:
			what = fmt.Sprintf("add %s to %s", s.SPN, s.Account)
		case checks.ActionMoveSitePort:
			what = fmt.Sprintf("IIS: move the site that runs as %s on %s to port %d (not an LDAP change: fix does not do it; `spntrust remediate` writes fix.ps1 for it)", s.Account, s.Host, s.Port)
		case checks.ActionSetEncTypes:
			what = fmt.Sprintf("set msDS-SupportedEncryptionTypes of %s to %d (0x%x)", s.Account, s.EncTypes, s.EncTypes)
		case checks.ActionResetPassword:
			what = fmt.Sprintf("reset the password of %s (not done by fix: no password is ever given to spntrust; `spntrust remediate` writes fix.ps1, which asks for it)", s.Account)
		default:
			what = "manual: " + s.Note
		}
		if s.NoOp {
			what += " (already so in the snapshot)"
		}
		ln("  step %d  %s %s  %s", s.N, s.Finding.ID, s.Finding.Fingerprint, what)
	}
	if accts := p.ChangedAccounts(); len(accts) > 0 {
		ln("Accounts (one LDAP Modify each):")
		for _, a := range accts {
			ln("  %s (%s)", a.Account, a.DN)
			if a.SPNsChanged() {
				ln("    before: %s", list(a.Before))
				ln("    after:  %s", list(a.After))
			}
			if a.EncChanged() {
				ln("    msDS-SupportedEncryptionTypes: %s -> %s", encString(a.EncBefore), encString(a.EncAfter))
			}
		}
	}
	for _, s := range p.Skipped {
		ln("Not planned: %s %s: %s", s.Finding.ID, s.Finding.Fingerprint, s.Reason)
	}
	return b.Bytes()
}
