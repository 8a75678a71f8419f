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
		got, err := r.Manifest(t.Context(), repo, tc.digest)
		require.NoError(t, err, what)
		assert.Equal(t, tc.want, got.Children, what)
	}
	assert.Len(t, digestsOf(t, ociIdx), 3)
	m, err := r.Manifest(t.Context(), repo, dockerDigest)
	require.NoError(t, err)
	assert.Equal(t, string(types.DockerManifestList), m.MediaType)

	_, err = r.Manifest(t.Context(), repo, "sha256:"+strings.Repeat("0", 64))
	assert.ErrorIs(t, err, ErrManifestUnknown, "a missing manifest is told apart from a failure")
	var re *RegistryError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 404, re.StatusCode)
	_, err = r.Manifest(t.Context(), repo, "not-a-digest")
	assert.Error(t, err)
	assert.NotErrorIs(t, err, ErrManifestUnknown)

	tags, err := r.Tags(t.Context(), repo)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"oci": ociDigest, "docker": dockerDigest, "nested": nestedDigest, "img": imgDigest}, tags)
	tags, err = r.Tags(t.Context(), "octo-org/nothing")
	require.NoError(t, err)
	assert.Empty(t, tags, "an unknown repository has no tags")
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

	r := NewRegistryResolver(RegistryConfig{Host: host})
	got, err := r.Referrers(t.Context(), repo, sd.String())
	require.NoError(t, err)
	assert.Equal(t, []string{ad.String()}, got)
	m, err := r.Manifest(t.Context(), repo, ad.String())
	require.NoError(t, err)
	assert.Equal(t, sd.String(), m.Subject)

	// A registry without the referrers API: nil, and no error (the
	// planner uses the tag schema instead).
	old := testRegistry(t)
	r = NewRegistryResolver(RegistryConfig{Host: old})
	got, err = r.Referrers(t.Context(), repo, sd.String())
	require.NoError(t, err)
	assert.Nil(t, got)
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
	_, err := r.Manifest(t.Context(), "o/p", "sha256:"+strings.Repeat("a", 64))
	require.Error(t, err)
	assert.False(t, slices.Contains(schemes, "http"), "schemes tried: %v", schemes)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A RegistryResolver is an exported type, so a caller can declare one
// without NewRegistryResolver: its zero value answers with an error, not a
// nil dereference.
func TestRegistryResolverZeroValue(t *testing.T) {
	t.Parallel()
	var r RegistryResolver
	digest := "sha256:" + strings.Repeat("a", 64)
	_, err := r.Tags(t.Context(), "o/p")
	require.ErrorIs(t, err, errNoRegistry)
	_, err = r.Manifest(t.Context(), "o/p", digest)
	require.ErrorIs(t, err, errNoRegistry)
	_, err = r.Referrers(t.Context(), "o/p", digest)
	require.ErrorIs(t, err, errNoRegistry)
}
