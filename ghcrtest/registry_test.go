package ghcrtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
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
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
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

// TestRegistryFollowsRESTState checks the registry's ghcr.io behaviour: a
// deleted version's manifest and tags vanish and come back on restore,
// manifest DELETE is refused, and "containers." hosts reach the registry.
func TestRegistryFollowsRESTState(t *testing.T) {
	t.Parallel()
	clock := ghpackagestest.NewFakeClock(fixedNow)
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(clock), ghcrtest.WithRegistry(), ghpackagestest.WithAPIPrefix("/api/v3"))
	t.Cleanup(srv.Close)
	hc := testClient(t)
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: "svc"})
	srv.AddVersion("octo-org", ghpackages.Container, "svc", ghpackagestest.VersionSpec{Tags: []string{"old"}, Image: &ghpackagestest.ImageSpec{Seed: "a"}})
	id := srv.AddVersion("octo-org", ghpackages.Container, "svc", ghpackagestest.VersionSpec{Tags: []string{"v1"}, Image: &ghpackagestest.ImageSpec{Seed: "b", Platform: "linux/arm64"}})
	vs := srv.Versions("octo-org", ghpackages.Container, "svc")
	require.Len(t, vs, 2)
	digest := vs[1].Name
	manifest := "http://" + srv.Host() + "/v2/octo-org/svc/manifests/"

	status, h, _ := registryGet(t, hc, "GET", manifest+"v1", bearer)
	require.Equal(t, 200, status)
	assert.Equal(t, digest, h.Get("Docker-Content-Digest"))
	status, _, _ = registryGet(t, hc, "GET", "http://"+srv.Host()+"/anything/v2/octo-org/svc/manifests/v1", bearer)
	assert.Equal(t, 404, status, "the API prefix is required for REST and /v2/ is the registry")
	status, _, _ = registryGet(t, hc, "GET", "http://"+srv.Host()+"/v2/octo-org/svc/manifests/v1", bearer, "containers.ghes.example")
	assert.Equal(t, 200, status, "the Host header alone routes to the registry")

	status, _, body := registryGet(t, hc, "DELETE", manifest+digest, bearer)
	assert.Equal(t, 405, status, "ghcr.io refuses manifest DELETE: %s", body)

	req, err := http.NewRequestWithContext(t.Context(), "DELETE", srv.BaseURL()+"orgs/octo-org/packages/container/svc/versions/"+strconv.FormatInt(id, 10), nil)
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
	req, err = http.NewRequestWithContext(t.Context(), "POST", srv.BaseURL()+"orgs/octo-org/packages/container/svc/versions/"+strconv.FormatInt(id, 10)+"/restore", nil)
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
	srv := ghpackagestest.NewServer(ghpackagestest.WithDemo(), ghcrtest.WithRegistry(),
		ghpackagestest.WithTokenSpec("ghp_repo_only", ghpackagestest.TokenSpec{Scopes: []ghpackages.Scope{ghpackages.ScopeRepo}}),
		ghpackagestest.WithTokenSpec("ghs_app", ghpackagestest.TokenSpec{Repository: "octo-org/app"}))
	t.Cleanup(srv.Close)
	hc := testClient(t)
	host := srv.Host()
	public := "http://" + srv.Host() + "/v2/octo-org/team/app/manifests/latest"
	private := "http://" + srv.Host() + "/v2/octo-org/base-image/manifests/latest"

	status, h, _ := registryGet(t, hc, "GET", "http://"+srv.Host()+"/v2/", "")
	assert.Equal(t, 401, status)
	assert.Equal(t, `Bearer realm="http://`+host+`/token",service="`+host+`"`, h.Get("WWW-Authenticate"))
	status, h, _ = registryGet(t, hc, "GET", private, "")
	assert.Equal(t, 401, status)
	assert.Contains(t, h.Get("WWW-Authenticate"), `scope="repository:octo-org/base-image:pull"`)

	token := func(user, pass string) (int, string) {
		req, err := http.NewRequestWithContext(t.Context(), "GET", "http://"+srv.Host()+"/token?scope=repository:octo-org/base-image:pull&service="+host, nil)
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
	status, _, _ = registryGet(t, hc, "GET", "http://"+srv.Host()+"/v2/octo-org/team/app/manifests/v1.0.0", "Bearer ghs_app")
	assert.Equal(t, 200, status)
}

