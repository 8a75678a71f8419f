package cli_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// TestPace: --pace guidance (the default) sends deletes at least a second
// apart; --pace budget runs them within GitHub's points budget, here
// without waiting. The fake clock takes the waits.
func TestPace(t *testing.T) {
	t.Parallel()
	args := []string{"prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check", "--yes"}
	for _, c := range []struct {
		pace     []string
		min, max time.Duration
	}{
		{nil, time.Duration(prunedApp-1) * time.Second, time.Duration(prunedApp) * time.Second},
		{[]string{"--pace", "guidance"}, time.Duration(prunedApp-1) * time.Second, time.Duration(prunedApp) * time.Second},
		{[]string{"--pace", "budget"}, 0, time.Second},
	} {
		h := newHarness(t)
		h.paced = true
		before := h.clock.Now()
		code, _, errOut := h.run(t, append(args, c.pace...)...)
		require.Equal(t, 0, code, errOut)
		require.Equal(t, prunedApp, h.srv.Stats().Deletes)
		took := h.clock.Now().Sub(before)
		assert.GreaterOrEqual(t, took, c.min, "%v", c.pace)
		assert.Less(t, took, c.max, "%v", c.pace)
	}
	code, _, errOut := newHarness(t).run(t, append(args, "--pace", "fast")...)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `invalid argument "fast" for "--pace" flag: want guidance or budget`)
}

// TestMaxWait: a rate-limit wait that would pass --max-wait stops the run
// cleanly: what was done is reported, the rest is not attempted, exit 1.
func TestMaxWait(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.retry = &ghpackages.RetryPolicy{MaxRateLimitRetries: 5, SecondaryWait: 42 * time.Second}
	h.srv.InjectFault(ghpackagestest.Fault{Method: "DELETE", Path: "/orgs/octo-org/packages/container/team%2Fapp/versions/1260000016", Count: 5, Status: 429})
	code, out, errOut := h.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check", "--yes",
		"--max-wait", "30s", "--json")
	require.Equal(t, 1, code, errOut)
	assert.Contains(t, errOut, "waiting would exceed --max-wait 30s: stopping")
	assert.Contains(t, errOut, "stopped: rate-limit waits would exceed --max-wait")
	var doc runDoc
	decodeStrict(t, out, &doc)
	require.NotNil(t, doc.Stopped)
	assert.Equal(t, "max_wait", doc.Stopped.Reason)
	assert.Equal(t, doc.Summary.Deleted, doc.Stopped.Done)
	assert.Equal(t, prunedApp-doc.Summary.Deleted, doc.Stopped.Left)
	assert.Equal(t, doc.Summary.Deleted, h.srv.Stats().Deletes)
	assert.Less(t, h.clock.Now().Sub(start), 30*time.Second, "it did not wait past --max-wait")

	// Within the limit, it waits and finishes.
	h2 := newHarness(t)
	h2.retry = &ghpackages.RetryPolicy{MaxRateLimitRetries: 5, SecondaryWait: 10 * time.Second}
	h2.srv.InjectFault(ghpackagestest.Fault{Method: "DELETE", Count: 1, Status: 429})
	code, _, errOut = h2.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check", "--yes", "--max-wait", "1min")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, prunedApp, h2.srv.Stats().Deletes)
}

// TestWarnings: a pattern that matches nothing and --skip-reference-check
// warn on stderr; the run still succeeds.
func TestWarnings(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	code, out, errOut := h.run(t, "prune", "nothing/*", "--org", "octo-org", "--older-than", "30d", "--skip-reference-check")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "warning: nothing/* matches no container package of org octo-org")
	assert.Contains(t, errOut, "warning: --skip-reference-check: untagged manifests that kept multi-arch images")
	assert.Contains(t, out, "would delete 0 and keep 0 versions in 0 package(s)")
}

// TestDryRunShow: a dry run lists only what it would delete, with a line
// per package of what it keeps and why; --show all lists every version.
func TestDryRunShow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	code, out, errOut := h.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check")
	require.Equal(t, 0, code)
	assert.Regexp(t, `(?m)^planning: [0-9]+ pages read, 1 packages$`, errOut, "planning ends with its totals in a CI log")
	assert.Equal(t, prunedApp, countLines(out, "  delete  "), out)
	assert.Zero(t, countLines(out, "  keep  "), out)
	assert.Contains(t, out, "team/app: delete 10, keep 27: 19 tagged; the policy deletes untagged versions only | 8 not older than 30d\n")
	code, all, _ := h.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check", "--show", "all")
	require.Equal(t, 0, code)
	assert.Equal(t, appVersion-prunedApp, countLines(all, "  keep  "), all)
}

func countLines(s, sub string) int {
	n := 0
	for _, l := range splitLines(s) {
		if strings.HasPrefix(l, teamApp+"  ") && contains(l, sub) {
			n++
		}
	}
	return n
}

func splitLines(s string) []string { return strings.Split(s, "\n") }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
