// Package buildinfo says which build of spntrust is running: its version,
// the commit it was built from, when, and with which Go.
//
// `make build` and `make release` stamp the first three with -ldflags
// (-X github.com/spntrust/spntrust/internal/buildinfo.version=…); a plain
// `go build` or `go install …@version` leaves them empty, and they are then
// read from what the Go toolchain records in the binary (the module version,
// vcs.revision, vcs.time), so a build is never without an answer.
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Stamped at link time; empty otherwise.
var (
	version string
	commit  string
	date    string
)

// Unknown is what a field says when neither the linker nor the toolchain
// recorded it (go test binaries, builds outside a repository).
const Unknown = "unknown"

// Info describes one build.
type Info struct {
	Version   string // v1.2.0, a git describe string, or the module's pseudo-version
	Commit    string // the full commit hash, "-dirty" appended for a modified tree
	Date      string // when it was built (stamped) or committed (toolchain), RFC 3339
	GoVersion string // go1.26.8
}

// Get returns the running binary's build information.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return resolve(version, commit, date, bi, runtime.Version())
}

// resolve prefers the stamped values and fills each empty one from the
// toolchain's record; it is separate from Get so tests can drive both paths.
func resolve(stampedVersion, stampedCommit, stampedDate string, bi *debug.BuildInfo, goVersion string) Info {
	info := Info{Version: stampedVersion, Commit: stampedCommit, Date: stampedDate, GoVersion: goVersion}
	var revision, vcsTime string
	modified := false
	if bi != nil {
		if bi.GoVersion != "" {
			info.GoVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				vcsTime = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if info.Version == "" {
			// "(devel)" is what the toolchain says when it knows no version.
			if v := bi.Main.Version; v != "" && v != "(devel)" {
				info.Version = v
			}
		}
	}
	if info.Commit == "" && revision != "" {
		info.Commit = revision
		if modified {
			info.Commit += "-dirty"
		}
	}
	if info.Date == "" {
		info.Date = vcsTime
	}
	if info.Version == "" {
		info.Version = "devel"
		if revision != "" {
			info.Version += "-" + shortCommit(revision)
		}
	}
	if info.Commit == "" {
		info.Commit = Unknown
	}
	if info.Date == "" {
		info.Date = Unknown
	}
	if info.GoVersion == "" {
		info.GoVersion = Unknown
	}
	return info
}

func shortCommit(c string) string {
	c = strings.TrimSuffix(c, "-dirty")
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// String is what `spntrust version` prints: the version on the first line
// (what scripts parse), then one labelled field a line.
func (i Info) String() string {
	return "spntrust " + i.Version + "\n" +
		"  commit:   " + i.Commit + "\n" +
		"  built:    " + i.Date + "\n" +
		"  go:       " + i.GoVersion + "\n" +
		"  platform: " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
}
