//go:build windows

package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/spntrust/spntrust/internal/onwine"
)

// A write replaces the file and leaves no temporary; a file written with
// 0600 can be opened by its writer only: a protected DACL with a single
// allow entry for the current user. Under wine (internal/winetest runs this
// test there) only the replacement is checked: wine keeps no file DACLs.
func TestWindowsWritesReplaceAndProtect(t *testing.T) {
	dir := tempDir(t)
	for i, tc := range []struct {
		perm      os.FileMode
		ownerOnly bool
	}{{0o600, true}, {0o700, true}, {0o644, false}} {
		path := filepath.Join(dir, tc.perm.String())
		for _, content := range []string{"old report", "secret report"} {
			if err := WriteFile(path, []byte(content), tc.perm); err != nil {
				t.Fatal(err)
			}
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != "secret report" {
			t.Errorf("%v: replaced content %q, %v", tc.perm, b, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != i+1 {
			t.Errorf("%v: %d files in the directory, want %d (a temporary file was left)", tc.perm, len(entries), i+1)
		}
		if onwine.Detected() {
			t.Logf("%v: ACL not checked under wine, which keeps no file DACLs (it derives them from the Unix mode)", tc.perm)
			continue
		}
		sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
		if err != nil {
			t.Fatalf("%v: read the DACL: %v", tc.perm, err)
		}
		control, _, err := sd.Control()
		if err != nil {
			t.Fatal(err)
		}
		if protected := control&windows.SE_DACL_PROTECTED != 0; protected != tc.ownerOnly {
			t.Errorf("%v: DACL protected = %v, want %v", tc.perm, protected, tc.ownerOnly)
		}
		if !tc.ownerOnly {
			continue
		}
		dacl, _, err := sd.DACL()
		if err != nil || dacl == nil {
			t.Fatalf("%v: no DACL: %v", tc.perm, err)
		}
		if dacl.AceCount != 1 {
			t.Fatalf("%v: %d ACEs, want 1", tc.perm, dacl.AceCount)
		}
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, 0, &ace); err != nil {
			t.Fatal(err)
		}
		user, err := windows.GetCurrentProcessToken().GetTokenUser()
		if err != nil {
			t.Fatal(err)
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || !sid.Equals(user.User.Sid) {
			t.Errorf("%v: ACE type %d for %v, want an allow entry for %v", tc.perm, ace.Header.AceType, sid, user.User.Sid)
		}
	}
}

// tempDir is t.TempDir without os.RemoveAll, which fails under wine 8
// ("Invalid function": Go 1.26 removes through NtSetInformationFile classes
// wine lacks); the files are removed one by one instead.
func tempDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "atomicfile-windows-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			os.Remove(filepath.Join(dir, e.Name()))
		}
		os.Remove(dir)
	})
	return dir
}
