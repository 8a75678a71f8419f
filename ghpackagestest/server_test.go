package ghpackagestest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// do sends a raw request with an optional token and returns the status,
// headers and decoded JSON message (if any).
func do(t *testing.T, srv *ghpackagestest.Server, method, path, token string) (int, http.Header, string, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, "http://"+srv.Host()+path, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.HTTPClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var e struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &e)
	return resp.StatusCode, resp.Header, e.Message, body
}

func newServer(t *testing.T, opts ...ghpackagestest.Option) (*ghpackagestest.Server, *ghpackagestest.FakeClock) {
	t.Helper()
	clock := ghpackagestest.NewFakeClock(fixedNow)
	srv := ghpackagestest.NewServer(append([]ghpackagestest.Option{ghpackagestest.WithClock(clock)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv, clock
}

func TestAuthAndScopes(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, ghpackagestest.WithDemo(),
		ghpackagestest.WithTokenSpec("ghp_read", ghpackagestest.TokenSpec{Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages}}),
		ghpackagestest.WithTokenSpec("ghp_write", ghpackagestest.TokenSpec{Scopes: []ghpackages.Scope{ghpackages.ScopeWritePackages}}),
		ghpackagestest.WithTokenSpec("github_pat_fine", ghpackagestest.TokenSpec{FineGrained: true}))
	app := "/orgs/octo-org/packages/container/team%2Fapp"
	npm := "/orgs/octo-org/packages/npm/hello-world-npm"
	tests := []struct {
		name, method, path, token string
		status                    int
		message                   string
		scopes, accepted          string // "-" = header absent
	}{
		{"public package, no token", "GET", app, "", 200, "", "-", "-"},
		{"private package, no token", "GET", "/orgs/octo-org/packages/container/base-image", "", 401, "Requires authentication", "-", "-"},
		{"delete, no token", "DELETE", app + "/versions/1260000005", "", 401, "Requires authentication", "-", "-"},
		{"unknown token", "GET", app, "ghp_nope", 401, "Bad credentials", "-", "-"},
		{"read scope reads container", "GET", app, "ghp_read", 200, "", "read:packages", "read:packages"},
		{"read scope lacks repo for npm", "GET", npm, "ghp_read", 403, "You need at least repo scope to read packages.", "read:packages", "read:packages, repo"},
		{"read scope cannot delete", "DELETE", app + "/versions/1260000005", "ghp_read", 403, "You need at least delete:packages scope to delete packages.", "read:packages", "read:packages, delete:packages"},
		{"write implies read for restore", "POST", app + "/versions/1260000007/restore", "ghp_write", 204, "", "write:packages", "read:packages, write:packages"},
		{"fine-grained reads without scope headers", "GET", npm, "github_pat_fine", 200, "", "-", "-"},
		{"fine-grained cannot delete", "DELETE", app + "/versions/1260000005", "github_pat_fine", 403, "Resource not accessible by personal access token", "-", "-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, h, msg, _ := do(t, srv, tc.method, tc.path, tc.token)
			assert.Equal(t, tc.status, status)
			assert.Equal(t, tc.message, msg)
			for header, want := range map[string]string{"X-OAuth-Scopes": tc.scopes, "X-Accepted-OAuth-Scopes": tc.accepted} {
				if want == "-" {
					assert.Empty(t, h.Values(header), header)
				} else {
					assert.Equal(t, want, h.Get(header), header)
				}
			}
			assert.NotEmpty(t, h.Get("X-GitHub-Request-Id"))
			assert.NotEmpty(t, h.Get("X-RateLimit-Limit"))
		})
	}
}

