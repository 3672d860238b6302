package iislog

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"
)

// genLog produces a large IIS log on the fly, never held in memory: n
// requests from 20,000 clients to two hosts, one healthy (Kerberos) and one
// failing with SEC_E_WRONG_PRINCIPAL, with a malformed line every 10,000.
type genLog struct {
	n, i int
	buf  bytes.Buffer
}

func (g *genLog) Read(p []byte) (int, error) {
	for g.buf.Len() < len(p) && g.i < g.n {
		if g.i == 0 {
			g.buf.WriteString("#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n" +
				"#Date: 2026-11-24 00:00:00\r\n" + defaultFields + "\r\n")
		}
		t := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC).Add(time.Duration(g.i) * 100 * time.Millisecond)
		c := g.i / 4 % 20000 // requests i..i+3 come from one client: challenge, then success
		client := fmt.Sprintf("10.%d.%d.%d", c/65536, c/256%256, c%256)
		port, status, sub, win32, user := "80", 200, 0, uint64(0), `CORP\user`
		switch {
		case g.i%10000 == 9999:
			g.buf.WriteString("2026-11-24 00:00:00 truncated\r\n")
			g.i++
			continue
		case g.i%2 == 1: // the broken site on port 81
			port, status, sub, win32, user = "81", 401, 1, 2148074274, "-"
		case g.i%4 == 0:
			status, sub, win32, user = 401, 2, 5, "-"
		}
		fmt.Fprintf(&g.buf, "%s 10.0.0.21 GET /app/page%d.aspx id=%d %s %s %s Mozilla/5.0 - %d %d %d 15\r\n",
			t.Format("2006-01-02 15:04:05"), g.i%50, g.i, port, user, client, status, sub, win32)
		g.i++
	}
	if g.buf.Len() == 0 {
		return 0, io.EOF
	}
	return g.buf.Read(p)
}

func TestLargeGeneratedLogStreams(t *testing.T) {
	n := 400000
	if testing.Short() {
		n = 40000
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	a := New(Options{MaxClients: 5000})
	if err := a.Add("generated.log", &genLog{n: n}); err != nil {
		t.Fatal(err)
	}
	r := a.Report()

	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	// What stays in memory is the aggregate (2 hosts × 50 URIs × capped
	// clients), not the ~60 MB of log text.
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 32<<20 {
		t.Errorf("heap grew by %d MiB for a %d-line log", grown>>20, n)
	}
	malformed := n / 10000
	if r.Totals.Requests != n-malformed || r.Totals.Malformed != malformed {
		t.Errorf("totals %+v, want %d requests and %d malformed", r.Totals, n-malformed, malformed)
	}
	if len(r.Hosts) != 2 {
		t.Fatalf("%d hosts", len(r.Hosts))
	}
	broken, healthy := r.Hosts[1], r.Hosts[0] // sorted: 10.0.0.21:80, 10.0.0.21:81
	if broken.Verdict.Status != VerdictFailing || healthy.Verdict.Status != VerdictOK {
		t.Errorf("verdicts: %s: %s / %s: %s", healthy.Host, healthy.Verdict.Text, broken.Host, broken.Verdict.Text)
	}
	if broken.Clients.Seen != 5000 || broken.Clients.UntrackedRequests == 0 {
		t.Errorf("client cap not applied: %+v", broken.Clients)
	}
	if len(healthy.URIs) != 25 && len(healthy.URIs) != 50 {
		t.Errorf("healthy URIs = %d", len(healthy.URIs))
	}
}
