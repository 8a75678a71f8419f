package cli_test

import (
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// countManifestGets counts the manifests h's runs download from the
// registry (GETs answered 200; a GET of a manifest that does not exist
// downloads nothing).
func countManifestGets(h *harness) func() int {
	var mu sync.Mutex
	n := 0
	h.wrap = func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := next.RoundTrip(req)
			if err == nil && resp.StatusCode == 200 && req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/manifests/") {
				mu.Lock()
				n++
				mu.Unlock()
			}
			return resp, err
		})
	}
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

// prune and verify keep the registry's manifests in the user cache
// directory by default, so a second run of an unchanged repository reads
// none; --cache-dir chooses the directory and --no-cache keeps none.
func TestManifestCacheBetweenRuns(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	pushMulti(t, h)
	gets := countManifestGets(h)
	args := []string{"prune", "multi", "--org", "octo-org", "--older-than", "30d"}

	code, _, errOut := h.run(t, args...)
	require.Equal(t, 0, code, errOut)
	cold := gets()
	assert.Positive(t, cold)
	entries, _ := filepath.Glob(filepath.Join(h.cacheBase, "ghpkg", "manifests", "sha256", "*", "*"))
	assert.Len(t, entries, 3, "the index and its two platform images (the orphan version has no manifest)")

	code, _, errOut = h.run(t, args...)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, cold, gets(), "the second plan GETs no manifest")
	code, _, errOut = h.run(t, "verify", "multi", "--org", "octo-org")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, cold, gets(), "nor does verify (HEADs say what still exists)")

	code, _, errOut = h.run(t, append(args, "--no-cache")...)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, 2*cold, gets(), "--no-cache reads every manifest")

	dir := filepath.Join(t.TempDir(), "my", "cache")
	code, _, errOut = h.run(t, append(args, "--cache-dir", dir)...)
	require.Equal(t, 0, code, errOut)
	mine, _ := filepath.Glob(filepath.Join(dir, "sha256", "*", "*"))
	assert.Len(t, mine, 3, "--cache-dir DIR is created and filled")
	assert.Equal(t, 3*cold, gets())
}

// A cache flag that cannot be used as given is refused before anything
// happens (exit 2), naming the flag and the fix; a default cache
// directory that cannot be used is a warning.
func TestManifestCacheFlagsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o600))
	readOnly := filepath.Join(t.TempDir(), "ro")
	require.NoError(t, os.Mkdir(readOnly, 0o500))
	args := []string{"prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check"}
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--cache-dir", "x", "--no-cache"}, "give one of --cache-dir and --no-cache"},
		{[]string{"--cache-dir", ""}, "--cache-dir: empty: give a directory (created if missing), or --no-cache"},
		{[]string{"--cache-dir", file}, "--cache-dir " + file + " is a file, not a directory: give a directory (created if missing), or --no-cache"},
		{[]string{"--cache-dir", filepath.Join(file, "sub")}, "--cache-dir " + filepath.Join(file, "sub") + " cannot be used"},
	} {
		code, _, errOut := h.run(t, append(args, tc.flags...)...)
		assert.Equal(t, 2, code, "%v", tc.flags)
		assert.NotContains(t, errOut, "planning", "refused before anything is read")
		assert.Contains(t, errOut, tc.want, "%v", tc.flags)
	}
	if os.Geteuid() != 0 { // root writes anywhere
		code, _, errOut := h.run(t, append(args, "--cache-dir", readOnly)...)
		assert.Equal(t, 2, code)
		assert.Contains(t, errOut, "--cache-dir "+readOnly+" cannot be written")
		assert.Contains(t, errOut, "give a directory you can write, or --no-cache")
	}
	code, _, errOut := h.run(t, "verify", teamApp, "--org", "octo-org", "--cache-dir", "")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--cache-dir: empty")

	// A default that cannot be used: a warning, and the run goes on.
	h.cacheBase = file
	code, _, errOut = h.run(t, args...)
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "registry manifests are not kept between runs; --cache-dir DIR keeps them elsewhere")
}