func TestSoftDeleteAndRestoreWindow(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t)
	c := srv.Client(ghpackages.WithRetry(ghpackages.NoRetry()))
	ctx := t.Context()
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.Container, Name: "team/app"})
	keep := srv.AddVersion("acme", ghpackages.Container, "team/app", ghpackagestest.VersionSpec{Name: "sha256:a", Tags: []string{"latest"}})
	gone := srv.AddVersion("acme", ghpackages.Container, "team/app", ghpackagestest.VersionSpec{Name: "sha256:b"})

	_, err := c.Orgs.DeleteVersion(ctx, "acme", ghpackages.Container, "team/app", gone)
	require.NoError(t, err)
	_, _, err = c.Orgs.GetVersion(ctx, "acme", ghpackages.Container, "team/app", gone)
	require.ErrorIs(t, err, ghpackages.ErrNotFound)
	deleted, err := ghpackages.Collect(c.Orgs.AllVersions(ctx, "acme", ghpackages.Container, "team/app", &ghpackages.PackageVersionListOptions{State: ghpackages.StateDeleted}))
	require.NoError(t, err)
	require.Len(t, deleted, 1)
	require.NotNil(t, deleted[0].DeletedAt)
	assert.Equal(t, fixedNow, deleted[0].DeletedAt.UTC())

	// Within 30 days: restorable.
	clock.Advance(29 * 24 * time.Hour)
	_, err = c.Orgs.RestoreVersion(ctx, "acme", ghpackages.Container, "team/app", gone)
	require.NoError(t, err)
	// Past 30 days: gone for good, and no longer listed as deleted.
	_, err = c.Orgs.DeleteVersion(ctx, "acme", ghpackages.Container, "team/app", gone)
	require.NoError(t, err)
	clock.Advance(31 * 24 * time.Hour)
	_, err = c.Orgs.RestoreVersion(ctx, "acme", ghpackages.Container, "team/app", gone)
	require.ErrorIs(t, err, ghpackages.ErrNotFound)
	deleted, err = ghpackages.Collect(c.Orgs.AllVersions(ctx, "acme", ghpackages.Container, "team/app", &ghpackages.PackageVersionListOptions{State: ghpackages.StateDeleted}))
	require.NoError(t, err)
	assert.Empty(t, deleted)

	// The package itself: deleted, restored; then deleted and the name reused.
	_, err = c.Orgs.Delete(ctx, "acme", ghpackages.Container, "team/app")
	require.NoError(t, err)
	_, _, err = c.Orgs.Get(ctx, "acme", ghpackages.Container, "team/app")
	require.ErrorIs(t, err, ghpackages.ErrNotFound)
	st, ok := srv.Package("acme", ghpackages.Container, "team/app")
	require.True(t, ok)
	assert.NotNil(t, st.DeletedAt)
	_, err = c.Orgs.Restore(ctx, "acme", ghpackages.Container, "team/app", nil)
	require.NoError(t, err)
	v, _, err := c.Orgs.GetVersion(ctx, "acme", ghpackages.Container, "team/app", keep)
	require.NoError(t, err)
	assert.Equal(t, []string{"latest"}, v.Tags())

	_, err = c.Orgs.Delete(ctx, "acme", ghpackages.Container, "team/app")
	require.NoError(t, err)
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.Container, Name: "team/app"})
	_, err = c.Orgs.Restore(ctx, "acme", ghpackages.Container, "team/app", nil)
	require.ErrorIs(t, err, ghpackages.ErrForbidden, "namespace reused")
}

func TestDeleteRefusals(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	c := srv.Client(ghpackages.WithRetry(ghpackages.NoRetry()))
	ctx := t.Context()
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.NPM, Name: "lib", Visibility: ghpackages.VisibilityPublic})
	v1 := srv.AddVersion("acme", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.0.0", Downloads: 5001})
	v2 := srv.AddVersion("acme", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.0.1", Downloads: 5000})
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.Container, Name: "img"})
	tagged := srv.AddVersion("acme", ghpackages.Container, "img", ghpackagestest.VersionSpec{Name: "sha256:t", Tags: []string{"v1"}})
	untagged := srv.AddVersion("acme", ghpackages.Container, "img", ghpackagestest.VersionSpec{Name: "sha256:u"})

	_, err := c.Orgs.DeleteVersion(ctx, "acme", ghpackages.NPM, "lib", v1)
	require.ErrorIs(t, err, ghpackages.ErrTooManyDownloads)
	_, err = c.Orgs.Delete(ctx, "acme", ghpackages.NPM, "lib")
	require.ErrorIs(t, err, ghpackages.ErrTooManyDownloads)
	_, err = c.Orgs.DeleteVersion(ctx, "acme", ghpackages.NPM, "lib", v2) // exactly 5000 is allowed
	require.NoError(t, err)
	_, err = c.Orgs.DeleteVersion(ctx, "acme", ghpackages.NPM, "lib", v1)
	var apiErr *ghpackages.Error
	require.ErrorAs(t, err, &apiErr)
	assert.ErrorIs(t, err, ghpackages.ErrLastVersion)
	assert.Equal(t, "You cannot delete the last version of a package. You must delete the package instead.", apiErr.Message)

	_, err = c.Orgs.DeleteVersion(ctx, "acme", ghpackages.Container, "img", tagged)
	require.ErrorAs(t, err, &apiErr)
	assert.ErrorIs(t, err, ghpackages.ErrLastVersion)
	assert.Equal(t, "You cannot delete the last tagged version of a package. You must delete the package instead.", apiErr.Message)
	_, err = c.Orgs.DeleteVersion(ctx, "acme", ghpackages.Container, "img", untagged)
	require.NoError(t, err)
}

