package cli_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// TestActionOutputsAreWritten checks that every output action.yml declares
// is a step output the script writes.
func TestActionOutputsAreWritten(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "action.yml"))
	require.NoError(t, err)
	var action struct {
		Outputs map[string]struct {
			Value string `yaml:"value"`
		} `yaml:"outputs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &action))
	script, err := os.ReadFile(filepath.Join(repoRoot(t), "scripts", "action.sh"))
	require.NoError(t, err)
	require.Contains(t, action.Outputs, "freed-bytes")
	require.Contains(t, action.Outputs, "kept-bytes")
	for name, o := range action.Outputs {
		assert.True(t, strings.HasSuffix(o.Value, ".outputs."+name+" }}"), "output %s: %s", name, o.Value)
		assert.Contains(t, string(script), `"`+name+"=", "action.sh writes %s", name)
	}
}

// TestActionUsage runs the action's script with command: usage against
// the demo: it changes nothing, its JSON is the report output, and the
// job summary gets the table and the Mermaid chart.
func TestActionUsage(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not found")
	}
	bin := ghpkgBinary(t)
	srv := ghpackagestest.NewServer(ghpackagestest.WithDemo(), ghcrtest.WithRegistry(),
		ghpackagestest.WithTokenSpec(secret, ghpackagestest.TokenSpec{Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages, ghpackages.ScopeDeletePackages}}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	env := actionInputs(strings.TrimSuffix(srv.BaseURL(), "/"), map[string]string{"COMMAND": "usage", "PACKAGES": teamApp, "OLDER_THAN": "30d"})
	env["GHPKG_BIN"] = bin
	code, outputs, log := actionStep(t, dir, env)
	require.Equal(t, 0, code, log)
	raw, err := os.ReadFile(outputs["report"])
	require.NoError(t, err)
	var doc usageDoc
	require.NoError(t, json.Unmarshal(raw, &doc), string(raw))
	assert.Equal(t, "usage", doc.Command)
	require.Len(t, doc.Packages, 1)
	assert.NotNil(t, doc.Bytes)
	md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	require.NoError(t, err)
	assert.Contains(t, string(md), "| kind | tagged |")
	assert.Contains(t, string(md), "```mermaid\nxychart-beta\n")
	assert.Zero(t, srv.Stats().Deletes)

	env["INPUT_COMMAND"] = "clean"
	code, _, log = actionStep(t, t.TempDir(), env)
	assert.Equal(t, 2, code)
	assert.Contains(t, log, "command must be prune or usage")
}
