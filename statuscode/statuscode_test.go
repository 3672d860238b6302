package statuscode

import (
	"errors"
	"go/build"
	"strings"
	"testing"
)

// names lists the names of a result's interpretations.
func names(r Result) []string {
	var out []string
	for _, in := range r.Interpretations {
		out = append(out, in.Name)
	}
	return out
}

func TestExplainDecodesEveryInputForm(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string // names, in order
	}{
		{"unsigned decimal as IIS logs it", "2148074254", []string{"SEC_E_NO_CREDENTIALS"}},
		{"negative 32-bit as .NET prints it", "-2146893042", []string{"SEC_E_NO_CREDENTIALS"}},
		{"hex with 0x", "0x8009030E", []string{"SEC_E_NO_CREDENTIALS"}},
		{"hex lower case", "0x8009030e", []string{"SEC_E_NO_CREDENTIALS"}},
		{"hex without 0x but with letters", "8009030E", []string{"SEC_E_NO_CREDENTIALS"}},
		{"the seed's failure by value", "0x80090322", []string{"SEC_E_WRONG_PRINCIPAL"}},
		{"the seed's failure by name", "SEC_E_WRONG_PRINCIPAL", []string{"SEC_E_WRONG_PRINCIPAL"}},
		{"name in lower case", "sec_e_wrong_principal", []string{"SEC_E_WRONG_PRINCIPAL"}},
		{"Kerberos name", "KRB_AP_ERR_SKEW", []string{"KRB_AP_ERR_SKEW"}},
		{"MIT krb5 spelling of a Kerberos name", "KRB5KDC_ERR_PREAUTH_FAILED", []string{"KDC_ERR_PREAUTH_FAILED"}},
		{"NTSTATUS hex", "0xC000006D", []string{"STATUS_LOGON_FAILURE"}},
		{"NTSTATUS negative", "-1073741715", []string{"STATUS_LOGON_FAILURE"}},
		{"IIS substatus", "401.1", []string{"401.1"}},
		{"IIS substatus 401.2", "401.2", []string{"401.2"}},
		{"surrounding spaces", "  1326 ", []string{"ERROR_LOGON_FAILURE"}},
		{"5 is a Win32 code and a Kerberos code", "5", []string{"ERROR_ACCESS_DENIED", "KDC_ERR_S_OLD_MAST_KVNO"}},
		{"41 is only Kerberos", "41", []string{"KRB_AP_ERR_MODIFIED"}},
		{"0 is success in both", "0", []string{"ERROR_SUCCESS", "KDC_ERR_NONE"}},
		{"HRESULT_FROM_WIN32 wraps a Win32 code", "0x80070005", []string{"ERROR_ACCESS_DENIED"}},
		{"MIT krb5 com_err number", "-1765328347", []string{"KRB_AP_ERR_SKEW"}},
		{"Win32 1789", "1789", []string{"ERROR_TRUSTED_RELATIONSHIP_FAILURE"}},
		{"NERR 2240", "2240", []string{"NERR_InvalidWorkstation"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Explain(tt.input)
			if err != nil {
				t.Fatalf("Explain(%q): %v", tt.input, err)
			}
			if got := strings.Join(names(r), ","); got != strings.Join(tt.want, ",") {
				t.Errorf("Explain(%q) = %s, want %s", tt.input, got, strings.Join(tt.want, ","))
			}
		})
	}
}

func TestExplainViaSaysHowANumberWasUnwrapped(t *testing.T) {
	r, err := Explain("0x80070005")
	if err != nil || len(r.Interpretations) != 1 || !strings.HasPrefix(r.Interpretations[0].Via, "HRESULT_FROM_WIN32") {
		t.Errorf("0x80070005: %+v %v", r, err)
	}
	r, _ = Explain("5")
	for _, in := range r.Interpretations {
		if in.Via != "" {
			t.Errorf("a direct match has Via %q", in.Via)
		}
	}
}

