package cli_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

const (
	readDelete = "ghp_readdelete_CLISECRET" // classic: read:packages, delete:packages
	workflow   = "ghs_workflow_CLISECRET"   // Actions token of octo-org/app, without admin
)

// newRegistryHarness is the demo with real images behind the fake's
// ghcr.io front, and the tokens the untag tests use.
func newRegistryHarness(t *testing.T) *harness {
	t.Helper()
	return newHarness(t, ghcrtest.WithRegistry(),
		ghpackagestest.WithTokenSpec(readDelete, ghpackagestest.TokenSpec{Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages, ghpackages.ScopeDeletePackages}}),
		ghpackagestest.WithTokenSpec(workflow, ghpackagestest.TokenSpec{Repository: "octo-org/app"}))
}

// appTags returns the demo image's tags by version, from the API.
func appTags(t *testing.T, h *harness) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, v := range h.srv.Versions("octo-org", ghpackages.Container, teamApp) {
		if v.DeletedAt == nil && len(v.Tags) > 0 {
			out[v.Name] = v.Tags
		}
	}
	return out
}

type untagDoc struct {
	runDoc
	Verify json.RawMessage `json:"verify"`
}

// TestUntagCommand removes a tag from the demo's multi-arch release as a
// new user would: the dry run shows the plan, --yes removes the tag and
// keeps the image with its other tags (verify proves every tag whole), and
// 'restore --report' puts it back.
func TestUntagCommand(t *testing.T) {
	t.Parallel()
	h := newRegistryHarness(t)
	before := appTags(t, h)
	code, out, errOut := h.run(t, "untag", teamApp, "stable", "--org", "octo-org")
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `team/app  \d+  sha256:[0-9a-f]{12}  v1\.9\.0,latest,stable  47h  untag  removes tag stable, as asked\n`, out)
	assert.Contains(t, out, "  tags to remove: stable (sha256:")
	assert.Contains(t, out, "would remove 1 tag(s) and delete no image; dry run, nothing changed: pass --yes to remove them\n")
	assert.Equal(t, before, appTags(t, h), "a dry run changes nothing")

	code, out, errOut = h.run(t, "untag", teamApp, "stable", "--org", "octo-org", "--json")
	require.Equal(t, 0, code, errOut)
	var dry untagDoc
	decodeStrict(t, out, &dry)
	assert.True(t, dry.DryRun)
	assert.Equal(t, summary{Kept: appVersion, PlannedUntags: 1}, dry.Summary)

	report := filepath.Join(h.dir, "untag.json")
	code, out, errOut = h.run(t, "untag", teamApp, "stable", "--org", "octo-org", "--yes", "--report", report, "--json")
	require.Equal(t, 0, code, errOut)
	var doc untagDoc
	decodeStrict(t, out, &doc)
	assert.Equal(t, summary{Kept: appVersion, PlannedUntags: 1, Untagged: 1}, doc.Summary)
	require.Len(t, doc.Report.Items, 2)
	it := doc.Report.Items[0]
	assert.Equal(t, "untag", it.Action)
	assert.Equal(t, "untagged", it.Outcome)
	assert.Equal(t, []string{"stable"}, it.Tags)
	var index string
	for d, tags := range before {
		if strings.Contains(strings.Join(tags, ","), "stable") {
			index = d
		}
	}
	assert.Equal(t, index, it.Version, "the report records the tag with its digest")
	assert.Equal(t, "delete-placeholder", doc.Report.Items[1].Action)
	after := appTags(t, h)
	assert.ElementsMatch(t, []string{"v1.9.0", "latest"}, after[index], "the image keeps its other tags")
	code, out, _ = h.run(t, "verify", teamApp, "--org", "octo-org")
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "team/app: whole:")

	code, out, errOut = h.run(t, "restore", "--report", report)
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `team/app  \d+  sha256:[0-9a-f]{12}  stable  restored  untagged at `, out)
	assert.ElementsMatch(t, []string{"v1.9.0", "latest", "stable"}, appTags(t, h)[index])
	code, out, _ = h.run(t, "restore", "--report", report)
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "1 already active")
}

