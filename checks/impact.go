package checks

// Impact sentences: an outage finding says, in prose, which service fails
// for whom ("clients of http://mp01.corp.example get tickets for
// CORP\svc-appweb; ..."), built from its evidence, for the reports' list
// of outages.

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/spn"
)

// serviceURL names the service an SPN is for as its clients know it: a URL
// for HTTP (http://host[:port]), else the SPN itself.
func serviceURL(raw string) string {
	v, err := spn.Parse(raw)
	if err != nil || v.Class() != "http" {
		return raw
	}
	u := "http://" + strings.ToLower(v.Host)
	if v.Port != "" {
		u += ":" + v.Port
	}
	return u
}

// servicesText names the services of SPNs: "a", "a and b", "a, b and c";
// the same service named twice (HTTP/x and HTTP/x:80) is named once.
func servicesText(raws []string) string {
	var names []string
	seen := map[string]bool{}
	for _, r := range raws {
		n := serviceURL(r)
		if !seen[strings.ToLower(n)] {
			seen[strings.ToLower(n)] = true
			names = append(names, n)
		}
	}
	switch len(names) {
	case 0:
		return "the service"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// dcPTRImpact says who fails when a DC's A record is missing (wrong empty)
// or its reverse DNS is missing or names another host.
func dcPTRImpact(domain, fqdn string, wrong []ptrProblem) string {
	if len(wrong) == 0 {
		return fmt.Sprintf("clients and DCs of %s cannot reach DC %s by name: its A record is missing", domain, fqdn)
	}
	return fmt.Sprintf("clients of %s that canonicalise through reverse DNS (MIT Kerberos, Heimdal, Java, SSSD) ask for tickets to the wrong name, or none, when they reach DC %s at %s",
		domain, fqdn, joinAddrs(wrong))
}