func TestPaginationLinks(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.Container, Name: "team/app"})
	for i := range 7 {
		srv.AddVersion("acme", ghpackages.Container, "team/app", ghpackagestest.VersionSpec{Name: ghpackagestest.Digest(string(rune('a' + i))), CreatedAt: fixedNow.Add(time.Duration(i) * time.Hour)})
	}
	path := "/orgs/acme/packages/container/team%2Fapp/versions"
	base := "http://" + srv.Host() + path
	tests := []struct {
		name, query, link string
		n                 int
	}{
		{"first page", "?per_page=3", `<` + base + `?per_page=3&page=2>; rel="next", <` + base + `?per_page=3&page=3>; rel="last"`, 3},
		{"middle page keeps the client's query order", "?per_page=3&page=2",
			`<` + base + `?per_page=3&page=1>; rel="prev", <` + base + `?per_page=3&page=3>; rel="next", <` + base + `?per_page=3&page=3>; rel="last", <` + base + `?per_page=3&page=1>; rel="first"`, 3},
		{"last page", "?page=3&state=active&per_page=3",
			`<` + base + `?page=2&state=active&per_page=3>; rel="prev", <` + base + `?page=1&state=active&per_page=3>; rel="first"`, 1},
		{"past the end", "?per_page=3&page=9",
			`<` + base + `?per_page=3&page=3>; rel="prev", <` + base + `?per_page=3&page=1>; rel="first"`, 0},
		{"one page: no Link", "", "", 7},
		{"per_page capped at 100", "?per_page=1000", "", 7},
		{"nonsense is the default", "?per_page=x&page=-1", "", 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, h, _, body := do(t, srv, "GET", path+tc.query, ghpackagestest.DefaultToken)
			require.Equal(t, 200, status)
			assert.Equal(t, tc.link, h.Get("Link"))
			var page []ghpackages.PackageVersion
			require.NoError(t, json.Unmarshal(body, &page))
			require.Len(t, page, tc.n)
			for i := 1; i < len(page); i++ {
				assert.True(t, page[i-1].CreatedAt.After(page[i].CreatedAt), "newest first")
			}
		})
	}
}

