package checks

// Clock samples: helpers shared by TIME-SKEW and the checks that quote a
// clock's precision.

import (
	"strings"
	"time"

	"github.com/spntrust/spntrust/audit"
)

// resolution is how coarse a sample's remote clock reading is: LDAP
// currentTime carries whole seconds, a KRB-ERROR's stime/susec microseconds.
func resolution(c audit.ClockSample) time.Duration {
	if strings.HasPrefix(strings.ToLower(c.Source), "ldap:") {
		return time.Second
	}
	return 0
}