// TestRegistryPushCreatesVersions checks that a push through the registry
// shows in the REST API as GitHub's does: a new private package, a version
// per manifest digest, tags that move, and write:packages required.
func TestRegistryPushCreatesVersions(t *testing.T) {
	t.Parallel()
	srv := ghpackagestest.NewServer(ghcrtest.WithRegistry(),
		ghpackagestest.WithTokenSpec("ghp_reader", ghpackagestest.TokenSpec{Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages}}))
	t.Cleanup(srv.Close)
	srv.AddOrg("octo-org")
	hc := testClient(t)
	host := srv.Host()
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

	status, _, body := registryGet(t, hc, "GET", "http://"+srv.Host()+"/v2/octo-org/pushed/tags/list", bearer)
	require.Equal(t, 200, status)
	assert.JSONEq(t, `{"name": "octo-org/pushed", "tags": ["v1"]}`, string(body))
	srv.AddVersion("octo-org", ghpackages.Container, "pushed", ghpackagestest.VersionSpec{Tags: []string{"gone"}, DeletedAt: new(srv.Now()), Image: &ghpackagestest.ImageSpec{}})
	status, _, body = registryGet(t, hc, "GET", "http://"+srv.Host()+"/v2/octo-org/pushed/tags/list", bearer)
	require.Equal(t, 200, status)
	assert.JSONEq(t, `{"name": "octo-org/pushed", "tags": ["v1"]}`, string(body), "a deleted version's tag is not listed")
}

// The tag list pages as ghcr.io's does: n caps a page, last starts after
// a tag, and Link names the next page until the last one.
func TestRegistryTagListPages(t *testing.T) {
	t.Parallel()
	srv := ghpackagestest.New(t, ghcrtest.WithRegistry())
	hc := testClient(t)
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: "svc"})
	var want []string
	for i := range 7 {
		tag := "t" + strconv.Itoa(i)
		want = append(want, tag)
		srv.AddVersion("octo-org", ghpackages.Container, "svc", ghpackagestest.VersionSpec{Tags: []string{tag}, Image: &ghpackagestest.ImageSpec{Seed: tag}})
	}
	gone := srv.AddVersion("octo-org", ghpackages.Container, "svc", ghpackagestest.VersionSpec{Tags: []string{"t3a"}, Image: &ghpackagestest.ImageSpec{Seed: "gone"}})
	_, err := srv.Client().Orgs.DeleteVersion(t.Context(), "octo-org", ghpackages.Container, "svc", gone)
	require.NoError(t, err)

	var got []string
	var links []string
	next := "http://" + srv.Host() + "/v2/octo-org/svc/tags/list?n=3"
	for next != "" {
		status, h, body := registryGet(t, hc, "GET", next, bearer)
		require.Equal(t, 200, status, next)
		var page struct{ Tags []string }
		require.NoError(t, json.Unmarshal(body, &page))
		assert.LessOrEqual(t, len(page.Tags), 3)
		got = append(got, page.Tags...)
		next = ""
		if l := h.Get("Link"); l != "" {
			links = append(links, l)
			target, _, _ := strings.Cut(l, ";")
			next = "http://" + srv.Host() + strings.Trim(target, "<>")
		}
	}
	assert.Equal(t, want, got, "every active tag once, in order; t3a went with its version")
	assert.Equal(t, []string{`</v2/octo-org/svc/tags/list?last=t2&n=3>; rel="next"`, `</v2/octo-org/svc/tags/list?last=t5&n=3>; rel="next"`}, links)

	status, h, body := registryGet(t, hc, "GET", "http://"+srv.Host()+"/v2/octo-org/svc/tags/list", bearer)
	require.Equal(t, 200, status)
	assert.Empty(t, h.Get("Link"), "without n, one page")
	assert.Contains(t, string(body), `"t6"`)
	status, _, _ = registryGet(t, hc, "GET", "http://"+srv.Host()+"/v2/octo-org/svc/tags/list?n=x", bearer)
	assert.Equal(t, 400, status)
}

