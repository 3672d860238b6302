package checks

// Reverse-lookup (PTR) problems and the actions that fix them, shared by
// DNS-DC-PTR and SPN-DNS-PTR.

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/spntrust/spntrust/remediate/action"
)

// ptrProblem is one address of a host whose reverse (PTR) records do not
// name the host: the names they give instead (none when there is no PTR).
type ptrProblem struct {
	addr  string
	names []string
}

func joinAddrs(ps []ptrProblem) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.addr)
	}
	return strings.Join(out, ", ")
}

// replacePTRActions make p's address name fqdn alone: remove each PTR it
// has, add the right one (PowerShell's DnsServer module).
func replacePTRActions(p ptrProblem, fqdn string) []Action {
	zone, rel := reverseZone(p.addr)
	var steps []Action
	for _, n := range p.names {
		steps = append(steps, Action{Type: ActionManual, Host: fqdn, Domain: zone, Value: p.addr, Note: "remove the PTR naming " + n,
			Say: action.Say(action.PS("Remove-DnsServerResourceRecord", "-ZoneName", action.Value(zone), "-RRType", "Ptr", "-Name", action.Value(rel), "-RecordData", action.D(ensureDot(n)), "-Force"))})
	}
	return append(steps, Action{Type: ActionManual, Host: fqdn, Domain: zone, Value: p.addr, Note: "add the PTR naming " + fqdn,
		Say: action.Say(action.PS("Add-DnsServerResourceRecordPtr", "-ZoneName", action.Value(zone), "-Name", action.Value(rel), "-PtrDomainName", action.D(ensureDot(fqdn))))})
}

// verifyPTRAction looks name and its addresses up again.
func verifyPTRAction(name string) Action {
	return Action{Type: ActionAdvice, Host: name, Say: action.Say("Verify: ", action.PS("Resolve-DnsName", action.D(name)), ", then ",
		action.PS("Resolve-DnsName", "<each address>", "-Type", "PTR"), " (the zone name assumes a /24 reverse zone; adjust to yours).")}
}

// reverseZone returns the /24 (IPv4) or /64 (IPv6) reverse zone of addr and
// the record name relative to it.
func reverseZone(addr string) (zone, rel string) {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return "<reverse zone>", addr
	}
	if ip.Is4() {
		b := ip.As4()
		return fmt.Sprintf("%d.%d.%d.in-addr.arpa", b[2], b[1], b[0]), fmt.Sprint(b[3])
	}
	b := ip.As16()
	var nib []string
	for i := len(b) - 1; i >= 0; i-- {
		nib = append(nib, fmt.Sprintf("%x", b[i]&0xf), fmt.Sprintf("%x", b[i]>>4))
	}
	return strings.Join(nib[16:], ".") + ".ip6.arpa", strings.Join(nib[:16], ".")
}

func ensureDot(n string) string {
	if strings.HasSuffix(n, ".") {
		return n
	}
	return n + "."
}
