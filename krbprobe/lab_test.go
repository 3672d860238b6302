package krbprobe

import (
	"context"
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
