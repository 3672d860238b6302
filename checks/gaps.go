package checks

// Collection gaps: what the checks look up to report "not evaluated".

import (
	"strings"

	"github.com/spntrust/spntrust/audit"
)

// findGap returns the first collection gap scoped to scope (any case) whose
// "what" mentions what.
func findGap(s *audit.Snapshot, scope, what string) (audit.Gap, bool) {
	for _, g := range s.Collection.Gaps {
		if normDNS(g.Scope) == normDNS(scope) && strings.Contains(strings.ToLower(g.What), what) {
			return g, true
		}
	}
	return audit.Gap{}, false
}
