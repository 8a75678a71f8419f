//go:build unix

package retention_test

import (
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ghpackages/ghpackages-go/retention"
)

// An entry that is not a regular file of at most 4 MiB is never read
// from: a FIFO (whose read would block for good), a symlink to
// /dev/zero (endless), a symlink to a good entry elsewhere, and a
// regular file over the size a manifest can have. Each is ignored at
// once, counted as rejected, the manifest read from the registry, and a
// good entry written in its place.
func TestCacheRefusesEntriesThatAreNotRegularFiles(t *testing.T) {
	t.Parallel()
	f, dir, files, good := filledCache(t)
	for _, p := range files {
		require.NoError(t, os.Remove(p))
	}
	elsewhere := t.TempDir() + "/entry"
	require.NoError(t, os.WriteFile(elsewhere, good[files[2]], 0o600))
	require.NoError(t, syscall.Mkfifo(files[0], 0o600))
	require.NoError(t, os.Symlink("/dev/zero", files[1]))
	require.NoError(t, os.Symlink(elsewhere, files[2]))
	big := make([]byte, 4<<20+1024)
	copy(big, good[files[3]])
	require.NoError(t, os.WriteFile(files[3], big, 0o600))

	before := f.g.manifestGETs()
	r2, c2 := f.g.cachedResolver(t, dir)
	p := f.plan(retention.Policy{OlderThan: 30 * day}, retention.WithResolver(r2))
	assert.Equal(t, []string{"orphan"}, f.planned(p))
	assert.Equal(t, int64(4), c2.Stats().Rejected)
	assert.Zero(t, c2.Stats().Hits)
	assert.Equal(t, before+4, f.g.manifestGETs(), "each read from the registry again")
	for _, p := range files {
		fi, err := os.Lstat(p)
		require.NoError(t, err)
		assert.True(t, fi.Mode().IsRegular(), "%s replaced by a regular file", p)
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.Equal(t, good[p], b, "rewritten whole")
	}
}