// TestKnownValues pins values against their sources (winerror.h,
// ntstatus.h, RFC 4120 7.5.9), so an edit to the table cannot drift.
func TestKnownValues(t *testing.T) {
	tests := []struct {
		name   string
		family Family
		value  uint32
	}{
		{"SEC_E_NO_CREDENTIALS", HRESULT, 0x8009030E},
		{"SEC_E_WRONG_PRINCIPAL", HRESULT, 0x80090322},
		{"SEC_E_LOGON_DENIED", HRESULT, 0x8009030C},
		{"SEC_E_UNKNOWN_CREDENTIALS", HRESULT, 0x8009030D},
		{"SEC_E_INVALID_TOKEN", HRESULT, 0x80090308},
		{"SEC_E_NO_AUTHENTICATING_AUTHORITY", HRESULT, 0x80090311},
		{"SEC_E_TIME_SKEW", HRESULT, 0x80090324},
		{"SEC_E_UNSUPPORTED_FUNCTION", HRESULT, 0x80090302},
		{"SEC_I_CONTINUE_NEEDED", HRESULT, 0x00090312},
		{"STATUS_LOGON_FAILURE", NTSTATUS, 0xC000006D},
		{"STATUS_ACCOUNT_DISABLED", NTSTATUS, 0xC0000072},
		{"STATUS_TRUSTED_RELATIONSHIP_FAILURE", NTSTATUS, 0xC000018D},
		{"STATUS_NO_TRUST_SAM_ACCOUNT", NTSTATUS, 0xC000018B},
		{"STATUS_TRUSTED_DOMAIN_FAILURE", NTSTATUS, 0xC000018C},
		{"STATUS_TIME_DIFFERENCE_AT_DC", NTSTATUS, 0xC0000133},
		{"STATUS_AUTHENTICATION_FIREWALL_FAILED", NTSTATUS, 0xC0000413},
		{"ERROR_ACCESS_DENIED", Win32, 5},
		{"ERROR_LOGON_FAILURE", Win32, 1326},
		{"ERROR_NO_LOGON_SERVERS", Win32, 1311},
		{"RPC_S_SERVER_UNAVAILABLE", Win32, 1722},
		{"ERROR_NO_SUCH_DOMAIN", Win32, 1355},
		{"ERROR_TRUSTED_DOMAIN_FAILURE", Win32, 1788},
		{"ERROR_TRUSTED_RELATIONSHIP_FAILURE", Win32, 1789},
		{"ERROR_WRONG_TARGET_NAME", Win32, 1396},
		{"ERROR_TIME_SKEW", Win32, 1398},
		{"ERROR_AUTHENTICATION_FIREWALL_FAILED", Win32, 1935},
		{"NERR_InvalidWorkstation", Win32, 2240},
		{"KDC_ERR_SERVICE_EXP", Kerberos, 2},
		{"KDC_ERR_C_PRINCIPAL_UNKNOWN", Kerberos, 6},
		{"KDC_ERR_S_PRINCIPAL_UNKNOWN", Kerberos, 7},
		{"KDC_ERR_PRINCIPAL_NOT_UNIQUE", Kerberos, 8},
		{"KDC_ERR_NULL_KEY", Kerberos, 9},
		{"KDC_ERR_BADOPTION", Kerberos, 13},
		{"KDC_ERR_ETYPE_NOSUPP", Kerberos, 14},
		{"KDC_ERR_PREAUTH_FAILED", Kerberos, 24},
		{"KRB_AP_ERR_SKEW", Kerberos, 37},
		{"KRB_AP_ERR_MODIFIED", Kerberos, 41},
		{"KDC_ERR_WRONG_REALM", Kerberos, 68},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := ByName(tt.name)
			if !ok {
				t.Fatalf("%s not in the table", tt.name)
			}
			if c.Family != tt.family || c.Value != tt.value {
				t.Errorf("%s = %s %#x, want %s %#x", tt.name, c.Family, c.Value, tt.family, tt.value)
			}
		})
	}
}

