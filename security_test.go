package ghpackages

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secretToken = "ghp_TOPSECRETtoken0123456789"

// authRecorder is a server that records the Authorization headers it sees.
type authRecorder struct {
	mu    sync.Mutex
	auths []string
	next  http.Handler
}

func (a *authRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.auths = append(a.auths, r.Header.Get("Authorization"))
	a.mu.Unlock()
	a.next.ServeHTTP(w, r)
}

func (a *authRecorder) seen() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.auths...)
}

func TestTokenNeverInErrorsEventsOrLogs(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var events []RetryEvent
	p := DefaultRetryPolicy()
	p.OnRetry = func(e RetryEvent) { events = append(events, e) }
	steps := []func(http.ResponseWriter, *http.Request){
		status(503, "Service Unavailable"),
		dropConn,
		status(401, "Bad credentials"),
	}
	h := &scripted{steps: steps}
	c := retryClient(t, h, newTestClock(), WithRetry(p), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	_, _, err := c.Orgs.Get(t.Context(), "o", Container, "app")
	require.ErrorIs(t, err, ErrUnauthorized)

	texts := []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", c), fmt.Sprintf("%+v", c.limiter), logs.String()}
	for _, e := range events {
		texts = append(texts, e.String(), fmt.Sprint(e.Err))
	}
	require.NotEmpty(t, events)
	assert.Contains(t, logs.String(), "retrying request")
	for _, s := range texts {
		assert.NotContains(t, s, secretToken)
	}
	require.Len(t, h.seen, 3)
	for _, r := range h.seen {
		assert.Equal(t, "Bearer "+secretToken, r.Header.Get("Authorization"), "the API host itself gets the token")
	}
}

func TestTokenNotSentToOtherHostViaLink(t *testing.T) {
	t.Parallel()
	other := &authRecorder{next: http.HandlerFunc(okJSON(`[]`))}
	otherSrv := httptest.NewServer(other)
	t.Cleanup(otherSrv.Close)
	api := &authRecorder{next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", `<`+otherSrv.URL+`/orgs/o/packages?page=2>; rel="next"`)
		okJSON(`[{"id":1,"name":"a"}]`)(w, r)
	})}
	apiSrv := httptest.NewServer(api)
	t.Cleanup(apiSrv.Close)
	c, err := NewClient(WithBaseURL(apiSrv.URL), WithHTTPClient(apiSrv.Client()), WithToken(secretToken), WithPacing(NoPacing()))
	require.NoError(t, err)
	var got []string
	var iterErr error
	for pkg, err := range c.Orgs.All(t.Context(), "o", Container, nil) {
		if err != nil {
			iterErr = err
			break
		}
		got = append(got, pkg.Name)
	}
	assert.Equal(t, []string{"a"}, got)
	require.ErrorIs(t, iterErr, ErrInvalidArgument)
	assert.Empty(t, other.seen(), "no request to the other host")
	assert.Equal(t, []string{"Bearer " + secretToken}, api.seen())
}

func TestTokenNotSentOnRedirectToOtherHost(t *testing.T) {
	t.Parallel()
	other := &authRecorder{next: http.HandlerFunc(okJSON(`{"id":1,"name":"a"}`))}
	otherSrv := httptest.NewServer(other)
	t.Cleanup(otherSrv.Close)
	apiSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherSrv.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(apiSrv.Close)
	// Same IP, other port: a different host as far as credentials go.
	c, err := NewClient(WithBaseURL(apiSrv.URL), WithHTTPClient(apiSrv.Client()), WithToken(secretToken), WithPacing(NoPacing()))
	require.NoError(t, err)
	_, _, err = c.Orgs.Get(t.Context(), "o", Container, "a")
	require.NoError(t, err)
	assert.Equal(t, []string{""}, other.seen(), "redirect target got no Authorization")
}

