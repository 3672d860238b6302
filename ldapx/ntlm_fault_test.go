package ldapx

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// Faults of a DC during the GSS-SPNEGO NTLM bind: each ends the bind with
// an error that says what went wrong, within the timeout, never a hang or
// a panic.

type bindFault int

const (
	faultClose          bindFault = iota // drop the connection on the bind request
	faultSilent                          // never answer the bind
	faultGarbage                         // answer with bytes that are not an LDAP message
	faultWrongID                         // answer another message ID
	faultReject                          // SPNEGO negState reject
	faultNoTargetInfo                    // a CHALLENGE without target information (NTLMv1-only server)
	faultWrongOperation                  // answer the bind with a search result
	faultNoSPNEGO                        // offer only the sicily NTLM bind (no GSS-SPNEGO), then drop it
)

func ldapResponse(id int64, tag ber.Tag, code int64, extra ...*ber.Packet) []byte {
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Response")
	p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
	r := ber.Encode(ber.ClassApplication, ber.TypeConstructed, tag, nil, "Response")
	r.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, code, "resultCode"))
	r.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "matchedDN"))
	r.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "diagnosticMessage"))
	for _, e := range extra {
		r.AppendChild(e)
	}
	p.AppendChild(r)
	return p.Bytes()
}

func rootDSEEntry(id int64, mech string) []byte {
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Response")
	p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
	e := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchResultEntry, nil, "Entry")
	e.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "DN"))
	attrs := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attributes")
	for _, kv := range [][2]string{{"supportedSASLMechanisms", mech}, {"dnsHostName", "dc1.fault.test"}} {
		a := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attribute")
		a.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, kv[0], "Type"))
		vals := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "Values")
		vals.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, kv[1], "Value"))
		a.AppendChild(vals)
		attrs.AppendChild(a)
	}
	e.AppendChild(attrs)
	p.AppendChild(e)
	return p.Bytes()
}

func saslCreds(b []byte) *ber.Packet {
	p := ber.Encode(ber.ClassContext, ber.TypePrimitive, 7, nil, "serverSaslCreds")
	p.Data.Write(b)
	return p
}

func serveBindFault(t *testing.T, fault bindFault) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		for {
			req, err := ber.ReadPacket(c)
			if err != nil || len(req.Children) < 2 {
				return
			}
			id, _ := req.Children[0].Value.(int64)
			switch req.Children[1].Tag {
			case ldap.ApplicationSearchRequest:
				mech := "GSS-SPNEGO"
				if fault == faultNoSPNEGO {
					mech = "DIGEST-MD5"
				}
				c.Write(rootDSEEntry(id, mech))
				c.Write(ldapResponse(id, ldap.ApplicationSearchResultDone, 0))
			case ldap.ApplicationBindRequest:
				srv := testServer{challenge: make([]byte, 8), targetInfo: avList(avPair{avNbDomainName, utf16le("FAULT")})}
				full := uint32(0xe2898235)
				switch fault {
				case faultClose, faultNoSPNEGO:
					return
				case faultSilent:
					block := make([]byte, 1)
					c.Read(block)
					return
				case faultGarbage:
					c.Write([]byte{0x30, 0x03, 0xff, 0xff, 0xff})
				case faultWrongID:
					c.Write(ldapResponse(id+1, ldap.ApplicationBindResponse, ldap.LDAPResultSaslBindInProgress,
						saslCreds(explicit(1, derSequence(explicit(0, []byte{0x0a, 0x01, 0x01}), explicit(2, derOctets(srv.challengeMessage(full))))))))
				case faultReject:
					c.Write(ldapResponse(id, ldap.ApplicationBindResponse, ldap.LDAPResultSaslBindInProgress,
						saslCreds(explicit(1, derSequence(explicit(0, []byte{0x0a, 0x01, 0x02}))))))
				case faultNoTargetInfo:
					c.Write(ldapResponse(id, ldap.ApplicationBindResponse, ldap.LDAPResultSaslBindInProgress,
						saslCreds(explicit(1, derSequence(explicit(0, []byte{0x0a, 0x01, 0x01}),
							explicit(2, derOctets(testServer{challenge: make([]byte, 8)}.challengeMessage(full&^ntlmNegotiateTargetInfo))))))))
				case faultWrongOperation:
					c.Write(ldapResponse(id, ldap.ApplicationSearchResultDone, 0))
				}
			default:
				return
			}
		}
	}()
	return ln.Addr().String()
}

func TestNTLMBindFaults(t *testing.T) {
	tests := []struct {
		fault bindFault
		want  string
	}{
		{faultClose, "closed or broke the connection"},
		{faultSilent, "no response within"},
		{faultGarbage, "bind response is not BER"},
		{faultWrongID, "message ID"},
		{faultReject, "rejected NTLM"},
		{faultNoTargetInfo, "NTLMv2 needs it"},
		{faultWrongOperation, "not a bind response"},
		{faultNoSPNEGO, "sicily NTLM bind (the DC offers no GSS-SPNEGO)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			addr := serveBindFault(t, tt.fault)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := Dial(ctx, Options{Address: addr, Timeout: 500 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			err = c.Bind(ctx, Credentials{Mechanism: MechNTLM, Principal: `FAULT\alice`, Password: "Secret-Pw-1"})
			if err == nil {
				t.Fatal("the bind succeeded against a faulty DC")
			}
			t.Logf("%v", err)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "Secret-Pw-1") {
				t.Error("the error carries the password")
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("the bind took %v: it must end within its timeout", time.Since(start))
			}
		})
	}
}
