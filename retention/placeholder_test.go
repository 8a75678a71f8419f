package retention_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"github.com/ghpackages/ghpackages-go/retention"
)

// demoFront starts the demo with the fake's ghcr.io front and returns it
// with a resolver for token.
func demoFront(t *testing.T, token string, extra ...ghpackagestest.Option) (*ghpackagestest.Server, *ghpackagestest.FakeClock, *retention.RegistryResolver) {
	t.Helper()
	clock := ghpackagestest.NewFakeClock(start)
	srv := ghpackagestest.New(t, append([]ghpackagestest.Option{ghpackagestest.WithClock(clock), ghpackagestest.WithDemo(), ghcrtest.WithRegistry()}, extra...)...)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	host := srv.Host()
	return srv, clock, retention.NewRegistryResolver(retention.RegistryConfig{Host: host, Token: token, Transport: tr})
}

// versionWith returns the active version carrying tag (or named name).
func versionWith(t *testing.T, srv *ghpackagestest.Server, pkg, tag string) (ghpackagestest.VersionRecord, bool) {
	t.Helper()
	for _, v := range srv.Versions(ghpackagestest.DemoOrg, ghpackages.Container, pkg) {
		if v.DeletedAt == nil && (slices.Contains(v.Tags, tag) || v.Name == tag) {
			return v, true
		}
	}
	return ghpackagestest.VersionRecord{}, false
}

// TestPlaceholderPushMovesTag checks the registry half of an untag on the
// fake's ghcr.io front: the placeholder pushed under a tag becomes a
// version carrying it (the tag leaves the image), deleting that version
// through the REST API removes the tag from the API and the registry,
// and Retag puts the tag back on the original image.
func TestPlaceholderPushMovesTag(t *testing.T) {
	t.Parallel()
	srv, _, resolver := demoFront(t, ghpackagestest.DefaultToken)
	var mover retention.TagMover = resolver // the registry resolver can push
	repo := "octo-org/team/app"
	orig, ok := versionWith(t, srv, ghpackagestest.DemoContainer, "stable")
	require.True(t, ok)
	require.ElementsMatch(t, []string{"v1.9.0", "latest", "stable"}, orig.Tags)

	require.NoError(t, mover.PushPlaceholder(t.Context(), repo, "stable"))
	require.NoError(t, mover.PushPlaceholder(t.Context(), repo, "latest"))
	ph, ok := versionWith(t, srv, ghpackagestest.DemoContainer, retention.PlaceholderDigest())
	require.True(t, ok, "the placeholder is a version")
	assert.ElementsMatch(t, []string{"stable", "latest"}, ph.Tags, "both tags share one placeholder version")
	now, _ := versionWith(t, srv, ghpackagestest.DemoContainer, orig.Name)
	assert.Equal(t, []string{"v1.9.0"}, now.Tags, "the tags left the image")

	tags, err := resolver.Tags(t.Context(), repo)
	require.NoError(t, err)
	assert.Equal(t, retention.PlaceholderDigest(), tags["stable"])
	assert.Equal(t, orig.Name, tags["v1.9.0"])
	m, err := resolver.Manifest(t.Context(), repo, retention.PlaceholderDigest())
	require.NoError(t, err)
	assert.True(t, m.Placeholder, "the placeholder is recognisable")
	m, err = resolver.Manifest(t.Context(), repo, orig.Name)
	require.NoError(t, err)
	assert.False(t, m.Placeholder)

	_, err = srv.Client().Orgs.DeleteVersion(t.Context(), ghpackagestest.DemoOrg, ghpackages.Container, ghpackagestest.DemoContainer, ph.ID)
	require.NoError(t, err)
	tags, err = resolver.Tags(t.Context(), repo)
	require.NoError(t, err)
	assert.NotContains(t, tags, "stable", "the registry's tag list drops the tag")
	assert.NotContains(t, tags, "latest")
	assert.Equal(t, orig.Name, tags["v1.9.0"])
	v, _, err := srv.Client().Orgs.GetVersion(t.Context(), ghpackagestest.DemoOrg, ghpackages.Container, ghpackagestest.DemoContainer, orig.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"v1.9.0"}, v.Tags(), "the REST API shows the tags gone")

	require.NoError(t, mover.Retag(t.Context(), repo, "stable", orig.Name))
	tags, err = resolver.Tags(t.Context(), repo)
	require.NoError(t, err)
	assert.Equal(t, orig.Name, tags["stable"], "Retag pushes the image again under the tag")
	v, _, err = srv.Client().Orgs.GetVersion(t.Context(), ghpackagestest.DemoOrg, ghpackages.Container, ghpackagestest.DemoContainer, orig.ID)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"v1.9.0", "stable"}, v.Tags())

	assert.Error(t, mover.PushPlaceholder(t.Context(), repo, "bad tag"))
	assert.Error(t, mover.Retag(t.Context(), repo, "x", "sha256:nope"))
}

// TestPlaceholderPushNeedsWrite: a classic token without write:packages
// reads the registry but cannot push; nothing moves.
func TestPlaceholderPushNeedsWrite(t *testing.T) {
	t.Parallel()
	const ro = "ghp_read_delete"
	srv, _, resolver := demoFront(t, ro, ghpackagestest.WithTokenSpec(ro, ghpackagestest.TokenSpec{Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages, ghpackages.ScopeDeletePackages}}))
	err := resolver.PushPlaceholder(t.Context(), "octo-org/team/app", "stable")
	var re *retention.RegistryError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusForbidden, re.StatusCode)
	v, ok := versionWith(t, srv, ghpackagestest.DemoContainer, "stable")
	require.True(t, ok)
	assert.ElementsMatch(t, []string{"v1.9.0", "latest", "stable"}, v.Tags)
}
