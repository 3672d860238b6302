package ldapx

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
)

func ldapResult(id int64, app ber.Tag, code int64) *ber.Packet {
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Response")
	p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
	r := ber.Encode(ber.ClassApplication, ber.TypeConstructed, app, nil, "Result")
	r.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, code, "resultCode"))
	r.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "matchedDN"))
	r.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "diagnosticMessage"))
	p.AppendChild(r)
	return p
}

func searchEntry(id int64, dn string, attr, val string) *ber.Packet {
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Response")
	p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
	e := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchResultEntry, nil, "Entry")
	e.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, dn, "DN"))
	attrs := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attributes")
	a := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attribute")
	a.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, attr, "Type"))
	vals := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "Values")
	vals.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, val, "Value"))
	a.AppendChild(vals)
	attrs.AppendChild(a)
	e.AppendChild(attrs)
	p.AppendChild(e)
	return p
}

// A plain message followed at once by a wrapped frame in the same read must
// be split exactly at the message boundary once the layer is armed.
func TestLayerConnSwitchesExactlyAfterTheArmedMessage(t *testing.T) {
	cli, srv := pair(t, etypeID.AES256_CTS_HMAC_SHA1_96, true)
	plain := ldapResult(3, ldap.ApplicationBindResponse, 0).Bytes()
	inner := searchEntry(4, "CN=x,DC=lab,DC=test", "cn", "x").Bytes()
	tok, err := srv.Wrap(inner)
	if err != nil {
		t.Fatal(err)
	}
	wire := append(append([]byte{}, plain...), appendFrame(nil, tok)...)

	a, b := net.Pipe()
	defer a.Close()
	go func() { b.Write(wire); b.Close() }()
	lc := newLayerConn(a)
	lc.armRead(cli)
	br := bufio.NewReader(lc) // go-ldap reads through bufio too
	p1, err := ber.ReadPacket(br)
	if err != nil {
		t.Fatalf("plain bind response: %v", err)
	}
	if !bytes.Equal(p1.Bytes(), plain) {
		t.Fatal("plain message altered")
	}
	p2, err := ber.ReadPacket(br)
	if err != nil {
		t.Fatalf("wrapped message: %v", err)
	}
	if !bytes.Equal(p2.Bytes(), inner) {
		t.Fatal("wrapped message altered")
	}
}

func TestLayerConnRejectsGarbageAfterSwitch(t *testing.T) {
	cli, _ := pair(t, etypeID.AES256_CTS_HMAC_SHA1_96, true)
	plain := ldapResult(3, ldap.ApplicationBindResponse, 0).Bytes()
	for name, tail := range map[string][]byte{
		"plain LDAP instead of a frame": ldapResult(4, ldap.ApplicationSearchResultDone, 0).Bytes(),
		"truncated frame":               {0, 0, 0, 40, 5, 4, 5},
		"frame with forged token":       appendFrame(nil, bytes.Repeat([]byte{5}, 40)),
	} {
		t.Run(name, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			go func() { b.Write(append(append([]byte{}, plain...), tail...)); b.Close() }()
			c2, _ := newGSSWrapper(cli.key, true, true, 100, 7000)
			lc := newLayerConn(a)
			lc.armRead(c2)
			br := bufio.NewReader(lc)
			if _, err := ber.ReadPacket(br); err != nil {
				t.Fatal(err)
			}
			if _, err := ber.ReadPacket(br); err == nil {
				t.Fatal("garbage after the switch was accepted")
			}
		})
	}
}

