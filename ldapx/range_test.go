package ldapx

import (
	"strings"
	"testing"
)

// An entry whose SPNs came back ranged (AD's MaxValRange) and were not
// completed keeps the first range and records a problem, rather than
// looking like an account without SPNs.
func TestParseSPNAccountKeepsARangedFirstPageAndSaysSo(t *testing.T) {
	e := NewEntry("CN=many,DC=lab,DC=test", map[string][][]byte{
		"sAMAccountName":                    {[]byte("many")},
		"objectSid":                         {{1, 1, 0, 0, 0, 0, 0, 5, 7, 0, 0, 0}},
		"servicePrincipalName;range=0-1499": {[]byte("HTTP/a"), []byte("HTTP/b")},
	})
	a := ParseSPNAccount(e)
	if len(a.SPNs) != 2 {
		t.Fatalf("SPNs %v, want the 2 of the first range", a.SPNs)
	}
	if len(a.Problems) != 1 || a.Problems[0].Attribute != "servicePrincipalName" || !strings.Contains(a.Problems[0].Problem, "range retrieval") {
		t.Fatalf("problems %+v", a.Problems)
	}
	for _, tt := range []struct {
		key  string
		high int
	}{{"serviceprincipalname;range=0-1499", 1499}, {"serviceprincipalname;range=1500-*", -1}, {"serviceprincipalname;range=x-y", -2}} {
		e := NewEntry("CN=x", map[string][][]byte{tt.key: {[]byte("v")}})
		if k, h, ok := e.rangedAttr("servicePrincipalName"); !ok || k != tt.key || h != tt.high {
			t.Errorf("rangedAttr on %s = %q %d %v", tt.key, k, h, ok)
		}
	}
	if _, _, ok := NewEntry("CN=x", map[string][][]byte{"servicePrincipalName": {[]byte("v")}}).rangedAttr("servicePrincipalName"); ok {
		t.Error("a plain attribute taken for a ranged one")
	}
}
