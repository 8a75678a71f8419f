package ghpackagestest_test

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// errorBody is GitHub's JSON error shape.
type errorBody struct {
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url"`
}

func TestScopeHeadersOnEveryAnswer(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, ghpackagestest.WithDemo(),
		ghpackagestest.WithTokenSpec("github_pat_fine", ghpackagestest.TokenSpec{FineGrained: true}))
	all := "read:packages, write:packages, delete:packages, repo"
	tests := []struct {
		name, path, token string
		status            int
		accepted          string // "-": neither header
	}{
		{"rate_limit needs no scope", "/rate_limit", ghpackagestest.DefaultToken, 200, ""},
		{"user lookup needs no scope", "/users/octo-org", ghpackagestest.DefaultToken, 200, ""},
		{"unknown route", "/orgs/octo-org/nothing", ghpackagestest.DefaultToken, 404, ""},
		{"unknown package", "/orgs/octo-org/packages/container/nope", ghpackagestest.DefaultToken, 404, "read:packages"},
		{"npm package", "/orgs/octo-org/packages/npm/hello-world-npm", ghpackagestest.DefaultToken, 200, "read:packages, repo"},
		{"anonymous", "/rate_limit", "", 200, "-"},
		{"fine-grained", "/orgs/octo-org/packages/npm/hello-world-npm", "github_pat_fine", 200, "-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, h, _, _ := do(t, srv, "GET", tc.path, tc.token)
			assert.Equal(t, tc.status, status)
			if tc.accepted == "-" {
				assert.Empty(t, h.Values("X-OAuth-Scopes"))
				assert.Empty(t, h.Values("X-Accepted-OAuth-Scopes"))
				return
			}
			assert.Equal(t, []string{all}, h.Values("X-OAuth-Scopes"))
			assert.Equal(t, []string{tc.accepted}, h.Values("X-Accepted-OAuth-Scopes"))
		})
	}
}

func TestEveryAnswerHasRequestIDAndRateHeaders(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, ghpackagestest.WithDemo())
	srv.InjectFault(ghpackagestest.Fault{Path: "/faulty", Status: 502})
	seen := map[string]bool{}
	for _, tc := range []struct {
		method, path, token string
		status              int
	}{
		{"GET", "/orgs/octo-org/packages/container/team%2Fapp", "", 200},
		{"GET", "/orgs/octo-org/packages/container/base-image", "", 401},
		{"GET", "/orgs/octo-org/packages/container/base-image", "ghp_unknown", 401},
		{"GET", "/orgs/octo-org/packages/container/nope", ghpackagestest.DefaultToken, 404},
		{"DELETE", "/orgs/octo-org/packages/container/team%2Fapp/versions/1", ghpackagestest.DefaultToken, 404},
		{"GET", "/orgs/octo-org/packages?package_type=bogus", ghpackagestest.DefaultToken, 400},
		{"GET", "/faulty", ghpackagestest.DefaultToken, 502},
	} {
		status, h, _, body := do(t, srv, tc.method, tc.path, tc.token)
		assert.Equal(t, tc.status, status, tc.path)
		id := h.Get("X-GitHub-Request-Id")
		assert.NotEmpty(t, id)
		assert.False(t, seen[id], "request IDs are unique")
		seen[id] = true
		if status >= 400 {
			assert.Equal(t, "application/json; charset=utf-8", h.Get("Content-Type"))
			var e errorBody
			require.NoError(t, json.Unmarshal(body, &e), "%s", body)
			assert.NotEmpty(t, e.Message)
			assert.True(t, strings.HasPrefix(e.DocumentationURL, "https://docs.github.com/"), e.DocumentationURL)
		}
		if status != 502 { // an injected failure stands for a proxy in front of the API
			for _, k := range []string{"Limit", "Remaining", "Used", "Reset", "Resource"} {
				assert.NotEmpty(t, h.Get("X-RateLimit-"+k), "X-RateLimit-%s on %s %s", k, tc.method, tc.path)
			}
		}
	}
}

