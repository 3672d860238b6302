package audit

import (
	"reflect"
	"testing"
	"time"
)

func TestDecodeUAC(t *testing.T) {
	tests := []struct {
		name string
		in   uint32
		want []string
	}{
		{"joined computer", 4096, []string{"WORKSTATION_TRUST_ACCOUNT"}},
		{"computer made by samba-tool (disabled)", 4098, []string{"ACCOUNTDISABLE", "WORKSTATION_TRUST_ACCOUNT"}},
		{"normal user, password never expires", 0x10200, []string{"NORMAL_ACCOUNT", "DONT_EXPIRE_PASSWORD"}},
		{"domain controller, trusted for delegation", 0x82000, []string{"SERVER_TRUST_ACCOUNT", "TRUSTED_FOR_DELEGATION"}},
		{"AS-REP roastable", 0x400200, []string{"NORMAL_ACCOUNT", "DONT_REQ_PREAUTH"}},
		{"unknown bit kept as hex", 0x200 | 0x80000000, []string{"NORMAL_ACCOUNT", "0x80000000"}},
		{"zero", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DecodeUAC(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DecodeUAC(%#x) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestDecodeEncTypesAndTrustAttributes(t *testing.T) {
	if got, want := DecodeEncTypes(0x1c), []string{"RC4-HMAC", "AES128-CTS-HMAC-SHA1-96", "AES256-CTS-HMAC-SHA1-96"}; !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeEncTypes(0x1c) = %v, want %v", got, want)
	}
	if got, want := DecodeTrustAttributes(8), []string{"FOREST_TRANSITIVE"}; !reflect.DeepEqual(got, want) {
		t.Errorf("forest trust = %v, want %v", got, want)
	}
	if got, want := DecodeTrustAttributes(0x84), []string{"QUARANTINED_DOMAIN", "USES_RC4_ENCRYPTION"}; !reflect.DeepEqual(got, want) {
		t.Errorf("external RC4 trust = %v, want %v", got, want)
	}
}

func TestFromFileTime(t *testing.T) {
	if FromFileTime(0) != nil {
		t.Error("0 must mean never")
	}
	if FromFileTime(0x7FFFFFFFFFFFFFFF) != nil {
		t.Error("max int64 must mean never")
	}
	// 2025-11-25 21:38:18 UTC
	got := FromFileTime(134085802980000000)
	want := time.Date(2025, 11, 25, 21, 38, 18, 0, time.UTC)
	if got == nil || !got.Equal(want) {
		t.Errorf("FromFileTime = %v, want %v", got, want)
	}
}
