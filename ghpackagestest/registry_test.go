package ghpackagestest_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"github.com/ghpackages/ghpackages-go/retention"
)

// registryGet fetches a manifest from the fake's registry over HTTP,
// authenticating with auth (an Authorization header value, "" for none)
// and, if host is set, sending that Host header.
func registryGet(t *testing.T, hc *http.Client, method, url, auth string, host ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for _, h := range host {
		req.Host = h
	}
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, body
}

// bearer authenticates registry requests with the default API token.
const bearer = "Bearer " + ghpackagestest.DefaultToken

func testClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// TestDemoPruneThroughRegistry plans what `ghpkg prune --org octo-org
// --untagged-only --older-than 1d` plans against the demo: the orphaned
// untagged builds, but not the platform images of the kept v1.9.0 index,
// with no registry failure.
func TestDemoPruneThroughRegistry(t *testing.T) {
	t.Parallel()
	clock := ghpackagestest.NewFakeClock(fixedNow)
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(clock), ghpackagestest.WithDemo(), ghpackagestest.WithOCIRegistry())
	t.Cleanup(srv.Close)
	hc := testClient(t)
	host := strings.TrimPrefix(srv.URL(), "http://")

	// The index behind "latest", straight from the registry.
	status, h, body := registryGet(t, hc, "GET", srv.URL()+"/v2/octo-org/team/app/manifests/latest", bearer)
	require.Equal(t, 200, status, string(body))
	var index struct {
		MediaType string `json:"mediaType"`
		Manifests []struct {
			Digest   string `json:"digest"`
			Platform struct {
				Architecture string `json:"architecture"`
			} `json:"platform"`
		} `json:"manifests"`
	}
	require.NoError(t, json.Unmarshal(body, &index))
	assert.Equal(t, "application/vnd.oci.image.index.v1+json", index.MediaType)
	require.Len(t, index.Manifests, 2)
	children := []string{index.Manifests[0].Digest, index.Manifests[1].Digest}
	assert.Equal(t, "amd64", index.Manifests[0].Platform.Architecture)
	assert.Equal(t, "arm64", index.Manifests[1].Platform.Architecture)

	// REST names are the registry's digests; expect every active untagged
	// version older than a day but the index's children.
	var want, childIDs []int64
	versions := srv.Versions(ghpackagestest.DemoOrg, ghpackages.Container, ghpackagestest.DemoContainer)
	for _, v := range versions {
		if slices.Contains(v.Tags, "latest") {
			assert.Equal(t, h.Get("Docker-Content-Digest"), v.Name, "the latest version is the index the registry serves")
		}
		if slices.Contains(children, v.Name) {
			assert.Empty(t, v.Tags, "platform images are untagged versions")
			childIDs = append(childIDs, v.ID)
			continue
		}
		if len(v.Tags) == 0 && v.DeletedAt == nil && v.CreatedAt.Before(clock.Now().Add(-24*time.Hour)) {
			want = append(want, v.ID)
			status, _, _ := registryGet(t, hc, "HEAD", srv.URL()+"/v2/octo-org/team/app/manifests/"+v.Name, bearer)
			assert.Equal(t, 200, status, "orphan %s is a real manifest", v.Name)
		}
	}
	require.Len(t, childIDs, 2)
	require.Len(t, want, 16)

	resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: host, Token: ghpackagestest.DefaultToken, Transport: hc.Transport})
	policy := retention.Policy{Type: ghpackages.Container, OlderThan: 24 * time.Hour, Packages: []retention.Pattern{retention.MustPattern(ghpackagestest.DemoContainer)}}
	plan, err := retention.NewPlan(t.Context(), srv.Client(), ghpackages.OrgOwner(ghpackagestest.DemoOrg), policy,
		retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	require.Len(t, plan.Packages, 1)
	var planned []int64
	for _, v := range plan.Packages[0].Versions {
		assert.NotContains(t, v.Reason, "see the plan's warnings", "no registry failure")
		if v.Action == retention.ActionDelete {
			planned = append(planned, v.ID)
		}
		if slices.Contains(childIDs, v.ID) {
			assert.Equal(t, retention.ActionKeep, v.Action)
			assert.Contains(t, v.Reason, "needed by kept sha256:")
		}
	}
	slices.Sort(planned)
	slices.Sort(want)
	assert.Equal(t, want, planned)
}

