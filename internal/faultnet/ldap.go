package faultnet

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// DCFault is how a fake domain controller misbehaves.
type DCFault int

// DC behaviours.
const (
	// DCHealthy serves the whole small directory.
	DCHealthy DCFault = iota
	// DCCloseMidPage answers the bind and every read, but drops the
	// connection in the middle of the SPN-account search: after
	// AccountsBeforeFault entries it writes half of the next one and closes.
	DCCloseMidPage
	// DCSilentMidPage is DCCloseMidPage, except the connection stays open
	// and nothing more is ever written: the search hangs.
	DCSilentMidPage
	// DCSilentAfterBind answers the bind and then never answers again.
	DCSilentAfterBind
	// DCSizeLimitMidPaging serves the SPN accounts in pages of PageSize and
	// ends the search with sizeLimitExceeded (4) once AccountsBeforeFault
	// entries were sent, in a later page.
	DCSizeLimitMidPaging
	// DCTimeLimitMidPaging is the same with timeLimitExceeded (3).
	DCTimeLimitMidPaging
	// DCReferral answers the SPN-account search with a referral (10) to
	// another server after AccountsBeforeFault entries.
	DCReferral
	// DCRangedSPNs returns the last account's servicePrincipalName the way
	// AD does for an attribute with more values than MaxValRange (1500):
	// as "servicePrincipalName;range=0-1499" with the first 1500 values.
	DCRangedSPNs
)

// MaxValRange is AD's default limit on the values of one attribute returned
// in a search (the LDAP policy MaxValRange).
const MaxValRange = 1500

// RangedSPNCount is how many SPNs the ranged account holds in DCRangedSPNs.
const RangedSPNCount = 2000

// DC is a fake Active Directory domain controller speaking real LDAP (BER
// messages) over TLS (LDAPS) with simple binds, serving one domain: the
// rootDSE, sPNMappings, one crossRef, one DC in the Sites container, no
// trusts, and Accounts SPN holders.
type DC struct {
	Addr   string // 127.0.0.1:port (LDAPS)
	CAFile string // PEM of the CA that signed its certificate
	Domain string // e.g. fault.test
	FQDN   string // dc1.<Domain>
	// Accounts is the number of SPN-holding accounts served (default 20).
	Accounts int
	// AccountsBeforeFault is how many accounts arrive before a mid-page
	// fault (default Accounts/2).
	AccountsBeforeFault int
	Fault               DCFault
	// PageSize is the page size the DC uses for the SPN-account search
	// whatever the client asks (0: all in one page; the *MidPaging
	// faults default to 5). An unpaged search gets one page and then
	// sizeLimitExceeded, as from a Windows DC capping at MaxPageSize.
	PageSize int
	// RefuseRanges makes DCRangedSPNs answer range retrieval requests
	// without the attribute, so only the first range can be read.
	RefuseRanges bool
	// HostileAccount adds an account whose values no sane directory holds:
	// SPNs that are not UTF-8, 64 KiB long or full of control characters, a
	// SID of the wrong length and unparsable numbers and times.
	HostileAccount bool
	// RejectBinds answers every bind with invalidCredentials (49) and AD's
	// diagnostic text, as a DC does for a wrong password.
	RejectBinds bool

	mu        sync.Mutex
	binds     []string // bind DNs seen
	passwords []string // simple-bind passwords seen (tests check secrets reach only the DC)
	searches  []string // base DNs searched
}

// Binds returns the bind names the DC saw.
func (d *DC) Binds() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.binds...)
}

// Passwords returns the simple-bind passwords the DC received.
func (d *DC) Passwords() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.passwords...)
}

// Searches returns the base DNs searched, in order.
func (d *DC) Searches() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.searches...)
}

// BaseDN is the domain's naming context.
func (d *DC) BaseDN() string { return "DC=" + strings.ReplaceAll(d.Domain, ".", ",DC=") }

func (d *DC) configNC() string { return "CN=Configuration," + d.BaseDN() }

