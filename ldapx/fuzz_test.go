package ldapx

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/types"
)

// Fuzz targets for everything ldapx parses from the network or the
// directory: the SASL security layer's frames and wrap tokens, GSS-API
// initial tokens, KDC replies, BER headers, and AD attribute values. Each
// must reject garbage with an error, never a panic or a huge allocation.

// fuzzPair is the wrapper pair of pair(), for fuzz targets (testKey needs a
// *testing.T).
func fuzzPair(f *testing.F) (cli, srv *gssWrapper) {
	f.Helper()
	et, err := crypto.GetEtype(etypeID.AES256_CTS_HMAC_SHA1_96)
	if err != nil {
		f.Fatal(err)
	}
	kv, err := et.StringToKey("Passw0rd!", "LAB.TESTAdministrator", et.GetDefaultStringToKeyParams())
	if err != nil {
		f.Fatal(err)
	}
	key := types.EncryptionKey{KeyType: etypeID.AES256_CTS_HMAC_SHA1_96, KeyValue: kv}
	if cli, err = newGSSWrapper(key, true, true, 100, 7000); err != nil {
		f.Fatal(err)
	}
	if srv, err = newGSSWrapper(key, false, true, 7000, 100); err != nil {
		f.Fatal(err)
	}
	return cli, srv
}

// FuzzUnwrap: a wrap token from a hostile or broken server. Arbitrary bytes
// must be rejected; a genuine token with any byte changed must be rejected
// (except a rotation count equivalent to the one sent, which RFC 4121
// allows); a genuine token must not be accepted twice.
func FuzzUnwrap(f *testing.F) {
	cli, srv := fuzzPair(f)
	f.Add([]byte("search request"), uint16(0), byte(0), []byte{})
	f.Add([]byte{}, uint16(3), byte(0xff), []byte{5, 4, 0, 0xff})
	f.Add(bytes.Repeat([]byte{0x30}, 300), uint16(20), byte(1), bytes.Repeat([]byte{5}, 40))
	f.Add([]byte("x"), uint16(7), byte(0x10), []byte{5, 4, 1, 0xff, 0, 12, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, payload []byte, pos uint16, xor byte, junk []byte) {
		// Arbitrary bytes: a fresh acceptor-side wrapper must reject them.
		server, _ := newGSSWrapper(cli.key, false, true, 7000, 100)
		if _, err := server.Unwrap(junk); err == nil {
			// Only a real token verifies; the fuzzer cannot forge an HMAC.
			t.Fatalf("Unwrap accepted %d arbitrary bytes %x", len(junk), junk)
		}
		// A genuine token, possibly altered.
		c, _ := newGSSWrapper(cli.key, true, true, 100, 7000)
		s, _ := newGSSWrapper(srv.key, false, true, 7000, 100)
		tok, err := c.Wrap(payload)
		if err != nil {
			t.Fatal(err)
		}
		altered := append([]byte(nil), tok...)
		i := int(pos) % len(altered)
		altered[i] ^= xor
		got, err := s.Unwrap(altered)
		switch {
		case xor == 0:
			if err != nil || !bytes.Equal(got, payload) {
				t.Fatalf("genuine token rejected: %v", err)
			}
			if _, err := s.Unwrap(tok); err == nil {
				t.Fatal("the same token was accepted twice (replay)")
			}
		case i == 6 || i == 7:
			// RRC: an equivalent rotation is legitimate; any other must fail.
			body := len(altered) - wrapTokenHeaderLen
			rrc := int(binary.BigEndian.Uint16(altered[6:8]))
			if body > 0 && rrc%body == 0 {
				if err != nil {
					t.Fatalf("equivalent rotation %d rejected: %v", rrc, err)
				}
			} else if err == nil && !bytes.Equal(got, payload) {
				t.Fatalf("rotation %d accepted with a different payload", rrc)
			}
		default:
			if err == nil {
				t.Fatalf("token with byte %d changed (xor %#x) was accepted", i, xor)
			}
		}
	})
}

// FuzzReadFrame: SASL buffers as read from the wire.
func FuzzReadFrame(f *testing.F) {
	f.Add(appendFrame(nil, bytes.Repeat([]byte{5}, 40)))
	f.Add([]byte{0, 0, 0, 40, 5, 4, 5})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := readFrame(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(tok) < wrapTokenHeaderLen || len(tok) > maxFrameLen || len(tok)+4 > len(data) {
			t.Fatalf("readFrame returned %d bytes from %d", len(tok), len(data))
		}
		if !bytes.Equal(appendFrame(nil, tok), data[:4+len(tok)]) {
			t.Fatal("frame does not re-encode to its input")
		}
	})
}

// byteConn is a net.Conn whose reads come from a byte slice.
type byteConn struct {
	net.Conn
	r io.Reader
}

