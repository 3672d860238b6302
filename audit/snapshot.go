// Package audit holds the Snapshot — everything one audit collected from the
// directory, DNS and the KDC — and the code that saves, loads and validates
// it. It imports no network library: the collectors that talk to DCs, DNS
// servers and KDCs are in audit/collect.
//
// Checks are pure functions of a Snapshot, so an audit can be replayed offline
// from a saved file. A Snapshot never holds a secret: no password, key or
// ticket is ever stored in it.
package audit

import (
	"strings"
	"time"
)

// SchemaVersion is the version of the Snapshot file format written by this
// build. Load refuses any other version rather than guess at its meaning.
const SchemaVersion = 1

// Snapshot is the complete result of one collection run.
type Snapshot struct {
	SchemaVersion int           `json:"schemaVersion"`
	Collection    Collection    `json:"collection"`
	Forests       []Forest      `json:"forests"`
	Domains       []Domain      `json:"domains"`
	Accounts      []Account     `json:"accounts"`
	DNS           DNS           `json:"dns"`
	Clocks        []ClockSample `json:"clocks,omitempty"`
	TicketProbes  []TicketProbe `json:"ticketProbes,omitempty"`
	// Services are the services a targeted collection (probe) was asked
	// about (service.go); an audit's snapshot has none.
	Services []Service `json:"services,omitempty"`
}

// Collection describes how, when, from where and as whom the snapshot was
// taken, and what could not be collected.
type Collection struct {
	ToolVersion  string    `json:"toolVersion"`
	StartedAt    time.Time `json:"startedAt"`
	FinishedAt   time.Time `json:"finishedAt"`
	Host         string    `json:"host,omitempty"`      // machine the audit ran on
	Principal    string    `json:"principal,omitempty"` // identity used to bind, never its secret
	AuthMethod   string    `json:"authMethod,omitempty"`
	Target       string    `json:"target,omitempty"` // --domain or --server as given
	DCsContacted []string  `json:"dcsContacted,omitempty"`
	Gaps         []Gap     `json:"gaps,omitempty"`
	// KeyProbes says whether the accounts' key types were asked of the KDCs
	// (a credential-free AS-REQ each): "done", "skipped" (--key-probes=false)
	// or "partial" (a limit or failures left some unprobed; see Gaps).
	// Empty in snapshots made before the probe existed.
	KeyProbes string `json:"keyProbes,omitempty"`
	// TicketProbeState says whether service tickets were requested
	// (TicketProbes): "done", "skipped" (--probe-tickets not given) or
	// "failed" (the Kerberos client could not start; see Gaps). Empty in
	// snapshots made before it was recorded.
	TicketProbeState string `json:"ticketProbeState,omitempty"`
	// Mode is "" for an audit (every account holding an SPN in each
	// domain marked AccountsCollected), or ModeServices for a targeted
	// collection (spntrust probe): only the accounts holding the declared
	// services' SPNs, the HTTP and HOST forms of their hosts and the
	// declared identities were read — every holder of those SPNs, so the
	// checks judge them as a full audit does, but nothing else of the
	// domain (see Snapshot.Services).
	Mode string `json:"mode,omitempty"`
}

// ModeServices is the Collection.Mode of a targeted collection.
const ModeServices = "services"

// Ticket probe states of a collection.
const (
	TicketProbesDone    = "done"
	TicketProbesSkipped = "skipped"
	TicketProbesFailed  = "failed"
)

// Key probe states of a collection.
const (
	KeyProbesDone    = "done"
	KeyProbesSkipped = "skipped"
	KeyProbesPartial = "partial"
)

// Partial reports whether anything could not be collected.
func (c Collection) Partial() bool { return len(c.Gaps) > 0 }

// Gap records one thing the collector could not read and why. Checks that
// need the missing data report "not evaluated" instead of "healthy".
type Gap struct {
	Scope string `json:"scope"` // what the gap is about: a domain, DC, DNS name or KDC
	What  string `json:"what"`  // what could not be read, e.g. "trusts", "accounts"
	Error string `json:"error"`
}

