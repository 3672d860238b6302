package ldapx_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spntrust/spntrust/ldapx"
)

// The lab KDC names the key types it holds: AES for an account whose
// password Samba turned into AES keys, only RC4 for the seeded account left
// with an NT hash, and nothing for a principal that does not exist.
func TestLabKeyProbeNamesTheKeysTheKDCHolds(t *testing.T) {
	_, dc, _ := labDC(t, "lab.test")
	tests := []struct {
		principal string
		outcome   string
		etypes    []int32
	}{
		{"svc-aeskeys", ldapx.KeysListed, []int32{18}},
		{"svc-ntonly", ldapx.KeysListed, []int32{23}},
		{"krbtgt", ldapx.KeysListed, []int32{18}},
		{"MP01$", ldapx.KeysListed, []int32{18}},
		{"spntrust-no-such-account", ldapx.KeysUnknown, nil},
	}
	for _, tt := range tests {
		t.Run(tt.principal, func(t *testing.T) {
			k, err := ldapx.ProbeAccountKeys(labCtx(t), dc.IP+":88", dc.Realm, tt.principal, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if k.Outcome != tt.outcome || !slices.Equal(k.Etypes, tt.etypes) {
				t.Fatalf("outcome %s etypes %v, want %s %v", k.Outcome, k.Etypes, tt.outcome, tt.etypes)
			}
		})
	}
}

func TestLabAESKeysSinceIsTheRODCGroupCreation(t *testing.T) {
	env, dc, pw := labDC(t, "lab.test")
	ctx := labCtx(t)
	c := dialBind(t, ctx, ldapx.Options{Address: dc.IP}, ldapx.Credentials{Mechanism: ldapx.MechKerberos,
		Principal: "Administrator@" + dc.Realm, Password: pw, Krb5ConfigPath: env.Krb5Config})
	root, err := c.ReadRootDSE(ctx)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := dc.LDBSearch(root.DefaultNamingContext, "sub", "(sAMAccountName=Read-only Domain Controllers)", "whenCreated", "objectSid")
	if err != nil || len(entries) != 1 {
		t.Fatalf("ldbsearch: %v (%d entries)", err, len(entries))
	}
	want, err := ldapx.ParseGeneralizedTime(entries[0].First("whenCreated"))
	if err != nil {
		t.Fatal(err)
	}
	sid := strings.TrimSuffix(entries[0].First("objectSid"), "-521")
	got, err := c.ReadAESKeysSince(ctx, root.DefaultNamingContext, sid)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(want) {
		t.Fatalf("AES keys since %v, want %v (the group's whenCreated)", got, want)
	}
}

// The key probe sends no password and no pre-authentication data: the KDC
// counts no failed logon, so badPwdCount (and with it lockout) is untouched
// however often an account is asked about.
func TestLabKeyProbeLeavesBadPwdCountAlone(t *testing.T) {
	_, dc, _ := labDC(t, "lab.test")
	count := func() string {
		t.Helper()
		e, err := dc.LDBSearch(dc.BaseDN(), "sub", "(sAMAccountName=svc-aeskeys)", "badPwdCount", "logonCount")
		if err != nil || len(e) != 1 {
			t.Fatalf("ldbsearch: %v (%d entries)", err, len(e))
		}
		return "badPwdCount=" + e[0].First("badPwdCount") + " logonCount=" + e[0].First("logonCount")
	}
	before := count()
	for i := 0; i < 5; i++ {
		if _, err := ldapx.ProbeAccountKeys(labCtx(t), dc.IP+":88", dc.Realm, "svc-aeskeys", 5*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if after := count(); after != before {
		t.Fatalf("five key probes changed the account: %s before, %s after", before, after)
	}
}
