package remediate

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// fakeDirectory applies LDIF change records the way an LDAP server does: a
// Modify is atomic; deleting an absent value fails it with noSuchAttribute
// (16), adding a present value with attributeOrValueExists (20). Values
// compare case-insensitively, as servicePrincipalName does.
type fakeDirectory map[string][]string // lower-case DN → SPNs

func (d fakeDirectory) modify(dn string, ops []ldifOp) error {
	cur := append([]string(nil), d[strings.ToLower(dn)]...)
	for _, op := range ops {
		for _, v := range op.values {
			i := indexOf(cur, v)
			switch op.kind {
			case "delete":
				if i < 0 {
					return fmt.Errorf("No such attribute (16): %s", v)
				}
				cur = append(cur[:i:i], cur[i+1:]...)
			case "add":
				if i >= 0 {
					return fmt.Errorf("Type or value exists (20): %s", v)
				}
				cur = append(cur, v)
			}
		}
		if op.kind == "replace" {
			cur = append([]string(nil), op.values...)
		}
	}
	d[strings.ToLower(dn)] = cur
	return nil
}

type ldifOp struct {
	kind   string
	values []string
}

type ldifRecord struct {
	dn  string
	ops []ldifOp
}

// parseLDIF reads the subset of RFC 2849 the writer produces, strictly.
func parseLDIF(t *testing.T, text string) []ldifRecord {
	t.Helper()
	var recs []ldifRecord
	var cur *ldifRecord
	sawVersion := false
	value := func(line, attr string) string {
		if v, ok := strings.CutPrefix(line, attr+":: "); ok {
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				t.Fatalf("bad base64 in %q", line)
			}
			return string(b)
		}
		v, ok := strings.CutPrefix(line, attr+": ")
		if !ok {
			t.Fatalf("want %s: got %q", attr, line)
		}
		return v
	}
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "#"):
		case line == "":
			cur = nil
		case line == "version: 1":
			sawVersion = true
		case strings.HasPrefix(line, "dn:"):
			recs = append(recs, ldifRecord{dn: value(line, "dn")})
			cur = &recs[len(recs)-1]
		case cur == nil:
			t.Fatalf("line outside a record: %q", line)
		case line == "changetype: modify":
		case line == "delete: servicePrincipalName", line == "add: servicePrincipalName", line == "replace: servicePrincipalName":
			kind, _, _ := strings.Cut(line, ":")
			cur.ops = append(cur.ops, ldifOp{kind: kind})
		case line == "-":
		case strings.HasPrefix(line, "servicePrincipalName:"):
			op := &cur.ops[len(cur.ops)-1]
			op.values = append(op.values, value(line, "servicePrincipalName"))
		default:
			t.Fatalf("unexpected LDIF line %q", line)
		}
	}
	if !sawVersion {
		t.Fatal("no version: 1 line")
	}
	return recs
}

// apply runs ldapmodify -c: failed records are reported and skipped.
func (d fakeDirectory) apply(recs []ldifRecord) (failed int) {
	for _, r := range recs {
		if err := d.modify(r.dn, r.ops); err != nil {
			failed++
		}
	}
	return failed
}

func TestLDIFFixIsIdempotentAndRollbackRestoresExactly(t *testing.T) {
	for _, strategy := range spnStrategies {
		t.Run(string(strategy), func(t *testing.T) {
			snap := loadSeed(t)
			p := seedPlan(t, strategy, 0)
			dir := fakeDirectory{}
			for _, a := range snap.Accounts {
				dir[strings.ToLower(a.DN)] = append([]string(nil), a.SPNs...)
			}
			before := fakeDirectory{}
			for k, v := range dir {
				before[k] = append([]string(nil), v...)
			}
			fixText, _ := LDIF{}.Fix(p)
			rbText, _ := LDIF{}.Rollback(p)
			fix, rb := parseLDIF(t, string(fixText)), parseLDIF(t, string(rbText))
			if len(fix) != 1 {
				t.Fatalf("fix has %d records, want one Modify for svc-appweb", len(fix))
			}

			if n := dir.apply(fix); n != 0 {
				t.Fatalf("first fix run: %d records failed", n)
			}
			after := dir[strings.ToLower(appweb)]
			if !reflect.DeepEqual(after, p.Accounts[0].After) {
				t.Errorf("after fix: %q, want %q", after, p.Accounts[0].After)
			}
			if n := dir.apply(fix); n != 1 {
				t.Errorf("second fix run: %d records failed, want 1 (already applied)", n)
			}
			if got := dir[strings.ToLower(appweb)]; !reflect.DeepEqual(got, after) {
				t.Errorf("second fix run changed the directory: %q", got)
			}

			if n := dir.apply(rb); n != 0 {
				t.Fatalf("rollback: %d records failed", n)
			}
			for dn, want := range before {
				if got := dir[dn]; !sameSet(got, want) || !sameValues(got, want) {
					t.Errorf("after rollback %s = %q, want exactly %q", dn, got, want)
				}
			}
			if n := dir.apply(rb); n != 1 {
				t.Errorf("second rollback run: %d records failed, want 1", n)
			}
		})
	}
}

// sameValues compares exact strings (case included) regardless of order:
// the directory does not keep value order, but it keeps the case written.
func sameValues(a, b []string) bool {
	m := map[string]int{}
	for _, v := range a {
		m[v]++
	}
	for _, v := range b {
		m[v]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestBackupLDIFRestoresExactly(t *testing.T) {
	b := &Backup{Tool: "spntrust test", Server: "dc01", Accounts: []BackupAccount{
		{DN: appweb, Account: `CORP\svc-appweb`, SPNs: []string{"HTTP/mp01.corp.example", "HTTP/mp01"}},
		{DN: "CN=none,DC=corp,DC=example", Account: `CORP\none`, SPNs: nil},
	}}
	recs := parseLDIF(t, string(BackupLDIF(b)))
	dir := fakeDirectory{strings.ToLower(appweb): {"HTTP/mp01:81", "http/MP01"}, "cn=none,dc=corp,dc=example": {"HTTP/x"}}
	for run := 1; run <= 2; run++ {
		if n := dir.apply(recs); n != 0 {
			t.Fatalf("run %d: %d records failed", run, n)
		}
		if got := dir[strings.ToLower(appweb)]; !reflect.DeepEqual(got, []string{"HTTP/mp01.corp.example", "HTTP/mp01"}) {
			t.Errorf("run %d: svc-appweb = %q", run, got)
		}
		if got := dir["cn=none,dc=corp,dc=example"]; len(got) != 0 {
			t.Errorf("run %d: an account without SPNs before keeps %q", run, got)
		}
	}
}
