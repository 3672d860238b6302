package ldapx_test

import (
	"slices"
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
