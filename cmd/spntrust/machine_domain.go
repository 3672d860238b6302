package main

import (
	"fmt"
	"io"

	"github.com/spntrust/spntrust/ldapx"
)

// useMachineDomain makes `spntrust audit` without a target audit the domain
// this machine is joined to (Windows: GetComputerNameEx, USERDNSDOMAIN),
// found through the adapters' DNS servers and bound as the logged-on user.
// Elsewhere, or on a machine in no domain, nothing changes and the usual
// "name what to audit" error follows.
func (o *targetOptions) useMachineDomain(stderr io.Writer) {
	if o.domain != "" || o.server != "" {
		return
	}
	d, err := ldapx.MachineDomain()
	if err != nil {
		return
	}
	o.domain = d
	fmt.Fprintf(stderr, "spntrust: auditing %s, the domain this machine is joined to (--domain or --server to audit another)\n", d)
}
