package collect

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/spntrust/spntrust/ldapx"

	"github.com/spntrust/spntrust/audit"
)

// Key probes: for every enabled SPN holder (and krbtgt) one credential-free
// AS-REQ to its domain's KDC, whose PA-ETYPE-INFO2 names the key types the
// KDC holds (ldapx.ProbeAccountKeys). No password and no pre-authentication
// data is sent, so no logon fails and badPwdCount is never touched. The
// requests are bounded (KeyProbeLimit) and paced (KeyProbeRate).

// Defaults for the key probes.
const (
	DefaultKeyProbeLimit = 5000 // accounts per audit
	DefaultKeyProbeRate  = 200  // requests per second, all KDCs together
)

// keyProbeWorkers is how many key probes are in flight at once.
const keyProbeWorkers = 4

// KeyProber asks a KDC about one account's keys (ldapx.ProbeAccountKeys).
type KeyProber func(ctx context.Context, kdcAddr, realm, principal string, timeout time.Duration) (ldapx.AccountKeys, error)

// keyProbeCandidate reports whether the KDC is asked about a's keys:
// accounts that can hold a service's keys, enabled (a disabled one gets no
// ticket and the KDC only answers "revoked"), and krbtgt, which is disabled
// by design and whose keys encrypt every TGT.
func keyProbeCandidate(a audit.Account) bool {
	switch a.Kind {
	case audit.KindUser, audit.KindComputer, audit.KindMSA, audit.KindGMSA:
	default:
		return false
	}
	return a.Enabled || strings.EqualFold(a.SAMAccountName, "krbtgt")
}

// collectAccountKeys runs the key probes and records each answer on its
// account. Failures are gaps; the collection state says whether every
// candidate was asked.
func (c *collector) collectAccountKeys(ctx context.Context) {
	if c.cfg.SkipKeyProbes {
		c.snap.Collection.KeyProbes = audit.KeyProbesSkipped
		return
	}
	probe := c.cfg.KeyProber
	if probe == nil {
		probe = ldapx.ProbeAccountKeys
	}
	limit, rate := c.cfg.KeyProbeLimit, c.cfg.KeyProbeRate
	if limit <= 0 {
		limit = DefaultKeyProbeLimit
	}
	if rate <= 0 {
		rate = DefaultKeyProbeRate
	}
	c.mu.Lock()
	kdcs := map[string]string{} // domain → KDC address (first DC address, port 88)
	for _, d := range c.snap.Domains {
		for _, dc := range d.DCs {
			if len(dc.Addresses) > 0 {
				if a, err := netip.ParseAddr(dc.Addresses[0]); err == nil {
					kdcs[strings.ToLower(d.DNSName)] = netip.AddrPortFrom(a, 88).String()
				}
				break
			}
		}
	}
	var todo []int
	skipped := 0
	noKDC := map[string]int{}
	for i, a := range c.snap.Accounts {
		if !keyProbeCandidate(a) {
			continue
		}
		if _, ok := kdcs[strings.ToLower(a.Domain)]; !ok {
			noKDC[a.Domain]++
			continue
		}
		if len(todo) >= limit {
			skipped++
			continue
		}
		todo = append(todo, i)
	}
	type job struct {
		i                     int
		kdc, realm, principal string
	}
	jobs := make([]job, len(todo))
	for n, i := range todo {
		a := c.snap.Accounts[i]
		jobs[n] = job{i, kdcs[strings.ToLower(a.Domain)], strings.ToUpper(a.Domain), a.SAMAccountName}
	}
	c.mu.Unlock()

	state := audit.KeyProbesDone
	for d, n := range noKDC {
		state = audit.KeyProbesPartial
		c.gap("kdc:"+d, "key probes", fmt.Errorf("no DC address of this domain resolved, so the key types of its %d SPN holders were not asked", n))
	}
	if skipped > 0 {
		state = audit.KeyProbesPartial
		c.gap("kdc", "key probes", fmt.Errorf("%d accounts not asked: the audit asks the KDCs about at most %d (--key-probe-limit); the RC4 checks judge those from pwdLastSet", skipped, limit))
	}

	pace := time.NewTicker(time.Second / time.Duration(rate))
	defer pace.Stop()
	work := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := map[string][]error{} // domain → errors
	for w := 0; w < keyProbeWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				pctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
				k, err := probe(pctx, j.kdc, j.realm, j.principal, c.cfg.Timeout)
				cancel()
				keys := &audit.AccountKeys{Outcome: k.Outcome, Etypes: k.Etypes}
				if err != nil {
					keys.Outcome = audit.KeysError
					keys.Error = err.Error()
					mu.Lock()
					failed[j.realm] = append(failed[j.realm], err)
					mu.Unlock()
				}
				c.mu.Lock()
				c.snap.Accounts[j.i].Keys = keys
				c.mu.Unlock()
			}
		}()
	}
feed:
	for _, j := range jobs {
		select {
		case <-ctx.Done():
			break feed
		case <-pace.C:
		}
		select {
		case work <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if ctx.Err() != nil {
		state = audit.KeyProbesPartial
		c.gap("kdc", "key probes", fmt.Errorf("stopped before every account was asked: %w", ctx.Err()))
	}
	for realm, errs := range failed {
		state = audit.KeyProbesPartial
		c.gap("kdc:"+strings.ToLower(realm), "key probes", fmt.Errorf("%d key probes failed; the first: %w", len(errs), errs[0]))
	}
	c.mu.Lock()
	c.snap.Collection.KeyProbes = state
	c.mu.Unlock()
}
