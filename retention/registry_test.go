package retention

import (
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testRegistry serves go-containerregistry's in-memory registry on a
// loopback address and returns its host.
func testRegistry(t *testing.T, opts ...registry.Option) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(append(opts, registry.Logger(log.New(io.Discard, "", 0)))...))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func digestsOf(t *testing.T, idx v1.ImageIndex) []string {
	t.Helper()
	m, err := idx.IndexManifest()
	require.NoError(t, err)
	var out []string
	for _, c := range m.Manifests {
		out = append(out, c.Digest.String())
	}
	return out
}

func TestRegistryResolverChildren(t *testing.T) {
	t.Parallel()
	host := testRegistry(t)
	repo := "octo-org/team/app" // a package name with a slash

	ociIdx, err := random.Index(64, 1, 3)
	require.NoError(t, err)
	dockerIdx, err := random.Index(64, 1, 2)
	require.NoError(t, err)
	dockerIdx = mutate.IndexMediaType(dockerIdx, types.DockerManifestList)
	inner, err := random.Index(64, 1, 1)
	require.NoError(t, err)
	nested := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: inner})
	img, err := random.Image(64, 1)
	require.NoError(t, err)

	push := func(tag string, w remote.Taggable) string {
		ref, err := name.ParseReference(host + "/" + repo + ":" + tag)
		require.NoError(t, err)
		switch x := w.(type) {
		case v1.ImageIndex:
			require.NoError(t, remote.WriteIndex(ref, x))
		case v1.Image:
			require.NoError(t, remote.Write(ref, x))
		}
		d, err := w.(interface{ Digest() (v1.Hash, error) }).Digest()
		require.NoError(t, err)
		return d.String()
	}
	ociDigest := push("oci", ociIdx)
	dockerDigest := push("docker", dockerIdx)
	nestedDigest := push("nested", nested)
	imgDigest := push("img", img)
	innerDigest, err := inner.Digest()
	require.NoError(t, err)

	r := NewRegistryResolver(RegistryConfig{Host: host, Token: "t"})
	for what, tc := range map[string]struct {
		digest string
		want   []string
	}{
		"OCI index":            {ociDigest, digestsOf(t, ociIdx)},
		"Docker manifest list": {dockerDigest, digestsOf(t, dockerIdx)},
		"index of an index":    {nestedDigest, []string{innerDigest.String()}},
		"image":                {imgDigest, nil},
	} {
		got, err := r.Children(t.Context(), repo, tc.digest)
		require.NoError(t, err, what)
		assert.Equal(t, tc.want, got, what)
	}
	assert.Len(t, digestsOf(t, ociIdx), 3)

	_, err = r.Children(t.Context(), repo, "sha256:"+strings.Repeat("0", 64))
	assert.ErrorContains(t, err, "MANIFEST_UNKNOWN", "a missing manifest is an error, so the planner fails safe")
	_, err = r.Children(t.Context(), repo, "not-a-digest")
	assert.Error(t, err)
}

func TestRegistryResolverReferrers(t *testing.T) {
	t.Parallel()
	host := testRegistry(t, registry.WithReferrersSupport(true))
	repo := "octo-org/app"
	subject, err := random.Image(64, 1)
	require.NoError(t, err)
	ref, err := name.ParseReference(host + "/" + repo + ":v1")
	require.NoError(t, err)
	require.NoError(t, remote.Write(ref, subject))
	sd, err := subject.Digest()
	require.NoError(t, err)
	sdesc, err := remote.Head(ref)
	require.NoError(t, err)

	// An untagged attestation that names the image as its subject.
	att, err := random.Image(64, 1)
	require.NoError(t, err)
	att = mutate.Subject(mutate.MediaType(att, types.OCIManifestSchema1), *sdesc).(v1.Image)
	ad, err := att.Digest()
	require.NoError(t, err)
	aref, err := name.NewDigest(host + "/" + repo + "@" + ad.String())
	require.NoError(t, err)
	require.NoError(t, remote.Write(aref, att))

	plain := NewRegistryResolver(RegistryConfig{Host: host})
	got, err := plain.Children(t.Context(), repo, sd.String())
	require.NoError(t, err)
	assert.Empty(t, got, "without Referrers, only index children")

	withRefs := NewRegistryResolver(RegistryConfig{Host: host, Referrers: true})
	got, err = withRefs.Children(t.Context(), repo, sd.String())
	require.NoError(t, err)
	assert.Equal(t, []string{ad.String()}, got)
}

func TestRegistryResolverRefusesPlainHTTPOffLoopback(t *testing.T) {
	t.Parallel()
	var sent []string
	base := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		sent = append(sent, req.URL.String())
		return nil, errors.New("no network in tests")
	})
	guard := httpsOnly{base}
	for _, u := range []string{"http://10.0.0.8/v2/", "http://registry.example/v2/", "http://192.168.1.1:5000/v2/"} {
		req, err := http.NewRequest(http.MethodGet, u, nil)
		require.NoError(t, err)
		_, err = guard.RoundTrip(req)
		assert.ErrorIs(t, err, errPlainHTTP, u)
	}
	for _, u := range []string{"http://127.0.0.1:5000/v2/", "http://localhost:5000/v2/", "http://[::1]:5000/v2/", "https://10.0.0.8/v2/", "https://ghcr.io/v2/"} {
		req, err := http.NewRequest(http.MethodGet, u, nil)
		require.NoError(t, err)
		_, err = guard.RoundTrip(req)
		assert.NotErrorIs(t, err, errPlainHTTP, u)
	}
	assert.Len(t, sent, 5, "only loopback HTTP and HTTPS reach the transport")

	// Through the resolver: go-containerregistry would try plain HTTP
	// for a private address; the token never goes out that way.
	var schemes []string
	rec := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		schemes = append(schemes, req.URL.Scheme)
		return nil, errors.New("unreachable")
	})
	r := NewRegistryResolver(RegistryConfig{Host: "10.0.0.8:5000", Token: "secret", Transport: rec})
	_, err := r.Children(t.Context(), "o/p", "sha256:"+strings.Repeat("a", 64))
	require.Error(t, err)
	assert.False(t, slices.Contains(schemes, "http"), "schemes tried: %v", schemes)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
