package main

// Soak: many audits in one process must leave nothing behind — heap back to
// where it was, no goroutines or file descriptors (connections) left over.
//
//   make soak                        # SPNTRUST_SOAK=1, 50 live audits of the lab
//   SPNTRUST_SOAK=1 SPNTRUST_SOAK_N=200 go test ./cmd/spntrust -run TestLabSoak -v -timeout 60m
//
// TestFaultAuditsLeakNothing is the short version against faultnet's
// misbehaving servers (where timeouts abandon connections) and runs always.

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/spntrust/spntrust/internal/faultnet"
	"github.com/spntrust/spntrust/internal/labenv"
)

// resources is a measurement of what the process holds.
type resources struct {
	heap       uint64 // HeapAlloc after a full GC
	goroutines int
	fds        int
}

func measure(t *testing.T) resources {
	t.Helper()
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	ents, err := os.ReadDir("/proc/self/fd")
	fds := -1
	if err == nil {
		fds = len(ents)
	}
	return resources{heap: ms.HeapAlloc, goroutines: runtime.NumGoroutine(), fds: fds}
}

// settle waits (bounded) for goroutines and descriptors to fall back to
// base: closing connections and ending their reader goroutines is
// asynchronous. It returns the last measurement.
func settle(t *testing.T, base resources, slack int) resources {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		now := measure(t)
		if (now.goroutines <= base.goroutines+slack && now.fds <= base.fds+slack) || time.Now().After(deadline) {
			return now
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func checkNoLeak(t *testing.T, base, end resources, slack int) {
	t.Helper()
	if end.goroutines > base.goroutines+slack {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Errorf("goroutines: %d before, %d after (leak)\n%s", base.goroutines, end.goroutines, buf[:n])
	}
	if base.fds >= 0 && end.fds > base.fds+slack {
		t.Errorf("open file descriptors: %d before, %d after (leaked connections or files)", base.fds, end.fds)
	}
}

func TestFaultAuditsLeakNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	scenarios := []struct {
		name  string
		fault faultnet.DCFault
		dns   faultnet.DNSMode
	}{
		{"healthy DC, garbage DNS", faultnet.DCHealthy, faultnet.DNSGarbage},
		{"DC drops the connection mid-page", faultnet.DCCloseMidPage, faultnet.DNSZone},
		{"DC hangs mid-page", faultnet.DCSilentMidPage, faultnet.DNSZone},
		{"DC hangs after the bind", faultnet.DCSilentAfterBind, faultnet.DNSZone},
	}
	run := func() {
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) {
				dc := faultnet.StartDC(t, "fault.test", sc.fault)
				dns := faultnet.StartDNS(t, sc.dns)
				dns.Zone[dc.FQDN] = []string{faultnet.ClosedPortHost(t)}
				faultAudit(t, dc.Addr, dc.CAFile, dns.Addr)
			})
		}
		t.Run("DC accepts and never answers", func(t *testing.T) {
			addr := faultnet.SilentTCP(t, "127.0.0.1:0")
			dns := faultnet.StartDNS(t, faultnet.DNSSilent)
			faultAudit(t, addr, faultnet.StartDC(t, "x.test", faultnet.DCHealthy).CAFile, dns.Addr)
		})
	}
	run() // warm up: package-level state (TLS, DNS client pools) is created once
	base := measure(t)
	for i := 0; i < 2; i++ {
		run()
	}
	end := settle(t, base, 2)
	t.Logf("before: %+v after: %+v", base, end)
	checkNoLeak(t, base, end, 2)
}

func TestLabSoak(t *testing.T) {
	if os.Getenv("SPNTRUST_SOAK") != "1" || testing.Short() {
		t.Skip("soak test: run with SPNTRUST_SOAK=1 (make soak)")
	}
	env := labenv.Require(t)
	n := 50
	if s := os.Getenv("SPNTRUST_SOAK_N"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 5 {
			t.Fatalf("SPNTRUST_SOAK_N=%q: want a number >= 5", s)
		}
		n = v
	}
	t.Setenv("KRB5_CONFIG", "")
	t.Setenv("KRB5CCNAME", "FILE:/nonexistent/spntrust-no-cache")
	dc1 := env.DCs[0]
	dir := t.TempDir()
	args := []string{"audit", "--domain", dc1.Domain, "--dns-server", dc1.IP,
		"--user", env.AdminUser + "@" + dc1.Realm, "--password-file", env.AdminPasswordFile,
		"--follow-trusts", "--probe-tickets", "--format", "json", "--output", filepath.Join(dir, "r.json")}
	audit := func(i int) {
		code, _, errOut := runLive(t, args...)
		if code != ExitOK {
			t.Fatalf("audit %d: exit %d\n%s", i, code, errOut)
		}
	}
	const warm = 3
	for i := 0; i < warm; i++ {
		audit(i)
	}
	base := measure(t)
	start := time.Now()
	var peak uint64
	for i := warm; i < n; i++ {
		audit(i)
		if (i-warm)%10 == 9 {
			r := measure(t)
			peak = max(peak, r.heap)
			t.Logf("after %d audits: heap %.1f MiB, %d goroutines, %d fds", i+1, float64(r.heap)/(1<<20), r.goroutines, r.fds)
		}
	}
	end := settle(t, base, 2)
	peak = max(peak, end.heap)
	t.Logf("%d audits in %v; before: heap %.1f MiB, %d goroutines, %d fds; after: heap %.1f MiB (peak %.1f), %d goroutines, %d fds",
		n-warm, time.Since(start).Round(time.Second), float64(base.heap)/(1<<20), base.goroutines, base.fds,
		float64(end.heap)/(1<<20), float64(peak)/(1<<20), end.goroutines, end.fds)
	checkNoLeak(t, base, end, 2)
	// Stable heap: what one audit keeps alive is released by the next; a
	// leak of even 100 KiB per audit would add up to several MiB here.
	if limit := base.heap + base.heap/4 + 4<<20; end.heap > limit {
		t.Errorf("heap grew from %d to %d bytes over %d audits (limit %d): something is kept per audit", base.heap, end.heap, n-warm, limit)
	}
}
