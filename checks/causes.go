package checks

// Root causes: findings of several checks that come from one condition are
// linked, so reports tell the condition once and the other findings refer
// to it (issue 17). Checks stay pure: each declares, on its own findings,
// the Cause it observed (a typed kind and a key naming the object); Link,
// run once by Run after every check, picks each group's root and links the
// others to it by fingerprint.

import (
	"sort"
	"strings"
)

// CauseKind names a condition that several checks can observe.
type CauseKind string

// Cause kinds. Each says which checks declare it and what its key is.
const (
	// CauseExternalTrust: two domains joined by an external trust, which
	// publishes no name suffixes. Key: the two domain names, sorted, joined
	// by " <-> ". TRUST-EXTERNAL-KERBEROS states it (root);
	// KRB-CROSS-REALM-PATH proves it live and TRUST-INVENTORY lists each side.
	CauseExternalTrust CauseKind = "external-trust"
	// CauseDuplicateSPN: one SPN on several accounts. Key: the SPN's key
	// (spn.SPN.Key, lower case). SPN-DUPLICATE states it (root); KRB-TICKET
	// observes it as KDC_ERR_PRINCIPAL_NOT_UNIQUE.
	CauseDuplicateSPN CauseKind = "duplicate-spn"
	// CauseAccountNoAES: an account that gets no AES ticket: its
	// msDS-SupportedEncryptionTypes allows no AES, or it holds no AES keys.
	// Key: the account's DN, lower case. KRB-ETYPES-NO-AES and KRB-DES-ONLY
	// state it (root; their first fix allows AES and resets the password
	// where keys are missing, which also ends the others); KRB-AES-KEYS
	// states it when the encryption types are not what excludes AES (then a
	// reset is the fix); SPN-KERBEROASTABLE declares it when the encryption
	// types are its only reason, and KRB-TICKET when the KDC refused a ticket
	// for one of the account's SPNs with KDC_ERR_ETYPE_NOSUPP.
	CauseAccountNoAES CauseKind = "account-no-aes"
)

// Cause is the condition a finding comes from, as its check declares it.
type Cause struct {
	Kind CauseKind `json:"kind"`
	Key  string    `json:"key"`
	// Root is set by the check whose finding states the condition itself
	// (the others observe one of its effects).
	Root bool `json:"root,omitempty"`
}

// accountNoAESCause is the cause of a finding about the account with DN dn
// getting no AES ticket.
func accountNoAESCause(dn string, root bool) *Cause { return causeOf(CauseAccountNoAES, dn, root) }

// causeOf builds a Cause; the key is compared in lower case.
func causeOf(kind CauseKind, key string, root bool) *Cause {
	return &Cause{Kind: kind, Key: strings.ToLower(strings.TrimSpace(key)), Root: root}
}

// externalTrustCause is the cause of a finding about the external trust
// between a and b, whichever side holds it.
func externalTrustCause(a, b string, root bool) *Cause {
	names := []string{normDNS(a), normDNS(b)}
	sort.Strings(names)
	return causeOf(CauseExternalTrust, names[0]+" <-> "+names[1], root)
}

// Link links the failed findings that share a cause (kind and key): one of
// them is the root, told in full; every other gets CausedBy, the root's
// fingerprint, and the root lists their fingerprints in Consequences, in
// the order of fs. Not-evaluated findings are never linked (they say what
// could not be checked, not what is wrong). The root is, in this order:
// the finding whose check states the condition (Cause.Root), the most
// urgent meaning (outage, will-fail, exposure, hygiene), the most severe,
// the check listed first in the registry, the smallest fingerprint; so the
// choice depends only on the findings, never on their order. A group of one
// links nothing. Fingerprints do not change.
func Link(fs []Finding) {
	for i := range fs {
		fs[i].CausedBy, fs[i].Consequences = "", nil
	}
	order := map[string]int{}
	for i, c := range allChecks() {
		order[c.ID] = i
	}
	groups := map[Cause][]int{}
	var keys []Cause
	for i, f := range fs {
		if f.Cause == nil || f.Status != Fail {
			continue
		}
		k := Cause{Kind: f.Cause.Kind, Key: f.Cause.Key}
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	rank := func(f Finding) []int {
		root, urgency := 1, len(Meanings)
		if f.Cause.Root {
			root = 0
		}
		for j, m := range Meanings {
			if f.Meaning == m {
				urgency = j
			}
		}
		pos, ok := order[f.CheckID]
		if !ok {
			pos = len(order)
		}
		return []int{root, urgency, -f.Severity.Rank(), pos}
	}
	better := func(a, b Finding) bool {
		ra, rb := rank(a), rank(b)
		for j := range ra {
			if ra[j] != rb[j] {
				return ra[j] < rb[j]
			}
		}
		return a.Fingerprint < b.Fingerprint
	}
	for _, k := range keys {
		idx := groups[k]
		if len(idx) < 2 {
			continue
		}
		root := idx[0]
		for _, i := range idx[1:] {
			if better(fs[i], fs[root]) {
				root = i
			}
		}
		for _, i := range idx {
			if i == root || fs[i].Fingerprint == fs[root].Fingerprint {
				continue
			}
			fs[i].CausedBy = fs[root].Fingerprint
			fs[root].Consequences = append(fs[root].Consequences, fs[i].Fingerprint)
		}
	}
}

// RootOf returns the finding f is caused by, from fs, if f is linked to one
// that fs holds.
func RootOf(fs []Finding, f Finding) (Finding, bool) {
	if f.CausedBy == "" {
		return Finding{}, false
	}
	for _, g := range fs {
		if g.Fingerprint == f.CausedBy {
			return g, true
		}
	}
	return Finding{}, false
}