// WithRegistryLatency slows every registry answer; WithRegistryLimit
// answers 429 TOOMANYREQUESTS with Retry-After past N manifest reads a
// minute of the server's clock, as ghcr.io does, and lets them through
// again once the minute has passed.
func TestRegistryLatencyAndLimit(t *testing.T) {
	t.Parallel()
	clock := ghpackagestest.NewFakeClock(fixedNow)
	srv := ghpackagestest.New(t, ghpackagestest.WithClock(clock), ghcrtest.WithRegistry(),
		ghpackagestest.WithRegistryLatency(30*time.Millisecond), ghpackagestest.WithRegistryLimit(3))
	hc := testClient(t)
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: "svc"})
	srv.AddVersion("octo-org", ghpackages.Container, "svc", ghpackagestest.VersionSpec{Tags: []string{"v1"}, Image: &ghpackagestest.ImageSpec{}})
	manifest := "http://" + srv.Host() + "/v2/octo-org/svc/manifests/v1"

	start := time.Now()
	status, _, _ := registryGet(t, hc, "GET", "http://"+srv.Host()+"/v2/octo-org/svc/tags/list", bearer)
	require.Equal(t, 200, status)
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond, "the latency is real time")
	for i := range 3 {
		status, _, _ = registryGet(t, hc, []string{"GET", "HEAD", "GET"}[i], manifest, bearer)
		require.Equal(t, 200, status, "manifest read %d is within the limit", i+1)
		clock.Advance(10 * time.Second)
	}
	status, h, body := registryGet(t, hc, "GET", manifest, bearer)
	require.Equal(t, 429, status)
	assert.Equal(t, "30", h.Get("Retry-After"), "the first read leaves the window 30 s from now")
	assert.Contains(t, string(body), `"code":"TOOMANYREQUESTS"`)
	status, _, _ = registryGet(t, hc, "GET", "http://"+srv.Host()+"/v2/octo-org/svc/tags/list", bearer)
	assert.Equal(t, 200, status, "only manifest reads count")
	clock.Advance(30 * time.Second)
	status, _, _ = registryGet(t, hc, "GET", manifest, bearer)
	assert.Equal(t, 200, status, "once the first read left the window")
	st := srv.Stats()
	assert.Equal(t, 1, st.RegistryLimited)
	assert.Equal(t, 5, st.RegistryManifests)
	assert.Equal(t, 7, st.RegistryRequests)

}