// Forest is one Active Directory forest seen by the audit.
type Forest struct {
	RootDomain      string `json:"rootDomain"` // DNS name of the forest root domain
	FunctionalLevel int    `json:"functionalLevel"`
	// SPNMappings maps a service class alias to the class it stands for, both
	// lower-cased, as read from the forest's sPNMappings attribute, e.g.
	// "http" → "host". Nil when it could not be read (see Collection.Gaps).
	SPNMappings map[string]string `json:"spnMappings"`
}

// AliasesOf returns whether class (any case) is an alias of target in this
// forest's sPNMappings.
func (f Forest) AliasesOf(class, target string) bool {
	return f.SPNMappings[lower(class)] == lower(target)
}

// Domain is one domain: its identity, DCs and trusts.
type Domain struct {
	DNSName         string  `json:"dnsName"`
	NetBIOSName     string  `json:"netbiosName"`
	SID             string  `json:"sid,omitempty"`
	DN              string  `json:"dn"`
	Forest          string  `json:"forest"` // root domain of the forest this domain belongs to
	FunctionalLevel int     `json:"functionalLevel"`
	DCs             []DC    `json:"dcs"`
	Trusts          []Trust `json:"trusts"`
	// AccountsCollected is false when the domain's accounts could not be read,
	// so an empty account list does not pass for "no SPNs".
	AccountsCollected bool `json:"accountsCollected"`
	// AESKeysSince is when the domain began generating AES keys: the
	// whenCreated of its "Read-only Domain Controllers" group (RID 521),
	// created when the domain first reached the Windows Server 2008 level.
	// A password last set before it has no AES keys. Nil when not read.
	AESKeysSince *time.Time `json:"aesKeysSince,omitempty"`
}

// DC is one domain controller.
type DC struct {
	FQDN            string   `json:"fqdn"`
	Addresses       []string `json:"addresses,omitempty"`
	GlobalCatalog   bool     `json:"globalCatalog"`
	FunctionalLevel int      `json:"functionalLevel"`
	Site            string   `json:"site,omitempty"`
}

// AccountKind classifies an account by its object class.
type AccountKind string

// Account kinds. Managed service accounts derive from computer, so they are
// told apart before "computer".
const (
	KindUser     AccountKind = "user"
	KindComputer AccountKind = "computer"
	KindMSA      AccountKind = "managedServiceAccount"
	KindGMSA     AccountKind = "groupManagedServiceAccount"
	KindOther    AccountKind = "other"
)

// KindOf classifies an account by objectClass. Managed service accounts
// derive from computer, so they are told apart first.
func KindOf(classes []string) AccountKind {
	has := func(name string) bool {
		for _, c := range classes {
			if strings.EqualFold(c, name) {
				return true
			}
		}
		return false
	}
	switch {
	case has("msDS-GroupManagedServiceAccount"):
		return KindGMSA
	case has("msDS-ManagedServiceAccount"):
		return KindMSA
	case has("computer"):
		return KindComputer
	case has("user"):
		return KindUser
	}
	return KindOther
}

func (k AccountKind) valid() bool {
	switch k {
	case KindUser, KindComputer, KindMSA, KindGMSA, KindOther:
		return true
	}
	return false
}

