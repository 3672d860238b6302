package ldapx

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// ManagementPoint is a Configuration Manager management point published in
// AD (an mSSMSManagementPoint object under CN=System Management,CN=System).
type ManagementPoint struct {
	DN          string
	SiteCode    string // mSSMSSiteCode
	MPName      string // mSSMSMPName, usually the MP's FQDN in upper case
	DNSHostName string
	Default     bool // mSSMSDefaultMP
}

// ErrNoSystemManagement means the domain has no System Management
// container: the schema is not extended for Configuration Manager, or no
// site publishes to this domain.
var ErrNoSystemManagement = errors.New("no CN=System Management container (schema not extended for Configuration Manager, or no site publishes here)")

// ReadManagementPoints lists the management points published in the
// domain; siteCode, when not empty, keeps only that site's.
func (c *Conn) ReadManagementPoints(ctx context.Context, domainDN, siteCode string) ([]ManagementPoint, error) {
	base := "CN=System Management,CN=System," + domainDN
	filter := "(objectClass=mSSMSManagementPoint)"
	if siteCode != "" {
		filter = "(&(objectClass=mSSMSManagementPoint)(mSSMSSiteCode=" + ldap.EscapeFilter(siteCode) + "))"
	}
	var out []ManagementPoint
	_, err := c.Search(ctx, SearchRequest{BaseDN: base, Scope: ScopeOneLevel, Filter: filter,
		Attributes: []string{"mSSMSSiteCode", "mSSMSMPName", "dNSHostName", "mSSMSDefaultMP"}},
		func(e *Entry) error {
			out = append(out, ManagementPoint{
				DN: e.DN, SiteCode: e.Value("mSSMSSiteCode"), MPName: e.Value("mSSMSMPName"),
				DNSHostName: strings.ToLower(e.Value("dNSHostName")),
				Default:     strings.EqualFold(e.Value("mSSMSDefaultMP"), "TRUE"),
			})
			return nil
		})
	if err != nil {
		var le *ldap.Error
		if errors.As(err, &le) && le.ResultCode == ldap.LDAPResultNoSuchObject {
			return nil, fmt.Errorf("read management points of %s: %w", domainDN, ErrNoSystemManagement)
		}
		return nil, fmt.Errorf("read management points of %s: %w", domainDN, err)
	}
	return out, nil
}