// Drive the real go-ldap client through the wrapper: a plain bind, then a
// search whose request must arrive wrapped and whose responses arrive
// wrapped, two messages in one frame and one message split over two.
func TestGoLDAPOverSigningLayer(t *testing.T) {
	cli, srv := pair(t, etypeID.AES256_CTS_HMAC_SHA1_96, true)
	a, b := net.Pipe()
	lc := newLayerConn(a)
	l := ldap.NewConn(lc, false)
	l.Start()
	l.SetTimeout(5 * time.Second)
	c := &Conn{l: l, layer: lc}
	defer c.Close()

	serverErr := make(chan error, 1)
	go func() {
		serverErr <- func() error {
			defer b.Close()
			req, err := ber.ReadPacket(b)
			if err != nil {
				return err
			}
			id := req.Children[0].Value.(int64)
			if _, err := b.Write(ldapResult(id, ldap.ApplicationBindResponse, 0).Bytes()); err != nil {
				return err
			}
			frame, err := readFrame(b)
			if err != nil {
				return err
			}
			plain, err := srv.Unwrap(frame)
			if err != nil {
				return err
			}
			sreq, err := ber.ReadPacket(bytes.NewReader(plain))
			if err != nil {
				return err
			}
			if sreq.Children[1].Tag != ldap.ApplicationSearchRequest {
				return net.ErrClosed
			}
			sid := sreq.Children[0].Value.(int64)
			e1 := searchEntry(sid, "CN=a,DC=lab,DC=test", "cn", "a").Bytes()
			e2 := searchEntry(sid, "CN=b,DC=lab,DC=test", "cn", "b").Bytes()
			donePkt := ldapResult(sid, ldap.ApplicationSearchResultDone, 0)
			ctrls := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "Controls")
			ctrls.AppendChild(ldap.NewControlPaging(0).Encode()) // empty cookie: last page, as AD sends
			donePkt.AppendChild(ctrls)
			done := donePkt.Bytes()
			var out []byte
			t1, _ := srv.Wrap(append(append([]byte{}, e1...), e2[:5]...))
			out = appendFrame(out, t1)
			t2, _ := srv.Wrap(append(append([]byte{}, e2[5:]...), done...))
			out = appendFrame(out, t2)
			if _, err = b.Write(out); err != nil {
				return err
			}
			_, err = b.Read(make([]byte, 1)) // wait for the client to hang up
			if err != nil {
				err = nil
			}
			return err
		}()
	}()

	lc.armRead(cli) // what NegotiateSaslAuth does before the final bind request
	if err := l.Bind("CN=u", "p"); err != nil {
		t.Fatalf("bind: %v", err)
	}
	lc.enableWrite(cli, 1<<16)
	if !c.Signed() {
		t.Fatal("layer not reported active")
	}
	var dns []string
	st, err := c.Search(context.Background(), SearchRequest{BaseDN: "DC=lab,DC=test", Scope: ScopeSubtree, Filter: "(cn=*)", Attributes: []string{"cn"}},
		func(e *Entry) error { dns = append(dns, e.DN+"="+e.Value("CN")); return nil })
	if err != nil {
		t.Fatalf("search over the layer: %v", err)
	}
	if strings.Join(dns, ";") != "CN=a,DC=lab,DC=test=a;CN=b,DC=lab,DC=test=b" || st.Entries != 2 {
		t.Fatalf("entries %v stats %+v", dns, st)
	}
	c.Close()
	if err := <-serverErr; err != nil {
		t.Fatalf("server side: %v", err)
	}
}

func TestReadBERHeader(t *testing.T) {
	cases := []struct {
		name    string
		in      []byte
		wantLen int64
		wantErr string
	}{
		{"short form", []byte{0x30, 0x05}, 5, ""},
		{"long form", []byte{0x30, 0x82, 0x01, 0x00}, 256, ""},
		{"indefinite length", []byte{0x30, 0x80}, 0, "indefinite"},
		{"length of 9 octets", []byte{0x30, 0x89}, 0, "too large"},
		{"truncated length", []byte{0x30, 0x82, 0x01}, 0, "EOF"},
		{"high tag number", []byte{0x1f, 0x01}, 0, "high tag"},
		{"empty", nil, 0, "EOF"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, n, err := readBERHeader(bytes.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil || n != tc.wantLen {
				t.Fatalf("got %d, %v", n, err)
			}
		})
	}
}