// TestUntagRefusals: every value is used as meant or refused with exit 2
// before any change, naming what to fix.
func TestUntagRefusals(t *testing.T) {
	t.Parallel()
	h := newRegistryHarness(t)
	before := appTags(t, h)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"untag", teamApp}, "want a PACKAGE and one or more TAGs"},
		{[]string{"untag", teamApp, "v1.*"}, `TAG "v1.*": untag takes exact tags; to remove tags by pattern use 'ghpkg prune --untag --include PATTERN'`},
		{[]string{"untag", teamApp, "re:^v"}, "untag takes exact tags"},
		{[]string{"untag", teamApp, "-x"}, "unknown shorthand flag"},
		{[]string{"untag", teamApp, ".x"}, `TAG ".x" is not a tag`},
		{[]string{"untag", teamApp, "stable", "nope", "--yes"}, "team/app has no tag nope ('ghpkg versions team/app' lists the tags)"},
		{[]string{"untag", teamApp, "sha256-" + strings.Repeat("a", 64) + ".sig", "--yes"}, "is a signature or attestation tag"},
		{[]string{"untag", ghpackagestest.DemoBaseImage, "bookworm", "trixie", "latest", "--yes"}, "would leave base-image with no tagged version"},
		{[]string{"untag", teamApp, "stable", "--type", "npm"}, "--type container only"},
		{[]string{"untag", teamApp, "stable", "--dry-run=false"}, "--dry-run=false removes nothing without --yes"},
	} {
		code, _, errOut := h.run(t, append(c.args, "--org", "octo-org")...)
		assert.Equal(t, 2, code, "%v: %s", c.args, errOut)
		assert.Contains(t, errOut, c.want, c.args)
	}
	// A token that may delete but not push: refused before any change;
	// its dry run warns.
	rd := h.withEnv(map[string]string{"GITHUB_TOKEN": readDelete})
	code, _, errOut := rd.run(t, "untag", teamApp, "stable", "--org", "octo-org", "--yes")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "the token lacks the scopes write:packages needed to remove tags (push a placeholder and delete its version)")
	code, _, errOut = rd.run(t, "prune", teamApp, "--org", "octo-org", "--tagged-only", "--include", "stable", "--untag", "--older-than", "1d", "--yes")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "the token lacks the scopes write:packages needed to delete container package versions and remove tags")
	code, _, errOut = rd.run(t, "untag", teamApp, "stable", "--org", "octo-org")
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "warning: the token lacks write:packages, which --yes needs")
	code, _, errOut = rd.run(t, "scopes", "--for", "untag")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "the token lacks the scopes write:packages needed to untag container packages")
	assert.Equal(t, before, appTags(t, h))
	assert.Zero(t, h.srv.Stats().Deletes)
}

// TestUntagStoppedThenFinished: a run stopped between moving the tag and
// deleting the placeholder exits 1 and says so; verify names the tag left
// on the placeholder (exit 1); the next prune of the package, whatever its
// policy, finishes the untag; verify is then whole.
func TestUntagStoppedThenFinished(t *testing.T) {
	t.Parallel()
	h := newRegistryHarness(t)
	h.retry = &ghpackages.RetryPolicy{MaxRateLimitRetries: -1}
	h.srv.InjectFault(ghpackagestest.Fault{Method: "DELETE", PathPrefix: "/orgs/octo-org/packages/container/team%2Fapp/versions/", Count: 1, Status: 429})
	code, out, errOut := h.run(t, "untag", teamApp, "stable", "latest", "--org", "octo-org", "--yes", "--json")
	require.Equal(t, 1, code, errOut)
	var doc untagDoc
	decodeStrict(t, out, &doc)
	require.NotNil(t, doc.Stopped)
	assert.Equal(t, "rate_limit", doc.Stopped.Reason)
	assert.Equal(t, "untag-pending", doc.Report.Items[0].Outcome)
	assert.Equal(t, "not-attempted", doc.Report.Items[1].Outcome)
	assert.Equal(t, 2, doc.Summary.UntagPending)
	assert.Contains(t, errOut, "stopped at the rate limit")

	code, out, _ = h.run(t, "verify", teamApp, "--org", "octo-org")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "team/app: UNTAG NOT FINISHED: latest, stable point at the placeholder of an untag that stopped before deleting it; 'ghpkg untag team/app latest stable --yes' (or the next prune of the package) finishes it\n")

	code, out, errOut = h.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "the placeholder of an untag that did not finish: deleting it removes tags stable, latest")
	assert.Contains(t, out, "tags to remove: stable (on an unfinished untag's placeholder), latest (on an unfinished untag's placeholder)")
	code, out, errOut = h.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--yes", "--verify")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "2 tag(s) removed")
	assert.Contains(t, out, "team/app: whole:")
	tags := appTags(t, h)
	for _, ts := range tags {
		assert.NotContains(t, ts, "stable")
		assert.NotContains(t, ts, "latest")
	}
}

// TestUntagWithoutAdminPutsTagsBack: the Actions GITHUB_TOKEN of a
// repository with Write but not Admin on the package can push the
// placeholder but not delete it: the tag goes back on its image, the run
// fails (exit 1) and says what to grant.
func TestUntagWithoutAdminPutsTagsBack(t *testing.T) {
	t.Parallel()
	h := newRegistryHarness(t)
	before := appTags(t, h)
	wf := h.withEnv(map[string]string{"GITHUB_TOKEN": workflow})
	code, out, errOut := wf.run(t, "untag", teamApp, "stable", "--org", "octo-org", "--yes")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, errOut, "warning: GitHub reports no classic scopes for this token")
	assert.Contains(t, out, "the tags were put back on the image")
	assert.Contains(t, errOut, "Manage Actions access")
	assert.Equal(t, before, appTags(t, h))
	code, out, _ = h.run(t, "verify", teamApp, "--org", "octo-org")
	assert.Equal(t, 0, code, out)
}

