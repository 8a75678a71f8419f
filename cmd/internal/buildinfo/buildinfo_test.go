package buildinfo

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

func TestResolvePrefersTheStamp(t *testing.T) {
	t.Parallel()
	got := Resolve("v1.2.3", "0123abc", "2026-01-02T03:04:05Z")
	assert.Equal(t, Info{Version: "v1.2.3", Revision: "0123abc", Date: "2026-01-02T03:04:05Z"}, got)
	// Unstamped: what the toolchain recorded for this test binary.
	info, ok := debug.ReadBuildInfo()
	assert.Equal(t, fromBuildInfo(info, ok), Resolve("", "", ""))
}

func TestFromBuildInfo(t *testing.T) {
	t.Parallel()
	settings := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want Info
	}{
		{"no build info", nil, false, Info{Version: "(devel)"}},
		{"go install of a module version", &debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}}, true, Info{Version: "v0.3.0"}},
		{"go build in a clean checkout", &debug.BuildInfo{Settings: settings("vcs.revision", "abc123", "vcs.time", "2026-01-02T03:04:05Z", "vcs.modified", "false")},
			true, Info{Version: "(devel)", Revision: "abc123", Date: "2026-01-02T03:04:05Z"}},
		{"go build with local changes", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20260102030405-abc123+dirty"}, Settings: settings("vcs.revision", "abc123", "vcs.modified", "true")},
			true, Info{Version: "v0.0.0-20260102030405-abc123+dirty", Revision: "abc123+dirty"}},
	} {
		assert.Equal(t, tc.want, fromBuildInfo(tc.info, tc.ok), tc.name)
	}
}

func TestLine(t *testing.T) {
	t.Parallel()
	tail := ", ghpackages-go " + ghpackages.Version + ", " + runtime.Version()
	for _, tc := range []struct {
		info Info
		want string
	}{
		{Info{Version: "v1.2.3", Revision: "abc", Date: "2026-01-02T03:04:05Z"}, "ghpkg v1.2.3 (abc, 2026-01-02T03:04:05Z)"},
		{Info{Version: "(devel)", Revision: "abc+dirty"}, "ghpkg (devel) (abc+dirty)"},
		{Info{Version: "v1.2.3", Date: "2026-01-02T03:04:05Z"}, "ghpkg v1.2.3 (2026-01-02T03:04:05Z)"},
		{Info{Version: "v1.2.3"}, "ghpkg v1.2.3"},
	} {
		assert.Equal(t, tc.want+tail, tc.info.Line("ghpkg"))
	}
}

// TestStampedBinaries builds both commands with the -X flags the release
// build (.goreleaser.yaml) uses and checks each reports the stamp: the
// variables exist in package main under those names and reach the output.
func TestStampedBinaries(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds two binaries")
	}
	const (
		version = "v1.2.3"
		commit  = "0123456789abcdef0123456789abcdef01234567"
		date    = "2026-01-02T03:04:05Z"
	)
	ldflags := "-X main.version=" + version + " -X main.commit=" + commit + " -X main.date=" + date
	for _, tc := range []struct {
		pkg, name string
		args      []string
	}{
		{"github.com/ghpackages/ghpackages-go/cmd/ghpkg", "ghpkg", []string{"version"}},
		{"github.com/ghpackages/ghpackages-go/cmd/ghpackages-fake", "ghpackages-fake", []string{"-version"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bin := filepath.Join(t.TempDir(), tc.name)
			if runtime.GOOS == "windows" {
				bin += ".exe"
			}
			build := exec.CommandContext(t.Context(), "go", "build", "-ldflags", ldflags, "-o", bin, tc.pkg)
			out, err := build.CombinedOutput()
			require.NoError(t, err, "%s", out)
			out, err = exec.CommandContext(t.Context(), bin, tc.args...).Output()
			require.NoError(t, err)
			want := tc.name + " " + version + " (" + commit + ", " + date + "), ghpackages-go " + ghpackages.Version + ", " + runtime.Version() + "\n"
			assert.Equal(t, want, string(out), "%s %s", tc.name, strings.Join(tc.args, " "))
		})
	}
}
