package cli_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"github.com/ghpackages/ghpackages-go/internal/cli"
	"github.com/ghpackages/ghpackages-go/retention"
)

const secret = "ghp_CLISECRET0123456789abcdef"

var start = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

type harness struct {
	srv   *ghpackagestest.Server
	clock *ghpackagestest.FakeClock
	env   map[string]string
}

func newHarness(t *testing.T, opts ...ghpackagestest.Option) *harness {
	t.Helper()
	clock := ghpackagestest.NewFakeClock(start)
	base := []ghpackagestest.Option{
		ghpackagestest.WithClock(clock), ghpackagestest.WithDemo(),
		ghpackagestest.WithRegistry(registry.New(registry.Logger(log.New(io.Discard, "", 0)))),
		ghpackagestest.WithToken(secret, ghpackagestest.Token{Scopes: ghpackagestest.AllScopes}),
		ghpackagestest.WithToken("ghp_readonly", ghpackagestest.Token{Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages}}),
	}
	srv := ghpackagestest.NewServer(append(base, opts...)...)
	t.Cleanup(srv.Close)
	return &harness{srv: srv, clock: clock, env: map[string]string{"GITHUB_TOKEN": secret}}
}

// run runs ghpkg with args against the fake and returns the exit code,
// stdout and stderr.
func (h *harness) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	full := append(args, "--base-url", h.srv.URL())
	code := cli.Run(t.Context(), full, cli.Env{
		Getenv: func(k string) string { return h.env[k] },
		Stdout: &out, Stderr: &errOut, Now: h.clock.Now,
		ClientOptions: []ghpackages.Option{ghpackages.WithClock(h.clock), ghpackages.WithPacing(ghpackages.NoPacing)},
	})
	for _, s := range []string{out.String(), errOut.String()} {
		assert.NotContains(t, s, secret, "the token is never printed")
	}
	return code, out.String(), errOut.String()
}

func TestPackagesAndVersions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	code, out, _ := h.run(t, "packages", "--org", "octo-org")
	require.Equal(t, 0, code)
	assert.Equal(t, []string{"NAME", "VISIBILITY", "VERSIONS", "UPDATED"}, strings.Fields(strings.Split(out, "\n")[0]))
	assert.Contains(t, out, "team/app    public      37")
	assert.Contains(t, out, "base-image  private     3")

	code, byOwner, _ := h.run(t, "packages", "--owner", "octo-org")
	require.Equal(t, 0, code)
	assert.Equal(t, out, byOwner, "--owner finds that octo-org is an organization")

	code, out, _ = h.run(t, "versions", "team/app", "--org", "octo-org", "--json")
	require.Equal(t, 0, code)
	var vs []ghpackages.PackageVersion
	require.NoError(t, json.Unmarshal([]byte(out), &vs))
	assert.Len(t, vs, 37)
	assert.Equal(t, []string{"v1.9.0", "latest", "stable"}, vs[0].Tags())

	code, out, _ = h.run(t, "versions", "--org", "octo-org", "--state", "deleted", "team/app")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "DELETED")
	assert.Contains(t, out, "2d ago")
	assert.Equal(t, 4, strings.Count(out, "\n"), "header and 3 deleted versions")

	code, out, _ = h.run(t, "get", "hello-world-npm", "--org", "octo-org", "--type", "npm")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "repository: octo-org/hello-world-npm")
}

func TestUsageAndAuthErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		msg  string
	}{
		{"no command", nil, nil, 2, ""},
		{"unknown command", nil, []string{"frobnicate"}, 2, "unknown command"},
		{"bad type", nil, []string{"packages", "--type", "pypi"}, 2, "unknown --type"},
		{"org and user", nil, []string{"packages", "--org", "a", "--user", "b"}, 2, "give one of --org, --user and --owner"},
		{"--owner looked up", nil, []string{"packages", "--owner", "octo-org"}, 0, ""},
		{"--owner unknown", nil, []string{"packages", "--owner", "ghost"}, 1, "looking up --owner ghost"},
		{"no token", map[string]string{}, []string{"packages", "--org", "octo-org"}, 2, "no token: set GITHUB_TOKEN or GH_TOKEN"},
		{"GH_TOKEN works", map[string]string{"GH_TOKEN": secret}, []string{"packages", "--org", "octo-org"}, 0, ""},
		{"bad token", map[string]string{"GITHUB_TOKEN": "ghp_wrong"}, []string{"packages", "--org", "octo-org"}, 2, "the token was refused"},
		{"delete needs --yes", nil, []string{"delete", "team/app", "--org", "octo-org", "--id", "1260000005"}, 2, "refusing to delete without --yes"},
		{"missing scope names it", map[string]string{"GITHUB_TOKEN": "ghp_readonly"}, []string{"delete", "team/app", "--org", "octo-org", "--id", "1260000005", "--yes"}, 2, "the token lacks the scopes delete:packages"},
		{"missing version", nil, []string{"delete", "octo-name", "--type", "rubygems", "--id", "1260000099", "--yes"}, 1, "Package version not found."},
		{"bad policy", nil, []string{"prune", "--org", "octo-org"}, 2, "set OlderThan"},
		{"two selections", nil, []string{"prune", "--org", "octo-org", "--older-than", "1d", "--any-tags", "--tagged-only"}, 2, "give one of"},
		{"bad age", nil, []string{"prune", "--org", "octo-org", "--older-than", "soon"}, 2, "want e.g. 30d"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hh := *h
			if tc.env != nil {
				hh.env = tc.env
			}
			code, _, errOut := hh.run(t, tc.args...)
			assert.Equal(t, tc.code, code, errOut)
			assert.Contains(t, errOut, tc.msg)
		})
	}
}

