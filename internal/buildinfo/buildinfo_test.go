package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	vcs := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/spntrust/spntrust", Version: "v0.0.0-20261202210000-0123456789ab"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-12-02T21:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	devel := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}
	tests := []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  Info
	}{
		{
			name:    "stamped values win over the toolchain's record",
			version: "v1.2.0", commit: "feedface", date: "2026-12-01T00:00:00Z", bi: vcs,
			want: Info{Version: "v1.2.0", Commit: "feedface", Date: "2026-12-01T00:00:00Z", GoVersion: "go1.26.8"},
		},
		{
			name: "an unstamped build reads the module version, revision and commit time",
			bi:   vcs,
			want: Info{Version: "v0.0.0-20261202210000-0123456789ab", Commit: "0123456789abcdef0123456789abcdef01234567-dirty",
				Date: "2026-12-02T21:00:00Z", GoVersion: "go1.26.8"},
		},
		{
			name: "a build with no version and no VCS says devel and unknown, never empty",
			bi:   devel,
			want: Info{Version: "devel", Commit: Unknown, Date: Unknown, GoVersion: "go1.26.8"},
		},
		{
			name: "a (devel) build with a revision names the short commit in its version",
			bi: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}}},
			want: Info{Version: "devel-0123456789ab", Commit: "0123456789abcdef0123", Date: Unknown, GoVersion: "go1.99"},
		},
		{
			name: "no build information at all still fills every field",
			want: Info{Version: "devel", Commit: Unknown, Date: Unknown, GoVersion: "go1.99"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := resolve(tt.version, tt.commit, tt.date, tt.bi, "go1.99")
			if got != tt.want {
				t.Errorf("resolve = %+v\nwant      %+v", got, tt.want)
			}
		})
	}
}

func TestStringNamesEveryField(t *testing.T) {
	s := Info{Version: "v1.2.0", Commit: "abc123", Date: "2026-12-01T00:00:00Z", GoVersion: "go1.26.8"}.String()
	for _, want := range []string{"spntrust v1.2.0\n", "commit:   abc123", "built:    2026-12-01T00:00:00Z", "go:       go1.26.8", "platform: "} {
		if !strings.Contains(s, want) {
			t.Errorf("String() = %q, missing %q", s, want)
		}
	}
}
