package collect

import (
	"strings"
	"time"

	"github.com/spntrust/spntrust/ldapx"

	"github.com/spntrust/spntrust/audit"
)

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func convertAccount(a ldapx.SPNAccount, domain string) audit.Account {
	out := audit.Account{
		DN:                 a.DN,
		Domain:             domain,
		SAMAccountName:     a.SAMAccountName,
		SID:                a.SID,
		Kind:               audit.KindOf(a.ObjectClasses),
		UserAccountControl: a.UserAccountControl,
		Enabled:            a.UserAccountControl&audit.UACAccountDisable == 0,
		PwdLastSet:         timePtr(a.PwdLastSet),
		LastLogon:          timePtr(a.LastLogonTimestamp),
		AccountExpires:     timePtr(a.AccountExpires),
		AdminCount:         a.AdminCount,
		DNSHostName:        strings.ToLower(a.DNSHostName),
		SPNs:               append([]string{}, a.SPNs...),
		OperatingSystem:    a.OperatingSystem,
	}
	if a.HasSupportedEncryptionTypes {
		v := a.SupportedEncryptionTypes
		out.SupportedEncryptionTypes = &v
	}
	return out
}

func convertTrust(t ldapx.Trust) audit.Trust {
	out := audit.Trust{
		Partner:     strings.ToLower(t.TrustPartner),
		FlatName:    t.FlatName,
		SID:         t.SID,
		Type:        int(t.TrustType),
		Direction:   int(t.TrustDirection),
		Attributes:  t.TrustAttributes,
		WhenCreated: timePtr(t.WhenCreated),
	}
	if t.HasSupportedEncryptionTypes {
		v := t.SupportedEncryptionTypes
		out.SupportedEncryptionTypes = &v
	}
	return out
}
