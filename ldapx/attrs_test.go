package ldapx

import (
	"encoding/hex"
	"math"
	"strings"
	"testing"
	"time"
)

func TestDecodeSID(t *testing.T) {
	cases := []struct {
		name    string
		hex     string
		want    string
		wantErr string
	}{
		{"domain account SID", "010500000000000515000000a065cf7e784b9b5fe77c8770f4010000", "S-1-5-21-2127521184-1604012920-1887927527-500", ""},
		{"well-known Everyone", "010100000000000100000000", "S-1-1-0", ""},
		{"BUILTIN Administrators", "01020000000000052000000020020000", "S-1-5-32-544", ""},
		{"no sub-authorities", "010000000000000f", "S-1-15", ""},
		{"authority above 32 bits printed in hex", "010100010000000000000000", "S-1-0x000100000000-0", ""},
		{"empty", "", "", "shorter"},
		{"header cut short", "01050000", "", "shorter"},
		{"wrong revision", "020100000000000100000000", "", "revision"},
		{"too many sub-authorities", "011000000000000500000000", "", "at most 15"},
		{"length disagrees with count", "0105000000000005150000", "", "must be"},
		{"trailing garbage", "01010000000000010000000000", "", "must be"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := hex.DecodeString(tc.hex)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeSID(b)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error %q, got %q, %v", tc.wantErr, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestFileTime(t *testing.T) {
	cases := []struct {
		name   string
		in     int64
		want   time.Time
		wantOK bool
	}{
		{"zero means never", 0, time.Time{}, false},
		{"max int64 means never", math.MaxInt64, time.Time{}, false},
		{"negative is not a time", -1, time.Time{}, false},
		{"unix epoch", 116444736000000000, time.Unix(0, 0).UTC(), true},
		{"a pwdLastSet from AD", 134086380123456789, time.Date(2025, 11, 26, 13, 40, 12, 345678900, time.UTC), true},
		{"first tick after 1601", 1, time.Date(1601, 1, 1, 0, 0, 0, 100, time.UTC), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := FileTime(tc.in)
			if ok != tc.wantOK || !got.Equal(tc.want) {
				t.Fatalf("FileTime(%d) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.wantOK)
			}
		})
	}
	if _, _, err := ParseFileTime("12a"); err == nil {
		t.Fatal("non-numeric FILETIME accepted")
	}
}

func TestParseGeneralizedTime(t *testing.T) {
	cases := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"20261124213818.0Z", time.Date(2026, 11, 24, 21, 38, 18, 0, time.UTC), false},
		{"20261124213818Z", time.Date(2026, 11, 24, 21, 38, 18, 0, time.UTC), false},
		{"20261124213818.123Z", time.Date(2026, 11, 24, 21, 38, 18, 123e6, time.UTC), false},
		{"20261124223818+0100", time.Date(2026, 11, 24, 21, 38, 18, 0, time.UTC), false},
		{"yesterday", time.Time{}, true},
		{"", time.Time{}, true},
		{"20261399999999.0Z", time.Time{}, true},
	}
	for _, tc := range cases {
		got, err := ParseGeneralizedTime(tc.in)
		if (err != nil) != tc.wantErr || !got.Equal(tc.want) {
			t.Errorf("ParseGeneralizedTime(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func TestParseSPNMappings(t *testing.T) {
	aliases, problems := ParseSPNMappings([]string{
		"host=alerter,http,CIFS, www ,,",
		"garbage without equals",
		"=empty,target",
		"other=http,ldapx",
	})
	want := map[string]string{"alerter": "host", "http": "host", "cifs": "host", "www": "host", "ldapx": "other"}
	if len(aliases) != len(want) {
		t.Fatalf("aliases %v, want %v", aliases, want)
	}
	for k, v := range want {
		if aliases[k] != v {
			t.Errorf("alias %s → %q, want %q", k, aliases[k], v)
		}
	}
	if len(problems) != 3 {
		t.Fatalf("want 3 problems (no '=', empty target, http mapped twice), got %q", problems)
	}
	if a, p := ParseSPNMappings(nil); len(a) != 0 || len(p) != 0 {
		t.Fatal("nil input")
	}
}

func TestParseSPNAccountRecordsBadValuesWithoutPanicking(t *testing.T) {
	sid, _ := hex.DecodeString("010500000000000515000000a065cf7e784b9b5fe77c8770f4010000")
	good := NewEntry("CN=svc,DC=lab,DC=test", map[string][][]byte{
		"sAMAccountName":                {[]byte("svc-web")},
		"objectSid":                     {sid},
		"objectClass":                   {[]byte("top"), []byte("person"), []byte("user")},
		"sAMAccountType":                {[]byte("805306368")},
		"userAccountControl":            {[]byte("66048")},
		"pwdLastSet":                    {[]byte("134086380123456789")},
		"lastLogonTimestamp":            {[]byte("0")},
		"accountExpires":                {[]byte("9223372036854775807")},
		"adminCount":                    {[]byte("1")},
		"msDS-SupportedEncryptionTypes": {[]byte("24")},
		"servicePrincipalName":          {[]byte("HTTP/web01.lab.test"), []byte("HTTP/web01")},
	})
	a := ParseSPNAccount(good)
	if len(a.Problems) != 0 || a.SID != "S-1-5-21-2127521184-1604012920-1887927527-500" || a.UserAccountControl != 66048 ||
		a.SAMAccountType != 805306368 || !a.HasSupportedEncryptionTypes || a.SupportedEncryptionTypes != 24 ||
		a.PwdLastSet.Year() != 2025 || !a.LastLogonTimestamp.IsZero() || !a.AccountExpires.IsZero() || a.AdminCount != 1 || len(a.SPNs) != 2 {
		t.Fatalf("good account parsed as %+v", a)
	}

	bad := NewEntry("CN=broken,DC=lab,DC=test", map[string][][]byte{
		"objectSid":                     {[]byte{1, 9, 0}},
		"userAccountControl":            {[]byte("lots")},
		"sAMAccountType":                {[]byte("99999999999999")},
		"pwdLastSet":                    {[]byte("-")},
		"msDS-SupportedEncryptionTypes": {[]byte("")},
		"servicePrincipalName":          {[]byte("HTTP/x")},
	})
	b := ParseSPNAccount(bad)
	attrs := map[string]bool{}
	for _, p := range b.Problems {
		attrs[p.Attribute] = true
		if p.DN != "CN=broken,DC=lab,DC=test" {
			t.Errorf("problem without DN: %+v", p)
		}
	}
	for _, w := range []string{"objectSid", "userAccountControl", "sAMAccountType", "pwdLastSet", "sAMAccountName"} {
		if !attrs[w] {
			t.Errorf("no problem recorded for %s: %+v", w, b.Problems)
		}
	}
	if b.HasSupportedEncryptionTypes {
		t.Error("empty msDS-SupportedEncryptionTypes counted as set")
	}
	// A negative 32-bit value, as AD returns flag words with the top bit set.
	neg := ParseSPNAccount(NewEntry("CN=n", map[string][][]byte{"userAccountControl": {[]byte("-2147483136")}}))
	if neg.UserAccountControl != 0x80000200 {
		t.Errorf("negative flag word parsed as %#x", neg.UserAccountControl)
	}
	// An entry with nothing at all.
	_ = ParseSPNAccount(NewEntry("", nil))
}

func TestParseTrust(t *testing.T) {
	sid, _ := hex.DecodeString("010400000000000515000000a065cf7e784b9b5fe77c8770")
	tr := ParseTrust(NewEntry("CN=partner.test,CN=System,DC=lab,DC=test", map[string][][]byte{
		"trustPartner": {[]byte("partner.test")}, "flatName": {[]byte("PARTNER")},
		"securityIdentifier": {sid}, "trustType": {[]byte("2")}, "trustDirection": {[]byte("3")},
		"trustAttributes": {[]byte("8")}, "whenCreated": {[]byte("20261125163412.0Z")},
	}))
	if tr.SID != "S-1-5-21-2127521184-1604012920-1887927527" || tr.TrustType != 2 || tr.TrustDirection != 3 ||
		tr.TrustAttributes != 8 || tr.WhenCreated.IsZero() || tr.HasSupportedEncryptionTypes || len(tr.Problems) != 0 {
		t.Fatalf("%+v", tr)
	}
	broken := ParseTrust(NewEntry("CN=x", map[string][][]byte{"securityIdentifier": {{0xff}}, "whenCreated": {[]byte("soon")}}))
	if len(broken.Problems) < 4 {
		t.Fatalf("want problems for SID, whenCreated, missing type/direction/partner: %+v", broken.Problems)
	}
}

func TestParseDCsJoinsServersAndNTDSSettings(t *testing.T) {
	cfg := "CN=Configuration,DC=lab,DC=test"
	srv := func(name, host string) *Entry {
		return NewEntry("CN="+name+",CN=Servers,CN=Default-First-Site-Name,CN=Sites,"+cfg, map[string][][]byte{
			"objectClass": {[]byte("top"), []byte("server")}, "dNSHostName": {[]byte(host)}})
	}
	dsa := func(name, opts, ver string) *Entry {
		return NewEntry("CN=NTDS Settings,CN="+name+",CN=Servers,CN=Default-First-Site-Name,CN=Sites,"+cfg, map[string][][]byte{
			"objectClass": {[]byte("top"), []byte("applicationSettings"), []byte("nTDSDSA")},
			"options":     {[]byte(opts)}, "msDS-Behavior-Version": {[]byte(ver)}})
	}
	dcs := ParseDCs([]*Entry{dsa("DC2", "0", "7"), srv("DC1", "DC1.lab.test"), srv("DC2", "dc2.lab.test"), dsa("DC1", "1", "4"),
		srv("OLD", ""), dsa("GONE", "1", "4")})
	if len(dcs) != 3 {
		t.Fatalf("want 3 servers, got %+v", dcs)
	}
	if dcs[0].Name != "OLD" || dcs[0].NTDSDSADN != "" || len(dcs[0].Problems) != 1 {
		t.Errorf("server without NTDS Settings: %+v", dcs[0])
	}
	if d := dcs[1]; d.DNSHostName != "dc1.lab.test" || !d.IsGlobalCatalog || d.BehaviorVersion != 4 || d.Site != "Default-First-Site-Name" {
		t.Errorf("DC1: %+v", d)
	}
	if d := dcs[2]; d.IsGlobalCatalog || d.BehaviorVersion != 7 {
		t.Errorf("DC2: %+v", d)
	}
}

func TestParseRootDSE(t *testing.T) {
	d := ParseRootDSE(NewEntry("", map[string][][]byte{
		"currentTime": {[]byte("20261124213818.0Z")}, "domainFunctionality": {[]byte("4")},
		"supportedSASLMechanisms": {[]byte("GSSAPI"), []byte("GSS-SPNEGO")},
	}))
	if d.DomainFunctionality != 4 || d.ForestFunctionality != -1 || d.CurrentTime.Hour() != 21 || len(d.SupportedSASLMechanisms) != 2 {
		t.Fatalf("%+v", d)
	}
	if d := ParseRootDSE(NewEntry("", nil)); len(d.Problems) != 1 || d.DCFunctionality != -1 {
		t.Fatalf("empty rootDSE: %+v", d)
	}
}

func TestDNHelpers(t *testing.T) {
	if got := DNToDomain("DC=lab,DC=test"); got != "lab.test" {
		t.Errorf("DNToDomain = %q", got)
	}
	if got := DNToDomain("CN=Configuration,DC=Corp,dc=Example,DC=com"); got != "corp.example.com" {
		t.Errorf("DNToDomain = %q", got)
	}
	if got := parentDN(`CN=a\,b,CN=Users,DC=x`); got != "CN=Users,DC=x" {
		t.Errorf("parentDN with escaped comma = %q", got)
	}
	if got := firstRDNValue(`CN=a\,b,CN=Users`); got != `a\,b` {
		t.Errorf("firstRDNValue = %q", got)
	}
}
