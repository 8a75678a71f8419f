package cli_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A prune whose token cannot restore versions (no write:packages) says
// plainly that the final check's healing is off, and still deletes.
func TestPruneSaysWhenHealingIsOff(t *testing.T) {
	t.Parallel()
	h := newRegistryHarness(t)
	rd := h.withEnv(map[string]string{"GITHUB_TOKEN": readDelete})
	code, _, errOut := rd.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--yes")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "healing is off: the token lacks write:packages")
	code, _, errOut = h.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--yes")
	require.Equal(t, 0, code, errOut)
	assert.NotContains(t, errOut, "healing is off", "a token with write:packages heals")
}
