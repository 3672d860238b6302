// Package spn parses and compares Kerberos service principal names as Active
// Directory stores them: serviceclass/host[:port][/servicename].
//
// A malformed SPN is data, not a crash: Parse returns the parts it could read
// together with a *SyntaxError that says what is wrong, so a check can report it.
package spn

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SPN is one parsed servicePrincipalName value.
type SPN struct {
	Raw          string // the value as stored in the directory
	ServiceClass string // e.g. HTTP, HOST, MSSQLSvc, as written
	Host         string // host part without port, as written
	Port         string // port (or SQL instance name), "" when absent
	ServiceName  string // optional third component, e.g. the domain in ldap/dc/domain
}

// SyntaxError says why a value is not a usable SPN.
type SyntaxError struct {
	Value  string
	Reason string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("malformed SPN %q: %s", e.Value, e.Reason)
}

// Parse splits an SPN into its parts. Comparison helpers such as Key work on
// the result even when err is non-nil, but callers should treat such an SPN as
// malformed.
func Parse(raw string) (SPN, error) {
	s := SPN{Raw: raw}
	fail := func(reason string) (SPN, error) { return s, &SyntaxError{Value: raw, Reason: reason} }

	if raw == "" {
		return fail("empty value")
	}
	if !utf8.ValidString(raw) {
		return fail("not valid UTF-8")
	}
	for _, r := range raw {
		if unicode.IsSpace(r) {
			return fail("contains whitespace")
		}
		if unicode.IsControl(r) {
			return fail("contains a control character")
		}
	}
	class, rest, ok := strings.Cut(raw, "/")
	if !ok {
		return fail("no '/' between service class and host")
	}
	s.ServiceClass = class
	if class == "" {
		return fail("empty service class")
	}
	if strings.Contains(class, ":") {
		s.Host = rest
		return fail("service class contains ':' (a URL written as an SPN?)")
	}
	if strings.HasPrefix(rest, "/") || strings.Contains(strings.ToLower(rest), "://") {
		s.Host = rest
		return fail("host part is a URL; write the host name only, e.g. " + class + "/host.example.com")
	}
	hostPort, serviceName, hasServiceName := strings.Cut(rest, "/")
	if hasServiceName {
		s.ServiceName = serviceName
		if serviceName == "" {
			return fail("empty service name after the second '/'")
		}
		if strings.Contains(serviceName, "/") {
			return fail("more than three '/'-separated components")
		}
	}
	host, port, hasPort := strings.Cut(hostPort, ":")
	s.Host, s.Port = host, port
	if host == "" {
		return fail("empty host")
	}
	if hasPort {
		if port == "" {
			return fail("empty port after ':'")
		}
		if strings.Contains(port, ":") {
			return fail("more than one ':' in host:port")
		}
		if n, err := strconv.Atoi(port); err != nil {
			// SQL Server registers MSSQLSvc/host:instancename for named instances.
			if !strings.EqualFold(class, "MSSQLSvc") {
				return fail(fmt.Sprintf("port %q is not a number", port))
			}
		} else if n < 1 || n > 65535 {
			return fail(fmt.Sprintf("port %d is outside 1-65535", n))
		}
	}
	if reason := hostProblem(host); reason != "" {
		return fail(reason)
	}
	return s, nil
}

// hostProblem returns why host is not a DNS or NetBIOS name, or "".
func hostProblem(host string) string {
	name := strings.TrimSuffix(host, ".")
	if len(name) > 253 {
		return "host name longer than 253 characters"
	}
	for label := range strings.SplitSeq(name, ".") { // no slice per SPN
		if label == "" {
			return "host name has an empty label"
		}
		if len(label) > 63 {
			return "host name label longer than 63 characters"
		}
		for _, r := range label {
			if !(r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
				return fmt.Sprintf("host name contains %q", r)
			}
		}
	}
	return ""
}

// NormalizeHost lower-cases a host name and drops a trailing dot.
func NormalizeHost(host string) string {
	return strings.TrimSuffix(strings.ToLower(host), ".")
}

// Key is the case-insensitive form used to compare SPNs: two SPNs that the
// KDC treats as the same principal have the same Key.
func (s SPN) Key() string {
	var b strings.Builder
	b.WriteString(strings.ToLower(s.ServiceClass))
	b.WriteByte('/')
	b.WriteString(NormalizeHost(s.Host))
	if s.Port != "" {
		b.WriteByte(':')
		b.WriteString(strings.ToLower(s.Port))
	}
	if s.ServiceName != "" {
		b.WriteByte('/')
		b.WriteString(strings.ToLower(s.ServiceName))
	}
	return b.String()
}

// HostKey is the normalised host without port: the name a client resolves.
func (s SPN) HostKey() string { return NormalizeHost(s.Host) }

// Class is the lower-cased service class.
func (s SPN) Class() string { return strings.ToLower(s.ServiceClass) }

// IsShortName reports whether the host is a single-label (NetBIOS-style) name.
func (s SPN) IsShortName() bool { return !strings.Contains(strings.TrimSuffix(s.Host, "."), ".") }

// WithPort returns the SPN for the same class and host on another port,
// without a service name: the form registered when a site moves to a port.
func (s SPN) WithPort(port int) SPN {
	return SPN{
		Raw:          fmt.Sprintf("%s/%s:%d", s.ServiceClass, s.Host, port),
		ServiceClass: s.ServiceClass,
		Host:         s.Host,
		Port:         strconv.Itoa(port),
	}
}

func (s SPN) String() string { return s.Raw }

// directoryOnlyClasses are service classes whose "host" part is not a name
// a client resolves: DRS replication registers
// E3514235-4B06-11D1-AB04-00C04FC2DCD2/<DSA GUID>/<domain>, and krbtgt's
// kadmin/changepw names the password-change service, not a host.
var directoryOnlyClasses = map[string]bool{
	"e3514235-4b06-11d1-ab04-00c04fc2dcd2": true,
	"kadmin":                               true,
	"krbtgt":                               true,
}

// NamesAHost reports whether the host part is a name clients resolve in
// DNS (false for replication GUIDs and the KDC's own principals), so DNS
// checks skip the others.
func (s SPN) NamesAHost() bool { return !directoryOnlyClasses[s.Class()] }
