package checks

import (
	"reflect"
	"testing"

	"github.com/spntrust/spntrust/audit"
)

func TestOSNoAES(t *testing.T) {
	withOS := func(a audit.Account, os string) audit.Account { a.OperatingSystem = os; return a }
	pc := computer("old01", "HOST/old01", "HOST/old01.corp.example")
	tests := []struct {
		name string
		a    audit.Account
		want []string
	}{
		{"Windows Server 2003", withOS(pc, "Windows Server 2003"), []string{`corp.example\old01$`}},
		{"Windows XP Professional", withOS(pc, "Windows XP Professional"), []string{`corp.example\old01$`}},
		{"Windows 2000 Server", withOS(pc, "Windows 2000 Server"), []string{`corp.example\old01$`}},
		{"healthy twin: Windows Server 2008 R2", withOS(pc, "Windows Server 2008 R2 Standard"), nil},
		{"healthy twin: Windows Server 2022", withOS(pc, "Windows Server 2022 Datacenter"), nil},
		{"no operatingSystem (Samba, appliances)", pc, nil},
		{"disabled", withUAC(withOS(pc, "Windows Server 2003"), audit.UACAccountDisable), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runOSNoAES(newSnapshot(tt.a), DefaultOptions())
			if s := subjects(got, Fail); !reflect.DeepEqual(s, tt.want) {
				t.Fatalf("subjects = %q, want %q", s, tt.want)
			}
		})
	}
}
