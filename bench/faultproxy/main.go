// Command faultproxy puts internal/faultnet's Proxy in front of a real
// server for the failover measurement of bench/RESULTS.md (issue 23): it
// forwards -listen to -target, and goes silent (every connection held open,
// nothing forwarded) once -silent-after bytes have gone from the target to
// its clients, or drops every connection instead with -drop. It logs each
// change, with the time and the bytes forwarded, to stderr, and runs until
// interrupted.
//
//	go run ./bench/faultproxy -listen 127.0.0.21:636 -target 127.0.0.11:636 -silent-after 1000000
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spntrust/spntrust/internal/faultnet"
)

func main() {
	listen := flag.String("listen", "", "address to listen on, e.g. 127.0.0.21:636")
	target := flag.String("target", "", "the real server, e.g. 127.0.0.11:636")
	after := flag.Int64("silent-after", 0, "go silent once this many bytes went from the target to clients (0: never)")
	drop := flag.Bool("drop", false, "at -silent-after, drop every connection (a service that went away) instead of going silent")
	flag.Parse()
	if *listen == "" || *target == "" {
		fmt.Fprintln(os.Stderr, "faultproxy: -listen and -target are required (e.g. -listen 127.0.0.21:636 -target 127.0.0.11:636)")
		os.Exit(2)
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "%s faultproxy: %s\n", time.Now().UTC().Format("15:04:05.000"), fmt.Sprintf(format, a...))
	}
	var p *faultnet.Proxy
	p, err := faultnet.NewProxy(*listen, *target, func(m faultnet.ProxyMode, n int64) {
		logf("%s after %d bytes to clients", m, n)
		if m == faultnet.ProxySilent && *drop {
			go p.SetMode(faultnet.ProxyDrop)
		}
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "faultproxy:", err)
		os.Exit(1)
	}
	p.SilentAfter(*after)
	logf("forwarding %s to %s (silent after %d bytes, drop %v)", p.Addr, *target, *after, *drop)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	logf("stopping; %d bytes forwarded to clients", p.Forwarded())
	p.Close()
}
