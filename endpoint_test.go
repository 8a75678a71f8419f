package ghpackages

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRawDoClassifiesByMethod: a typed method passes what it knows of its
// operation (scopes, list limit, retry safety) down the request path; a raw
// Do call knows only the request, and is classified by its method alone,
// whatever its URL looks like. The same endpoint, called both ways, shows
// the difference.
func TestRawDoClassifiesByMethod(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	hits := map[string]int{}
	mux := http.NewServeMux()
	count := func(r *http.Request) int {
		mu.Lock()
		defer mu.Unlock()
		hits[r.Method+" "+r.URL.Path]++
		return hits[r.Method+" "+r.URL.Path]
	}
	mux.HandleFunc("POST /orgs/o/packages/container/app/versions/1/restore", func(w http.ResponseWriter, r *http.Request) {
		count(r)
		status(http.StatusBadGateway, "Bad Gateway")(w, r)
	})
	mux.HandleFunc("PUT /raw/put", func(w http.ResponseWriter, r *http.Request) {
		count(r)
		status(http.StatusBadGateway, "Bad Gateway")(w, r)
	})
	mux.HandleFunc("GET /raw/flaky", func(w http.ResponseWriter, r *http.Request) {
		if count(r) == 1 {
			status(http.StatusBadGateway, "Bad Gateway")(w, r)
			return
		}
		okJSON(`{"ok":true}`)(w, r)
	})
	mux.HandleFunc("DELETE /orgs/o/packages/container/app", func(w http.ResponseWriter, r *http.Request) {
		count(r)
		status(http.StatusNotFound, "Not Found", "X-OAuth-Scopes", "read:packages")(w, r)
	})
	mux.HandleFunc("GET /orgs/o/packages", func(w http.ResponseWriter, r *http.Request) {
		count(r)
		status(http.StatusBadRequest, "")(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithToken("t"), WithPacing(NoPacing()),
		WithClock(newTestClock()), WithRetry(RetryPolicy{MaxRetries: 2}))
	require.NoError(t, err)
	ctx := t.Context()
	hitsOf := func(key string) int {
		mu.Lock()
		defer mu.Unlock()
		return hits[key]
	}
	raw := func(method, path string) (*Response, error) {
		req, err := c.NewRequest(ctx, method, path, nil)
		require.NoError(t, err)
		return c.Do(req, nil)
	}

	// Retry safety: the typed restore is known to be idempotent; a raw POST
	// is not retried, even to a URL ending in /restore. A raw PUT neither;
	// a raw GET is.
	const restore = "POST /orgs/o/packages/container/app/versions/1/restore"
	_, err = c.Orgs.RestoreVersion(ctx, "o", Container, "app", 1)
	assert.ErrorIs(t, err, ErrServer)
	assert.Equal(t, 3, hitsOf(restore), "typed restore: first attempt and 2 retries")
	resp, err := raw(http.MethodPost, "orgs/o/packages/container/app/versions/1/restore")
	assert.ErrorIs(t, err, ErrServer)
	assert.Equal(t, 4, hitsOf(restore), "raw POST: sent once")
	assert.Equal(t, 1, resp.Attempts)
	_, err = raw(http.MethodPut, "raw/put")
	assert.ErrorIs(t, err, ErrServer)
	assert.Equal(t, 1, hitsOf("PUT /raw/put"), "raw PUT: sent once")
	resp, err = raw(http.MethodGet, "raw/flaky")
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts, "raw GET: retried")

	// Scope diagnosis: only the typed delete knows which scopes it needs.
	_, err = c.Orgs.Delete(ctx, "o", Container, "app")
	var typed *Error
	require.ErrorAs(t, err, &typed)
	assert.Equal(t, []Scope{ScopeDeletePackages}, typed.MissingScopes)
	assert.NotEmpty(t, typed.Hint)
	_, err = raw(http.MethodDelete, "orgs/o/packages/container/app")
	var rawErr *Error
	require.ErrorAs(t, err, &rawErr)
	assert.ErrorIs(t, err, ErrNotFound, "status sentinels match raw calls too")
	assert.Nil(t, rawErr.MissingScopes)
	assert.Empty(t, rawErr.Hint)

	// The list limit: only the typed list knows its endpoint refuses
	// page × per_page > 10,000.
	_, _, err = c.Orgs.List(ctx, "o", Container, &PackageListOptions{Page: 101, PerPage: 100})
	assert.ErrorIs(t, err, ErrListLimit)
	path, err := AddQuery("orgs/o/packages", &listQuery{PackageType: Container, PackageListOptions: PackageListOptions{Page: 101, PerPage: 100}})
	require.NoError(t, err)
	_, err = raw(http.MethodGet, path)
	assert.Error(t, err)
	assert.NotErrorIs(t, err, ErrListLimit)
	assert.Equal(t, 2, hitsOf("GET /orgs/o/packages"), "a 400 is never retried")
}

// TestEndpointsOfTypedOperations pins the facts each typed operation passes.
func TestEndpointsOfTypedOperations(t *testing.T) {
	t.Parallel()
	assert.Equal(t, endpoint{op: OperationRead, typ: NPM, idempotent: true}, readOp(NPM))
	assert.Equal(t, endpoint{op: OperationRead, typ: NPM, listLimit: true, idempotent: true}, listOp(NPM))
	assert.Equal(t, endpoint{op: OperationDelete, typ: Maven, idempotent: true, mutation: true, pkg: "p", version: "p/versions/1"}, deleteOp(Maven, "p", "p/versions/1"))
	assert.Equal(t, endpoint{op: OperationRestore, typ: Container, idempotent: true, mutation: true, pkg: "p"}, restoreOp(Container, "p", ""))
	assert.Equal(t, endpoint{idempotent: true}, plainGET())
	for method, want := range map[string]endpoint{
		"GET": {idempotent: true}, "HEAD": {idempotent: true}, "OPTIONS": {},
		"DELETE": {idempotent: true, mutation: true}, "POST": {mutation: true}, "PUT": {mutation: true}, "PATCH": {mutation: true},
	} {
		assert.Equal(t, want, rawEndpoint(method), method)
	}
}