// TestRegistryFollowsRESTState checks the registry's ghcr.io behaviour: a
// deleted version's manifest and tags vanish and come back on restore,
// manifest DELETE is refused, and "containers." hosts reach the registry.
func TestRegistryFollowsRESTState(t *testing.T) {
	t.Parallel()
	clock := ghpackagestest.NewFakeClock(fixedNow)
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(clock), ghpackagestest.WithOCIRegistry(), ghpackagestest.WithAPIPrefix("/api/v3"))
	t.Cleanup(srv.Close)
	hc := testClient(t)
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: "svc"})
	srv.AddVersion("octo-org", ghpackages.Container, "svc", ghpackagestest.VersionSpec{Tags: []string{"old"}, Image: &ghpackagestest.ImageSpec{Seed: "a"}})
	id := srv.AddVersion("octo-org", ghpackages.Container, "svc", ghpackagestest.VersionSpec{Tags: []string{"v1"}, Image: &ghpackagestest.ImageSpec{Seed: "b", Platform: "linux/arm64"}})
	vs := srv.Versions("octo-org", ghpackages.Container, "svc")
	require.Len(t, vs, 2)
	digest := vs[1].Name
	manifest := srv.URL() + "/v2/octo-org/svc/manifests/"

	status, h, _ := registryGet(t, hc, "GET", manifest+"v1", bearer)
	require.Equal(t, 200, status)
	assert.Equal(t, digest, h.Get("Docker-Content-Digest"))
	status, _, _ = registryGet(t, hc, "GET", srv.URL()+"/anything/v2/octo-org/svc/manifests/v1", bearer)
	assert.Equal(t, 404, status, "the API prefix is required for REST and /v2/ is the registry")
	status, _, _ = registryGet(t, hc, "GET", srv.URL()+"/v2/octo-org/svc/manifests/v1", bearer, "containers.ghes.example")
	assert.Equal(t, 200, status, "the Host header alone routes to the registry")

	status, _, body := registryGet(t, hc, "DELETE", manifest+digest, bearer)
	assert.Equal(t, 405, status, "ghcr.io refuses manifest DELETE: %s", body)

	req, err := http.NewRequestWithContext(t.Context(), "DELETE", srv.BaseURL()+"orgs/octo-org/packages/container/svc/versions/"+itoa(id), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+ghpackagestest.DefaultToken)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 204, resp.StatusCode)
	for _, ref := range []string{"v1", digest} {
		status, _, body := registryGet(t, hc, "GET", manifest+ref, bearer)
		assert.Equal(t, 404, status, ref)
		assert.Contains(t, string(body), "MANIFEST_UNKNOWN")
	}

	clock.Advance(29 * 24 * time.Hour)
	req, err = http.NewRequestWithContext(t.Context(), "POST", srv.BaseURL()+"orgs/octo-org/packages/container/svc/versions/"+itoa(id)+"/restore", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+ghpackagestest.DefaultToken)
	resp, err = hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 204, resp.StatusCode, "restorable within 30 days of the fake's clock")
	status, _, _ = registryGet(t, hc, "GET", manifest+"v1", bearer)
	assert.Equal(t, 200, status, "restored with its tag")
}

