package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The sweep removes only what the manifest cache itself would refuse to
// read: an entry holding a manifest of (nearly) 4 MiB, the most a
// registry accepts, is larger than 4 MiB with the cache's header line and
// media type, and must stay (removing it made every run warn and fetch
// it again); an entry larger than the cache ever writes goes.
func TestSweepCacheKeepsLargestManifest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := filepath.Join(dir, "ab", "big")
	over := filepath.Join(dir, "ab", "over")
	assert.NoError(t, os.MkdirAll(filepath.Dir(big), 0o700))
	header := "ghpackages-manifest v1\napplication/vnd.oci.image.index.v1+json\n"
	assert.NoError(t, os.WriteFile(big, append([]byte(header), make([]byte, 4<<20)...), 0o600))
	assert.NoError(t, os.WriteFile(over, make([]byte, 4<<20+513), 0o600))
	var stderr bytes.Buffer
	a := &app{name: "verify", env: Env{Stderr: &stderr, Now: time.Now}}
	a.sweepCache(dir)
	assert.FileExists(t, big, stderr.String())
	assert.NoFileExists(t, over)
	assert.NotContains(t, stderr.String(), big)
	assert.Contains(t, stderr.String(), over)
}