func (c byteConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// FuzzLayerConnRead: the whole read side of a connection — plain BER
// messages, then (after the bind response) SASL frames — fed arbitrary
// bytes, read the way go-ldap reads it. It must end in an error, never a
// panic or a hang.
func FuzzLayerConnRead(f *testing.F) {
	cli, _ := fuzzPair(f)
	bind := ldapResult(3, ldap.ApplicationBindResponse, 0).Bytes()
	srv2, _ := newGSSWrapper(cli.key, false, true, 7000, 100)
	tok, _ := srv2.Wrap(ldapResult(4, ldap.ApplicationSearchResultDone, 0).Bytes())
	f.Add(append(append([]byte{}, bind...), appendFrame(nil, tok)...))
	f.Add(append(append([]byte{}, bind...), ldapResult(4, ldap.ApplicationSearchResultDone, 0).Bytes()...))
	f.Add([]byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0x30, 0x80, 0, 0})
	f.Add([]byte{0x1f})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, _ := newGSSWrapper(cli.key, true, true, 100, 7000)
		lc := &layerConn{Conn: byteConn{r: bytes.NewReader(data)}, br: bufio.NewReader(bytes.NewReader(data))}
		lc.armRead(c)
		br := bufio.NewReader(lc)
		for i := 0; i < len(data)+2; i++ {
			if _, err := ber.ReadPacket(br); err != nil {
				return
			}
		}
		t.Fatalf("more packets than bytes from %d bytes", len(data))
	})
}

// FuzzSplitInitialToken: the GSS-API token of the server's bind response.
func FuzzSplitInitialToken(f *testing.F) {
	good := append([]byte{0x60, byte(len(krb5MechOID) + 2 + 3)}, krb5MechOID...)
	good = append(good, 0x02, 0x00, 1, 2, 3)
	f.Add(good)
	f.Add([]byte{0x60, 0x84, 0, 0, 0, 1, 0})
	f.Add([]byte{0x60, 0x80})
	f.Add([]byte{0x60})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, tok []byte) {
		inner, id, err := splitInitialToken(tok)
		if err != nil {
			return
		}
		if len(inner)+len(krb5MechOID)+2 > len(tok) {
			t.Fatalf("inner token of %d bytes from %d", len(inner), len(tok))
		}
		_ = id
	})
}

// FuzzReadKDCReply: a TCP-framed reply from a KDC (or from whatever listens
// on port 88).
func FuzzReadKDCReply(f *testing.F) {
	f.Add([]byte{0, 0, 0, 3, 0x7e, 1, 0})
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff, 1})
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := readKDCReply(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(b) == 0 || len(b)+4 > len(data) {
			t.Fatalf("reply of %d bytes from %d", len(b), len(data))
		}
	})
}

// FuzzReadBERHeader: the header of each plain LDAP message.
func FuzzReadBERHeader(f *testing.F) {
	f.Add([]byte{0x30, 0x0c})
	f.Add([]byte{0x30, 0x84, 0, 0, 1, 0})
	f.Add([]byte{0x30, 0x85, 1, 2, 3, 4, 5})
	f.Add([]byte{0x30, 0x80})
	f.Add([]byte{0x3f, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		hdr, n, err := readBERHeader(bytes.NewReader(data))
		if err != nil {
			return
		}
		if n < 0 || n > maxBERLength || len(hdr) < 2 || len(hdr) > 6 || !bytes.Equal(hdr, data[:len(hdr)]) {
			t.Fatalf("header %x length %d from %x", hdr, n, data)
		}
	})
}

// encodeSID is the inverse of DecodeSID for the decimal authority form.
func encodeSID(s string) ([]byte, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || parts[0] != "S" || parts[1] != "1" {
		return nil, fmt.Errorf("%q", s)
	}
	var auth uint64
	var err error
	if strings.HasPrefix(parts[2], "0x") {
		auth, err = strconv.ParseUint(parts[2][2:], 16, 48)
	} else {
		auth, err = strconv.ParseUint(parts[2], 10, 48)
	}
	if err != nil {
		return nil, err
	}
	b := []byte{1, byte(len(parts) - 3), byte(auth >> 40), byte(auth >> 32), byte(auth >> 24), byte(auth >> 16), byte(auth >> 8), byte(auth)}
	for _, p := range parts[3:] {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, err
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return b, nil
}

// FuzzDecodeSID: objectSid and securityIdentifier values. A decoded SID
// encodes back to the same bytes.
func FuzzDecodeSID(f *testing.F) {
	f.Add([]byte{1, 5, 0, 0, 0, 0, 0, 5, 0x15, 0, 0, 0, 0xa0, 0x65, 0xcf, 0x7e, 0x78, 0x4b, 0x9b, 0x5f, 0xe7, 0x7c, 0x87, 0x70, 0xf4, 1, 0, 0})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{1, 16, 0, 0, 0, 0, 0, 5})
	f.Add([]byte{2, 1, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSID(b)
		if err != nil {
			return
		}
		back, err := encodeSID(s)
		if err != nil || !bytes.Equal(back, b) {
			t.Fatalf("DecodeSID(%x) = %q, which encodes to %x (%v)", b, s, back, err)
		}
	})
}

