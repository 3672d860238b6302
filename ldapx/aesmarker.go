package ldapx

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// ridReadOnlyDCs is the RID of the domain's "Read-only Domain Controllers"
// group ([MS-ADTS] 6.1.1.6.11, DOMAIN_GROUP_RID_READONLY_CONTROLLERS).
const ridReadOnlyDCs = 521

// ReadAESKeysSince returns when the domain began generating AES keys: the
// whenCreated of its Read-only Domain Controllers group, which a DC creates
// when the domain first reaches the Windows Server 2008 functional level
// (the level from which password changes also store AES keys). It is found
// by SID, not by name (the name is localized). A password last set before
// this time has no AES keys.
func (c *Conn) ReadAESKeysSince(ctx context.Context, baseDN, domainSID string) (time.Time, error) {
	if baseDN == "" || !strings.HasPrefix(domainSID, "S-1-5-21-") {
		return time.Time{}, fmt.Errorf("read the AES marker of %s: need the domain's DN and SID (have %q)", baseDN, domainSID)
	}
	sid := fmt.Sprintf("%s-%d", domainSID, ridReadOnlyDCs)
	var created string
	_, err := c.Search(ctx, SearchRequest{
		BaseDN: baseDN, Scope: ScopeSubtree,
		Filter:     "(objectSid=" + ldap.EscapeFilter(sid) + ")",
		Attributes: []string{"whenCreated"},
	}, func(e *Entry) error {
		created = e.Value("whenCreated")
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("read the Read-only Domain Controllers group (%s) of %s: %w", sid, baseDN, err)
	}
	if created == "" {
		return time.Time{}, errors.New("the domain has no Read-only Domain Controllers group (" + sid + "): it never reached the Windows Server 2008 level, so no account has AES keys")
	}
	t, err := ParseGeneralizedTime(created)
	if err != nil {
		return time.Time{}, fmt.Errorf("whenCreated of %s: %w", sid, err)
	}
	return t, nil
}