func TestRateLimitAnswers(t *testing.T) {
	t.Parallel()
	t.Run("primary, authenticated", func(t *testing.T) {
		t.Parallel()
		srv, _ := newServer(t, ghpackagestest.WithDemo(), ghpackagestest.WithPrimaryLimit(1, 403))
		do(t, srv, "GET", "/orgs/octo-org/packages/container/team%2Fapp", ghpackagestest.DefaultToken)
		status, h, _, body := do(t, srv, "GET", "/orgs/octo-org/packages/container/team%2Fapp", ghpackagestest.DefaultToken)
		assert.Equal(t, 403, status)
		var e errorBody
		require.NoError(t, json.Unmarshal(body, &e))
		assert.Regexp(t, `^API rate limit exceeded for user ID \d+\. If you reach out to GitHub Support for help, please include the request ID `+h.Get("X-GitHub-Request-Id")+`\.$`, e.Message)
		assert.Equal(t, "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api", e.DocumentationURL)
		assert.Equal(t, "0", h.Get("X-RateLimit-Remaining"))
		assert.Equal(t, "1", h.Get("X-RateLimit-Used"))
		assert.Equal(t, "core", h.Get("X-RateLimit-Resource"))
		assert.Empty(t, h.Get("Retry-After"), "a primary limit says when via X-RateLimit-Reset")
	})
	t.Run("primary, anonymous", func(t *testing.T) {
		t.Parallel()
		srv, _ := newServer(t, ghpackagestest.WithDemo(), ghpackagestest.WithPrimaryLimit(1, 429))
		do(t, srv, "GET", "/orgs/octo-org/packages/container/team%2Fapp", "")
		status, _, msg, _ := do(t, srv, "GET", "/orgs/octo-org/packages/container/team%2Fapp", "")
		assert.Equal(t, 429, status)
		assert.True(t, strings.HasPrefix(msg, "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit."), msg)
		status, _, _, _ = do(t, srv, "GET", "/orgs/octo-org/packages/container/team%2Fapp", ghpackagestest.DefaultToken)
		assert.Equal(t, 200, status, "each caller has its own budget")
	})
	t.Run("secondary as 429", func(t *testing.T) {
		t.Parallel()
		srv, _ := newServer(t, ghpackagestest.WithDemo(), ghpackagestest.WithSecondaryLimit(5), ghpackagestest.WithSecondaryStatus(429))
		path := "/orgs/octo-org/packages/container/team%2Fapp/versions/1260000005"
		assert.Equal(t, 204, first(do(t, srv, "DELETE", path, ghpackagestest.DefaultToken)))
		status, h, _, body := do(t, srv, "GET", path, ghpackagestest.DefaultToken)
		assert.Equal(t, 429, status)
		assert.Equal(t, "60", h.Get("Retry-After"))
		var e errorBody
		require.NoError(t, json.Unmarshal(body, &e))
		assert.Contains(t, e.Message, "You have exceeded a secondary rate limit")
		assert.Contains(t, e.DocumentationURL, "secondary-rate-limits")
		assert.NotEqual(t, "0", h.Get("X-RateLimit-Remaining"), "the primary budget is not what ran out")
	})
	t.Run("rate_limit body", func(t *testing.T) {
		t.Parallel()
		srv, _ := newServer(t, ghpackagestest.WithPrimaryLimit(100, 403))
		do(t, srv, "GET", "/user/packages?package_type=npm", ghpackagestest.DefaultToken)
		status, h, _, body := do(t, srv, "GET", "/rate_limit", ghpackagestest.DefaultToken)
		require.Equal(t, 200, status)
		var rl struct {
			Resources struct {
				Core struct {
					Limit, Remaining, Used int
					Reset                  int64
				}
			}
			Rate struct{ Limit, Remaining, Used int }
		}
		require.NoError(t, json.Unmarshal(body, &rl))
		assert.Equal(t, 100, rl.Resources.Core.Limit)
		assert.Equal(t, 99, rl.Resources.Core.Remaining)
		assert.Equal(t, 1, rl.Resources.Core.Used)
		assert.Equal(t, fixedNow.Add(time.Hour).Unix(), rl.Resources.Core.Reset)
		assert.Equal(t, rl.Resources.Core.Remaining, rl.Rate.Remaining)
		assert.Equal(t, "99", h.Get("X-RateLimit-Remaining"))
	})
}