// Account is a directory object that holds servicePrincipalName values.
type Account struct {
	DN             string      `json:"dn"`
	Domain         string      `json:"domain"` // DNS name of the owning domain
	SAMAccountName string      `json:"samAccountName"`
	SID            string      `json:"sid,omitempty"`
	Kind           AccountKind `json:"kind"`
	// UserAccountControl is the raw value; UACFlags its decoded names, kept
	// in the file for people reading it (Load checks they agree).
	UserAccountControl uint32     `json:"userAccountControl"`
	UACFlags           []string   `json:"userAccountControlFlags,omitempty"`
	Enabled            bool       `json:"enabled"`
	PwdLastSet         *time.Time `json:"pwdLastSet,omitempty"`         // nil: never set
	LastLogon          *time.Time `json:"lastLogonTimestamp,omitempty"` // nil: never
	AccountExpires     *time.Time `json:"accountExpires,omitempty"`     // nil: never expires
	AdminCount         int        `json:"adminCount,omitempty"`
	// SupportedEncryptionTypes is msDS-SupportedEncryptionTypes; nil when unset,
	// which means the KDC default (RC4 allowed unless the domain changed it).
	SupportedEncryptionTypes *uint32  `json:"supportedEncryptionTypes,omitempty"`
	DNSHostName              string   `json:"dnsHostName,omitempty"`
	SPNs                     []string `json:"spns"`
	// OperatingSystem is a computer's operatingSystem attribute.
	OperatingSystem string `json:"operatingSystem,omitempty"`
	// Keys is what the KDC said of the account's long-term keys; nil when
	// it was not asked.
	Keys *AccountKeys `json:"keys,omitempty"`
}

// AccountKeys is the answer of one credential-free AS-REQ for an account.
type AccountKeys struct {
	// Outcome: "keys" (the KDC named the key types in PA-ETYPE-INFO2),
	// "no-preauth" (it sent an AS-REP: the account needs no
	// pre-authentication; its encryption type is the key named), "unknown"
	// (no such principal), "no-keys", "revoked" (disabled, locked,
	// expired) or "error".
	Outcome string `json:"outcome"`
	// Etypes are the key types named (IANA numbers: 17/18 AES, 23 RC4,
	// 1/3 DES): the strongest the KDC holds of AES, RC4 and DES.
	Etypes []int32 `json:"etypes,omitempty"`
	Error  string  `json:"error,omitempty"`
}

// Key probe outcomes (AccountKeys.Outcome).
const (
	KeysListed    = "keys"
	KeysNoPreauth = "no-preauth"
	KeysUnknown   = "unknown"
	KeysNone      = "no-keys"
	KeysRevoked   = "revoked"
	KeysError     = "error"
)

// Kerberos encryption type numbers (IANA) the RC4 checks reason about.
const (
	EtypeDESCBCCRC = 1
	EtypeDESCBCMD5 = 3
	EtypeAES128    = 17
	EtypeAES256    = 18
	EtypeRC4       = 23
)

// HasAES reports whether the KDC named an AES key.
func (k *AccountKeys) HasAES() bool {
	for _, e := range k.Etypes {
		if e == EtypeAES128 || e == EtypeAES256 {
			return true
		}
	}
	return false
}

// Trust is one trustedDomain object of a domain.
type Trust struct {
	Partner                  string     `json:"partner"` // DNS name of the other side
	FlatName                 string     `json:"flatName,omitempty"`
	SID                      string     `json:"sid,omitempty"`
	Type                     int        `json:"type"`      // trustType
	Direction                int        `json:"direction"` // trustDirection
	Attributes               uint32     `json:"attributes"`
	AttributeFlags           []string   `json:"attributeFlags,omitempty"`
	SupportedEncryptionTypes *uint32    `json:"supportedEncryptionTypes,omitempty"`
	WhenCreated              *time.Time `json:"whenCreated,omitempty"`
}

// DNS holds every DNS answer the audit used.
type DNS struct {
	Server string       `json:"server,omitempty"` // resolver queried; "" = system resolver
	Hosts  []HostLookup `json:"hosts"`
	SRV    []SRVLookup  `json:"srv"`
	// Zones lists the AD-integrated zones read over LDAP; host lookups
	// whose Source says "directory" were answered from them.
	Zones []DNSZone `json:"zones,omitempty"`
	// Served says, per audited domain, whether the DNS server serves it
	// (answers its SOA); empty in snapshots made before it was asked.
	Served []ZoneService `json:"served,omitempty"`
}

// ZoneService is the DNS server's answer for one domain's SOA.
type ZoneService struct {
	Domain string `json:"domain"`
	Status string `json:"status"`         // DNSOK: it serves the domain; else why not
	Zone   string `json:"zone,omitempty"` // the zone whose SOA it answered
	Error  string `json:"error,omitempty"`
}

