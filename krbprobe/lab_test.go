package krbprobe

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"

	"github.com/spntrust/spntrust/internal/labenv"
)

func labProber(t *testing.T) (*Prober, *labenv.Env) {
	t.Helper()
	env := labenv.Require(t)
	cfg, err := config.Load(env.Krb5Config)
	if err != nil {
		t.Fatal(err)
	}
	pw, err := env.AdminPassword()
	if err != nil {
		t.Fatal(err)
	}
	cl := client.NewWithPassword(env.AdminUser, env.DCs[0].Realm, pw, cfg, client.DisablePAFXFAST(true))
	if err := cl.Login(); err != nil {
		t.Fatalf("login: %v", err)
	}
	t.Cleanup(cl.Destroy)
	return &Prober{Client: cl, Config: cfg, Timeout: 10 * time.Second}, env
}

func TestLabTicketProbes(t *testing.T) {
	p, env := labProber(t)
	tests := []struct {
		spn       string
		issued    bool
		path      []string
		errorName string
	}{
		// The seed: issued — but for the user holding HTTP/mp01 explicitly.
		{"HTTP/mp01.lab.test", true, []string{"LAB.TEST"}, ""},
		// Through the sPNMappings HOST alias to the computer.
		{"HTTP/web01.lab.test", true, []string{"LAB.TEST"}, ""},
		{"HTTP/nobody.lab.test", false, []string{"LAB.TEST"}, "KDC_ERR_S_PRINCIPAL_UNKNOWN"},
		// Across the forest trust: the KDC refers the client to PARTNER.TEST.
		{"ldap/" + env.DCs[1].FQDN, true, []string{"LAB.TEST", "PARTNER.TEST"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.spn, func(t *testing.T) {
			r := p.Request(context.Background(), tt.spn)
			if r.Issued != tt.issued || !reflect.DeepEqual(r.Path, tt.path) || r.ErrorName != tt.errorName {
				t.Errorf("got issued=%v path=%v error=%s (%v), want issued=%v path=%v error=%s",
					r.Issued, r.Path, r.ErrorName, r.Err, tt.issued, tt.path, tt.errorName)
			}
		})
	}
}

// What a client gets today from the lab's KDC, which behaves like a DC not
// yet patched for CVE-2026-20833: accounts with unset encryption types get
// RC4-encrypted tickets even when they have AES keys. The ticket's type is
// the KDC's choice for the service's key, whatever the client offers; the
// client's offer decides the session key, so an account explicitly RC4-only
// gets no ticket for a client that offers only AES.
func TestLabTicketEncryptionTypesTodayAndAfterRC4Removal(t *testing.T) {
	p, _ := labProber(t)
	tests := []struct {
		spn         string
		etypes      []int32
		issued      bool
		ticketEtype int32
		errorName   string
	}{
		{"HTTP/ntonly.lab.test", WindowsClientEtypes, true, 23, ""}, // only an NT hash: RC4 today, nothing on a patched DC
		{"HTTP/ntonly.lab.test", AESOnlyEtypes, true, 23, ""},
		{"HTTP/aeskeys.lab.test", WindowsClientEtypes, true, 23, ""}, // AES keys, unset types: RC4 today, AES on a patched DC
		{"HTTP/aeskeys.lab.test", AESOnlyEtypes, true, 23, ""},
		{"HTTP/legacy.lab.test", WindowsClientEtypes, true, 23, ""}, // explicitly RC4 only (0x4)
		{"HTTP/legacy.lab.test", AESOnlyEtypes, false, 0, "KDC_ERR_ETYPE_NOSUPP"},
		{"HTTP/modern.lab.test", WindowsClientEtypes, true, 18, ""}, // explicitly AES only (0x18)
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v", tt.spn, tt.etypes), func(t *testing.T) {
			q := *p
			q.Etypes = tt.etypes
			r := q.Request(context.Background(), tt.spn)
			if r.Issued != tt.issued || r.TicketEtype != tt.ticketEtype || r.ErrorName != tt.errorName {
				t.Errorf("issued=%v ticket etype %d session %d error=%s (%v), want issued=%v ticket etype %d error=%s",
					r.Issued, r.TicketEtype, r.SessionEtype, r.ErrorName, r.Err, tt.issued, tt.ticketEtype, tt.errorName)
			}
		})
	}
}

// RequestFrom starts at the client realm's KDC with a cross-realm TGT:
// a PARTNER.TEST service is then issued by PARTNER.TEST's own KDC (the path
// of a PARTNER.TEST client), and a realm without a trust is not tested.
func TestLabRequestFromClientRealm(t *testing.T) {
	p, env := labProber(t)
	partner := p.RequestFrom(context.Background(), env.DCs[1].Realm, "ldap/"+env.DCs[1].FQDN)
	if partner.NotTested != "" || !partner.Issued || partner.ClientRealm != env.DCs[1].Realm || !reflect.DeepEqual(partner.Path, []string{env.DCs[1].Realm}) {
		t.Errorf("from %s: %+v, want issued by its own KDC, path [%s]", env.DCs[1].Realm, partner, env.DCs[1].Realm)
	}
	nowhere := p.RequestFrom(context.Background(), "NOWHERE.TEST", "HTTP/web01.lab.test")
	if nowhere.NotTested == "" || nowhere.Issued || len(nowhere.Path) != 0 {
		t.Errorf("from a realm without a trust: %+v, want not tested", nowhere)
	}
}
