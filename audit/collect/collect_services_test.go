package collect

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spntrust/spntrust/audit"
	"github.com/spntrust/spntrust/ldapx"
)

// serviceFake is a fakeDirectory that also answers the targeted reads.
type serviceFake struct {
	*fakeDirectory
	mps []ldapx.ManagementPoint
}

func (f serviceFake) ReadSPNHolders(_ context.Context, _ string, spns []string) ([]ldapx.SPNAccount, error) {
	var out []ldapx.SPNAccount
	for _, a := range f.accounts {
		for _, s := range a.SPNs {
			if containsFold(spns, s) {
				out = append(out, a)
				break
			}
		}
	}
	return out, nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func (f serviceFake) ReadAccount(context.Context, string, string) (*ldapx.SPNAccount, error) {
	return nil, nil
}

func (f serviceFake) ReadManagementPoints(_ context.Context, _, site string) ([]ldapx.ManagementPoint, error) {
	var out []ldapx.ManagementPoint
	for _, mp := range f.mps {
		if site == "" || strings.EqualFold(site, mp.SiteCode) {
			out = append(out, mp)
		}
	}
	return out, nil
}

func serviceConfig(dir Directory) Config {
	return Config{Server: "dc1.corp.example", Resolver: fakeResolver{}, SkipKDCClocks: true,
		Connect: func(context.Context, string) (Directory, error) { return dir, nil }}
}

// --configmgr probes every management point as a service running as its
// computer; an unknown site is an error, not an empty READY.
func TestCollectServicesFindsManagementPoints(t *testing.T) {
	dir := serviceFake{fakeDirectory: &fakeDirectory{domain: "corp.example"}, mps: []ldapx.ManagementPoint{
		{DN: "CN=SMS-MP-LAB-MP01", SiteCode: "LAB", MPName: "MP01.CORP.EXAMPLE", Default: true},
		{DN: "CN=SMS-MP-LAB-MP02", SiteCode: "LAB", DNSHostName: "mp02.corp.example"},
	}}
	snap, err := CollectServices(context.Background(), serviceConfig(dir), ServiceQuery{ConfigMgr: true, ConfigMgrSite: "lab"})
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for _, s := range snap.Services {
		hosts = append(hosts, s.Host)
		if s.Source != audit.ServiceFromConfigMgr || s.Identity == nil || !s.Identity.Computer || s.Domain != "corp.example" {
			t.Errorf("management point %+v: want a configmgr service running as the computer", s)
		}
	}
	if want := []string{"mp01.corp.example", "mp02.corp.example"}; !reflect.DeepEqual(hosts, want) {
		t.Errorf("services = %q, want %q", hosts, want)
	}
	if snap.Collection.Mode != audit.ModeServices {
		t.Errorf("collection mode %q, want %q", snap.Collection.Mode, audit.ModeServices)
	}
	// Nothing resolves in the fake DNS, no Kerberos: each service's gaps say so.
	gaps := map[string]bool{}
	for _, g := range snap.Collection.Gaps {
		gaps[g.Scope+" "+g.What] = true
	}
	if !gaps["service:http://mp01.corp.example/ ticket"] {
		t.Errorf("no ticket gap for a service probed without Kerberos credentials: %+v", snap.Collection.Gaps)
	}
	path := filepath.Join(t.TempDir(), "probe.json")
	if err := audit.Save(path, snap); err != nil {
		t.Fatal(err)
	}
	back, err := audit.Load(path)
	if err != nil {
		t.Fatalf("a probe's snapshot does not load back: %v", err)
	}
	if !reflect.DeepEqual(back.Services, snap.Services) {
		t.Errorf("services after save and load:\n%+v\nwant\n%+v", back.Services, snap.Services)
	}
	_, err = CollectServices(context.Background(), serviceConfig(dir), ServiceQuery{ConfigMgr: true, ConfigMgrSite: "NOPE"})
	if !errors.Is(err, ErrNoManagementPoint) || !strings.Contains(err.Error(), "site NOPE") {
		t.Errorf("unknown site: %v", err)
	}
}

// A directory connection that cannot read SPN holders cannot probe.
func TestCollectServicesNeedsTheTargetedReads(t *testing.T) {
	_, err := CollectServices(context.Background(), serviceConfig(&fakeDirectory{domain: "corp.example"}), ServiceQuery{})
	if !errors.Is(err, ErrNothingCollected) {
		t.Errorf("err = %v, want ErrNothingCollected", err)
	}
}
