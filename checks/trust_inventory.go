package checks

import (
	"fmt"
	"strings"

	"github.com/spntrust/spntrust/audit"
)

var trustInventory = Check{
	ID:       "TRUST-INVENTORY",
	Title:    "Trust inventory: kind, direction and transitivity of every trust",
	Area:     "TRUST",
	Severity: Info,
	NoFix:    "no automatic fix because it is an inventory of every trust, healthy or not; the TRUST-* findings carry the fixes",
	Explanation: `What is checked
  Every trustedDomain object of every collected domain, classified: parent-child,
  tree-root or shortcut (WITHIN_FOREST, told apart with the forest's own domains:
  parent-child when one DNS name is the other with one more label, tree-root
  between the forest root and the root of another tree, shortcut otherwise),
  forest (FOREST_TRANSITIVE), external (another forest's domain, or a Windows NT
  domain) and realm (trustType 3, an MIT Kerberos realm); with its direction and
  whether it is transitive. This is an inventory: every trust is listed, healthy
  or not.

Why it breaks Kerberos
  Which path a Kerberos referral can take depends on the kind of each trust. A
  forest trust publishes name suffixes, so a KDC can refer a client to the other
  forest for HTTP/host.other.example; an external trust publishes none, so the
  client gets no referral and falls back to NTLM; a one-way trust works in one
  direction only; a non-transitive trust stops a referral chain. Reading the other
  TRUST-* findings needs this map.

How to fix it
  Nothing to fix here; review the list. Trusts you do not recognise should be
  removed (netdom trust <trusting> /domain:<trusted> /remove), external trusts
  that must carry Kerberos replaced by forest trusts (TRUST-EXTERNAL-KERBEROS).
  An external trust's entries are linked to its TRUST-EXTERNAL-KERBEROS finding
  (one root cause): reports tell the trust there, once.

Sources
  [MS-ADTS] 6.1.6.7 (trustedDomain: trustType, trustDirection, trustAttributes);
  [MS-KILE] 3.3.5.7.5 (cross-domain trust and referrals); netdom trust documentation.`,
	Run: runTrustInventory,
}

func runTrustInventory(s *audit.Snapshot, _ Options) []Finding {
	out := trustGapFindings(s, "the trust inventory")
	eachTrust(s, func(d audit.Domain, t audit.Trust) {
		kind := ClassifyTrust(s, d, t)
		transitive := "non-transitive"
		if TrustTransitive(kind, t) {
			transitive = "transitive"
		}
		ev := trustEvidence(s, d, t)
		ev = append(ev, Evidence{Key: "transitivity", Value: transitive})
		if t.FlatName != "" {
			ev = append(ev, Evidence{Key: "partner NetBIOS name", Value: t.FlatName})
		}
		ev = append(ev, Evidence{Key: "msDS-SupportedEncryptionTypes", Value: encTypesText(t.SupportedEncryptionTypes)})
		var cause *Cause
		if kind == TrustExternal && t.Direction != 0 {
			cause = externalTrustCause(d.DNSName, t.Partner, false) // TRUST-EXTERNAL-KERBEROS tells it
		}
		out = append(out, Finding{
			Cause:    cause,
			Severity: Info,
			Title:    fmt.Sprintf("%s trust %s -> %s (%s, %s)", kind, d.DNSName, t.Partner, audit.TrustDirectionName(t.Direction), transitive),
			Domain:   d.DNSName,
			Subject:  trustSubject(d, t),
			Affected: []Object{trustObject(d, t)},
			Evidence: ev,
			Explanation: fmt.Sprintf("%s holds %s %s trust with %s: %s. %s",
				d.DNSName, article(string(kind)), kind, t.Partner, directionText(d, t), trustKindMeaning(kind)),
		})
	})
	return out
}

// trustKindMeaning says what a kind of trust means for Kerberos.
func trustKindMeaning(k TrustKind) string {
	switch k {
	case TrustParentChild, TrustTreeRoot:
		return "Trusts within a forest are created by AD itself, transitive and two-way; Kerberos referrals follow the forest's domain tree."
	case TrustShortcut:
		return "A shortcut trust shortens the referral path between two domains of one forest."
	case TrustForest:
		return "A forest trust publishes the other forest's name suffixes, so KDCs refer clients across it: Kerberos works for services in any domain of the other forest."
	case TrustExternal:
		return "An external trust publishes no name suffixes: KDCs give no referral for the other side's host names, so clients fall back to NTLM."
	case TrustRealm:
		return "A realm trust links to an MIT Kerberos realm; referrals need the realm mapped on clients (ksetup /addhosttorealmmap) or in krb5.conf."
	}
	return "This trust type is not used for Kerberos between Active Directory domains."
}

// article is "an" before a vowel, else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
