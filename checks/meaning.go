package checks

// Meaning says what a check's finding means for the people who run the
// services: Kerberos fails now, will fail after a coming change, is a
// security exposure, or is hygiene. Reports open with the outages.
type Meaning string

// Meanings, most urgent first.
const (
	// Outage: Kerberos fails now for some clients of the service (no
	// ticket, a ticket the service cannot decrypt, NTLM fallback).
	Outage Meaning = "outage"
	// WillFail: it works today and fails after a coming change (RC4
	// removal, a functional level raise, an expiring key).
	WillFail Meaning = "will-fail"
	// Exposure: Kerberos works, but an attacker can use it.
	Exposure Meaning = "exposure"
	// Hygiene: stale or wrong data that breaks nothing by itself.
	Hygiene Meaning = "hygiene"
)

// Meanings lists every meaning, most urgent first.
var Meanings = []Meaning{Outage, WillFail, Exposure, Hygiene}

// meaningOf is each check's Meaning, kept beside the list of checks
// (TestEveryCheckDeclaresAMeaning holds every check to one).
var meaningOf = map[string]Meaning{
	"SPN-USER-HOST-ALIAS":     Outage,
	"SPN-DUPLICATE":           Outage,
	"SPN-DNS-MISSING":         Hygiene,
	"SPN-DNS-CNAME":           Outage,
	"SPN-DNS-PTR":             Outage,
	"SPN-SHORTNAME-PAIR":      Outage,
	"SPN-ACCOUNT-DISABLED":    Hygiene,
	"SPN-ACCOUNT-EXPIRED":     Hygiene,
	"SPN-ACCOUNT-STALE":       Hygiene,
	"SPN-MALFORMED":           Hygiene,
	"SPN-KERBEROASTABLE":      Exposure,
	"TRUST-INVENTORY":         Hygiene,
	"TRUST-EXTERNAL-KERBEROS": Outage,
	"TRUST-SID-FILTERING-OFF": Exposure,
	"TRUST-TGT-DELEGATION":    Exposure,
	"TRUST-SELECTIVE-AUTH":    Hygiene,
	"TRUST-RC4":               WillFail,
	"LEVEL-DOMAIN":            WillFail,
	"LEVEL-FOREST":            WillFail,
	"DNS-SRV-MISSING":         Outage,
	"DNS-SRV-TARGET":          Outage,
	"DNS-DC-PTR":              Outage,
	"TIME-SKEW":               Outage,
	"KRB-TICKET":              Outage,
	"KRB-CROSS-REALM-PATH":    Outage,
	"KRB-AES-KEYS":            Outage,
	"KRB-ETYPES-NO-AES":       WillFail,
	"KRB-DES-ONLY":            Outage,
	"KRB-KRBTGT-KEYS":         WillFail,
	"KRB-OS-NO-AES":           WillFail,
	"SERVICE-DNS":             Outage,
	"SERVICE-NO-SPN":          Outage,
	"SERVICE-IDENTITY":        Outage,
	"SERVICE-CLIENT-REALM":    Outage,
}
