package audit_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The Snapshot, and everything that judges or renders one, imports no
// network library: collection lives in audit/collect, so checks, reports
// and remediation run offline from a saved snapshot and can be tested
// without a socket (issue 16).
func TestSnapshotSideImportsNoNetworkLibrary(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to list dependencies")
	}
	forbidden := []string{
		"github.com/go-ldap/", "github.com/jcmturner/", "github.com/miekg/",
		"github.com/spntrust/spntrust/ldapx", "github.com/spntrust/spntrust/krbprobe",
		"github.com/spntrust/spntrust/audit/collect",
	}
	for _, pkg := range []string{"github.com/spntrust/spntrust/audit", "github.com/spntrust/spntrust/checks",
		"github.com/spntrust/spntrust/reports", "github.com/spntrust/spntrust/remediate"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if strings.HasPrefix(dep, f) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}