func TestBriefsRequiredCodesArePresentWithChecks(t *testing.T) {
	// The codes an administrator meets when Kerberos to IIS fails must say
	// which check finds the cause.
	want := map[string][]string{
		"SEC_E_WRONG_PRINCIPAL":        {"SPN-USER-HOST-ALIAS", "SPN-DUPLICATE"},
		"KRB_AP_ERR_MODIFIED":          {"SPN-USER-HOST-ALIAS", "SPN-DUPLICATE"},
		"KRB_AP_ERR_SKEW":              {"TIME-SKEW"},
		"SEC_E_TIME_SKEW":              {"TIME-SKEW"},
		"KDC_ERR_S_PRINCIPAL_UNKNOWN":  {"SPN-DNS-CNAME", "SPN-SHORTNAME-PAIR", "TRUST-EXTERNAL-KERBEROS"},
		"KDC_ERR_PRINCIPAL_NOT_UNIQUE": {"SPN-DUPLICATE"},
		"KDC_ERR_ETYPE_NOSUPP":         {"TRUST-RC4"},
		"KDC_ERR_WRONG_REALM":          {"TRUST-EXTERNAL-KERBEROS", "DNS-SRV-MISSING"},
		"STATUS_ACCOUNT_DISABLED":      {"SPN-ACCOUNT-DISABLED"},
		"ERROR_NO_LOGON_SERVERS":       {"DNS-SRV-MISSING"},
	}
	for name, checks := range want {
		c, ok := ByName(name)
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		for _, id := range checks {
			if !contains(c.Checks, id) {
				t.Errorf("%s does not point at %s (has %v)", name, id, c.Checks)
			}
		}
	}
}

func TestTableIsConsistent(t *testing.T) {
	seenName := map[string]bool{}
	seenValue := map[Family]map[uint32]string{}
	known := CheckIDs()
	for _, c := range table {
		if c.Name == "" || c.Meaning == "" || c.Cause == "" || c.Source == "" {
			t.Errorf("%s %#x: every entry needs name, meaning, cause and source", c.Name, c.Value)
		}
		n := normName(c.Name)
		if seenName[n] {
			t.Errorf("name %s twice", c.Name)
		}
		seenName[n] = true
		if seenValue[c.Family] == nil {
			seenValue[c.Family] = map[uint32]string{}
		}
		if other, dup := seenValue[c.Family][c.Value]; dup {
			t.Errorf("%s value %#x used by %s and %s", c.Family, c.Value, other, c.Name)
		}
		seenValue[c.Family][c.Value] = c.Name
		for _, id := range c.Checks {
			if !contains(known, id) {
				t.Errorf("%s points at unknown check %s", c.Name, id)
			}
		}
		if c.Family == Kerberos && c.Value > 127 {
			t.Errorf("%s: Kerberos protocol errors are < 128", c.Name)
		}
		if c.Family == Win32 && c.Value > 0xFFFF {
			t.Errorf("%s: Win32 codes fit in 16 bits", c.Name)
		}
		if c.Family == HRESULT && c.Value>>16&0x1FFF != 9 {
			t.Errorf("%s: SSPI HRESULTs are facility 9 (FACILITY_SECURITY)", c.Name)
		}
		if c.Family == NTSTATUS && c.Value>>30 != 3 {
			t.Errorf("%s: NTSTATUS errors have severity bits 11", c.Name)
		}
	}
	for _, c := range table {
		for _, r := range c.Related {
			if _, ok := ByName(r); !ok {
				t.Errorf("%s relates to %s, which is not in the table", c.Name, r)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name      string
		input     string
		wantType  string // "syntax" or "unknown"
		wantInMsg string
	}{
		{"empty", "", "syntax", "empty"},
		{"too big for 32 bits", "4294967296", "syntax", "32 bits"},
		{"too negative", "-2147483649", "syntax", "32 bits"},
		{"hex too long", "0x1234567890", "syntax", "hex"},
		{"hex prefix alone", "0x", "syntax", "hex"},
		{"bad hex", "0xZZ", "syntax", "hex"},
		{"punctuation", "SEC_E_WRONG PRINCIPAL!", "syntax", "not a number"},
		{"other HTTP status", "403.1", "syntax", "401"},
		{"unknown number", "12345", "unknown", "certutil -error 0x00003039"},
		{"unknown hex", "0x80090399", "unknown", "not in spntrust's table"},
		{"unknown name", "SEC_E_NOPE", "unknown", "unknown status code name"},
		{"unknown substatus", "401.9", "unknown", "401.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Explain(tt.input)
			if err == nil {
				t.Fatalf("Explain(%q) succeeded", tt.input)
			}
			var se *SyntaxError
			var ue *UnknownError
			switch tt.wantType {
			case "syntax":
				if !errors.As(err, &se) {
					t.Errorf("%q: %T %v, want SyntaxError", tt.input, err, err)
				}
			case "unknown":
				if !errors.As(err, &ue) {
					t.Errorf("%q: %T %v, want UnknownError", tt.input, err, err)
				}
			}
			if !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Errorf("%q: message %q does not mention %q", tt.input, err, tt.wantInMsg)
			}
		})
	}
}