// TestPruneUntagGroupGraceFlags: the new prune flags are used as meant or
// refused, naming the flag.
func TestPruneUntagGroupGraceFlags(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	base := []string{"prune", teamApp, "--org", "octo-org", "--older-than", "30d"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--untag"}, "--untag removes tags of tagged versions: add --tagged-only or --any-tags"},
		{[]string{"--untag", "--any-tags"}, "--untag needs --include or --exclude to say which tags go"},
		{[]string{"--untag", "--any-tags", "--include", "x", "--type", "docker"}, "--type container only"},
		{[]string{"--untag", "--any-tags", "--include", "x", "--skip-reference-check"}, "--untag needs the registry"},
		{[]string{"--group-by", "v*", "--keep", "2"}, `--group-by "v*": want re:REGEXP with one capture group`},
		{[]string{"--group-by", "re:^v[0-9]+", "--keep", "2"}, "--group-by \"re:^v[0-9]+\" has 0 capture groups"},
		{[]string{"--group-by", "re:^v(", "--keep", "2"}, "--group-by \"re:^v(\""},
		{[]string{"--group-by", "re:^v([0-9]+)"}, "--group-by counts --keep and --keep-tagged per group: give one of them"},
		{[]string{"--grace", "-1h"}, "--grace -1h: a grace window cannot be negative (0 turns it off)"},
		{[]string{"--grace", "soon"}, `--grace "soon": want an age such as 1h, 30min or 2d`},
	} {
		code, _, errOut := h.run(t, append(base, c.args...)...)
		assert.Equal(t, 2, code, "%v: %s", c.args, errOut)
		assert.Contains(t, errOut, c.want, c.args)
	}
}

// TestPruneGroupBy keeps the 2 newest images of each major version on the
// demo (its releases are v1.x; the nightlies and latest/stable form the
// group of other tags) and shows the counts per group.
func TestPruneGroupBy(t *testing.T) {
	t.Parallel()
	h := newRegistryHarness(t)
	args := []string{"prune", teamApp, "--org", "octo-org", "--tagged-only", "--all-ages", "--group-by", `re:^v([0-9]+)\.`, "--keep-tagged", "2"}
	code, out, errOut := h.run(t, args...)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, `  images per --group-by group: (other tags) keep 2 of 11 | "1" keep 2 of 9`+"\n")
	assert.Contains(t, out, "one of the 2 newest tagged images of their group")
	code, out, errOut = h.run(t, append(args, "--json")...)
	require.Equal(t, 0, code, errOut)
	var doc struct {
		Plan struct {
			Policy   map[string]any `json:"policy"`
			Packages []struct {
				Groups []struct {
					Group  string `json:"group"`
					Images int    `json:"images"`
					Kept   int    `json:"kept"`
				} `json:"groups"`
				Versions []struct {
					Tags   []string `json:"tags"`
					Action string   `json:"action"`
					Reason string   `json:"reason"`
					Groups []string `json:"groups"`
				} `json:"versions"`
			} `json:"packages"`
		} `json:"plan"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	assert.Equal(t, `re:^v([0-9]+)\.`, doc.Plan.Policy["group_by"])
	require.Len(t, doc.Plan.Packages[0].Groups, 2)
	kept := map[string]bool{}
	for _, v := range doc.Plan.Packages[0].Versions {
		if v.Action == "keep" && len(v.Tags) > 0 {
			kept[strings.Join(v.Tags, ",")] = true
		}
		if strings.Join(v.Tags, ",") == "v1.9.0,latest,stable" {
			assert.Equal(t, []string{"(other tags)", "1"}, v.Groups)
		}
	}
	assert.True(t, kept["v1.9.0,latest,stable"])
	assert.True(t, kept["v1.7.0"], "the second newest v1")
	assert.False(t, kept["v1.6.0"])
}

// TestPruneGrace: untagged versions younger than --grace stay, with a
// reason naming it; --grace 0 turns it off.
func TestPruneGrace(t *testing.T) {
	t.Parallel()
	h := newRegistryHarness(t)
	id := h.srv.AddVersion("octo-org", ghpackages.Container, teamApp, ghpackagestest.VersionSpec{CreatedAt: h.clock.Now().Add(-10 * time.Minute), Image: &ghpackagestest.ImageSpec{Seed: "in flight"}})
	args := []string{"prune", teamApp, "--org", "octo-org", "--all-ages", "--show", "all", "--json"}
	planned := func(extra ...string) (string, string) {
		code, out, errOut := h.run(t, append(args, extra...)...)
		require.Equal(t, 0, code, errOut)
		var doc runDoc
		decodeStrict(t, out, &doc)
		for _, v := range doc.Plan.Packages[0].Versions {
			if v.ID == id {
				return v.Action, v.Reason
			}
		}
		t.Fatalf("version %d not in the plan", id)
		return "", ""
	}
	action, reason := planned()
	assert.Equal(t, "keep", action)
	assert.Equal(t, "untagged, created 10min ago: within the 1h grace for pushes in progress (--grace)", reason)
	action, _ = planned("--grace", "5min")
	assert.Equal(t, "delete", action)
	action, _ = planned("--grace", "0")
	assert.Equal(t, "delete", action)
	_, out, _ := h.run(t, append(args, "--grace", "0")...)
	assert.Contains(t, out, `"grace": "off"`)
}
