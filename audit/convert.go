package audit

import (
	"strings"
	"time"

	"github.com/spntrust/spntrust/ldapx"
)

// KindOf classifies an account by objectClass. Managed service accounts
// derive from computer, so they are told apart first.
func KindOf(classes []string) AccountKind {
	has := func(name string) bool {
		for _, c := range classes {
			if strings.EqualFold(c, name) {
				return true
			}
		}
		return false
	}
	switch {
	case has("msDS-GroupManagedServiceAccount"):
		return KindGMSA
	case has("msDS-ManagedServiceAccount"):
		return KindMSA
	case has("computer"):
		return KindComputer
	case has("user"):
		return KindUser
	}
	return KindOther
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func convertAccount(a ldapx.SPNAccount, domain string) Account {
	out := Account{
		DN:                 a.DN,
		Domain:             domain,
		SAMAccountName:     a.SAMAccountName,
		SID:                a.SID,
		Kind:               KindOf(a.ObjectClasses),
		UserAccountControl: a.UserAccountControl,
		Enabled:            a.UserAccountControl&UACAccountDisable == 0,
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

func convertTrust(t ldapx.Trust) Trust {
	out := Trust{
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
