package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
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
