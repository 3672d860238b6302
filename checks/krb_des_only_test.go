package checks

import (
	"reflect"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestDESOnly(t *testing.T) {
	svc := user("svc-web", "HTTP/web.corp.example")
	tests := []struct {
		name string
		a    audit.Account
		want []string
	}{
		{"USE_DES_KEY_ONLY", withUAC(svc, audit.UACUseDESKeyOnly), []string{`corp.example\svc-web`}},
		{"DES-CBC-MD5 only (0x2)", withEnc(svc, 2), []string{`corp.example\svc-web`}},
		{"both DES types (0x3)", withEnc(svc, 3), []string{`corp.example\svc-web`}},
		{"healthy twin: DES and AES (0x1B)", withEnc(svc, 0x1B), nil},
		{"healthy twin: unset", svc, nil},
		{"disabled", withUAC(withEnc(svc, 3), audit.UACAccountDisable), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runDESOnly(newSnapshot(tt.a), DefaultOptions())
			if s := subjects(got, Fail); !reflect.DeepEqual(s, tt.want) {
				t.Fatalf("subjects = %q, want %q", s, tt.want)
			}
		})
	}
}
