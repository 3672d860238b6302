package checks

import (
	"sync"

	"github.com/spntrust/spntrust/audit"
)

// view is how the checks read a snapshot: the audit.View of it (DNS answers
// by name, domains and their forests, parsed SPNs and their holders), plus
// the grouping of SPNs by host that the SPN-DNS-* checks share. Run builds
// one per run and every check of the run reads it, so each part is computed
// once, on first use, and shared by the checks running concurrently.
type view struct {
	*audit.View

	hostsOnce sync.Once
	hosts     *audit.HostGroups // hostGroups
}

// parsedSPN is one SPN with its holder, as the view parsed it.
type parsedSPN = audit.SPNEntry

// spnHolders are the accounts holding one SPN key, in snapshot order.
type spnHolders = audit.Holders

func newView(s *audit.Snapshot) *view { return &view{View: audit.NewView(s)} }

// viewFor returns the view Run built for s, or a new one when a check is
// called on its own (tests) or with another snapshot.
func viewFor(s *audit.Snapshot, opt Options) *view {
	if opt.view != nil && opt.view.Snapshot() == s {
		return opt.view
	}
	return newView(s)
}

// prebuild starts building, in the background, the parts of the view that
// do not depend on each other when the list holds SPN checks (which read
// them all), so they are ready, built on separate cores, by the time the
// checks ask. Run waits for it before returning: nothing reads the snapshot
// after Run.
func (v *view) prebuild(list []Check, wg *sync.WaitGroup) {
	for _, c := range list {
		if c.Area == "SPN" {
			v.View.Prebuild(wg)
			return
		}
	}
}

// keyBuf is room for a typical key on the stack.
type keyBuf [96]byte
