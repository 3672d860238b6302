// Command synthsnap writes a generated snapshot (internal/synth) to a file,
// for measuring `spntrust audit --from` on a directory of a given size:
//
//	go run ./bench/synthsnap -accounts 300000 -spns 1000000 -o /var/tmp/spntrust-bench/1m.json
//	/usr/bin/time -v spntrust audit --from /var/tmp/spntrust-bench/1m.json --format json --output /dev/null
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/internal/synth"
)

func main() {
	accounts := flag.Int("accounts", 300_000, "accounts holding SPNs")
	spns := flag.Int("spns", 1_000_000, "SPN values across them (2 to 5 times -accounts)")
	out := flag.String("o", "", "file to write (required)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: synthsnap [-accounts N] [-spns N] -o FILE")
		os.Exit(2)
	}
	s, st := synth.Generate(synth.Config{Accounts: *accounts, SPNs: *spns})
	if err := audit.Save(*out, s); err != nil {
		fmt.Fprintln(os.Stderr, "synthsnap:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d accounts (%d computers, %d users), %d SPNs, %d DNS answers, %d domains in %d forests\n",
		*out, st.Accounts, st.Computers, st.Users, st.SPNs, st.DNSHosts, st.Domains, st.Forests)
}