// StartDC starts a fake DC for domain with the given fault on a free port
// of 127.0.0.1. Its certificate is valid for 127.0.0.1, localhost and
// dc1.<domain>; pass CAFile to the client.
func StartDC(t testing.TB, domain string, fault DCFault) *DC {
	t.Helper()
	d := &DC{Domain: strings.ToLower(domain), FQDN: "dc1." + strings.ToLower(domain), Accounts: 20, Fault: fault}
	cert, caPEM := selfSigned(t, d.FQDN)
	d.CAFile = filepath.Join(t.TempDir(), "faultnet-ca.pem")
	if err := os.WriteFile(d.CAFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	l := listen(t, "127.0.0.1:0")
	d.Addr = l.Addr().String()
	tl := tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	serveTCP(t, tl, d.serve)
	return d
}

// selfSigned makes a CA and a server certificate it signs.
func selfSigned(t testing.TB, fqdn string) (tls.Certificate, []byte) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "faultnet test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: fqdn},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		DNSNames: []string{fqdn, "localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

// serve answers one connection until it closes or the fault strikes.
func (d *DC) serve(c net.Conn) {
	bound := false
	for {
		req, err := ber.ReadPacket(c)
		if err != nil {
			return
		}
		if len(req.Children) < 2 {
			return
		}
		id, _ := req.Children[0].Value.(int64)
		op := req.Children[1]
		switch op.Tag {
		case ldap.ApplicationUnbindRequest:
			return
		case ldap.ApplicationAbandonRequest:
			continue
		case ldap.ApplicationBindRequest:
			name, pw := "", ""
			if len(op.Children) > 1 {
				name, _ = op.Children[1].Value.(string)
			}
			if len(op.Children) > 2 && op.Children[2].ClassType == ber.ClassContext && op.Children[2].Tag == 0 {
				pw = op.Children[2].Data.String()
			}
			d.mu.Lock()
			d.binds = append(d.binds, name)
			d.passwords = append(d.passwords, pw)
			d.mu.Unlock()
			if d.RejectBinds {
				c.Write(result(id, ldap.ApplicationBindResponse, ldap.LDAPResultInvalidCredentials,
					"80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563").Bytes())
				continue
			}
			if _, err := c.Write(result(id, ldap.ApplicationBindResponse, 0, "").Bytes()); err != nil {
				return
			}
			bound = true
		case ldap.ApplicationSearchRequest:
			if d.Fault == DCSilentAfterBind && bound {
				block(c)
				return
			}
			if !d.search(c, id, req, op) {
				return
			}
		default:
			if _, err := c.Write(result(id, ldap.ApplicationExtendedResponse, ldap.LDAPResultUnwillingToPerform, "not supported by faultnet").Bytes()); err != nil {
				return
			}
		}
	}
}

// block reads until the peer goes away, never answering.
func block(c net.Conn) {
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

// search answers one search request; false ends the connection.
func (d *DC) search(c net.Conn, id int64, req, op *ber.Packet) bool {
	if len(op.Children) < 7 {
		return false
	}
	base, _ := op.Children[0].Value.(string)
	scope, _ := op.Children[1].Value.(int64)
	filter, _ := ldap.DecompileFilter(op.Children[6])
	d.mu.Lock()
	d.searches = append(d.searches, base)
	d.mu.Unlock()

	var out []byte
	add := func(dn string, attrs ...[2]string) { out = append(out, entry(id, dn, attrs...).Bytes()...) }
	cfg := d.configNC()
	switch {
	case base == "" && scope == int64(ldap.ScopeBaseObject):
		add("", [2]string{"currentTime", time.Now().UTC().Format("20060102150405.0Z")},
			[2]string{"dnsHostName", d.FQDN}, [2]string{"defaultNamingContext", d.BaseDN()},
			[2]string{"rootDomainNamingContext", d.BaseDN()}, [2]string{"configurationNamingContext", cfg},
			[2]string{"schemaNamingContext", "CN=Schema," + cfg}, [2]string{"domainFunctionality", "7"},
			[2]string{"forestFunctionality", "7"}, [2]string{"domainControllerFunctionality", "7"},
			[2]string{"supportedSASLMechanisms", "GSSAPI"}, [2]string{"isGlobalCatalogReady", "TRUE"})
	case strings.HasPrefix(base, "CN=Directory Service,"):
		add(base, [2]string{"sPNMappings", "host=alerter,http,cifs"})
	case strings.HasPrefix(base, "CN=Partitions,"):
		add("CN=FAULT,"+base, [2]string{"nCName", d.BaseDN()}, [2]string{"dnsRoot", d.Domain},
			[2]string{"nETBIOSName", "FAULT"}, [2]string{"systemFlags", "3"})
	case base == d.BaseDN() && scope == int64(ldap.ScopeBaseObject):
		out = append(out, entryRaw(id, base, "objectSid", []byte{1, 4, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0}).Bytes()...)
	case strings.HasPrefix(base, "CN=Sites,"):
		server := "CN=DC1,CN=Servers,CN=Default-First-Site-Name," + base
		add(server, [2]string{"objectClass", "server"}, [2]string{"cn", "DC1"}, [2]string{"dNSHostName", d.FQDN},
			[2]string{"serverReference", "CN=DC1,OU=Domain Controllers," + d.BaseDN()})
		add("CN=NTDS Settings,"+server, [2]string{"objectClass", "nTDSDSA"}, [2]string{"options", "1"}, [2]string{"msDS-Behavior-Version", "7"})
	case strings.HasPrefix(strings.ToLower(filter), "(objectsid=") && strings.HasSuffix(filter, "-521)"):
		// the Read-only Domain Controllers group: when the domain began making AES keys
		add("CN=Read-only Domain Controllers,CN=Users,"+d.BaseDN(), [2]string{"whenCreated", "20090101000000.0Z"})
	case strings.Contains(strings.ToLower(filter), "serviceprincipalname"):
		return d.accounts(c, id, req, out)
	case strings.HasPrefix(base, "CN=svc-many,") && scope == int64(ldap.ScopeBaseObject):
		out = append(out, d.rangeFollowUp(id, base, op).Bytes()...)
	}
	return d.done(c, id, out, 0, nil)
}

// accounts answers the SPN-account search, page by page, with the fault.
func (d *DC) accounts(c net.Conn, id int64, req *ber.Packet, out []byte) bool {
	faultAt := d.AccountsBeforeFault
	if faultAt <= 0 {
		faultAt = d.Accounts / 2
	}
	pageSize := d.PageSize
	switch d.Fault {
	case DCSizeLimitMidPaging, DCTimeLimitMidPaging:
		if pageSize <= 0 {
			pageSize = 5
		}
	case DCCloseMidPage, DCSilentMidPage, DCReferral:
	default:
		faultAt = -1
	}
	if pageSize <= 0 {
		pageSize = d.Accounts
	}
	start, paged := 0, false
	if len(req.Children) > 2 {
		for _, ctl := range req.Children[2].Children {
			if ctrl, err := ldap.DecodeControl(ctl); err == nil {
				if p, ok := ctrl.(*ldap.ControlPaging); ok {
					paged = true
					if len(p.Cookie) > 0 {
						fmt.Sscanf(string(p.Cookie), "%d", &start)
					}
				}
			}
		}
	}
	end := min(start+pageSize, d.Accounts)
	// Like a Windows DC, an unpaged search gets at most a page (its
	// MaxPageSize) and then sizeLimitExceeded.
	capped := !paged && end < d.Accounts
	for i := start; i < end; i++ {
		if i == faultAt {
			switch d.Fault {
			case DCCloseMidPage, DCSilentMidPage:
				e := accountEntry(id, i, d.BaseDN(), d.Domain).Bytes()
				c.Write(append(out, e[:len(e)/2]...))
				if d.Fault == DCSilentMidPage {
					block(c)
				}
				return false
			case DCSizeLimitMidPaging:
				return d.done(c, id, out, ldap.LDAPResultSizeLimitExceeded, nil)
			case DCTimeLimitMidPaging:
				return d.done(c, id, out, ldap.LDAPResultTimeLimitExceeded, nil)
			case DCReferral:
				return d.done(c, id, out, ldap.LDAPResultReferral, nil)
			}
		}
		var e *ber.Packet
		if d.Fault == DCRangedSPNs && i == d.Accounts-1 {
			e = rangedAccountEntry(id, i, d.BaseDN(), d.Domain)
		} else {
			e = accountEntry(id, i, d.BaseDN(), d.Domain)
		}
		out = append(out, e.Bytes()...)
	}
	if d.HostileAccount && end == d.Accounts {
		out = append(out, hostileEntry(id, d.BaseDN()).Bytes()...)
	}
	if capped {
		return d.done(c, id, out, ldap.LDAPResultSizeLimitExceeded, nil)
	}
	var cookie []byte
	if end < d.Accounts {
		cookie = []byte(fmt.Sprint(end))
	}
	return d.done(c, id, out, 0, cookie)
}

// done writes out and a SearchResultDone with code and a paging cookie.
func (d *DC) done(c net.Conn, id int64, out []byte, code int64, cookie []byte) bool {
	msg := ""
	if code == ldap.LDAPResultReferral {
		msg = "0000202B: RefErr: DSID-0310082F, data 0, 1 access points"
	}
	done := result(id, ldap.ApplicationSearchResultDone, code, msg)
	ctrls := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "Controls")
	pc := ldap.NewControlPaging(0)
	pc.SetCookie(cookie)
	ctrls.AppendChild(pc.Encode())
	done.AppendChild(ctrls)
	out = append(out, done.Bytes()...)
	_, err := c.Write(out)
	return err == nil
}

func accountEntry(id int64, i int, baseDN, domain string) *ber.Packet {
	name := fmt.Sprintf("svc-app%02d", i)
	sid := []byte{1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, byte(i), 4, 0, 0}
	return entryAttrs(id, "CN="+name+",OU=Services,"+baseDN, []Attr{
		{"sAMAccountName", []byte(name)}, {"objectClass", []byte("user")}, {"objectSid", sid},
		{"sAMAccountType", []byte("805306368")}, {"userAccountControl", []byte("66048")},
		{"pwdLastSet", []byte("134086380123456789")}, {"msDS-SupportedEncryptionTypes", []byte("24")},
		{"servicePrincipalName", []byte(fmt.Sprintf("HTTP/app%02d.%s", i, domain))},
	})
}

// rangedAccountEntry is an account holding RangedSPNCount SPNs, returned
// as AD returns it: only the first MaxValRange values, under the attribute
// name servicePrincipalName;range=0-1499 (range retrieval, [MS-ADTS]
// 3.1.1.3.1.3.3); the plain attribute is absent.
func rangedAccountEntry(id int64, i int, baseDN, domain string) *ber.Packet {
	name := "svc-many"
	attrs := []Attr{
		{"sAMAccountName", []byte(name)}, {"objectClass", []byte("user")},
		{"objectSid", []byte{1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, byte(i), 5, 0, 0}},
		{"sAMAccountType", []byte("805306368")}, {"userAccountControl", []byte("66048")},
	}
	attr := fmt.Sprintf("servicePrincipalName;range=0-%d", MaxValRange-1)
	for j := 0; j < MaxValRange; j++ {
		attrs = append(attrs, Attr{attr, []byte(fmt.Sprintf("HTTP/many%04d.%s", j, domain))})
	}
	return entryAttrs(id, "CN="+name+",OU=Services,"+baseDN, attrs)
}

// rangeFollowUp answers a range retrieval request for the ranged account:
// "servicePrincipalName;range=L-*" gets values L.. in ranges of MaxValRange,
// the last one named "range=L-*".
func (d *DC) rangeFollowUp(id int64, dn string, op *ber.Packet) *ber.Packet {
	low := -1
	if len(op.Children) > 7 && !d.RefuseRanges {
		for _, a := range op.Children[7].Children {
			name, _ := a.Value.(string)
			if i := strings.Index(strings.ToLower(name), ";range="); i >= 0 {
				fmt.Sscanf(name[i+len(";range="):], "%d-", &low)
			}
		}
	}
	if low < 0 || low >= RangedSPNCount {
		return entryAttrs(id, dn, nil)
	}
	high := min(low+MaxValRange, RangedSPNCount) - 1
	attr := fmt.Sprintf("servicePrincipalName;range=%d-%d", low, high)
	if high == RangedSPNCount-1 {
		attr = fmt.Sprintf("servicePrincipalName;range=%d-*", low)
	}
	var attrs []Attr
	for j := low; j <= high; j++ {
		attrs = append(attrs, Attr{attr, []byte(fmt.Sprintf("HTTP/many%04d.%s", j, d.Domain))})
	}
	return entryAttrs(id, dn, attrs)
}

// HostileDN is the DN of the HostileAccount.
func HostileDN(baseDN string) string { return "CN=svc-hostile\\ff,OU=Services," + baseDN }

// HostileSPNs are the SPN values of the HostileAccount.
var HostileSPNs = []string{
	"HTTP/bad\xff\xfe.fault.test",
	"HTTP/" + strings.Repeat("x", 65536),
	"HTTP/ctl\x00\x01\x1b[31m.fault.test",
	"HTTP/ok.fault.test",
}

func hostileEntry(id int64, baseDN string) *ber.Packet {
	attrs := []Attr{
		{"sAMAccountName", []byte("svc-hostile\xff")}, {"objectClass", []byte("user")},
		{"objectSid", []byte{1, 5, 0, 0}}, {"sAMAccountType", []byte("not a number")},
		{"userAccountControl", []byte("99999999999999999999")}, {"pwdLastSet", []byte("-")},
		{"lastLogonTimestamp", []byte("\xff")}, {"accountExpires", []byte("1e99")},
		{"msDS-SupportedEncryptionTypes", []byte("-9")}, {"dNSHostName", []byte("\x00")},
	}
	for _, v := range HostileSPNs {
		attrs = append(attrs, Attr{"servicePrincipalName", []byte(v)})
	}
	return entryAttrs(id, HostileDN(baseDN), attrs)
}

// result builds an LDAPResult of the given application tag.
func result(id int64, tag ber.Tag, code int64, msg string) *ber.Packet {
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Response")
	p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
	r := ber.Encode(ber.ClassApplication, ber.TypeConstructed, tag, nil, "Response")
	r.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, code, "resultCode"))
	r.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "matchedDN"))
	r.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, msg, "diagnosticMessage"))
	p.AppendChild(r)
	return p
}

