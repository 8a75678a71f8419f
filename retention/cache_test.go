package retention_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/retention"
)

// cachedResolver is the harness's resolver with the manifest cache in dir.
func (g *ghcr) cachedResolver(t testing.TB, dir string) (*retention.RegistryResolver, *retention.ManifestCache) {
	t.Helper()
	c, err := retention.OpenManifestCache(dir)
	require.NoError(t, err)
	cfg := g.registryConfig()
	cfg.Cache = c
	return retention.NewRegistryResolver(cfg), c
}

// manifestGETs counts the registry's manifest GETs so far.
func (g *ghcr) manifestGETs() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for p, c := range g.gets {
		if strings.Contains(p, "/manifests/") {
			n += c
		}
	}
	return n
}

// cacheFiles returns the cache's entry files.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), ".tmp-") {
			out = append(out, p)
		}
		return err
	}))
	return out
}

// A second plan of an unchanged repository GETs no manifest: they come
// from the cache, and it plans the same.
func TestSecondPlanGetsNoManifests(t *testing.T) {
	t.Parallel()
	f := multiArch(t)
	f.image("orphan")
	f.version("orphan", 60*day)
	f.referrer("sbom", "release")
	f.version("sbom", day)
	dir := t.TempDir()
	r1, c1 := f.g.cachedResolver(t, dir)
	first := f.plan(retention.Policy{OlderThan: 30 * day}, retention.WithResolver(r1))
	cold := f.g.manifestGETs()
	assert.Positive(t, cold)
	assert.Zero(t, c1.Stats().Hits)
	assert.Len(t, cacheFiles(t, dir), 5, "release, its two platform images, the orphan and the SBOM")

	r2, c2 := f.g.cachedResolver(t, dir) // a new run: nothing in memory
	second := f.plan(retention.Policy{OlderThan: 30 * day}, retention.WithResolver(r2))
	assert.Equal(t, cold, f.g.manifestGETs(), "no manifest GET on the second plan")
	assert.Equal(t, int64(5), c2.Stats().Hits)
	assert.Equal(t, f.planned(first), f.planned(second))
	assert.Equal(t, []string{"orphan"}, f.planned(second))
	assert.Empty(t, second.Warnings)
}

// The cache says what a manifest holds, never that the registry still has
// it: a cached child whose version was deleted since is asked about (a
// HEAD), found missing, and its index found partial.
func TestCacheDoesNotHideDeletedManifests(t *testing.T) {
	t.Parallel()
	f := multiArch(t)
	dir := t.TempDir()
	r1, _ := f.g.cachedResolver(t, dir)
	f.plan(retention.Policy{OlderThan: 30 * day}, retention.WithResolver(r1))
	_, err := f.g.client().Orgs.DeleteVersion(t.Context(), "octo-org", "container", "app", f.ids["amd64"])
	require.NoError(t, err)
	require.False(t, f.g.exists(propRepo, f.digests["amd64"]))

	r2, c2 := f.g.cachedResolver(t, dir)
	p := f.plan(retention.Policy{OlderThan: 30 * day, DeletePartialImages: true}, retention.WithResolver(r2))
	assert.Equal(t, []string{"release"}, f.planned(p), "the index lost a platform image: partial")
	assert.Contains(t, f.reason(p, "release"), "partial image")
	assert.Positive(t, c2.Stats().Hits)
}

// filledCache plans the multi-arch fixture with an old orphan into a new
// cache and returns the fixture, the cache's directory, its four entry
// files and their good contents.
func filledCache(t *testing.T) (f *fixture, dir string, files []string, good map[string][]byte) {
	t.Helper()
	f = multiArch(t)
	f.image("orphan")
	f.version("orphan", 60*day)
	dir = t.TempDir()
	r1, _ := f.g.cachedResolver(t, dir)
	f.plan(retention.Policy{OlderThan: 30 * day}, retention.WithResolver(r1))
	files = cacheFiles(t, dir)
	require.Len(t, files, 4)
	good = map[string][]byte{}
	for _, p := range files {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		good[p] = b
	}
	return f, dir, files, good
}

// A corrupt, partial or foreign entry is never trusted: it is ignored,
// the manifest read from the registry, and the entry rewritten.
func TestCacheIgnoresAndRewritesBadEntries(t *testing.T) {
	t.Parallel()
	f, dir, files, good := filledCache(t)
	// Damage every entry a different way: a flipped byte, a cut file, an
	// empty one, and another manifest's content under this name (an
	// index that drops a child would hide it from the planner).
	require.NoError(t, os.WriteFile(files[0], append(append([]byte{}, good[files[0]][:len(good[files[0]])-2]...), 'X', '}'), 0o600))
	require.NoError(t, os.WriteFile(files[1], good[files[1]][:len(good[files[1]])/2], 0o600))
	require.NoError(t, os.WriteFile(files[2], nil, 0o600))
	require.NoError(t, os.WriteFile(files[3], good[files[0]], 0o600))

	before := f.g.manifestGETs()
	r2, c2 := f.g.cachedResolver(t, dir)
	p := f.plan(retention.Policy{OlderThan: 30 * day}, retention.WithResolver(r2))
	assert.Equal(t, []string{"orphan"}, f.planned(p))
	assert.Empty(t, p.Warnings)
	assert.Equal(t, int64(4), c2.Stats().Rejected)
	assert.Zero(t, c2.Stats().Hits)
	assert.Equal(t, before+4, f.g.manifestGETs(), "each read from the registry again")
	for _, p := range files {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.Equal(t, good[p], b, "rewritten whole")
	}
}

// Runs sharing a cache directory at once cannot corrupt it: every entry
// they leave is whole, and each plans what it would alone.
func TestCacheSharedByConcurrentRuns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var fixtures []*fixture
	for range 3 {
		f := multiArch(t) // the same images, so the runs write the same entries
		f.image("orphan")
		f.version("orphan", 60*day)
		fixtures = append(fixtures, f)
	}
	var wg sync.WaitGroup
	plans := make([][]string, 2*len(fixtures))
	for i := range plans {
		f := fixtures[i%len(fixtures)]
		wg.Go(func() {
			r, _ := f.g.cachedResolver(t, dir)
			p, err := retention.NewPlan(t.Context(), f.g.client(), ghpackages.OrgOwner("octo-org"), retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day},
				retention.WithResolver(r), retention.WithNow(f.clock.Now))
			if err == nil {
				plans[i] = f.planned(p)
			}
		})
	}
	wg.Wait()
	for i := range plans {
		assert.Equal(t, []string{"orphan"}, plans[i], "run %d", i)
	}
	for _, p := range cacheFiles(t, dir) {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(string(b), "ghpackages-manifest v1\n"), p)
	}
	r, c := fixtures[0].g.cachedResolver(t, dir)
	before := fixtures[0].g.manifestGETs()
	fixtures[0].plan(retention.Policy{OlderThan: 30 * day}, retention.WithResolver(r))
	assert.Equal(t, before, fixtures[0].g.manifestGETs())
	assert.Zero(t, c.Stats().Rejected)
}

// OpenManifestCache refuses what cannot be a cache directory.
func TestOpenManifestCache(t *testing.T) {
	t.Parallel()
	_, err := retention.OpenManifestCache("")
	assert.Error(t, err)
	file := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err = retention.OpenManifestCache(file)
	assert.Error(t, err)
	c, err := retention.OpenManifestCache(filepath.Join(t.TempDir(), "a", "b"))
	require.NoError(t, err)
	assert.True(t, filepath.IsAbs(c.Dir()))
	fi, err := os.Stat(c.Dir())
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o700), fi.Mode().Perm())
}