// WithListingLag: a push is in the registry at once, but the REST API
// shows its new version (in the listing and by ID) and the tag it moved
// only once the lag has passed on the server's Clock.
func TestRegistryListingLag(t *testing.T) {
	t.Parallel()
	clock := ghpackagestest.NewFakeClock(time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC))
	srv := ghpackagestest.NewServer(ghcrtest.WithRegistry(), ghpackagestest.WithClock(clock),
		ghpackagestest.WithListingLag(30*time.Second))
	t.Cleanup(srv.Close)
	srv.AddOrg("octo-org")
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: "lag"})
	oldID := srv.AddVersion("octo-org", ghpackages.Container, "lag", ghpackagestest.VersionSpec{Tags: []string{"latest"}, Image: &ghpackagestest.ImageSpec{}})
	hc := testClient(t)
	host := srv.Host()
	img, err := random.Image(64, 1)
	require.NoError(t, err)
	ref, err := name.ParseReference(host + "/octo-org/lag:latest")
	require.NoError(t, err)
	require.NoError(t, remote.Write(ref, img, remote.WithTransport(hc.Transport), remote.WithAuth(&authn.Basic{Username: "x", Password: ghpackagestest.DefaultToken})))
	d, err := img.Digest()
	require.NoError(t, err)

	status, hdr, _ := registryGet(t, hc, "HEAD", "http://"+srv.Host()+"/v2/octo-org/lag/manifests/latest", bearer)
	require.Equal(t, 200, status)
	assert.Equal(t, d.String(), hdr.Get("Docker-Content-Digest"), "the registry has the push at once")

	api := srv.Client(ghpackages.WithHTTPClient(hc)).Packages(ghpackages.OrgOwner("octo-org"))
	list := func() map[string][]string {
		t.Helper()
		vs, _, err := api.ListVersions(t.Context(), ghpackages.Container, "lag", nil)
		require.NoError(t, err)
		out := map[string][]string{}
		for _, v := range vs {
			out[v.Name] = v.Tags()
		}
		return out
	}
	vs := srv.Versions("octo-org", ghpackages.Container, "lag")
	require.Len(t, vs, 2)
	newID := vs[1].ID
	assert.Equal(t, map[string][]string{vs[0].Name: {"latest"}}, list(), "the listing does not show the push yet")
	_, _, err = api.GetVersion(t.Context(), ghpackages.Container, "lag", newID)
	require.ErrorIs(t, err, ghpackages.ErrNotFound, "nor does a read by ID")
	old, _, err := api.GetVersion(t.Context(), ghpackages.Container, "lag", oldID)
	require.NoError(t, err)
	assert.Equal(t, []string{"latest"}, old.Tags(), "the moved tag still shows on the old version")

	clock.Advance(30 * time.Second)
	assert.Equal(t, map[string][]string{vs[0].Name: nil, d.String(): {"latest"}}, list(), "after the lag the listing shows the push")
	got, _, err := api.GetVersion(t.Context(), ghpackages.Container, "lag", newID)
	require.NoError(t, err)
	assert.Equal(t, []string{"latest"}, got.Tags())
}

// A tag belongs to one version: a version restored after its tag was
// pushed onto another image comes back without it, and the tag stays
// where the push put it.
func TestRegistryRestoreDoesNotTakeBackAMovedTag(t *testing.T) {
	t.Parallel()
	srv := ghpackagestest.NewServer(ghcrtest.WithRegistry())
	t.Cleanup(srv.Close)
	srv.AddOrg("octo-org")
	hc := testClient(t)
	host := srv.Host()
	push := func(tag string, img v1.Image) string {
		ref, err := name.ParseReference(host + "/octo-org/moved:" + tag)
		require.NoError(t, err)
		require.NoError(t, remote.Write(ref, img, remote.WithTransport(hc.Transport), remote.WithAuth(&authn.Basic{Username: "x", Password: ghpackagestest.DefaultToken})))
		d, err := img.Digest()
		require.NoError(t, err)
		return d.String()
	}
	imgs := make([]v1.Image, 3)
	for i := range imgs {
		var err error
		imgs[i], err = random.Image(64, 1)
		require.NoError(t, err)
	}
	first := push("v1", imgs[0])
	push("keep", imgs[1])
	var firstID int64
	for _, v := range srv.Versions("octo-org", ghpackages.Container, "moved") {
		if v.Name == first {
			firstID = v.ID
		}
	}
	api := srv.Client(ghpackages.WithHTTPClient(hc)).Packages(ghpackages.OrgOwner("octo-org"))
	_, err := api.DeleteVersion(t.Context(), ghpackages.Container, "moved", firstID)
	require.NoError(t, err)
	second := push("v1", imgs[2])
	_, err = api.RestoreVersion(t.Context(), ghpackages.Container, "moved", firstID)
	require.NoError(t, err)

	status, hdr, _ := registryGet(t, hc, "HEAD", "http://"+host+"/v2/octo-org/moved/manifests/v1", bearer)
	require.Equal(t, 200, status)
	assert.Equal(t, second, hdr.Get("Docker-Content-Digest"), "v1 stays on the image pushed under it")
	for _, v := range srv.Versions("octo-org", ghpackages.Container, "moved") {
		switch v.Name {
		case first:
			assert.Empty(t, v.Tags, "the restored version comes back without v1")
		case second:
			assert.Equal(t, []string{"v1"}, v.Tags)
		}
	}
}