func TestMaxConcurrent(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, ghpackagestest.WithDemo(), ghpackagestest.WithMaxConcurrent(1))
	slow := "/orgs/octo-org/packages/container/team%2Fapp"
	srv.InjectFault(ghpackagestest.Fault{PathPrefix: slow, Delay: time.Second})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		assert.Equal(t, 200, first(do(t, srv, "GET", slow, ghpackagestest.DefaultToken)), "the slow request itself succeeds")
	}()
	for srv.Stats().InFlight == 0 {
		time.Sleep(time.Millisecond)
	}
	status, h, msg, _ := do(t, srv, "GET", "/orgs/octo-org/packages/npm/hello-world-npm", ghpackagestest.DefaultToken)
	assert.Equal(t, 403, status)
	assert.Equal(t, "1", h.Get("Retry-After"))
	assert.Contains(t, msg, "secondary rate limit")
	wg.Wait()
	assert.Equal(t, 200, first(do(t, srv, "GET", "/orgs/octo-org/packages/npm/hello-world-npm", ghpackagestest.DefaultToken)))
	assert.Equal(t, 1, srv.Stats().MaxInFlight)
	assert.Equal(t, 1, srv.Stats().SecondaryLimited)
}

func TestFaultPathPattern(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, ghpackagestest.WithDemo())
	srv.InjectFault(ghpackagestest.Fault{Method: "GET", Path: "/orgs/*/packages/container/*/versions/*", Count: 2, Status: 500})
	versions := "/orgs/octo-org/packages/container/team%2Fapp/versions"
	assert.Equal(t, 200, first(do(t, srv, "GET", versions, ghpackagestest.DefaultToken)), "the list does not match")
	assert.Equal(t, 500, first(do(t, srv, "GET", versions+"/1260000005", ghpackagestest.DefaultToken)), "team%2Fapp is one segment")
	assert.Equal(t, 404, first(do(t, srv, "GET", "/orgs/octo-org/packages/container/team/app/versions/1260000005", ghpackagestest.DefaultToken)),
		"an unescaped name has too many segments: no match, and no such route")
	assert.Equal(t, 500, first(do(t, srv, "GET", versions+"/1260000005", ghpackagestest.DefaultToken)))
	assert.Equal(t, 200, first(do(t, srv, "GET", versions+"/1260000005", ghpackagestest.DefaultToken)))
	assert.Panics(t, func() { srv.InjectFault(ghpackagestest.Fault{Path: "["}) })
}

func TestEscapedNames(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	for _, n := range []string{"a/b/c", "b/c", "c"} {
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.Container, Name: n})
	}
	tests := []struct {
		path, name string // name "" = 404
	}{
		{"a%2Fb%2Fc", "a/b/c"},
		{"a%2fb%2fc", "a/b/c"},
		{"b%2Fc", "b/c"},
		{"c", "c"},
		{"a/b/c", ""},
		{"a%252Fb%252Fc", ""}, // escaped twice
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			status, _, msg, body := do(t, srv, "GET", "/orgs/acme/packages/container/"+tc.path, ghpackagestest.DefaultToken)
			if tc.name == "" {
				assert.Equal(t, 404, status)
				return
			}
			require.Equal(t, 200, status, msg)
			var p ghpackages.Package
			require.NoError(t, json.Unmarshal(body, &p))
			assert.Equal(t, tc.name, p.Name)
			assert.Contains(t, p.URL, "/packages/container/"+strings.ReplaceAll(tc.name, "/", "%2F"))
		})
	}
}

func TestNotFoundMessages(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, ghpackagestest.WithDemo())
	tests := []struct{ method, path, msg string }{
		{"GET", "/orgs/octo-org/packages/container/nope", "Package not found."},
		{"GET", "/orgs/nobody/packages/container/team%2Fapp", "Package not found."},
		{"DELETE", "/orgs/octo-org/packages/npm/nope", "Package not found."},
		{"GET", "/orgs/octo-org/packages/container/team%2Fapp/versions/42", "Package version not found."},
		{"GET", "/orgs/octo-org/packages/container/team%2Fapp/versions/1260000007", "Package version not found."},          // deleted
		{"POST", "/orgs/octo-org/packages/container/team%2Fapp/versions/1260000006/restore", "Package version not found."}, // not deleted
		{"DELETE", "/orgs/octo-org/packages/container/team%2Fapp/versions/abc", "Package version not found."},
		{"GET", "/users/octocat/packages/rubygems/octo-name/versions/1", "Package version not found."},
	}
	for _, tc := range tests {
		status, _, msg, _ := do(t, srv, tc.method, tc.path, ghpackagestest.DefaultToken)
		assert.Equal(t, 404, status, "%s %s", tc.method, tc.path)
		assert.Equal(t, tc.msg, msg, "%s %s", tc.method, tc.path)
	}
}