// FuzzParseFileTime: pwdLastSet, lastLogonTimestamp, accountExpires. A time
// converts back to the same FILETIME tick count.
func FuzzParseFileTime(f *testing.F) {
	for _, s := range []string{"134086380123456789", "0", "9223372036854775807", "-1", " 1 ", "1e9", "", "-9223372036854775808", "116444736000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, ok, err := ParseFileTime(s)
		if err != nil || !ok {
			if ok || !tm.IsZero() {
				t.Fatalf("ParseFileTime(%q) = %v, %v, %v", s, tm, ok, err)
			}
			return
		}
		v, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		back := (tm.Unix()+filetimeEpochDelta)*10_000_000 + int64(tm.Nanosecond()/100)
		if back != v {
			t.Fatalf("ParseFileTime(%q) = %v, which is FILETIME %d", s, tm, back)
		}
	})
}

// FuzzParseGeneralizedTime: whenCreated, currentTime. A parsed time within
// years 1-9999 formats and parses back to the same instant.
func FuzzParseGeneralizedTime(f *testing.F) {
	for _, s := range []string{"20261124213818.0Z", "20261124213818Z", "20261124213818.123456+0130", "202611242138Z", "2026112421Z",
		"20261124213818,5-0800", "99991231235959.9-1400", "00010101000000+1400", "2026", "", "20261324213818Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseGeneralizedTime(s)
		if err != nil {
			return
		}
		if tm.Location() != time.UTC {
			t.Fatalf("ParseGeneralizedTime(%q) is not UTC: %v", s, tm)
		}
		if y := tm.Year(); y < 1 || y > 9999 {
			return // a zone offset pushed it outside four digits
		}
		back, err := ParseGeneralizedTime(tm.Format("20060102150405.999999999Z"))
		if err != nil || !back.Equal(tm) {
			t.Fatalf("ParseGeneralizedTime(%q) = %v, which does not parse back (%v, %v)", s, tm, back, err)
		}
	})
}

// FuzzParseSPNAccount: every attribute of an SPN holder is writable by
// someone; whatever the values, parsing records problems and never panics,
// and every problem names the entry's DN.
func FuzzParseSPNAccount(f *testing.F) {
	f.Add("CN=svc,DC=lab,DC=test", []byte{1, 1, 0, 0, 0, 0, 0, 5, 7, 0, 0, 0}, "66048", "134086380123456789", "-2147483136", "24", "HTTP/web01.lab.test\nHTTP/web01")
	f.Add("", []byte{}, "lots", "-", "99999999999999", "", "")
	f.Add("CN=\xff", []byte{1, 9, 0}, "\xff", "9223372036854775807", "4294967296", "-2147483649", strings.Repeat("HTTP/x\n", 50))
	f.Fuzz(func(t *testing.T, dn string, sid []byte, uac, pwdLastSet, acctType, enc, spns string) {
		attrs := map[string][][]byte{
			"objectSid":                     {sid},
			"userAccountControl":            {[]byte(uac)},
			"pwdLastSet":                    {[]byte(pwdLastSet)},
			"lastLogonTimestamp":            {[]byte(pwdLastSet)},
			"accountExpires":                {[]byte(acctType)},
			"sAMAccountType":                {[]byte(acctType)},
			"adminCount":                    {[]byte(enc)},
			"msDS-SupportedEncryptionTypes": {[]byte(enc)},
			"sAMAccountName":                {[]byte(uac)},
		}
		for _, v := range strings.Split(spns, "\n") {
			attrs["servicePrincipalName"] = append(attrs["servicePrincipalName"], []byte(v))
		}
		a := ParseSPNAccount(NewEntry(dn, attrs))
		for _, p := range a.Problems {
			if p.DN != dn || p.Attribute == "" || p.Problem == "" || len(p.Value) > 83 {
				t.Fatalf("problem %+v", p)
			}
			_ = p.String()
		}
		if len(a.SPNs) != len(attrs["servicePrincipalName"]) {
			t.Fatalf("%d SPNs from %d values", len(a.SPNs), len(attrs["servicePrincipalName"]))
		}
		_ = ParseTrust(NewEntry(dn, map[string][][]byte{"securityIdentifier": {sid}, "trustType": {[]byte(uac)},
			"trustDirection": {[]byte(acctType)}, "trustAttributes": {[]byte(enc)}, "whenCreated": {[]byte(pwdLastSet)}}))
		_ = ParseRootDSE(NewEntry("", map[string][][]byte{"currentTime": {[]byte(pwdLastSet)}, "domainFunctionality": {[]byte(uac)}}))
		_, _ = ParseSPNMappings(strings.Split(spns, "\n"))
	})
}