// limitedRegistry answers the first n manifest GETs with 429 and
// Retry-After: 2, as ghcr.io does past its limit.
func limitedRegistry(n int) http.Handler {
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		limited := n > 0 && r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/manifests/")
		if limited {
			n--
		}
		mu.Unlock()
		if limited {
			w.Header().Set("Retry-After", "2")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"errors":[{"code":"TOOMANYREQUESTS","message":"retry later"}]}`)
			return
		}
		reg.ServeHTTP(w, r)
	})
}

// The registry's rate limit is waited out, shown on stderr, counted in the
// summary, and the plan is what it would be without it.
func TestPruneWaitsOutTheRegistryLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ghpackagestest.WithRawRegistry(limitedRegistry(3)))
	img := pushMulti(t, h)
	code, out, errOut := h.run(t, "prune", "multi", "--org", "octo-org", "--older-than", "30d", "--yes", "--json", "--no-cache")
	require.Equal(t, 0, code, errOut)
	var doc runDoc
	decodeStrict(t, out, &doc)
	assert.Empty(t, doc.Plan.Warnings)
	require.Len(t, doc.Report.Items, 1)
	assert.Equal(t, img.orphanID, doc.Report.Items[0].VersionID)
	assert.Equal(t, 3, doc.Summary.RegistryWaits)
	assert.Equal(t, 3, strings.Count(errOut, "ghpkg: registry rate limited (429), waiting 2s before retrying GET /v2/octo-org/multi/manifests/sha256:"), errOut)

	// Waits count against --max-wait: past it, the run stops cleanly
	// (exit 1, nothing deleted) for a next run to resume.
	h = newHarness(t, ghpackagestest.WithRawRegistry(limitedRegistry(3)))
	pushMulti(t, h)
	code, out, errOut = h.run(t, "prune", "multi", "--org", "octo-org", "--older-than", "30d", "--yes", "--json", "--no-cache", "--max-wait", "3s")
	assert.Equal(t, 1, code, errOut)
	decodeStrict(t, out, &doc)
	require.NotNil(t, doc.Stopped)
	assert.Equal(t, "max_wait", doc.Stopped.Reason)
	assert.Contains(t, errOut, "ghpkg: waiting would exceed --max-wait 3s: stopping")
	assert.Zero(t, h.srv.Stats().Deletes)

	// A limit that is never lifted cannot be waited out: after its
	// retries, the package's deletions are withheld (exit 1), as for any
	// registry that cannot be read.
	h = newHarness(t, ghpackagestest.WithRawRegistry(limitedRegistry(1000)))
	pushMulti(t, h)
	code, out, errOut = h.run(t, "prune", "multi", "--org", "octo-org", "--older-than", "30d", "--yes", "--json", "--no-cache")
	assert.Equal(t, 1, code, errOut)
	decodeStrict(t, out, &doc)
	assert.Equal(t, 3, doc.Summary.Withheld, "the three untagged versions, which the plan could not tell apart")
	assert.Equal(t, 4*8, doc.Summary.RegistryWaits, "8 waits for each of the four manifests the plan reads")
	assert.Contains(t, errOut, "withheld 3 deletions in 1 package: multi (3)")
	assert.Contains(t, errOut, "gave up after 9 attempts")
	assert.Zero(t, h.srv.Stats().Deletes)
}

// What prune reads again it reads conditionally: the listing's second
// reading and Apply's look at the newest versions before each delete are
// answered 304 while nothing changed, which costs no rate-limit quota.
func TestPruneReadsAgainConditionally(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	pushMulti(t, h)
	code, _, errOut := h.run(t, "prune", "multi", "--org", "octo-org", "--older-than", "30d", "--yes")
	require.Equal(t, 0, code, errOut)
	st := h.srv.Stats()
	assert.Equal(t, 1, st.Deletes)
	assert.GreaterOrEqual(t, st.NotModified, 1, "the listing's second reading")
}