func TestWin32StatusReadsIISValues(t *testing.T) {
	tests := []struct {
		v    uint32
		want string
	}{
		{0, "ERROR_SUCCESS"},
		{5, "ERROR_ACCESS_DENIED"},
		{64, "ERROR_NETNAME_DELETED"},
		{2148074254, "SEC_E_NO_CREDENTIALS"},
		{2148074252, "SEC_E_LOGON_DENIED"},
		{2148074274, "SEC_E_WRONG_PRINCIPAL"},
		{0xC000006D, "STATUS_LOGON_FAILURE"},
	}
	for _, tt := range tests {
		c, ok := Win32Status(tt.v)
		if !ok || c.Name != tt.want {
			t.Errorf("Win32Status(%d) = %s %v, want %s", tt.v, c.Name, ok, tt.want)
		}
	}
	// 41 is KRB_AP_ERR_MODIFIED, but never in an IIS sc-win32-status field.
	if c, ok := Win32Status(41); ok {
		t.Errorf("Win32Status(41) = %s, want no match", c.Name)
	}
}

func TestNumberFormats(t *testing.T) {
	c, _ := ByName("SEC_E_WRONG_PRINCIPAL")
	if got := c.Number(); got != "0x80090322 (2148074274)" {
		t.Errorf("HRESULT Number = %q", got)
	}
	c, _ = ByName("ERROR_LOGON_FAILURE")
	if got := c.Number(); got != "1326 (0x52E)" {
		t.Errorf("Win32 Number = %q", got)
	}
	c, _ = ByName("KRB_AP_ERR_MODIFIED")
	if got := c.Number(); got != "41" {
		t.Errorf("Kerberos Number = %q", got)
	}
	c, _ = Substatus401(2)
	if got := c.Number(); got != "401.2" {
		t.Errorf("HTTP Number = %q", got)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The one table of codes is read by explain, iislog, the collectors and the
// checks; it must stay free of network libraries so checks can use it.
func TestStatuscodeImportsNoNetworkLibrary(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "net") || strings.Contains(imp, "ldap") || strings.Contains(imp, "gokrb5") || strings.Contains(imp, "miekg") {
			t.Errorf("statuscode imports %s", imp)
		}
	}
}

func TestClassifyKerberosReadsTheTable(t *testing.T) {
	c := ClassifyKerberos(7)
	if !c.Known || c.Name != "KDC_ERR_S_PRINCIPAL_UNKNOWN" || c.Problem != KerberosUnknownService || c.Label() != "KDC_ERR_S_PRINCIPAL_UNKNOWN (7)" || len(c.Entry.Checks) == 0 {
		t.Errorf("ClassifyKerberos(7) = %+v", c)
	}
	if c := ClassifyKerberos(-1); c.Known || c.Name != "KRB_ERROR_-1" || c.Problem != KerberosOther {
		t.Errorf("ClassifyKerberos(-1) = %+v", c)
	}
}