func TestNPMLastVersion(t *testing.T) {
	t.Parallel()
	for _, deletesPackage := range []bool{false, true} {
		t.Run(map[bool]string{false: "refused by default", true: "deletes the package when enabled"}[deletesPackage], func(t *testing.T) {
			t.Parallel()
			var opts []ghpackagestest.Option
			if deletesPackage {
				opts = append(opts, ghpackagestest.WithNPMLastVersionDeletesPackage())
			}
			srv, _ := newServer(t, opts...)
			srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.NPM, Name: "lib"})
			a := srv.AddVersion("acme", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.0.0"})
			b := srv.AddVersion("acme", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.0.1"})
			pkg := "/orgs/acme/packages/npm/lib"
			assert.Equal(t, 204, first(do(t, srv, "DELETE", pkg+"/versions/"+itoa(a), ghpackagestest.DefaultToken)))
			status, _, msg, _ := do(t, srv, "DELETE", pkg+"/versions/"+itoa(b), ghpackagestest.DefaultToken)
			if !deletesPackage {
				assert.Equal(t, 400, status)
				assert.Equal(t, "You cannot delete the last version of a package. You must delete the package instead.", msg)
				return
			}
			assert.Equal(t, 204, status)
			status, _, msg, _ = do(t, srv, "GET", pkg, ghpackagestest.DefaultToken)
			assert.Equal(t, 404, status)
			assert.Equal(t, "Package not found.", msg)
			st, ok := srv.Package("acme", ghpackages.NPM, "lib")
			require.True(t, ok)
			require.NotNil(t, st.DeletedAt)
			// Restoring the package brings back the version deleted with it,
			// not the one deleted before.
			assert.Equal(t, 204, first(do(t, srv, "POST", pkg+"/restore", ghpackagestest.DefaultToken)))
			vs := srv.Versions("acme", ghpackages.NPM, "lib")
			require.Len(t, vs, 2)
			assert.NotNil(t, vs[0].DeletedAt)
			assert.Nil(t, vs[1].DeletedAt)
		})
	}
}

func TestDeleteAndRestorePackageWindow(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t)
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.Maven, Name: "com.acme.lib"})
	srv.AddVersion("acme", ghpackages.Maven, "com.acme.lib", ghpackagestest.VersionSpec{Name: "1.0"})
	pkg := "/orgs/acme/packages/maven/com.acme.lib"
	assert.Equal(t, 204, first(do(t, srv, "DELETE", pkg, ghpackagestest.DefaultToken)))
	assert.Equal(t, 404, first(do(t, srv, "GET", pkg, ghpackagestest.DefaultToken)))
	assert.Equal(t, 404, first(do(t, srv, "DELETE", pkg, ghpackagestest.DefaultToken)), "already deleted")
	status, _, body := listBody(t, srv, "/orgs/acme/packages?package_type=maven")
	assert.Equal(t, 200, status)
	assert.JSONEq(t, "[]", string(body), "deleted packages are not listed")
	clock.Advance(30*24*time.Hour + time.Second)
	status, _, msg, _ := do(t, srv, "POST", pkg+"/restore", ghpackagestest.DefaultToken)
	assert.Equal(t, 404, status, "past 30 days")
	assert.Equal(t, "Package not found.", msg)
}