func TestListLimit(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.Container, Name: "app"})
	tests := []struct {
		query  string
		status int
	}{
		{"per_page=100&page=100", 200},
		{"per_page=100&page=101", 400},
		{"per_page=50&page=201", 400},
		{"page=334", 400}, // 334 × the default 30 = 10020
		{"page=333", 200},
		{"per_page=1000&page=101", 400}, // per_page is capped first
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			t.Parallel()
			status, _, msg, _ := do(t, srv, "GET", "/orgs/acme/packages?package_type=container&"+tc.query, ghpackagestest.DefaultToken)
			assert.Equal(t, tc.status, status)
			if tc.status == 400 {
				assert.Contains(t, msg, "10000")
			}
		})
	}
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	t.Run("primary 403", func(t *testing.T) {
		t.Parallel()
		srv, _ := newServer(t, ghpackagestest.WithDemo(), ghpackagestest.WithPrimaryLimit(2, 403))
		path := "/orgs/octo-org/packages/container/team%2Fapp"
		for i := range 2 {
			status, h, _, _ := do(t, srv, "GET", path, ghpackagestest.DefaultToken)
			assert.Equal(t, 200, status)
			assert.Equal(t, []string{"1", "0"}[i], h.Get("X-RateLimit-Remaining"))
		}
		status, h, msg, _ := do(t, srv, "GET", path, ghpackagestest.DefaultToken)
		assert.Equal(t, 403, status)
		assert.Equal(t, "0", h.Get("X-RateLimit-Remaining"))
		assert.Equal(t, strconv.FormatInt(fixedNow.Add(time.Hour).Unix(), 10), h.Get("X-RateLimit-Reset"))
		assert.Contains(t, msg, "rate limit exceeded")
		status, _, _, _ = do(t, srv, "GET", "/rate_limit", ghpackagestest.DefaultToken)
		assert.Equal(t, 200, status, "rate_limit costs nothing")
		assert.Equal(t, 1, srv.Stats().PrimaryLimited)
	})
	t.Run("primary 429", func(t *testing.T) {
		t.Parallel()
		srv, clock := newServer(t, ghpackagestest.WithDemo(), ghpackagestest.WithPrimaryLimit(1, 429))
		do(t, srv, "GET", "/orgs/octo-org/packages/container/team%2Fapp", ghpackagestest.DefaultToken)
		status, _, _, _ := do(t, srv, "GET", "/orgs/octo-org/packages/container/team%2Fapp", ghpackagestest.DefaultToken)
		assert.Equal(t, 429, status)
		clock.Advance(time.Hour)
		status, _, _, _ = do(t, srv, "GET", "/orgs/octo-org/packages/container/team%2Fapp", ghpackagestest.DefaultToken)
		assert.Equal(t, 200, status, "a new hour, a new budget")
	})
	t.Run("secondary points", func(t *testing.T) {
		t.Parallel()
		srv, clock := newServer(t, ghpackagestest.WithDemo(), ghpackagestest.WithSecondaryLimit(12))
		path := "/orgs/octo-org/packages/container/team%2Fapp/versions/"
		assert.Equal(t, 204, first(do(t, srv, "DELETE", path+"1260000005", ghpackagestest.DefaultToken)))
		clock.Advance(20 * time.Second)
		assert.Equal(t, 204, first(do(t, srv, "DELETE", path+"1260000006", ghpackagestest.DefaultToken)))
		status, h, msg, _ := do(t, srv, "DELETE", path+"1260000008", ghpackagestest.DefaultToken)
		assert.Equal(t, 403, status)
		assert.Equal(t, "40", h.Get("Retry-After"), "the first delete leaves the window 40 s later")
		assert.Contains(t, msg, "secondary rate limit")
		assert.Equal(t, 200, first(do(t, srv, "GET", path+"1260000008", ghpackagestest.DefaultToken)), "a GET still fits")
		clock.Advance(40 * time.Second)
		assert.Equal(t, 204, first(do(t, srv, "DELETE", path+"1260000008", ghpackagestest.DefaultToken)))
		assert.Equal(t, 1, srv.Stats().SecondaryLimited)
	})
}

func first(status int, _ http.Header, _ string, _ []byte) int { return status }

func TestFaults(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, ghpackagestest.WithDemo())
	path := "/orgs/octo-org/packages/container/team%2Fapp"
	srv.InjectFault(ghpackagestest.Fault{PathPrefix: path, Count: 2, Status: 502})
	srv.InjectFault(ghpackagestest.Fault{Method: "GET", PathPrefix: "/orgs/octo-org/packages/npm", Truncate: true})
	assert.Equal(t, 3, srv.PendingFaults())
	assert.Equal(t, 200, first(do(t, srv, "GET", "/orgs/octo-org/packages/container/base-image", ghpackagestest.DefaultToken)), "other paths unaffected")
	assert.Equal(t, 502, first(do(t, srv, "GET", path, ghpackagestest.DefaultToken)))
	assert.Equal(t, 502, first(do(t, srv, "GET", path, ghpackagestest.DefaultToken)))
	assert.Equal(t, 200, first(do(t, srv, "GET", path, ghpackagestest.DefaultToken)))

	req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.BaseURL()+"orgs/octo-org/packages/npm/hello-world-npm", nil)
	req.Header.Set("Authorization", "Bearer "+ghpackagestest.DefaultToken)
	resp, err := srv.HTTPClient().Do(req)
	require.NoError(t, err)
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "truncated body")

	srv.InjectFault(ghpackagestest.Fault{Drop: true})
	_, err = srv.HTTPClient().Do(req.Clone(t.Context()))
	assert.Error(t, err, "dropped connection")
	assert.Equal(t, 0, srv.PendingFaults())

	// The SDK retries through all of these.
	srv.InjectFault(ghpackagestest.Fault{Count: 1, Status: 503})
	srv.InjectFault(ghpackagestest.Fault{Count: 1, Drop: true})
	srv.InjectFault(ghpackagestest.Fault{Count: 1, Truncate: true})
	clock := ghpackagestest.NewFakeClock(fixedNow)
	pkg, resp2, err := srv.Client(ghpackages.WithClock(clock)).Orgs.Get(t.Context(), "octo-org", ghpackages.Container, "team/app")
	require.NoError(t, err)
	assert.Equal(t, "team/app", pkg.Name)
	// Go's transport itself resends a GET whose reused connection dropped,
	// so the SDK sees 3 or 4 attempts; either way every fault was met.
	assert.GreaterOrEqual(t, resp2.Attempts, 3)
	assert.Equal(t, 0, srv.PendingFaults())
}