func TestDeleteAndRestoreOneVersion(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	code, out, _ := h.run(t, "delete", "team/app", "--org", "octo-org", "--id", "1260000005", "--yes")
	require.Equal(t, 0, code)
	assert.Equal(t, "deleted: version 1260000005 of team/app\n", out)
	code, out, _ = h.run(t, "restore", "team/app", "--org", "octo-org", "--id", "1260000005", "--json")
	require.Equal(t, 0, code)
	var it retention.Item
	require.NoError(t, json.Unmarshal([]byte(out), &it))
	assert.Equal(t, retention.Restored, it.Outcome)
	assert.Equal(t, int64(1260000005), it.VersionID)

	// The last version of a package: refused, explained, exit 1.
	h.srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.NPM, Name: "solo"})
	id := h.srv.AddVersion("octo-org", ghpackages.NPM, "solo", ghpackagestest.VersionSpec{Name: "1.0.0"})
	code, _, errOut := h.run(t, "delete", "solo", "--org", "octo-org", "--type", "npm", "--id", itoa(id), "--yes")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "You cannot delete the last version of a package")
	assert.Contains(t, errOut, "delete the whole package instead")
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestPruneDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	summary := filepath.Join(t.TempDir(), "summary.md")
	h.env["GITHUB_STEP_SUMMARY"] = summary
	// The demo's images are not in the registry: use the (unsafe) opt-out
	// here; the multi-arch check is tested in package retention.
	code, out, _ := h.run(t, "prune", "team/app", "--org", "octo-org", "--older-than", "30d", "--skip-reference-check")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "would delete 10 of 37 versions in 1 packages; dry run, nothing changed: pass --yes to delete")
	assert.Contains(t, out, "untagged, created 77d ago, older than 30d")
	assert.Zero(t, h.srv.Stats().Deletes)
	md, err := os.ReadFile(summary)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(md), "### ghpkg prune (dry run)\n\n| package | version | tags | age | plan | reason |\n"))
	assert.Equal(t, 10, strings.Count(string(md), "| would delete |"))

	// --yes with an explicit --dry-run stays a dry run.
	code, _, _ = h.run(t, "prune", "team/app", "--org", "octo-org", "--older-than", "30d", "--skip-reference-check", "--yes", "--dry-run")
	require.Equal(t, 0, code)
	assert.Zero(t, h.srv.Stats().Deletes)
}

func TestPruneWithoutRegistryKeepsUntagged(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	host := strings.TrimPrefix(h.srv.URL(), "http://")
	// The registry has none of the demo's manifests: lookups fail, so the
	// planner keeps every untagged version rather than guess.
	code, out, _ := h.run(t, "prune", "team/app", "--org", "octo-org", "--older-than", "30d", "--registry", host)
	require.Equal(t, 0, code)
	assert.Contains(t, out, "would delete 0 of 37 versions")
	assert.Contains(t, out, "registry lookup of a kept image failed")
}

func TestPruneApplyReportAndRestore(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := t.TempDir()
	h.env["GITHUB_STEP_SUMMARY"] = filepath.Join(dir, "summary.md")
	report := filepath.Join(dir, "report.json")
	code, out, errOut := h.run(t, "prune", "team/app", "--org", "octo-org", "--older-than", "30d", "--skip-reference-check",
		"--max-delete", "4", "--yes", "--report", report, "--json")
	require.Equal(t, 0, code, errOut)
	var res struct {
		DryRun bool              `json:"dry_run"`
		Plan   retention.Plan    `json:"plan"`
		Report *retention.Report `json:"report"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	assert.False(t, res.DryRun)
	require.NotNil(t, res.Report)
	assert.Equal(t, 4, res.Report.Count(retention.Deleted))
	assert.Equal(t, 4, h.srv.Stats().Deletes)
	assert.Contains(t, errOut, "progress: 4/4 done")
	for _, it := range res.Report.Items {
		assert.Equal(t, "delete-version", it.Action)
		assert.Equal(t, "team/app", it.Package)
		assert.Empty(t, it.Tags)
	}
	md, err := os.ReadFile(h.env["GITHUB_STEP_SUMMARY"])
	require.NoError(t, err)
	assert.Contains(t, string(md), "| team/app | ")
	assert.Contains(t, string(md), "4 deleted")

	code, out, _ = h.run(t, "restore", "--report", report)
	require.Equal(t, 0, code)
	assert.Contains(t, out, "4 restored")
	assert.Equal(t, 4, h.srv.Stats().Restores)
}

func TestScopes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	code, out, _ := h.run(t, "scopes", "--type", "npm")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "token scopes: read:packages, write:packages, delete:packages, repo")

	h.env = map[string]string{"GITHUB_TOKEN": "ghp_readonly"}
	code, out, _ = h.run(t, "scopes", "--type", "npm", "--json")
	assert.Equal(t, 2, code)
	var res struct {
		Commands []struct {
			Commands string             `json:"commands"`
			Missing  []ghpackages.Scope `json:"missing"`
		} `json:"commands"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Len(t, res.Commands, 3)
	assert.Equal(t, []ghpackages.Scope{ghpackages.ScopeRepo}, res.Commands[0].Missing)
	assert.Equal(t, []ghpackages.Scope{ghpackages.ScopeDeletePackages, ghpackages.ScopeRepo}, res.Commands[1].Missing)
}