func TestStateAPI(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, ghpackagestest.WithFirstID(1<<32))
	srv.AddToken("ghp_mona", ghpackagestest.TokenSpec{Login: "mona", Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages}})
	day := 24 * time.Hour
	id := srv.AddPackage(ghpackagestest.PackageSpec{Owner: "mona", Type: ghpackages.Container, Name: "tools/ci", Visibility: ghpackages.VisibilityPublic,
		Repository: "ci", CreatedAt: fixedNow.Add(-10 * day)})
	assert.Equal(t, int64(1<<32+2), id, "octocat, mona, then this package")
	assert.Greater(t, id, int64(math.MaxInt32), "IDs do not fit in 32 bits")
	old := srv.AddPackage(ghpackagestest.PackageSpec{Owner: "mona", Type: ghpackages.NPM, Name: "gone", DeletedAt: new(fixedNow.Add(-day))})
	srv.AddVersion("mona", ghpackages.NPM, "gone", ghpackagestest.VersionSpec{Name: "0.1.0"})
	v1 := srv.AddVersion("mona", ghpackages.Container, "tools/ci", ghpackagestest.VersionSpec{Name: "sha256:1", Tags: []string{"v1"}, Downloads: 7,
		CreatedAt: fixedNow.Add(-3 * day), UpdatedAt: fixedNow.Add(-2 * day)})
	v2 := srv.AddVersion("mona", ghpackages.Container, "tools/ci", ghpackagestest.VersionSpec{Name: "sha256:2", CreatedAt: fixedNow.Add(-day), DeletedAt: new(fixedNow.Add(-time.Hour))})
	assert.Greater(t, v2, v1)

	pkgs := srv.Packages("mona")
	require.Len(t, pkgs, 2)
	assert.Equal(t, ghpackagestest.PackageRecord{ID: id, Owner: "mona", Type: ghpackages.Container, Name: "tools/ci", Visibility: ghpackages.VisibilityPublic,
		Repository: "ci", CreatedAt: fixedNow.Add(-10 * day), UpdatedAt: fixedNow.Add(-day), Versions: 1}, pkgs[0])
	assert.Equal(t, old, pkgs[1].ID)
	assert.Equal(t, fixedNow.Add(-day), *pkgs[1].DeletedAt)
	deletedAt := fixedNow.Add(-time.Hour)
	assert.Equal(t, []ghpackagestest.VersionRecord{
		{ID: v1, Name: "sha256:1", Tags: []string{"v1"}, CreatedAt: fixedNow.Add(-3 * day), UpdatedAt: fixedNow.Add(-2 * day), Downloads: 7},
		{ID: v2, Name: "sha256:2", CreatedAt: fixedNow.Add(-day), UpdatedAt: fixedNow.Add(-day), DeletedAt: &deletedAt},
	}, srv.Versions("mona", ghpackages.Container, "tools/ci"))

	// What the API shows of it: a user-owned package, its repository, and
	// the deleted version only with state=deleted.
	status, _, body := listBody(t, srv, "/users/mona/packages/container/tools%2Fci")
	require.Equal(t, 200, status)
	var p ghpackages.Package
	require.NoError(t, json.Unmarshal(body, &p))
	assert.Equal(t, "User", p.Owner.Type)
	assert.Equal(t, "mona/ci", p.Repository.FullName)
	assert.Equal(t, id, p.ID)
	assert.Equal(t, int64(1), p.VersionCount)
	var vs []ghpackages.PackageVersion
	_, _, body = listBody(t, srv, "/users/mona/packages/container/tools%2Fci/versions?state=deleted")
	require.NoError(t, json.Unmarshal(body, &vs))
	require.Len(t, vs, 1)
	assert.Equal(t, v2, vs[0].ID)
	assert.Equal(t, deletedAt, vs[0].DeletedAt.UTC())
	assert.Equal(t, 200, first(do(t, srv, "GET", "/users/mona/packages/container/tools%2Fci", "")), "public: readable without a token")
	assert.Equal(t, 404, first(do(t, srv, "GET", "/users/mona/packages/npm/gone", ghpackagestest.DefaultToken)))

	// Mutations need the token's own user for user-owned packages.
	assert.Equal(t, 404, first(do(t, srv, "DELETE", "/users/mona/packages/container/tools%2Fci", ghpackagestest.DefaultToken)),
		"octocat may not administer mona's package: 404, as GitHub answers")
	assert.Equal(t, 200, first(do(t, srv, "GET", "/user/packages/container/tools%2Fci", "ghp_mona")), "mona's own, through /user")
}

func TestRegistryMount(t *testing.T) {
	t.Parallel()
	var got []string
	var mu sync.Mutex
	reg := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		w.WriteHeader(http.StatusOK)
	})
	srv, _ := newServer(t, ghpackagestest.WithRawRegistry(reg))
	status, h, _, _ := do(t, srv, "GET", "/v2/", "")
	assert.Equal(t, 200, status)
	assert.Equal(t, "registry/2.0", h.Get("Docker-Distribution-API-Version"))
	do(t, srv, "HEAD", "/v2/acme/app/manifests/latest", "")
	assert.Equal(t, []string{"GET /v2/", "HEAD /v2/acme/app/manifests/latest"}, got)
	assert.Zero(t, srv.Stats().Requests, "registry requests are not API requests")

	plain, _ := newServer(t)
	assert.Equal(t, 404, first(do(t, plain, "GET", "/v2/", "")), "no registry mounted")
}

// listBody GETs path with the default token.
func listBody(t *testing.T, srv *ghpackagestest.Server, path string) (int, http.Header, []byte) {
	t.Helper()
	status, h, _, body := do(t, srv, "GET", path, ghpackagestest.DefaultToken)
	return status, h, body
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
