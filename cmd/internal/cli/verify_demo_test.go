package cli_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ghpackages/ghpackages-go/ghcrtest"
)

// TestPruneAndVerifyOnTheDemoRegistry runs prune with the multi-arch check
// against the fake's ghcr.io-like registry (its demo images are real, and a
// version deleted through the REST API disappears from the registry): prune
// --verify deletes and proves every tag whole; deleting a kept image's
// platform manifest by hand breaks its tag, which verify names, exit 1.
func TestPruneAndVerifyOnTheDemoRegistry(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ghcrtest.WithRegistry())
	code, out, errOut := h.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "1d", "--yes", "--verify", "--json")
	require.Equal(t, 0, code, errOut)
	var doc struct {
		runDoc
		Verify []struct {
			Package string `json:"package"`
			Tags    int    `json:"tags"`
			Whole   bool   `json:"whole"`
		} `json:"verify"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	assert.Positive(t, doc.Summary.Deleted)
	assert.Zero(t, doc.Summary.Failed)
	require.Len(t, doc.Verify, 1)
	assert.True(t, doc.Verify[0].Whole)
	assert.Positive(t, doc.Verify[0].Tags)

	// A version kept because a kept image needs it.
	var needed int64
	for _, pp := range doc.Plan.Packages {
		for _, v := range pp.Versions {
			if v.Action == "keep" && len(v.Tags) == 0 && strings.HasPrefix(v.Reason, "needed by kept") {
				needed = v.ID
			}
		}
	}
	require.NotZero(t, needed, "the demo has multi-arch images: %s", out)
	code, _, errOut = h.run(t, "delete", teamApp, "--org", "octo-org", "--id", strconv.FormatInt(needed, 10), "--yes")
	require.Equal(t, 2, code, "delete refuses to break the image")
	assert.Contains(t, errOut, "refusing to delete version "+strconv.FormatInt(needed, 10))
	assert.Regexp(t, `it is needed by the image tagged latest, stable, v1\.9\.0 \(version 1260000044, sha256:[0-9a-f]{12}\), which it would break`, errOut)
	code, out, _ = h.run(t, "verify", teamApp, "--org", "octo-org")
	assert.Equal(t, 0, code, "nothing was deleted: %s", out)
	code, _, errOut = h.run(t, "delete", teamApp, "--org", "octo-org", "--id", strconv.FormatInt(needed, 10), "--yes", "--force")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "deleting it anyway (--force) breaks them")
	code, out, _ = h.run(t, "verify", teamApp, "--org", "octo-org")
	assert.Equal(t, 1, code)
	assert.Regexp(t, `^team/app: BROKEN: 3 of [0-9]+ tags have manifests missing\n  tags latest, stable, v1\.9\.0 \(sha256:[0-9a-f]{12}\): missing sha256:[0-9a-f]{12}\n$`, out)
}
