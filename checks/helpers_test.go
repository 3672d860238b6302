package checks

import (
	"strings"

	"github.com/spntrust/spntrust/audit"
)

// Test snapshot builders shared by the check tests.

var defaultHostAliases = strings.Split("alerter,appmgmt,cisvc,clipsrv,browser,dhcp,dnscache,replicator,eventlog,"+
	"eventsystem,policyagent,oakley,dmserver,dns,mcsvc,fax,msiserver,ias,messenger,netlogon,netman,netdde,"+
	"netddedsm,nmagent,plugplay,protectedstorage,rasman,rpclocator,rpc,rpcss,remoteaccess,rsvp,samss,scardsvr,"+
	"scesrv,seclogon,scm,dcom,cifs,spooler,snmp,schedule,tapisrv,trksvr,trkwks,ups,time,wins,www,http,w3svc,"+
	"iisadmin,msdtc", ",")

func defaultMappings() map[string]string {
	m := map[string]string{}
	for _, a := range defaultHostAliases {
		m[a] = "host"
	}
	return m
}

// newSnapshot returns a one-forest, one-domain snapshot (corp.example, CORP)
// holding the given accounts; extra domains can be appended by the caller.
func newSnapshot(accounts ...audit.Account) *audit.Snapshot {
	for i := range accounts {
		if accounts[i].Domain == "" {
			accounts[i].Domain = "corp.example"
		}
		accounts[i].Enabled = accounts[i].UserAccountControl&audit.UACAccountDisable == 0
	}
	return &audit.Snapshot{
		SchemaVersion: audit.SchemaVersion,
		Forests:       []audit.Forest{{RootDomain: "corp.example", FunctionalLevel: 7, SPNMappings: defaultMappings()}},
		Domains: []audit.Domain{{DNSName: "corp.example", NetBIOSName: "CORP", DN: "DC=corp,DC=example",
			Forest: "corp.example", FunctionalLevel: 7, AccountsCollected: true}},
		Accounts: accounts,
	}
}

func computer(name string, spns ...string) audit.Account {
	return audit.Account{
		DN: "CN=" + strings.ToUpper(name) + ",CN=Computers,DC=corp,DC=example", SAMAccountName: strings.ToUpper(name) + "$",
		Kind: audit.KindComputer, UserAccountControl: audit.UACWorkstationTrust,
		DNSHostName: name + ".corp.example", SPNs: spns,
	}
}

func user(name string, spns ...string) audit.Account {
	return audit.Account{
		DN: "CN=" + name + ",CN=Users,DC=corp,DC=example", SAMAccountName: name,
		Kind: audit.KindUser, UserAccountControl: audit.UACNormalAccount, SPNs: spns,
	}
}

func withKind(a audit.Account, k audit.AccountKind) audit.Account { a.Kind = k; return a }

func inDomain(a audit.Account, domain string) audit.Account { a.Domain = domain; return a }

// subjects lists the subjects of findings with the given status.
func subjects(fs []Finding, st Status) []string {
	var out []string
	for _, f := range fs {
		if f.Status == st || (st == Fail && f.Status == "") {
			out = append(out, f.Subject)
		}
	}
	return out
}