// DNSZone is one AD-integrated DNS zone read from a DC's directory.
type DNSZone struct {
	Name      string `json:"name"`
	Container string `json:"container"` // CN=MicrosoftDNS,DC=DomainDnsZones,... that holds it
	Server    string `json:"server"`    // DC it was read from
	Nodes     int    `json:"nodes"`     // names in the zone
}

// HostLookup.Source values: every answer of the lookup came from zone data
// read from the directory, or some did and some came from the DNS server.
// Empty: every answer came from the DNS server.
const (
	SourceDirectory       = "directory"
	SourceDirectoryAndDNS = "directory+dns"
)

// Lookup outcomes.
const (
	DNSOK       = "ok"
	DNSNXDomain = "nxdomain"
	DNSNoData   = "nodata" // name exists, no address
	DNSError    = "error"  // timeout, SERVFAIL, refused, garbage
)

// HostLookup is what a client resolving Name would see.
type HostLookup struct {
	Name string `json:"name"`
	// QueriedAs is the name actually asked for when it differs from Name: a
	// short (single-label) SPN host is resolved with its domain's DNS
	// suffix appended, as a domain-joined client would.
	QueriedAs string   `json:"queriedAs,omitempty"`
	CNAMEs    []string `json:"cnames,omitempty"` // chain followed, in order
	Canonical string   `json:"canonical,omitempty"`
	A         []string `json:"a,omitempty"`
	AAAA      []string `json:"aaaa,omitempty"`
	PTR       PTRs     `json:"ptr,omitempty"` // address → names
	Status    string   `json:"status"`
	Error     string   `json:"error,omitempty"`
	// Source says where the answers came from: "directory" (the zone data
	// read over LDAP, see DNS.Zones), "directory+dns" (partly), or empty:
	// the DNS server (DNS.Server).
	Source string `json:"source,omitempty"`
}

// SRVLookup is one SRV query and its answer.
type SRVLookup struct {
	Name    string      `json:"name"`
	Targets []SRVTarget `json:"targets,omitempty"`
	Status  string      `json:"status"`
	Error   string      `json:"error,omitempty"`
	// Unreliable says why the answer is no evidence about the records: the
	// DNS server does not serve the domain, or it denies a record the zones
	// read over LDAP hold. Checks report such a lookup as not evaluated.
	Unreliable string `json:"unreliable,omitempty"`
}

// SRVTarget is one SRV record.
type SRVTarget struct {
	Target   string `json:"target"`
	Port     int    `json:"port"`
	Priority int    `json:"priority"`
	Weight   int    `json:"weight"`
}

// ClockSample compares a remote clock with the local one.
type ClockSample struct {
	Source      string    `json:"source"` // e.g. "ldap:dc1.lab.test", "kdc:dc1.lab.test"
	RemoteTime  time.Time `json:"remoteTime"`
	LocalTime   time.Time `json:"localTime"` // local time at the midpoint of the round trip
	RoundTripMs float64   `json:"roundTripMs"`
}

// Skew is remote minus local time.
func (c ClockSample) Skew() time.Duration { return c.RemoteTime.Sub(c.LocalTime) }

// TicketProbe records asking the KDC for a service ticket.
type TicketProbe struct {
	SPN         string   `json:"spn"`
	ClientRealm string   `json:"clientRealm"`
	Issued      bool     `json:"issued"`
	Realm       string   `json:"realm,omitempty"` // realm of the issued ticket
	Path        []string `json:"path,omitempty"`  // realms walked through referrals
	ErrorCode   int      `json:"errorCode,omitempty"`
	ErrorName   string   `json:"errorName,omitempty"`
	Error       string   `json:"error,omitempty"`
	// TicketEtype and SessionEtype are the encryption types of an issued
	// ticket's encrypted part (the service's key) and of its session key.
	TicketEtype  int32 `json:"ticketEtype,omitempty"`
	SessionEtype int32 `json:"sessionEtype,omitempty"`
}
