//go:build windows

package atomicfile

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"

	"github.com/spntrust/spntrust/internal/onwine"
)

// protect gives Windows the meaning of a Unix mode without group or other
// bits (0600, 0700): os.File.Chmod there only sets the read-only attribute,
// and a new file inherits its directory's ACL, which often lets every user
// of the machine read it. A file whose perm keeps group and other out gets
// a protected DACL (nothing inherited) with one entry: full control for the
// user running spntrust. The DACL stays with the file through the rename.
// Other modes keep the inherited ACL, as on Unix they keep the umask's.
//
// The DACL is set by name: the handle os.CreateTemp returns has no WRITE_DAC
// access, which the owner of a file always has when opening it for that.
func protect(f *os.File, perm os.FileMode) error {
	if perm&0o077 != 0 {
		return nil
	}
	if onwine.Detected() {
		// Wine keeps no file DACLs: it derives them from the Unix mode and
		// maps a DACL it is given to a mode, here a wider one (0775).
		return nil
	}
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return fmt.Errorf("read the current user's SID: %w", err)
	}
	acl, err := windows.ACLFromEntries([]windows.EXPLICIT_ACCESS{{
		AccessPermissions: windows.GENERIC_ALL,
		AccessMode:        windows.GRANT_ACCESS,
		Inheritance:       windows.NO_INHERITANCE,
		Trustee: windows.TRUSTEE{
			TrusteeForm:  windows.TRUSTEE_IS_SID,
			TrusteeType:  windows.TRUSTEE_IS_USER,
			TrusteeValue: windows.TrusteeValueFromSID(user.User.Sid),
		},
	}}, nil)
	if err != nil {
		return fmt.Errorf("build an owner-only ACL: %w", err)
	}
	if err := windows.SetNamedSecurityInfo(f.Name(), windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, acl, nil); err != nil {
		return fmt.Errorf("set an owner-only ACL: %w", err)
	}
	return nil
}
