package ldapx

import (
	"encoding/base64"
	"strings"
	"testing"
)

// Blobs written by Samba's own NDR encoder (samba.dcerpc.dnsp.DnssrvRpcRecord
// packed with samba.ndr.ndr_pack, as testdata/lab/scale.py does), so the
// decoder is checked against what a DC stores, not against itself.
var sambaRecords = map[string]string{
	"A":     "BAABAAXwAAABAAAAAAADhAAAAAAAAAAAfwEAAQ==",
	"AAAA":  "EAAcAAXwAAABAAAAAAADhAAAAAAAAAAAIAENuAAAAAAAAAAAAAAAIA==",
	"CNAME": "EAAFAAXwAAABAAAAAAADhAAAAAAAAAAADgMDd2ViA2xhYgR0ZXN0AA==",
	"PTR":   "FQAMAAXwAAABAAAAAAADhAAAAAAAAAAAEwMIc2EwMDAxMTMDbGFiBHRlc3QA",
	"SOA":   "OwAGAAXwAAABAAAAAAADhAAAAAAAAAAAAAAAAQAAA4QAAAJYAAFRgAAADhAOAwNkYzEDbGFiBHRlc3QAFQMKaG9zdG1hc3RlcgNsYWIEdGVzdAA=",
}

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseDNSRecordReadsWhatSambaStores(t *testing.T) {
	tests := []struct {
		kind string
		typ  uint16
		data string
	}{
		{"A", DNSTypeA, "127.1.0.1"},
		{"AAAA", DNSTypeAAAA, "2001:db8::20"},
		{"CNAME", DNSTypeCNAME, "web.lab.test"},
		{"PTR", DNSTypePTR, "sa000113.lab.test"},
		{"SOA", DNSTypeSOA, ""}, // kept by type; its data is not read
	}
	for _, tt := range tests {
		r, err := ParseDNSRecord(mustB64(t, sambaRecords[tt.kind]))
		if err != nil {
			t.Errorf("%s: %v", tt.kind, err)
			continue
		}
		if r.Type != tt.typ || r.Data != tt.data || r.TTL != 900 || r.Rank != 0xF0 || r.TimeStamp != 0 {
			t.Errorf("%s = %+v; want type %d data %q, TTL 900, rank 0xF0, static", tt.kind, r, tt.typ, tt.data)
		}
	}
}

func TestParseDNSRecordRejectsDamagedValues(t *testing.T) {
	a := mustB64(t, sambaRecords["A"])
	cname := mustB64(t, sambaRecords["CNAME"])
	badVersion := append([]byte(nil), a...)
	badVersion[4] = 4
	badLabels := append([]byte(nil), cname...)
	badLabels[25] = 5 // label count
	longLabel := append([]byte(nil), cname...)
	longLabel[26] = 60 // first label's length runs past the name
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "shorter than its 24-byte header"},
		{"header only, data announced", a[:24], "4 data bytes announced, 0 present"},
		{"version", badVersion, "version 4"},
		{"A of 3 bytes", append(append([]byte{3, 0}, a[2:24]...), 1, 2, 3), "A record with 3 data bytes"},
		{"label count", badLabels, "header says 5"},
		{"label length", longLabel, "runs past the name"},
	}
	for _, tt := range tests {
		_, err := ParseDNSRecord(tt.b)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestParseDNSNodeTakesZoneAndNameFromTheDN(t *testing.T) {
	e := NewEntry("DC=sc000001,DC=Lab.Test,CN=MicrosoftDNS,DC=DomainDnsZones,DC=lab,DC=test", map[string][][]byte{
		"name":      {[]byte("SC000001")},
		"dnsRecord": {mustB64(t, sambaRecords["A"]), []byte("garbage")},
	})
	n := ParseDNSNode(e)
	if n.Zone != "lab.test" || n.Name != "sc000001" || n.FQDN() != "sc000001.lab.test" || n.Tombstoned {
		t.Errorf("node = %+v (fqdn %s)", n, n.FQDN())
	}
	if len(n.Records) != 1 || n.Records[0].Data != "127.1.0.1" {
		t.Errorf("records = %+v", n.Records)
	}
	if len(n.Problems) != 1 || n.Problems[0].Attribute != "dnsRecord" {
		t.Errorf("the undecodable value is not reported: %+v", n.Problems)
	}
	apex := ParseDNSNode(NewEntry("DC=@,DC=1.127.in-addr.arpa,CN=MicrosoftDNS,DC=DomainDnsZones,DC=lab,DC=test",
		map[string][][]byte{"name": {[]byte("@")}, "dNSTombstoned": {[]byte("TRUE")}}))
	if apex.FQDN() != "1.127.in-addr.arpa" || !apex.Tombstoned {
		t.Errorf("apex = %+v", apex)
	}
}

func FuzzParseDNSRecord(f *testing.F) {
	for _, s := range sambaRecords {
		b, _ := base64.StdEncoding.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseDNSRecord(b)
		if err == nil && len(b) < dnsRecordHeader {
			t.Fatalf("%d bytes accepted as %+v", len(b), r)
		}
	})
}