// TestRegistryAuth checks ghcr.io's handshake: a Bearer challenge naming
// the token endpoint, anonymous tokens that read public images only, and
// private images readable with what the REST API needs.
func TestRegistryAuth(t *testing.T) {
	t.Parallel()
	srv := ghpackagestest.NewServer(ghpackagestest.WithDemo(), ghpackagestest.WithOCIRegistry(),
		ghpackagestest.WithToken("ghp_repo_only", ghpackagestest.Token{Scopes: []ghpackages.Scope{ghpackages.ScopeRepo}}),
		ghpackagestest.WithToken("ghs_app", ghpackagestest.Token{Repository: "octo-org/app"}))
	t.Cleanup(srv.Close)
	hc := testClient(t)
	host := strings.TrimPrefix(srv.URL(), "http://")
	public := srv.URL() + "/v2/octo-org/team/app/manifests/latest"
	private := srv.URL() + "/v2/octo-org/base-image/manifests/latest"

	status, h, _ := registryGet(t, hc, "GET", srv.URL()+"/v2/", "")
	assert.Equal(t, 401, status)
	assert.Equal(t, `Bearer realm="http://`+host+`/token",service="`+host+`"`, h.Get("WWW-Authenticate"))
	status, h, _ = registryGet(t, hc, "GET", private, "")
	assert.Equal(t, 401, status)
	assert.Contains(t, h.Get("WWW-Authenticate"), `scope="repository:octo-org/base-image:pull"`)

	token := func(user, pass string) (int, string) {
		req, err := http.NewRequestWithContext(t.Context(), "GET", srv.URL()+"/token?scope=repository:octo-org/base-image:pull&service="+host, nil)
		require.NoError(t, err)
		if pass != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body struct {
			Token string `json:"token"`
		}
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body.Token
	}
	status, anon := token("", "")
	require.Equal(t, 200, status)
	status, _, _ = registryGet(t, hc, "GET", public, "Bearer "+anon)
	assert.Equal(t, 200, status, "anonymous tokens read public images")
	status, _, _ = registryGet(t, hc, "GET", private, "Bearer "+anon)
	assert.Equal(t, 401, status, "but not private ones")
	status, _ = token("x", "ghp_wrong")
	assert.Equal(t, 401, status)
	status, mine := token("anyone", ghpackagestest.DefaultToken)
	require.Equal(t, 200, status)
	status, _, _ = registryGet(t, hc, "GET", private, "Bearer "+mine)
	assert.Equal(t, 200, status)
	status, _, _ = registryGet(t, hc, "GET", private, "Bearer ghp_repo_only")
	assert.Equal(t, 403, status, "reading a private image needs read:packages")
	status, _, _ = registryGet(t, hc, "GET", private, "Bearer ghs_app")
	assert.Equal(t, 403, status, "a workflow token reads only what its repository reaches")
	status, _, _ = registryGet(t, hc, "GET", srv.URL()+"/v2/octo-org/team/app/manifests/v1.0.0", "Bearer ghs_app")
	assert.Equal(t, 200, status)
}

