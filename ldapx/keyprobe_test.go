package ldapx

import (
	"slices"
	"testing"
	"time"

	"encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/iana/patype"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

func krbErrorWith(t *testing.T, code int32, edata []byte) []byte {
	t.Helper()
	e := messages.NewKRBError(types.NewPrincipalName(2, "krbtgt/LAB.TEST"), "LAB.TEST", code, "")
	e.EData = edata
	e.STime = time.Now().UTC().Truncate(time.Second)
	b, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func methodData(t *testing.T, pas ...types.PAData) []byte {
	t.Helper()
	b, err := asn1.Marshal(types.PADataSequence(pas))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func etypeInfo2(t *testing.T, etypes ...int32) types.PAData {
	t.Helper()
	var info types.ETypeInfo2
	for _, e := range etypes {
		info = append(info, types.ETypeInfo2Entry{EType: e, Salt: "LAB.TESTsvc"})
	}
	b, err := asn1.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	return types.PAData{PADataType: patype.PA_ETYPE_INFO2, PADataValue: b}
}

func TestParseKeyProbeReply(t *testing.T) {
	tests := []struct {
		name    string
		reply   []byte
		outcome string
		etypes  []int32
		wantErr bool
	}{
		{"AES key named", krbErrorWith(t, errorcode.KDC_ERR_PREAUTH_REQUIRED, methodData(t, etypeInfo2(t, 18))), KeysListed, []int32{18}, false},
		{"only RC4", krbErrorWith(t, errorcode.KDC_ERR_PREAUTH_REQUIRED, methodData(t, types.PAData{PADataType: patype.PA_ENC_TIMESTAMP}, etypeInfo2(t, 23))), KeysListed, []int32{23}, false},
		{"two named, sorted", krbErrorWith(t, errorcode.KDC_ERR_PREAUTH_REQUIRED, methodData(t, etypeInfo2(t, 23, 17))), KeysListed, []int32{17, 23}, false},
		{"no etype info: no keys", krbErrorWith(t, errorcode.KDC_ERR_PREAUTH_REQUIRED, methodData(t, types.PAData{PADataType: patype.PA_ENC_TIMESTAMP})), KeysNone, nil, false},
		{"unknown principal", krbErrorWith(t, errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN, nil), KeysUnknown, nil, false},
		{"no key of the offered types", krbErrorWith(t, errorcode.KDC_ERR_ETYPE_NOSUPP, nil), KeysNone, nil, false},
		{"revoked", krbErrorWith(t, errorcode.KDC_ERR_CLIENT_REVOKED, nil), KeysRevoked, nil, false},
		// Read through the one table of codes: its classes, not a list here.
		{"the account's entry expired: revoked", krbErrorWith(t, errorcode.KDC_ERR_NAME_EXP, nil), KeysRevoked, nil, false},
		{"a null key: no keys", krbErrorWith(t, errorcode.KDC_ERR_NULL_KEY, nil), KeysNone, nil, false},
		{"other error", krbErrorWith(t, errorcode.KDC_ERR_BADOPTION, nil), KeysError, nil, true},
		{"garbage e-data", krbErrorWith(t, errorcode.KDC_ERR_PREAUTH_REQUIRED, []byte{0x30, 0x05, 1}), KeysError, nil, true},
		{"not Kerberos", []byte("hello"), KeysError, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := AccountKeys{Principal: "svc@LAB.TEST"}
			err := parseKeyProbeReply(&k, tt.reply)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if k.Outcome != tt.outcome || !slices.Equal(k.Etypes, tt.etypes) {
				t.Fatalf("outcome %s etypes %v, want %s %v", k.Outcome, k.Etypes, tt.outcome, tt.etypes)
			}
		})
	}
}

func FuzzParseKeyProbeReply(f *testing.F) {
	f.Add([]byte("hello"))
	f.Fuzz(func(t *testing.T, b []byte) {
		k := AccountKeys{}
		_ = parseKeyProbeReply(&k, b)
	})
}
