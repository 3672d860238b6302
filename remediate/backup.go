package remediate

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spntrust/spntrust/internal/atomicfile"
)

// BackupVersion is the version of the backup file format.
const BackupVersion = 1

// Backup is what `fix --apply` writes before its first change: every
// account's servicePrincipalName as read live just before, so that
// `fix --rollback BACKUP` can restore it exactly. It holds no secret.
type Backup struct {
	Version   int             `json:"version"`
	Tool      string          `json:"tool"`
	CreatedAt time.Time       `json:"createdAt"`
	Server    string          `json:"server,omitempty"` // DC the values were read from
	Snapshot  string          `json:"snapshot,omitempty"`
	Strategy  Strategy        `json:"strategy,omitempty"`
	Accounts  []BackupAccount `json:"accounts"`
}

// BackupAccount is one account's servicePrincipalName before the change,
// and the change that was planned for it.
type BackupAccount struct {
	DN      string   `json:"dn"`
	Account string   `json:"account"`
	Domain  string   `json:"domain"`
	SPNs    []string `json:"spns"`
	Remove  []string `json:"plannedRemove"`
	Add     []string `json:"plannedAdd"`
	// SPNsUnchanged: the fix did not change the SPNs (only the encryption
	// types), so the rollback leaves them as they are.
	SPNsUnchanged bool `json:"spnsUnchanged,omitempty"`
	// EncSaved: EncTypes is msDS-SupportedEncryptionTypes before the change
	// (nil: unset), which the rollback restores.
	EncSaved bool    `json:"encryptionTypesSaved,omitempty"`
	EncTypes *uint32 `json:"encryptionTypes,omitempty"`
}

// WriteBackup writes the backup as indented JSON, atomically, mode 0600.
// It never replaces an existing file: an earlier backup may hold the only
// record of the state before an earlier change.
func WriteBackup(path string, b *Backup) error {
	for _, p := range []string{path, LDIFPath(path)} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("write backup: %s already exists; not overwriting an earlier backup", p)
		}
	}
	b.Version = BackupVersion
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return fmt.Errorf("write backup %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	if err := atomicfile.WriteFile(LDIFPath(path), BackupLDIF(b), 0o600); err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	return nil
}

// LDIFPath is where WriteBackup puts the LDIF form of the backup at path:
// the same name with .ldif for .json.
func LDIFPath(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".ldif"
}

// ReadBackup reads a backup written by WriteBackup, refusing other versions,
// unknown fields and accounts without a DN.
func ReadBackup(path string) (*Backup, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read backup: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var b Backup
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("backup %s: not a spntrust backup: %w", path, err)
	}
	if b.Version != BackupVersion {
		return nil, fmt.Errorf("backup %s: version %d, this build reads version %d", path, b.Version, BackupVersion)
	}
	if len(b.Accounts) == 0 {
		return nil, fmt.Errorf("backup %s: lists no accounts", path)
	}
	for i, a := range b.Accounts {
		if a.DN == "" {
			return nil, fmt.Errorf("backup %s: accounts[%d] has no dn", path, i)
		}
	}
	return &b, nil
}

// BackupLDIF renders the backup as LDIF for ldapmodify: one record per
// account that replaces servicePrincipalName with the saved values, so it
// restores them exactly whatever the attribute holds now, and running it
// again changes nothing. It is the way back without spntrust.
func BackupLDIF(b *Backup) []byte {
	w := &ldifWriter{}
	w.comment(fmt.Sprintf("spntrust backup: servicePrincipalName of %d %s before %s changed them", len(b.Accounts), plural(len(b.Accounts), "account", "accounts"), orUnknown(b.Tool)))
	w.comment(fmt.Sprintf("Read from %s at %s. Restores exactly these values (replace), whatever the accounts hold now:", orUnknown(b.Server), b.CreatedAt.UTC().Format(time.RFC3339)))
	w.comment("  ldapmodify -H ldaps://DC -x -D \"$ADMIN_UPN\" -y \"$PASSWORD_FILE\" -f THIS-FILE   (or: spntrust fix --rollback the .json backup --apply)")
	w.b.WriteString("\nversion: 1\n")
	for _, a := range b.Accounts {
		w.b.WriteString("\n")
		w.comment(a.Account)
		w.attr("dn", a.DN)
		w.b.WriteString("changetype: modify\n")
		if !a.SPNsUnchanged {
			w.b.WriteString("replace: servicePrincipalName\n")
			for _, v := range a.SPNs {
				w.attr("servicePrincipalName", v)
			}
			w.b.WriteString("-\n")
		}
		if a.EncSaved {
			// replace with no value removes the attribute (RFC 4511 4.6).
			w.b.WriteString("replace: " + encAttr + "\n")
			if a.EncTypes != nil && *a.EncTypes != 0 {
				w.attr(encAttr, fmt.Sprint(*a.EncTypes))
			}
			w.b.WriteString("-\n")
		}
	}
	return w.b.Bytes()
}
