package checks

// Dates as the checks write and compare them.

import (
	"time"
)

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func daysBetween(from, to time.Time) int { return int(to.Sub(from).Hours() / 24) }
