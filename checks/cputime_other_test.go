//go:build !unix

package checks

import "time"

// cpuTime: getrusage is Unix-only; the scale benchmark reports no CPU time
// on other platforms (0) rather than a wrong one.
func cpuTime() time.Duration { return 0 }
