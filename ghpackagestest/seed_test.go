package ghpackagestest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

func exampleSeed(t *testing.T) *ghpackagestest.SeedFile {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	f, err := ghpackagestest.ReadSeedFile(filepath.Join(filepath.Dir(file), "..", "testdata", "seed", "example.json"))
	require.NoError(t, err)
	return f
}

func TestSeedFileExample(t *testing.T) {
	t.Parallel()
	clock := ghpackagestest.NewFakeClock(fixedNow)
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(clock), ghpackagestest.WithSeed(exampleSeed(t)))
	t.Cleanup(srv.Close)
	day := 24 * time.Hour

	api, ok := srv.Package("octo-org", ghpackages.Container, "team/api")
	require.True(t, ok)
	assert.Equal(t, ghpackages.VisibilityPublic, api.Visibility)
	assert.Equal(t, "api", api.Repository)
	assert.Equal(t, fixedNow.Add(-120*day), api.CreatedAt, "relative to the fake's clock")
	vs := srv.Versions("octo-org", ghpackages.Container, "team/api")
	require.Len(t, vs, 8, "2 orphans, v1, 3 platform images, the index, a deleted build")
	idx := vs[6]
	assert.Equal(t, []string{"v2.0.0", "latest"}, idx.Tags)
	for _, child := range vs[3:6] {
		assert.Empty(t, child.Tags)
		assert.Equal(t, idx.CreatedAt, child.CreatedAt, "platform images are pushed with their index")
		assert.True(t, strings.HasPrefix(child.Name, "sha256:"))
	}
	require.NotNil(t, vs[7].DeletedAt)
	assert.Equal(t, fixedNow.Add(-2*day), *vs[7].DeletedAt)
	assert.Equal(t, 120, vs[2].Downloads)

	big := srv.Versions("octo-org", ghpackages.NPM, "big-lib")
	require.Len(t, big, 250)
	assert.Equal(t, "1.0.249", big[249].Name)
	assert.Equal(t, fixedNow.Add(-300*day+249*time.Hour), big[249].CreatedAt, "every 1h")

	gem, ok := srv.Package("mona", ghpackages.RubyGems, "old-gem")
	require.True(t, ok)
	require.NotNil(t, gem.DeletedAt)
	nuget, _ := srv.Package("mona", ghpackages.NuGet, "Mona.Tools")
	assert.Equal(t, ghpackages.VisibilityInternal, nuget.Visibility)
	assert.Equal(t, time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC), srv.Versions("mona", ghpackages.NuGet, "Mona.Tools")[0].CreatedAt)

	// mona is a user: GET /users/mona says so.
	resp, err := testClient(t).Get(srv.BaseURL() + "users/mona")
	require.NoError(t, err)
	var u struct {
		Type string `json:"type"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&u))
	resp.Body.Close()
	assert.Equal(t, "User", u.Type)
}

func TestSeedFileErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, json, want string }{
		{"syntax", "{\n  \"owners\": [\n    {\"login\": \"a\",}\n  ]\n}", "f.json:3:19: invalid JSON"},
		{"unknown field", "{\"packages\": [\n  {\"owner\": \"o\", \"typ\": \"npm\"}]}", "f.json:2:18: packages[0].typ: unknown field"},
		{"wrong type", "{\"packages\": [{\"owner\": \"o\", \"type\": \"npm\", \"name\": \"n\",\n \"versions\": [{\"name\": \"1\", \"downloads\": \"many\"}]}]}", "f.json:2:42: packages[0].versions[0].downloads: want a JSON number, not string"},
		{"bad type", "{\"packages\": [{\"owner\": \"o\", \"type\": \"pypi\", \"name\": \"n\"}]}", `f.json:1:38: packages[0].type: "pypi" is not one of`},
		{"missing name", "{\"packages\": [\n {\"owner\": \"o\", \"type\": \"npm\"}]}", "f.json:2:2: packages[0].name: required"},
		{"bad time", "{\"owners\": [], \"packages\": [{\"owner\": \"o\", \"type\": \"npm\", \"name\": \"n\", \"created_at\": \"yesterday\"}]}", `packages[0].created_at: "yesterday" is neither RFC 3339`},
		{"image on npm", "{\"packages\": [{\"owner\": \"o\", \"type\": \"npm\", \"name\": \"n\", \"versions\": [{\"image\": {}}]}]}", "packages[0].versions[0].image: only container and docker packages have images"},
		{"bad platform", "{\"packages\": [{\"owner\": \"o\", \"type\": \"container\", \"name\": \"n\", \"versions\": [{\"image\": {\"platforms\": [\"linux/amd64\", \"amiga\"]}}]}]}", `packages[0].versions[0].image.platforms[1]: "amiga" is not a platform`},
		{"count without {i}", "{\"packages\": [{\"owner\": \"o\", \"type\": \"npm\", \"name\": \"n\", \"versions\": [{\"name\": \"1\", \"count\": 3}]}]}", "packages[0].versions[0].count: a count above 1 needs {i}"},
		{"owner type", "{\"owners\": [{\"login\": \"x\", \"type\": \"Bot\"}]}", `owners[0].type: "Bot" is not Organization or User`},
		{"trailing data", "{} {}", "f.json:1:4: invalid JSON: data after"},
	} {
		_, err := ghpackagestest.ParseSeed("f.json", []byte(tc.json))
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
	}
}

func TestSeedFileConflictFailsAtStart(t *testing.T) {
	t.Parallel()
	f, err := ghpackagestest.ParseSeed("dup.json", []byte(`{"packages": [
  {"owner": "o", "type": "npm", "name": "n"},
  {"owner": "o", "type": "npm", "name": "n"}]}`))
	require.NoError(t, err)
	assert.PanicsWithValue(t, "ghpackagestest: seed: dup.json:3:3: packages[1]: npm package o/n is listed twice", func() {
		ghpackagestest.NewServer(ghpackagestest.WithSeed(f))
	})
}

func TestActionsToken(t *testing.T) {
	t.Parallel()
	tok := ghpackagestest.TokenSpec{Repository: "octo-org/app"}
	admin := ghpackagestest.TokenSpec{Repository: "octo-org/app", Admin: true}
	srv := ghpackagestest.NewServer(ghpackagestest.WithDemo(), ghpackagestest.WithTokenSpec("ghs_plain", tok), ghpackagestest.WithTokenSpec("ghs_admin", admin))
	t.Cleanup(srv.Close)
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: "other"})
	srv.AddVersion("octo-org", ghpackages.Container, "other", ghpackagestest.VersionSpec{Name: "x"})
	app := srv.Versions("octo-org", ghpackages.Container, ghpackagestest.DemoContainer)
	untagged := app[1] // an active untagged build (team/app is linked to octo-org/app)
	require.Empty(t, untagged.Tags)
	require.Nil(t, untagged.DeletedAt)
	hc := testClient(t)
	call := func(method, path, token string) (int, http.Header, string) {
		req, err := http.NewRequestWithContext(t.Context(), method, "http://"+srv.Host()+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var e errorBody
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, resp.Header, e.Message
	}
	version := "/orgs/octo-org/packages/container/team%2Fapp/versions/" + itoa(untagged.ID)
	for _, tc := range []struct {
		method, path, token string
		status              int
		message             string
	}{
		{"GET", "/orgs/octo-org/packages?package_type=container", "ghs_admin", 403, "Resource not accessible by integration"},
		{"GET", "/orgs/octo-org/docker/conflicts", "ghs_admin", 403, "Resource not accessible by integration"},
		{"GET", "/orgs/octo-org/packages/container/team%2Fapp/versions", "ghs_plain", 200, ""},
		{"GET", "/orgs/octo-org/packages/container/other", "ghs_plain", 404, "Package not found."},
		{"DELETE", version, "ghs_plain", 404, "Package not found."},
		{"DELETE", "/orgs/octo-org/packages/container/other/versions/1", "ghs_admin", 404, "Package not found."},
		{"DELETE", version, "ghs_admin", 204, ""},
	} {
		status, h, msg := call(tc.method, tc.path, tc.token)
		assert.Equal(t, tc.status, status, "%s %s %s", tc.method, tc.path, tc.token)
		assert.Equal(t, tc.message, msg, "%s %s", tc.method, tc.path)
		assert.Empty(t, h.Values("X-OAuth-Scopes"), "workflow tokens have no scope headers")
		assert.Empty(t, h.Values("X-Accepted-OAuth-Scopes"))
	}
}

// TestFakeLinksAndGHESShape checks that url and html_url stay on the fake,
// in the shapes of GitHub's examples, under a GHES-style API prefix.
func TestFakeLinksAndGHESShape(t *testing.T) {
	t.Parallel()
	srv := ghpackagestest.NewServer(ghpackagestest.WithDemo(), ghpackagestest.WithAPIPrefix("api/v3/"))
	t.Cleanup(srv.Close)
	require.Equal(t, "http://"+srv.Host()+"/api/v3/", srv.BaseURL())
	hc := testClient(t)
	getJSON := func(path string, v any) int {
		req, err := http.NewRequestWithContext(t.Context(), "GET", srv.BaseURL()+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+ghpackagestest.DefaultToken)
		resp, err := hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		if resp.StatusCode == 200 {
			require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
		}
		return resp.StatusCode
	}
	type version struct {
		ID             int64  `json:"id"`
		Name           string `json:"name"`
		URL            string `json:"url"`
		HTMLURL        string `json:"html_url"`
		PackageHTMLURL string `json:"package_html_url"`
	}
	var cs []version
	require.Equal(t, 200, getJSON("orgs/octo-org/packages/container/team%2Fapp/versions?per_page=1", &cs))
	web := "http://" + srv.Host()
	assert.Equal(t, srv.BaseURL()+"orgs/octo-org/packages/container/team%2Fapp/versions/"+itoa(cs[0].ID), cs[0].URL)
	assert.Equal(t, web+"/orgs/octo-org/packages/container/team%2Fapp/"+itoa(cs[0].ID), cs[0].HTMLURL)
	assert.Equal(t, web+"/orgs/octo-org/packages/container/package/team%2Fapp", cs[0].PackageHTMLURL)

	npm, _ := srv.Package("octo-org", ghpackages.NPM, ghpackagestest.DemoNPM)
	var ns []version
	require.Equal(t, 200, getJSON("orgs/octo-org/packages/npm/hello-world-npm/versions?per_page=1", &ns))
	assert.Equal(t, web+"/octo-org/hello-world-npm/packages/"+itoa(npm.ID)+"?version="+ns[0].Name, ns[0].HTMLURL)
	assert.Equal(t, web+"/octo-org/hello-world-npm/packages/"+itoa(npm.ID), ns[0].PackageHTMLURL)

	var pkg struct {
		URL   string `json:"url"`
		Owner struct {
			URL string `json:"url"`
		} `json:"owner"`
		Repository struct {
			URL string `json:"url"`
		} `json:"repository"`
	}
	require.Equal(t, 200, getJSON("orgs/octo-org/packages/npm/hello-world-npm", &pkg))
	assert.Equal(t, srv.BaseURL()+"orgs/octo-org/packages/npm/hello-world-npm", pkg.URL)
	assert.Equal(t, srv.BaseURL()+"users/octo-org", pkg.Owner.URL)
	assert.Equal(t, srv.BaseURL()+"repos/octo-org/hello-world-npm", pkg.Repository.URL)

	// Outside the prefix nothing answers; the SDK pointed at the prefix works.
	resp, err := hc.Get("http://" + srv.Host() + "/orgs/octo-org/packages/npm/hello-world-npm")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode)
	p, _, err := srv.Client().Orgs.Get(t.Context(), "octo-org", ghpackages.NPM, ghpackagestest.DemoNPM)
	require.NoError(t, err)
	assert.Equal(t, ghpackagestest.DemoNPM, p.Name)
}

func TestRequestLogInProcess(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	clock := ghpackagestest.NewFakeClock(fixedNow)
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(clock), ghpackagestest.WithDemo(), ghpackagestest.WithRequestLog(&log),
		ghpackagestest.WithFault(ghpackagestest.Fault{Path: "/rate_limit", Status: 502}))
	t.Cleanup(srv.Close)
	hc := testClient(t)
	for _, p := range []string{"/rate_limit", "/users/octo-org?x=1"} {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+srv.Host()+p, nil)
		req.Header.Set("Authorization", "Bearer ghp_nope")
		resp, err := hc.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	assert.Equal(t, `{"time":"2026-11-24T12:00:00Z","method":"GET","path":"/rate_limit","query":"","token_name":"unknown","status":502,"fault":"status 502"}
{"time":"2026-11-24T12:00:00Z","method":"GET","path":"/users/octo-org","query":"x=1","token_name":"unknown","status":401}
`, log.String())
	assert.NotContains(t, log.String(), "ghp_nope", "tokens are never logged")
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