// TestRegistryPushCreatesVersions checks that a push through the registry
// shows in the REST API as GitHub's does: a new private package, a version
// per manifest digest, tags that move, and write:packages required.
func TestRegistryPushCreatesVersions(t *testing.T) {
	t.Parallel()
	srv := ghpackagestest.NewServer(ghpackagestest.WithOCIRegistry(),
		ghpackagestest.WithToken("ghp_reader", ghpackagestest.Token{Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages}}))
	t.Cleanup(srv.Close)
	srv.AddOrg("octo-org")
	hc := testClient(t)
	host := strings.TrimPrefix(srv.URL(), "http://")
	push := func(token, tag string, img v1.Image) error {
		ref, err := name.ParseReference(host + "/octo-org/pushed:" + tag)
		require.NoError(t, err)
		return remote.Write(ref, img, remote.WithTransport(hc.Transport), remote.WithAuth(&authn.Basic{Username: "x", Password: token}))
	}
	first, err := random.Image(64, 1)
	require.NoError(t, err)
	second, err := random.Image(64, 1)
	require.NoError(t, err)

	require.Error(t, push("ghp_reader", "v1", first), "pushing needs write:packages")
	require.NoError(t, push(ghpackagestest.DefaultToken, "v1", first))
	require.NoError(t, push(ghpackagestest.DefaultToken, "v1", second))

	p, ok := srv.Package("octo-org", ghpackages.Container, "pushed")
	require.True(t, ok, "the push created the package")
	assert.Equal(t, ghpackages.VisibilityPrivate, p.Visibility)
	vs := srv.Versions("octo-org", ghpackages.Container, "pushed")
	require.Len(t, vs, 2)
	d1, _ := first.Digest()
	d2, _ := second.Digest()
	assert.Equal(t, d1.String(), vs[0].Name)
	assert.Empty(t, vs[0].Tags, "the tag moved to the second image")
	assert.Equal(t, d2.String(), vs[1].Name)
	assert.Equal(t, []string{"v1"}, vs[1].Tags)

	status, _, body := registryGet(t, hc, "GET", srv.URL()+"/v2/octo-org/pushed/tags/list", bearer)
	require.Equal(t, 200, status)
	assert.JSONEq(t, `{"name": "octo-org/pushed", "tags": ["v1"]}`, string(body))
	srv.AddVersion("octo-org", ghpackages.Container, "pushed", ghpackagestest.VersionSpec{Tags: []string{"gone"}, DeletedAt: srv.Now(), Image: &ghpackagestest.ImageSpec{}})
	status, _, body = registryGet(t, hc, "GET", srv.URL()+"/v2/octo-org/pushed/tags/list", bearer)
	require.Equal(t, 200, status)
	assert.JSONEq(t, `{"name": "octo-org/pushed", "tags": ["v1"]}`, string(body), "a deleted version's tag is not listed")
}

// TestGHESShapeOverTLS runs the demo prune plan in GitHub Enterprise
// Server's shape: the API at https://ghes.example/api/v3/ and the registry
// at containers.ghes.example, both names dialed to the fake.
func TestGHESShapeOverTLS(t *testing.T) {
	t.Parallel()
	clock := ghpackagestest.NewFakeClock(fixedNow)
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(clock), ghpackagestest.WithDemo(), ghpackagestest.WithOCIRegistry(),
		ghpackagestest.WithAPIPrefix("/api/v3"), ghpackagestest.WithTLS("ghes.example"))
	t.Cleanup(srv.Close)
	require.True(t, strings.HasPrefix(srv.URL(), "https://"))
	addr := strings.TrimPrefix(srv.URL(), "https://")
	dialer := &net.Dialer{}
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: srv.CertPool()},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr) // every name is the fake
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}

	client, err := ghpackages.NewClient(ghpackages.WithBaseURL("https://ghes.example/api/v3/"), ghpackages.WithHTTPClient(hc),
		ghpackages.WithToken(ghpackagestest.DefaultToken), ghpackages.WithPacing(ghpackages.NoPacing()), ghpackages.WithClock(clock))
	require.NoError(t, err)
	p, _, err := client.Orgs.Get(t.Context(), ghpackagestest.DemoOrg, ghpackages.Container, ghpackagestest.DemoContainer)
	require.NoError(t, err)
	assert.Equal(t, "https://ghes.example/api/v3/orgs/octo-org/packages/container/team%2Fapp", p.URL)
	assert.Equal(t, "https://ghes.example/orgs/octo-org/packages/container/package/team%2Fapp", p.HTMLURL)

	resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: "containers.ghes.example", Token: ghpackagestest.DefaultToken, Transport: tr})
	policy := retention.Policy{Type: ghpackages.Container, OlderThan: 24 * time.Hour, Packages: []retention.Pattern{retention.MustPattern(ghpackagestest.DemoContainer)}}
	plan, err := retention.NewPlan(t.Context(), client, ghpackages.OrgOwner(ghpackagestest.DemoOrg), policy,
		retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	kept := 0
	for _, v := range plan.Packages[0].Versions {
		assert.NotContains(t, v.Reason, "see the plan's warnings")
		if strings.Contains(v.Reason, "needed by kept sha256:") {
			kept++
		}
	}
	assert.Equal(t, 2, kept)
	assert.Equal(t, 16, plan.Deletes())
}