// TestConcurrentUseAndClose counts goroutines, so it does not run in
// parallel with the other tests (Go runs it before the parallel ones).
func TestConcurrentUseAndClose(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := ghpackagestest.NewServer(ghpackagestest.WithDemo())
	c := srv.Client(ghpackages.WithRetry(ghpackages.NoRetry()))
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				_, err := ghpackages.Collect(c.Orgs.AllVersions(t.Context(), "octo-org", ghpackages.Container, "team/app", &ghpackages.PackageVersionListOptions{PerPage: 5}))
				assert.NoError(t, err)
				return
			}
			srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.NPM, Name: "p" + strings.Repeat("x", i)})
		}()
	}
	wg.Wait()
	srv.Close() // also closes the idle connections of srv's own transport
	// The wait ends as soon as the goroutines are gone; the bound only
	// catches a leak.
	deadline := time.Now().Add(30 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before+2, "goroutines left after Close")
}

// GET /user answers the token's own account, as GitHub documents it (a
// private-user object), so tools that read it to choose between /user/…
// and /users/{owner}/… work against the fake.
func TestAuthenticatedUser(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t,
		ghpackagestest.WithTokenSpec("ghp_mona", ghpackagestest.TokenSpec{Login: "mona", Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages}}),
		ghpackagestest.WithTokenSpec("github_pat_x", ghpackagestest.TokenSpec{Login: "mona", FineGrained: true}),
		ghpackagestest.WithTokenSpec("ghs_wf", ghpackagestest.TokenSpec{Repository: "octo-org/app"}))
	status, header, _, body := do(t, srv, "GET", "/user", ghpackagestest.DefaultToken)
	require.Equal(t, 200, status)
	var u map[string]any
	require.NoError(t, json.Unmarshal(body, &u))
	assert.Equal(t, ghpackagestest.DefaultLogin, u["login"])
	assert.Equal(t, "User", u["type"])
	assert.Equal(t, srv.BaseURL()+"users/"+ghpackagestest.DefaultLogin, u["url"])
	for _, k := range []string{"id", "node_id", "html_url", "created_at", "two_factor_authentication", "private_gists", "disk_usage"} {
		assert.Contains(t, u, k)
	}
	assert.NotEmpty(t, header.Get("X-OAuth-Scopes"), "a classic token's scopes come back, as on every answer")

	for token, want := range map[string]string{"ghp_mona": "mona", "github_pat_x": "mona"} {
		status, _, _, body = do(t, srv, "GET", "/user", token)
		require.Equal(t, 200, status, token)
		require.NoError(t, json.Unmarshal(body, &u))
		assert.Equal(t, want, u["login"], token)
	}
	status, _, msg, _ := do(t, srv, "GET", "/user", "")
	assert.Equal(t, 401, status)
	assert.Equal(t, "Requires authentication", msg)
	status, _, msg, _ = do(t, srv, "GET", "/user", "ghs_wf")
	assert.Equal(t, 403, status, "a workflow token is no user's")
	assert.Equal(t, "Resource not accessible by integration", msg)
}
