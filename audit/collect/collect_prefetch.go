package collect

import (
	"context"
	"sync"

	"github.com/spntrust/spntrust/audit"
)

// hostPrefetch resolves SPN hosts while the LDAP pages are still arriving,
// so DNS and LDAP time overlap instead of adding up (issue 10: on a large
// directory DNS costs more than the paged search). Each distinct queried
// name is looked up once by a fixed pool of workers; CollectDNS then takes
// the answers instead of asking again.
type hostPrefetch struct {
	ctx        context.Context
	q          DNSQuerier
	isNXDomain func(error) bool
	work       chan string
	wg         sync.WaitGroup

	mu      sync.Mutex
	started map[string]bool             // queried names handed to the workers
	named   map[string]bool             // host names seen (a short and a full name may share a query)
	hosts   []HostQuery                 // every distinct host seen, for the report
	answers map[string]audit.HostLookup // by queried name
	// later, when set, names queried names left for CollectDNS to resolve
	// (from the zones read from the directory) instead of asking now;
	// they wait in deferred until release.
	later    func(name string) bool
	deferred []string
}

// prefetchQueue bounds the names waiting for a worker; when it is full,
// adding waits, so memory does not grow ahead of DNS.
const prefetchQueue = 4096

func startHostPrefetch(ctx context.Context, q DNSQuerier, isNXDomain func(error) bool, workers int) *hostPrefetch {
	if workers < 1 {
		workers = 1
	}
	p := &hostPrefetch{ctx: ctx, q: q, isNXDomain: isNXDomain, work: make(chan string, prefetchQueue),
		started: map[string]bool{}, named: map[string]bool{}, answers: map[string]audit.HostLookup{}}
	for range workers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for name := range p.work {
				h := LookupHost(p.ctx, p.q, HostQuery{Name: name}, p.isNXDomain)
				p.mu.Lock()
				p.answers[name] = h
				p.mu.Unlock()
			}
		}()
	}
	return p
}

// add records hq and queues its queried name unless it was queued before.
func (p *hostPrefetch) add(hq HostQuery) {
	name := queriedName(hq)
	p.mu.Lock()
	if n := canonicalName(hq.Name); !p.named[n] {
		p.named[n] = true
		p.hosts = append(p.hosts, hq)
	}
	dup := p.started[name]
	p.started[name] = true
	p.mu.Unlock()
	if dup {
		return
	}
	if p.later != nil && p.later(name) {
		p.mu.Lock()
		p.deferred = append(p.deferred, name)
		p.mu.Unlock()
		return
	}
	p.queue(name)
}

func (p *hostPrefetch) queue(name string) {
	select {
	case p.work <- name:
	case <-p.ctx.Done():
	}
}

// release asks now the deferred names for which now is true. (A name
// deferred while release runs stays deferred: CollectDNS resolves it.)
func (p *hostPrefetch) release(now func(name string) bool) {
	p.mu.Lock()
	var keep, ask []string
	for _, n := range p.deferred {
		if now(n) {
			ask = append(ask, n)
		} else {
			keep = append(keep, n)
		}
	}
	p.deferred = keep
	p.mu.Unlock()
	for _, n := range ask {
		p.queue(n)
	}
}

// finish waits for the queued lookups and returns every host added and the
// answers by queried name. add must not be called after finish.
func (p *hostPrefetch) finish() ([]HostQuery, map[string]audit.HostLookup) {
	close(p.work)
	p.wg.Wait()
	return p.hosts, p.answers
}