func TestPlainHTTPTokenRefusedExceptLoopback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"http://api.example.com/", false},
		{"http://10.0.0.1/api/v3", false},
		{"http://127.0.0.1:8080/", true},
		{"http://127.1.2.3/", true},
		{"http://[::1]:9/", true},
		{"http://localhost:3000/api/v3/", true},
		{"https://ghes.example.com/api/v3", true},
	} {
		_, err := NewClient(WithBaseURL(tc.url), WithToken(secretToken))
		if tc.ok {
			assert.NoError(t, err, tc.url)
			continue
		}
		require.ErrorIs(t, err, ErrInvalidArgument, tc.url)
		assert.NotContains(t, err.Error(), secretToken)
		// Without a token, plain http is allowed (nothing to leak).
		_, err = NewClient(WithBaseURL(tc.url))
		assert.NoError(t, err, tc.url)
	}
}

// reachableRequests returns every *http.Request reachable from resp: its
// Request, and through each request's Response (a redirect's) the ones
// before it.
func reachableRequests(resp *http.Response) []*http.Request {
	var out []*http.Request
	for resp != nil && resp.Request != nil && len(out) < 20 {
		out = append(out, resp.Request)
		resp = resp.Request.Response
	}
	return out
}

// What a caller gets back never holds the token: the Response's Request,
// on success and inside an error, is the caller's own request (not the
// transport's copy, which carries Authorization), after a retry, from the
// ETag cache, and after a redirect. (Before the fix,
// apiErr.Response.Request.Header.Get("Authorization") was "Bearer <token>".)
func TestResponseRequestIsTheCallers(t *testing.T) {
	t.Parallel()
	var hits sync.Map
	count := func(key string) int {
		n, _ := hits.LoadOrStore(key, new(int))
		*n.(*int)++
		return *n.(*int)
	}
	var mu sync.Mutex
	mux := http.NewServeMux()
	mux.HandleFunc("GET /missing", func(w http.ResponseWriter, r *http.Request) { status(404, "Not Found")(w, r) })
	mux.HandleFunc("GET /flaky", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := count("flaky")
		mu.Unlock()
		if n == 1 {
			status(502, "")(w, r)
			return
		}
		okJSON(`{"id":1}`)(w, r)
	})
	mux.HandleFunc("GET /cached", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		okJSON(`{"id":2}`)(w, r)
	})
	mux.HandleFunc("GET /moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/missing", http.StatusMovedPermanently)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithToken(secretToken), WithPacing(NoPacing()),
		WithClock(newTestClock()), WithETagCache(8, 1<<20))
	require.NoError(t, err)

	for _, tc := range []struct {
		path  string
		calls int
		fails bool
	}{
		{path: "missing", calls: 1, fails: true},
		{path: "flaky", calls: 1},
		{path: "cached", calls: 2},
		{path: "moved", calls: 1, fails: true},
	} {
		for range tc.calls {
			req, err := c.NewRequest(t.Context(), http.MethodGet, tc.path, nil)
			require.NoError(t, err)
			var v struct{ ID int }
			resp, err := c.Do(req, &v)
			if tc.fails {
				var apiErr *Error
				require.ErrorAs(t, err, &apiErr, tc.path)
				require.Same(t, resp, apiErr.Response, tc.path)
			} else {
				require.NoError(t, err, tc.path)
			}
			require.NotNil(t, resp, tc.path)
			reqs := reachableRequests(resp.Response)
			require.NotEmpty(t, reqs, tc.path)
			if tc.path != "moved" {
				assert.Same(t, req, resp.Request, "%s: the caller's own request", tc.path)
			} else {
				assert.Same(t, req, reqs[len(reqs)-1], "%s: the redirect chain starts at the caller's request", tc.path)
			}
			for _, r := range reqs {
				assert.Empty(t, r.Header.Values("Authorization"), "%s: a reachable request carries the token", tc.path)
			}
		}
	}

	// The typed methods too: nothing reachable from an error holds the token.
	_, _, err = c.Orgs.Get(t.Context(), "o", Container, "a")
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	for _, r := range reachableRequests(apiErr.Response.Response) {
		assert.Empty(t, r.Header.Values("Authorization"))
	}
}
