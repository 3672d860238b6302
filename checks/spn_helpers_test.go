package checks

import (
	"strings"
	"time"

	"github.com/spntrust/spntrust/audit"
)

// Builders for the SPN-* check tests (on top of helpers_test.go).

var testNow = time.Date(2026, 11, 24, 21, 38, 18, 0, time.UTC)

func daysAgo(n int) *time.Time { t := testNow.AddDate(0, 0, -n); return &t }

func u32(v uint32) *uint32 { return &v }

// at sets the collection time.
func at(s *audit.Snapshot, t time.Time) *audit.Snapshot { s.Collection.FinishedAt = t; return s }

// withHosts adds DNS answers.
func withHosts(s *audit.Snapshot, hs ...audit.HostLookup) *audit.Snapshot {
	s.DNS.Hosts = append(s.DNS.Hosts, hs...)
	return s
}

// okHost and cnameHost record, like the collector, a PTR for every address;
// here each names the host's canonical name.
func okHost(name string, addrs ...string) audit.HostLookup {
	return audit.HostLookup{Name: name, Canonical: name, A: addrs, PTR: ptrsTo(name, addrs), Status: audit.DNSOK}
}

func ptrsTo(name string, addrs []string) audit.PTRs {
	m := map[string][]string{}
	for _, a := range addrs {
		m[a] = []string{name}
	}
	return audit.PTRsOf(m)
}

func nxHost(name string) audit.HostLookup {
	return audit.HostLookup{Name: name, Status: audit.DNSNXDomain, Error: "no such host"}
}

func cnameHost(name, target string, addrs ...string) audit.HostLookup {
	return audit.HostLookup{Name: name, CNAMEs: []string{target}, Canonical: target, A: addrs, PTR: ptrsTo(target, addrs), Status: audit.DNSOK}
}

// withForest adds a one-domain forest.
func withForest(s *audit.Snapshot, root, netbios string) *audit.Snapshot {
	s.Forests = append(s.Forests, audit.Forest{RootDomain: root, FunctionalLevel: 7, SPNMappings: defaultMappings()})
	s.Domains = append(s.Domains, audit.Domain{DNSName: root, NetBIOSName: netbios, DN: dnOf(root), Forest: root,
		FunctionalLevel: 7, AccountsCollected: true})
	return s
}

// withChildDomain adds a domain to the forest rooted at root.
func withChildDomain(s *audit.Snapshot, name, netbios, root string) *audit.Snapshot {
	s.Domains = append(s.Domains, audit.Domain{DNSName: name, NetBIOSName: netbios, DN: dnOf(name), Forest: root,
		FunctionalLevel: 7, AccountsCollected: true})
	return s
}

func dnOf(domain string) string { return "DC=" + strings.ReplaceAll(domain, ".", ",DC=") }

// in moves an account to another domain, DN included.
func in(a audit.Account, domain string) audit.Account {
	a.Domain = domain
	a.DN = strings.Replace(a.DN, "DC=corp,DC=example", dnOf(domain), 1)
	return a
}

func disabled(a audit.Account) audit.Account {
	a.UserAccountControl |= audit.UACAccountDisable
	return a
}

func dc(name string, spns ...string) audit.Account {
	a := computer(name, spns...)
	a.DN = "CN=" + strings.ToUpper(name) + ",OU=Domain Controllers,DC=corp,DC=example"
	a.UserAccountControl = audit.UACServerTrust | 0x80000
	return a
}

func krbtgt() audit.Account {
	a := user("krbtgt", "kadmin/changepw")
	a.UserAccountControl |= audit.UACAccountDisable
	a.AdminCount = 1
	return a
}

// findingFor returns the failed findings of a check run, by subject.
func failed(fs []Finding) map[string]Finding {
	out := map[string]Finding{}
	for _, f := range fs {
		if f.Status == Fail || f.Status == "" {
			out[f.Subject] = f
		}
	}
	return out
}

func notEvaluated(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Status == NotEvaluated {
			out = append(out, f)
		}
	}
	return out
}

func allSteps(f Finding) string {
	var b strings.Builder
	for _, o := range f.Remediation {
		b.WriteString(strings.Join(o.Steps(), "\n"))
		b.WriteString("\n")
	}
	return b.String()
}
