package checks

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func loadLabRC4(t *testing.T) *audit.Snapshot {
	t.Helper()
	s, err := audit.Load("../testdata/snapshots/lab-rc4.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// labRC4WithoutAESKeys is the lab with svc-rc4 (RC4 only) also holding no
// AES keys: allowing only AES must come with the password reset.
func labRC4WithoutAESKeys(t *testing.T) *audit.Snapshot {
	t.Helper()
	s := loadLabRC4(t)
	for i := range s.Accounts {
		if strings.EqualFold(s.Accounts[i].SAMAccountName, "svc-rc4") {
			s.Accounts[i].Keys = &audit.AccountKeys{Outcome: audit.KeysListed, Etypes: []int32{audit.EtypeRC4}}
		}
	}
	return s
}

// byCheckSubject finds the finding of check id whose subject is subject.
func byCheckSubject(t *testing.T, fs []Finding, id, subject string) Finding {
	t.Helper()
	for _, f := range fs {
		if f.CheckID == id && f.Subject == subject {
			return f
		}
	}
	t.Fatalf("no %s finding about %q", id, subject)
	return Finding{}
}

// The lab's external trust is one condition seen by three checks: told by
// TRUST-EXTERNAL-KERBEROS, with KRB-CROSS-REALM-PATH and both sides'
// TRUST-INVENTORY linked to it; the forest trust's inventory stays alone.
// The fingerprints are those the lab's findings always had.
func TestLinkTellsTheLabsExternalTrustOnce(t *testing.T) {
	fs := Run(loadLabRC4(t), All(), Options{})
	root := byCheckSubject(t, fs, "TRUST-EXTERNAL-KERBEROS", "extern.test <-> lab.test")
	if root.Fingerprint != "5c3de756b8f6727c" || root.CausedBy != "" {
		t.Fatalf("root %s caused by %q, want fingerprint 5c3de756b8f6727c, no cause above it", root.Fingerprint, root.CausedBy)
	}
	want := map[string]string{ // fingerprint → check
		"0ed30539c6a7950a": "KRB-CROSS-REALM-PATH",
		"a27efe87bfb81075": "TRUST-INVENTORY",
		"89c2f4a1b046f15b": "TRUST-INVENTORY",
	}
	got := map[string]string{}
	for _, fp := range root.Consequences {
		for _, f := range fs {
			if f.Fingerprint == fp {
				got[fp] = f.CheckID
				if f.CausedBy != root.Fingerprint {
					t.Errorf("%s %s lists no cause, want %s", f.CheckID, fp, root.Fingerprint)
				}
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("consequences %v, want %v", got, want)
	}
	for _, fp := range []string{"8ab2b16c788d3382", "a2a45bece3e99332"} { // the forest trust to partner.test
		for _, f := range fs {
			if f.Fingerprint == fp && (f.CausedBy != "" || len(f.Consequences) > 0) {
				t.Errorf("inventory of the forest trust %s is linked: caused by %q, consequences %v", f.Subject, f.CausedBy, f.Consequences)
			}
		}
	}
}

// KRB-ETYPES-NO-AES on svc-rc4 (RC4 only) is the whole of why SPN-KERBEROASTABLE
// reports it, so it is linked; svc-ntonly (encryption types unset) and
// svc-sql are Kerberoastable for reasons a key reset does not end: not linked.
func TestLinkTellsAnRC4OnlyAccountOnce(t *testing.T) {
	fs := Run(loadLabRC4(t), All(), Options{})
	root := byCheckSubject(t, fs, "KRB-ETYPES-NO-AES", `lab.test\svc-rc4`)
	roast := byCheckSubject(t, fs, "SPN-KERBEROASTABLE", `lab.test\svc-rc4`)
	if roast.CausedBy != root.Fingerprint || !reflect.DeepEqual(root.Consequences, []string{roast.Fingerprint}) {
		t.Errorf("svc-rc4: kerberoastable caused by %q, etypes consequences %v; want them linked", roast.CausedBy, root.Consequences)
	}
	for _, who := range []string{`lab.test\svc-ntonly`, `lab.test\svc-sql`} {
		if f := byCheckSubject(t, fs, "SPN-KERBEROASTABLE", who); f.CausedBy != "" {
			t.Errorf("%s: kerberoastable linked to %s, but its fix is not the other finding's", who, f.CausedBy)
		}
	}
	if f := byCheckSubject(t, fs, "KRB-AES-KEYS", `lab.test\svc-ntonly`); f.CausedBy != "" || len(f.Consequences) > 0 {
		t.Errorf("svc-ntonly's missing keys linked: %+v", f)
	}
}

// A ticket the KDC refused because the SPN is on two accounts, or because
// the holder has no AES key (a client offering AES only, --etypes aes), is
// the symptom of what SPN-DUPLICATE and KRB-AES-KEYS state.
func TestLinkTiesATicketRefusalToItsCause(t *testing.T) {
	s := loadLabRC4(t)
	s.TicketProbes = append(s.TicketProbes,
		audit.TicketProbe{SPN: "MSSQLSvc/sql01.lab.test:1433", ClientRealm: "LAB.TEST", ErrorCode: 8, ErrorName: "KDC_ERR_PRINCIPAL_NOT_UNIQUE"},
		audit.TicketProbe{SPN: "HTTP/ntonly.lab.test", ClientRealm: "LAB.TEST", ErrorCode: 14, ErrorName: "KDC_ERR_ETYPE_NOSUPP"},
		audit.TicketProbe{SPN: "HTTP/nowhere.lab.test", ClientRealm: "LAB.TEST", ErrorCode: 7, ErrorName: "KDC_ERR_S_PRINCIPAL_UNKNOWN"},
	)
	fs := Run(s, All(), Options{})
	dup := byCheckSubject(t, fs, "SPN-DUPLICATE", "mssqlsvc/sql01.lab.test:1433")
	if f := byCheckSubject(t, fs, "KRB-TICKET", "mssqlsvc/sql01.lab.test:1433"); f.CausedBy != dup.Fingerprint {
		t.Errorf("PRINCIPAL_NOT_UNIQUE refusal caused by %q, want SPN-DUPLICATE %s", f.CausedBy, dup.Fingerprint)
	}
	keys := byCheckSubject(t, fs, "KRB-AES-KEYS", `lab.test\svc-ntonly`)
	if f := byCheckSubject(t, fs, "KRB-TICKET", "http/ntonly.lab.test"); f.CausedBy != keys.Fingerprint {
		t.Errorf("ETYPE_NOSUPP refusal caused by %q, want KRB-AES-KEYS %s", f.CausedBy, keys.Fingerprint)
	}
	if f := byCheckSubject(t, fs, "KRB-TICKET", "http/nowhere.lab.test"); f.CausedBy != "" || f.Cause != nil {
		t.Errorf("an SPN no account holds has no other check's cause: %+v", f.Cause)
	}
}

// Which finding is the root depends on the findings, never on their order.
func TestLinkChoosesTheSameRootInAnyOrder(t *testing.T) {
	want := Run(loadLabRC4(t), All(), Options{})
	rng := rand.New(rand.NewSource(17))
	for n := 0; n < 20; n++ {
		got := append([]Finding(nil), want...)
		rng.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		Link(got)
		for _, g := range got {
			for _, w := range want {
				if g.Fingerprint == w.Fingerprint && (g.CausedBy != w.CausedBy || len(g.Consequences) != len(w.Consequences)) {
					t.Fatalf("shuffle %d: %s caused by %q with %d consequences, want %q with %d", n, g.CheckID, g.CausedBy, len(g.Consequences), w.CausedBy, len(w.Consequences))
				}
			}
		}
	}
}

// One fix resolves them all: applying the root's first option to the
// snapshot (as the consistency test models actions) ends every finding
// linked to it. Groups whose root's fix is manual (a forest trust) cannot be
// applied in memory and are not counted; the account groups must be.
func TestTheRootsFixEndsItsConsequences(t *testing.T) {
	for name, s := range map[string]*audit.Snapshot{"lab-rc4": loadLabRC4(t), "lab-rc4, svc-rc4 without AES keys": labRC4WithoutAESKeys(t)} {
		t.Run(name, func(t *testing.T) {
			before := Run(s, All(), Options{})
			applied := 0
			for _, root := range before {
				if len(root.Consequences) == 0 || len(root.Remediation) == 0 {
					continue
				}
				after, changed := applyOption(t, s, root.Remediation[0])
				if !changed {
					continue
				}
				applied++
				now := Run(after, All(), Options{})
				for _, fp := range append([]string{root.Fingerprint}, root.Consequences...) {
					for _, f := range now {
						if f.Fingerprint == fp && f.Status == Fail {
							t.Errorf("after %s's fix %q, %s %s (%s) is still reported", root.CheckID, root.Remediation[0].Name, f.CheckID, fp, f.Title)
						}
					}
				}
			}
			if applied == 0 {
				t.Fatal("no linked group with a fix the model applies: the test proves nothing")
			}
		})
	}
}