// Attr is one attribute value of an entry; a name may repeat.
type Attr struct {
	Name  string
	Value []byte
}

// entry builds a SearchResultEntry with string attributes.
func entry(id int64, dn string, attrs ...[2]string) *ber.Packet {
	var list []Attr
	for _, a := range attrs {
		list = append(list, Attr{a[0], []byte(a[1])})
	}
	return entryAttrs(id, dn, list)
}

func entryRaw(id int64, dn, attr string, val []byte) *ber.Packet {
	return entryAttrs(id, dn, []Attr{{attr, val}})
}

// entryAttrs builds a SearchResultEntry; values of a repeated name are
// grouped into one attribute. (ber's AppendChild copies the child's bytes,
// so every packet is complete before it is appended.)
func entryAttrs(id int64, dn string, attrs []Attr) *ber.Packet {
	var order []string
	vals := map[string][][]byte{}
	for _, a := range attrs {
		if _, ok := vals[a.Name]; !ok {
			order = append(order, a.Name)
		}
		vals[a.Name] = append(vals[a.Name], a.Value)
	}
	list := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "attributes")
	for _, name := range order {
		a := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "attribute")
		a.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, name, "type"))
		set := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "vals")
		for _, v := range vals[name] {
			pv := ber.Encode(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, nil, "val")
			pv.Value = string(v)
			pv.Data.Write(v)
			set.AppendChild(pv)
		}
		a.AppendChild(set)
		list.AppendChild(a)
	}
	e := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchResultEntry, nil, "Entry")
	e.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, dn, "objectName"))
	e.AppendChild(list)
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Response")
	p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
	p.AppendChild(e)
	return p
}
