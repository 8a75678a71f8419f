package ghpackages

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// testEnv is a test's API server and a Client pointed at it.
type testEnv struct {
	client *Client
	// mux serves the API; a request no pattern matches fails the test.
	mux *http.ServeMux
	// url is the server's root, without a trailing slash.
	url string
	// hits counts every request the server received.
	hits atomic.Int32
	// hc is the server's own HTTP client (its own transport, closed with the
	// server); a Client built in a test must use it, never the shared
	// http.DefaultTransport.
	hc *http.Client
}

// setup starts an httptest server with an empty mux, and a Client for it
// that sends secretToken, with pacing and retries off (opts may override).
// Both are closed by t.Cleanup.
func setup(t *testing.T, opts ...Option) *testEnv {
	t.Helper()
	env := &testEnv{mux: http.NewServeMux()}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		env.hits.Add(1)
		if _, pattern := env.mux.Handler(r); pattern == "" {
			t.Errorf("unexpected request %s %s", r.Method, r.RequestURI)
			http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
			return
		}
		env.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	env.url = srv.URL
	env.hc = srv.Client()
	all := append([]Option{WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithToken(secretToken), WithPacing(NoPacing()), WithRetry(NoRetry())}, opts...)
	c, err := NewClient(all...)
	require.NoError(t, err)
	env.client = c
	return env
}

// The assertion helpers below run inside handlers, on the server's
// goroutines, so they use assert (t.Errorf), never require.

// testMethod asserts the request's method.
func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	assert.Equal(t, want, r.Method, "method of %s", r.RequestURI)
}

// testURI asserts the request target exactly as it went over the wire:
// escaped path and raw query.
func testURI(t *testing.T, r *http.Request, want string) {
	t.Helper()
	assert.Equal(t, want, r.RequestURI, "request target")
}

// testQuery asserts the query parameters, all of them and nothing more.
func testQuery(t *testing.T, r *http.Request, want url.Values) {
	t.Helper()
	if want == nil {
		want = url.Values{}
	}
	assert.Equal(t, want, r.URL.Query(), "query of %s", r.RequestURI)
}

// testHeader asserts one request header.
func testHeader(t *testing.T, r *http.Request, name, want string) {
	t.Helper()
	assert.Equal(t, want, r.Header.Get(name), "header %s of %s", name, r.RequestURI)
}

// testAPIHeaders asserts the headers every API request carries.
func testAPIHeaders(t *testing.T, r *http.Request) {
	t.Helper()
	testHeader(t, r, "Accept", "application/vnd.github+json")
	testHeader(t, r, "X-GitHub-Api-Version", "2022-11-28")
	testHeader(t, r, "User-Agent", "ghpackages-go/"+Version)
	testHeader(t, r, "Authorization", "Bearer "+secretToken)
}

// testBody asserts the request body ("" for none).
func testBody(t *testing.T, r *http.Request, want string) {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	assert.NoError(t, err)
	assert.Equal(t, want, string(b), "body of %s %s", r.Method, r.RequestURI)
	if want == "" {
		assert.Contains(t, []int64{0, -1}, r.ContentLength, "no body on %s %s", r.Method, r.RequestURI)
		assert.Empty(t, r.Header.Get("Content-Type"))
	}
}

func TestNewClientDefaults(t *testing.T) {
	t.Parallel()
	c, err := NewClient()
	require.NoError(t, err)
	assert.Equal(t, "https://api.github.com/", c.BaseURL().String())
	assert.Equal(t, DefaultBaseURL, c.BaseURL().String())
	assert.NotNil(t, c.Orgs)
	assert.NotNil(t, c.User)
	assert.NotNil(t, c.Users)
	assert.Equal(t, Rate{}, c.Rate("core"))

	c, err = NewClient(nil)
	require.NoError(t, err, "a nil option is ignored")
	assert.Equal(t, "https://api.github.com/", c.BaseURL().String())
}

func TestNewClientRefusesBadOptions(t *testing.T) {
	t.Parallel()
	bad := map[string]Option{
		"empty token":         WithToken(""),
		"blank token":         WithToken(" \t"),
		"nil token source":    WithTokenSource(nil),
		"nil http client":     WithHTTPClient(nil),
		"empty base URL":      WithBaseURL(""),
		"no scheme":           WithBaseURL("api.github.com"),
		"relative path":       WithBaseURL("/api/v3/"),
		"no host":             WithBaseURL("https:///api/v3/"),
		"ftp":                 WithBaseURL("ftp://api.github.com/"),
		"credentials in URL":  WithBaseURL("https://user:pass@api.github.com/"),
		"query in URL":        WithBaseURL("https://api.github.com/?x=1"),
		"fragment in URL":     WithBaseURL("https://api.github.com/#x"),
		"unparsable URL":      WithBaseURL("https://api.github.com/%zz"),
		"control char in URL": WithBaseURL("https://api.github.com/\x7f"),
		"empty user agent":    WithUserAgent(""),
		"empty API version":   WithAPIVersion(""),
	}
	for name, opt := range bad {
		c, err := NewClient(opt)
		assert.Nil(t, c, name)
		require.ErrorIs(t, err, ErrInvalidArgument, name)
		assert.NotContains(t, err.Error(), "pass", name)
	}
}

func TestBaseURLNormalisation(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://api.github.com":               "https://api.github.com/",
		"https://api.github.com/":              "https://api.github.com/",
		"https://ghes.example.com/api/v3":      "https://ghes.example.com/api/v3/",
		"https://ghes.example.com/api/v3/":     "https://ghes.example.com/api/v3/",
		"https://ghes.example.com:8443/api/v3": "https://ghes.example.com:8443/api/v3/",
		"http://127.0.0.1:9000":                "http://127.0.0.1:9000/",
	} {
		c, err := NewClient(WithBaseURL(in))
		require.NoError(t, err, in)
		assert.Equal(t, want, c.BaseURL().String(), in)
	}
	// BaseURL hands out a copy.
	c, err := NewClient(WithBaseURL("https://ghes.example.com/api/v3"))
	require.NoError(t, err)
	c.BaseURL().Path = "/elsewhere/"
	assert.Equal(t, "https://ghes.example.com/api/v3/", c.BaseURL().String())
}

func TestGHESBaseURLAndHeaders(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"/api/v3", "/api/v3/"} {
		env := setup(t)
		env.mux.HandleFunc("GET /api/v3/orgs/octo-org/packages/container/{name}", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, http.MethodGet)
			testURI(t, r, "/api/v3/orgs/octo-org/packages/container/team%2Fapp")
			assert.Equal(t, "team/app", r.PathValue("name"))
			testHeader(t, r, "User-Agent", "my-tool/2.0")
			testHeader(t, r, "X-GitHub-Api-Version", "2026-03-10")
			testHeader(t, r, "Authorization", "Bearer t1")
			testHeader(t, r, "Accept", "application/vnd.github+json")
			w.Write([]byte(`{"id":1}`))
		})
		c, err := NewClient(WithBaseURL(env.url+base), WithHTTPClient(env.hc), WithToken("t1"), WithUserAgent("my-tool/2.0"), WithAPIVersion("2026-03-10"), WithPacing(NoPacing()))
		require.NoError(t, err)
		assert.Equal(t, env.url+"/api/v3/", c.BaseURL().String())
		pkg, _, err := c.Orgs.Get(t.Context(), "octo-org", Container, "team/app")
		require.NoError(t, err)
		assert.Equal(t, int64(1), pkg.ID)
		assert.Equal(t, int32(1), env.hits.Load())
	}
}

type countingSource struct{ n atomic.Int32 }

func (s *countingSource) Token() (*oauth2.Token, error) {
	n := s.n.Add(1)
	return &oauth2.Token{AccessToken: "tok" + strconv.Itoa(int(n))}, nil
}

func TestTokenSourceAskedPerRequest(t *testing.T) {
	t.Parallel()
	env := setup(t)
	var auths []string
	var mu sync.Mutex
	env.mux.HandleFunc("GET /orgs/o/packages/container/a", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Write([]byte(`{"id":1}`))
	})
	src := &countingSource{}
	c, err := NewClient(WithBaseURL(env.url), WithHTTPClient(env.hc), WithTokenSource(src), WithPacing(NoPacing()))
	require.NoError(t, err)
	for range 3 {
		_, _, err := c.Orgs.Get(t.Context(), "o", Container, "a")
		require.NoError(t, err)
	}
	assert.Equal(t, []string{"Bearer tok1", "Bearer tok2", "Bearer tok3"}, auths)
	assert.Equal(t, int32(3), src.n.Load())

	// No token: no Authorization header at all.
	c, err = NewClient(WithBaseURL(env.url), WithHTTPClient(env.hc), WithPacing(NoPacing()))
	require.NoError(t, err)
	_, _, err = c.Orgs.Get(t.Context(), "o", Container, "a")
	require.NoError(t, err)
	assert.Equal(t, []string{"Bearer tok1", "Bearer tok2", "Bearer tok3", ""}, auths)
}

// recordingTransport counts the requests sent through it.
type recordingTransport struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.n.Add(1)
	return rt.next.RoundTrip(r)
}

func TestWithHTTPClientUsedButNotMutated(t *testing.T) {
	t.Parallel()
	env := setup(t)
	env.mux.HandleFunc("GET /user/packages/npm/a", func(w http.ResponseWriter, r *http.Request) {
		testAPIHeaders(t, r)
		w.Write([]byte(`{"id":1}`))
	})
	rt := &recordingTransport{next: env.hc.Transport}
	hc := &http.Client{Transport: rt, Timeout: 7 * time.Second}
	c, err := NewClient(WithBaseURL(env.url), WithToken(secretToken), WithHTTPClient(hc), WithPacing(NoPacing()))
	require.NoError(t, err)
	_, _, err = c.User.Get(t.Context(), NPM, "a")
	require.NoError(t, err)
	assert.Equal(t, int32(1), rt.n.Load(), "requests go through the caller's transport")
	assert.Same(t, rt, hc.Transport, "the caller's client keeps its transport")
	assert.Nil(t, hc.CheckRedirect)
	assert.Equal(t, 7*time.Second, hc.Timeout)

	// The caller's client, used directly, still sends no token.
	env.mux.HandleFunc("GET /direct", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "Authorization", "")
	})
	resp, err := hc.Get(env.url + "/direct")
	require.NoError(t, err)
	resp.Body.Close()
}

func TestPlainHTTPTokenRefusedUnlessLoopback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"http://api.example.com/", false},
		{"http://10.0.0.1/api/v3", false},
		{"http://192.168.1.1:8080/", false},
		{"http://localhost.example.com/", false},
		{"http://127.0.0.1.nip.io/", false},
		{"http://[::ffff:10.0.0.1]/", false},
		{"http://127.0.0.1:8080/", true},
		{"http://127.1.2.3/", true},
		{"http://[::1]:9/", true},
		{"http://localhost:3000/api/v3/", true},
		{"http://LOCALHOST/", true},
		{"https://ghes.example.com/api/v3", true},
	} {
		_, err := NewClient(WithBaseURL(tc.url), WithToken(secretToken))
		_, errSource := NewClient(WithBaseURL(tc.url), WithTokenSource(&countingSource{}))
		if tc.ok {
			assert.NoError(t, err, tc.url)
			assert.NoError(t, errSource, tc.url)
			continue
		}
		require.ErrorIs(t, err, ErrInvalidArgument, tc.url)
		assert.ErrorContains(t, err, "refusing to send a token over plain http", tc.url)
		assert.NotContains(t, err.Error(), secretToken)
		assert.ErrorIs(t, errSource, ErrInvalidArgument, tc.url)
		// Without a token, plain http is allowed (nothing to leak).
		_, err = NewClient(WithBaseURL(tc.url))
		assert.NoError(t, err, tc.url)
	}
}

func TestNewRequest(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithBaseURL("https://ghes.example.com/api/v3"), WithUserAgent("ua/1"))
	require.NoError(t, err)
	for _, tc := range []struct{ path, want string }{
		{"orgs/o/packages", "https://ghes.example.com/api/v3/orgs/o/packages"},
		{"orgs/o/packages/container/team%2Fapp", "https://ghes.example.com/api/v3/orgs/o/packages/container/team%2Fapp"},
		{"repos/o/r/stuff?keep=1", "https://ghes.example.com/api/v3/repos/o/r/stuff?keep=1"},
		{"https://ghes.example.com/organizations/1/x?page=2&after=c%3D1", "https://ghes.example.com/organizations/1/x?page=2&after=c%3D1"},
	} {
		req, err := c.NewRequest(t.Context(), http.MethodGet, tc.path, nil)
		require.NoError(t, err, tc.path)
		assert.Equal(t, tc.want, req.URL.String(), tc.path)
		assert.Equal(t, "application/vnd.github+json", req.Header.Get("Accept"))
		assert.Equal(t, "2022-11-28", req.Header.Get("X-GitHub-Api-Version"))
		assert.Equal(t, "ua/1", req.Header.Get("User-Agent"))
		assert.Empty(t, req.Header.Get("Authorization"), "the token is added when sent, not stored in the request")
		assert.Empty(t, req.Header.Get("Content-Type"))
		assert.Nil(t, req.Body)
	}
	for _, bad := range []string{"/absolute-path", "https://example.com/x", "http://ghes.example.com/api/v3/x", "%zz"} {
		_, err := c.NewRequest(t.Context(), http.MethodGet, bad, nil)
		assert.ErrorIs(t, err, ErrInvalidArgument, bad)
	}
	_, err = c.NewRequest(nilContext(), http.MethodGet, "x", nil)
	assert.ErrorIs(t, err, ErrInvalidArgument)

	// A body is JSON, rewindable (so it can be retried), on POST, PUT, PATCH
	// and DELETE (GitHub has DELETE endpoints that take one).
	type label struct {
		Name  string `json:"name"`
		Color string `json:"color,omitempty"`
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		req, err := c.NewRequest(t.Context(), method, "repos/o/r/labels", &label{Name: "bug/ui"})
		require.NoError(t, err, method)
		assert.Equal(t, "application/json", req.Header.Get("Content-Type"), method)
		require.NotNil(t, req.GetBody, method)
		for range 2 {
			body, err := req.GetBody()
			require.NoError(t, err)
			b, err := io.ReadAll(body)
			require.NoError(t, err)
			assert.JSONEq(t, `{"name":"bug/ui"}`, string(b), method)
		}
		assert.Equal(t, int64(len(`{"name":"bug/ui"}`)), req.ContentLength, method)
	}
	req, err := c.NewRequest(t.Context(), http.MethodPost, "markdown/raw", json.RawMessage(`{"text":"# hi"}`))
	require.NoError(t, err)
	b, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	assert.Equal(t, `{"text":"# hi"}`, string(b), "a json.RawMessage is sent as it is")
	// A nil pointer is no body.
	req, err = c.NewRequest(t.Context(), http.MethodPost, "x", (*label)(nil))
	require.NoError(t, err)
	assert.Nil(t, req.Body)
	assert.Empty(t, req.Header.Get("Content-Type"))
}

// TestNewRequestRefusesMisuse: NewRequest's fourth argument is a body, as
// in go-github. Passing it a query, or a body where HTTP has none, is
// refused with a message that says what to do, never sent silently wrong.
func TestNewRequestRefusesMisuse(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithBaseURL("https://api.github.com/"))
	require.NoError(t, err)
	type embedsQuery struct {
		PackageListOptions
		Extra string `json:"extra"`
	}
	for _, tc := range []struct {
		name   string
		method string
		body   any
		says   string
	}{
		{"GET with a body", http.MethodGet, map[string]string{"a": "b"}, "a GET request has no body"},
		{"HEAD with a body", http.MethodHead, struct{ A int }{1}, "a HEAD request has no body"},
		{"GET with query options", http.MethodGet, &PackageListOptions{PerPage: 100}, "AddQuery"},
		{"POST with query options", http.MethodPost, &RestoreOptions{Token: "t"}, "RestoreOptions is a query"},
		{"DELETE with query options by value", http.MethodDelete, PackageVersionListOptions{State: StateDeleted}, "PackageVersionListOptions is a query"},
		{"POST with url.Values", http.MethodPost, url.Values{"token": {"t"}}, "url.Values is a query"},
		{"POST with embedded query options", http.MethodPost, embedsQuery{Extra: "x"}, "embedsQuery is a query"},
		{"POST with an unencodable body", http.MethodPost, map[string]any{"ch": make(chan int)}, "encoding body"},
	} {
		req, err := c.NewRequest(t.Context(), tc.method, "orgs/o/packages/container/app/restore", tc.body)
		assert.Nil(t, req, tc.name)
		assert.ErrorIs(t, err, ErrInvalidArgument, tc.name)
		assert.ErrorContains(t, err, tc.says, tc.name)
	}
}

func TestAddQuery(t *testing.T) {
	t.Parallel()
	type q struct {
		Since string `url:"since,omitempty"`
		N     int    `url:"n"`
	}
	for _, tc := range []struct {
		path  string
		query any
		want  string
	}{
		{"orgs/o/packages", nil, "orgs/o/packages"},
		{"orgs/o/packages", (*PackageListOptions)(nil), "orgs/o/packages"},
		{"orgs/o/packages/container/team%2Fapp/versions", &PackageVersionListOptions{State: StateDeleted}, "orgs/o/packages/container/team%2Fapp/versions?state=deleted"},
		{"repos/o/r/stuff?keep=1", q{N: 3}, "repos/o/r/stuff?keep=1&n=3"},
		{"x", q{Since: "a b", N: 0}, "x?n=0&since=a+b"},
		{"x", url.Values{"a": {"1", "2"}}, "x?a=1&a=2"},
		{"x", map[string]string{"k": "v/w"}, "x?k=v%2Fw"},
		{"x", &PackageListOptions{PerPage: 100}, "x?per_page=100"},
		{"https://api.github.com/orgs/o/packages?package_type=npm", PackageListOptions{Page: 2}, "https://api.github.com/orgs/o/packages?package_type=npm&page=2"},
	} {
		got, err := AddQuery(tc.path, tc.query)
		require.NoError(t, err, tc.path)
		assert.Equal(t, tc.want, got, tc.path)
	}
	_, err := AddQuery("x", 42)
	assert.ErrorIs(t, err, ErrInvalidArgument, "a query that is neither url.Values nor a struct")
	_, err = AddQuery("%zz", nil)
	assert.ErrorIs(t, err, ErrInvalidArgument)
}

func TestDoEscapeHatch(t *testing.T) {
	t.Parallel()
	env := setup(t)
	env.mux.HandleFunc("GET /repos/o/r/stuff", func(w http.ResponseWriter, r *http.Request) {
		testAPIHeaders(t, r)
		testQuery(t, r, url.Values{"keep": {"1"}, "n": {"3"}})
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "4990")
		w.Header().Set("X-RateLimit-Used", "10")
		w.Header().Set("X-RateLimit-Reset", "1795525200")
		w.Header().Set("X-RateLimit-Resource", "core")
		w.Header().Set("X-GitHub-Request-Id", "CAFE:BEEF")
		w.Header().Set("X-OAuth-Scopes", "")
		w.Header().Set("X-Accepted-OAuth-Scopes", "read:packages")
		w.Header().Set("Link", `<`+env.url+`/repos/o/r/stuff?page=3>; rel="next", <`+env.url+`/repos/o/r/stuff?page=1>; rel="prev", <`+env.url+`/repos/o/r/stuff?page=1>; rel="first", <`+env.url+`/repos/o/r/stuff?page=9>; rel="last"`)
		w.Write([]byte(`{"echo":"` + r.RequestURI + `"}`))
	})
	env.mux.HandleFunc("DELETE /repos/o/r/thing", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodDelete)
		testAPIHeaders(t, r)
		testBody(t, r, "")
		w.WriteHeader(http.StatusNoContent)
	})
	c := env.client

	path, err := AddQuery("repos/o/r/stuff?keep=1", struct {
		N int `url:"n"`
	}{3})
	require.NoError(t, err)
	req, err := c.NewRequest(t.Context(), http.MethodGet, path, nil)
	require.NoError(t, err)
	var out struct{ Echo string }
	resp, err := c.Do(req, &out)
	require.NoError(t, err)
	assert.Equal(t, "/repos/o/r/stuff?keep=1&n=3", out.Echo)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, Rate{Limit: 5000, Remaining: 4990, Used: 10, Reset: time.Unix(1795525200, 0), Resource: "core"}, resp.Rate)
	assert.Equal(t, resp.Rate, c.Rate("core"), "the client remembers the last rate")
	assert.Equal(t, "CAFE:BEEF", resp.RequestID)
	assert.Equal(t, env.url+"/repos/o/r/stuff?page=3", resp.NextURL)
	assert.Equal(t, env.url+"/repos/o/r/stuff?page=1", resp.PrevURL)
	assert.Equal(t, env.url+"/repos/o/r/stuff?page=1", resp.FirstURL)
	assert.Equal(t, env.url+"/repos/o/r/stuff?page=9", resp.LastURL)
	assert.Equal(t, []int{3, 1, 1, 9}, []int{resp.NextPage, resp.PrevPage, resp.FirstPage, resp.LastPage})
	assert.NotNil(t, resp.TokenScopes, "present but empty header: a classic token with no scopes")
	assert.Empty(t, resp.TokenScopes)
	assert.Equal(t, []Scope{ScopeReadPackages}, resp.AcceptedScopes)
	assert.Equal(t, 1, resp.Attempts)

	// An io.Writer receives the raw body.
	req, err = c.NewRequest(t.Context(), http.MethodGet, "repos/o/r/stuff?keep=1&n=3", nil)
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = c.Do(req, &buf)
	require.NoError(t, err)
	assert.Equal(t, `{"echo":"/repos/o/r/stuff?keep=1&n=3"}`, buf.String())

	// A 204 with a target leaves it untouched.
	req, err = c.NewRequest(t.Context(), http.MethodDelete, "repos/o/r/thing", nil)
	require.NoError(t, err)
	untouched := struct{ A int }{7}
	resp, err = c.Do(req, &untouched)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, 7, untouched.A)
	assert.Nil(t, resp.TokenScopes, "absent header: unknown scopes (fine-grained token)")
	assert.Nil(t, resp.AcceptedScopes)
	assert.Empty(t, resp.NextURL)
	assert.Zero(t, resp.NextPage)

	// An error status through Do is mapped like any other.
	req, err = c.NewRequest(t.Context(), http.MethodGet, "nowhere", nil)
	require.NoError(t, err)
	env.mux.HandleFunc("GET /nowhere", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
	})
	resp, err = c.Do(req, nil)
	assert.ErrorIs(t, err, ErrNotFound)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	_, err = c.Do(nil, nil)
	assert.ErrorIs(t, err, ErrInvalidArgument)
	other, _ := http.NewRequest(http.MethodGet, "https://example.com/", nil)
	_, err = c.Do(other, nil)
	assert.ErrorIs(t, err, ErrInvalidArgument, "Do refuses hosts other than the API's")
	assert.Equal(t, int32(4), env.hits.Load())
}

func TestDoDecodeFailures(t *testing.T) {
	t.Parallel()
	env := setup(t)
	env.mux.HandleFunc("GET /bad-json", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"id":`)) })
	env.mux.HandleFunc("GET /wrong-type", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"id":"seven"}`)) })
	for _, path := range []string{"bad-json", "wrong-type"} {
		req, err := env.client.NewRequest(t.Context(), http.MethodGet, path, nil)
		require.NoError(t, err)
		var pkg Package
		resp, err := env.client.Do(req, &pkg)
		require.Error(t, err, path)
		assert.ErrorContains(t, err, "decoding 200 response", path)
		var apiErr *Error
		assert.False(t, asError(err, &apiErr), "a decode failure is not an API error")
		require.NotNil(t, resp, path)
		assert.Equal(t, 200, resp.StatusCode)
	}
}

func TestClientIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	env := setup(t, WithETagCache(8, 1<<16))
	env.mux.HandleFunc("GET /orgs/o/packages/container/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "4000")
		w.Write([]byte(`{"id":1,"name":"` + r.PathValue("name") + `"}`))
	})
	env.mux.HandleFunc("GET /orgs/o/packages/container/{name}/versions", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`[{"id":1},{"id":2}]`))
	})
	env.mux.HandleFunc("DELETE /orgs/o/packages/container/{name}/versions/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	c := env.client
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			name := "pkg" + strconv.Itoa(i%4)
			p, _, err := c.Orgs.Get(t.Context(), "o", Container, name)
			if assert.NoError(t, err) {
				assert.Equal(t, name, p.Name)
			}
			vs, err := Collect(c.Orgs.AllVersions(t.Context(), "o", Container, name, nil))
			assert.NoError(t, err)
			assert.Len(t, vs, 2)
			_, err = c.Orgs.DeleteVersion(t.Context(), "o", Container, name, int64(i+1))
			assert.NoError(t, err)
			_ = c.Rate("core")
		})
	}
	wg.Wait()
	assert.Equal(t, 4000, c.Rate("core").Remaining)
	assert.Equal(t, int32(96), env.hits.Load())
}

// TestRatePerResource: the Client keeps one Rate per X-RateLimit-Resource.
// A raw call to another resource (search, graphql) whose budget is spent
// neither overwrites the core budget nor makes core requests wait, and a
// limit on it holds back only that request.
func TestRatePerResource(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	now := clock.Now()
	coreReset := strconv.FormatInt(now.Add(time.Hour).Unix(), 10)
	searchReset := strconv.FormatInt(now.Add(30*time.Second).Unix(), 10)
	var searchHits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orgs/o/packages/container/app", func(w http.ResponseWriter, r *http.Request) {
		for k, v := range map[string]string{"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4999", "X-RateLimit-Used": "1",
			"X-RateLimit-Reset": coreReset, "X-RateLimit-Resource": "core"} {
			w.Header().Set(k, v)
		}
		okJSON(`{"id":1}`)(w, r)
	})
	mux.HandleFunc("GET /search/code", func(w http.ResponseWriter, r *http.Request) {
		h := []string{"X-RateLimit-Limit", "30", "X-RateLimit-Remaining", "0", "X-RateLimit-Used", "30",
			"X-RateLimit-Reset", searchReset, "X-RateLimit-Resource", "search"}
		if searchHits.Add(1) == 1 {
			status(http.StatusForbidden, "API rate limit exceeded for user ID 1.", h...)(w, r)
			return
		}
		status(http.StatusOK, "", h...)(w, r)
	})
	mux.HandleFunc("GET /no-resource", func(w http.ResponseWriter, r *http.Request) {
		status(http.StatusOK, "", "X-RateLimit-Limit", "60", "X-RateLimit-Remaining", "59")(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithToken("t"), WithClock(clock), WithPacing(NoPacing()))
	require.NoError(t, err)
	ctx := t.Context()

	_, _, err = c.Orgs.Get(ctx, "o", Container, "app")
	require.NoError(t, err)
	core := Rate{Limit: 5000, Remaining: 4999, Used: 1, Reset: time.Unix(now.Add(time.Hour).Unix(), 0), Resource: "core"}
	assert.Equal(t, core, c.Rate("core"))

	// The search budget is spent: that request waits for its reset (once),
	// and then succeeds.
	req, err := c.NewRequest(ctx, http.MethodGet, "search/code", nil)
	require.NoError(t, err)
	resp, err := c.Do(req, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)
	assert.Equal(t, int32(2), searchHits.Load())
	assert.Equal(t, []time.Duration{31 * time.Second}, clock.sleeps(), "only the search request waited, for its own reset")
	search := Rate{Limit: 30, Remaining: 0, Used: 30, Reset: time.Unix(now.Add(30*time.Second).Unix(), 0), Resource: "search"}
	assert.Equal(t, search, c.Rate("search"))
	assert.Equal(t, core, c.Rate("core"), "the core budget is untouched by a search call")

	// A spent search budget does not hold back core requests: no pause, no
	// wait before the reset.
	c.limiter.mu.Lock()
	assert.True(t, c.limiter.pauseUntil.IsZero(), "a non-core primary limit does not pause the client")
	c.limiter.mu.Unlock()
	_, _, err = c.Orgs.Get(ctx, "o", Container, "app")
	require.NoError(t, err)
	assert.Len(t, clock.sleeps(), 1, "the core request went at once")

	// Rates is a copy of every record.
	all := c.Rates()
	assert.Equal(t, map[string]Rate{"core": core, "search": search}, all)
	delete(all, "core")
	assert.Equal(t, core, c.Rate("core"))
	assert.Equal(t, Rate{}, c.Rate("graphql"))

	// A response that names no resource is about the core budget (as GitHub
	// Enterprise Server and older proxies answer).
	req, err = c.NewRequest(ctx, http.MethodGet, "no-resource", nil)
	require.NoError(t, err)
	resp, err = c.Do(req, nil)
	require.NoError(t, err)
	assert.Empty(t, resp.Rate.Resource, "the Response reports the headers as sent")
	assert.Equal(t, Rate{Limit: 60, Remaining: 59, Resource: "core"}, c.Rate("core"))
}

// Rate decodes GitHub's GET /rate_limit body, whose reset is in epoch
// seconds (testdata/rate_limit.json is the body GitHub documents), and
// encodes back to that shape. (Its JSON tags used to expect an RFC 3339
// time, so the documented body did not decode at all.)
func TestRateDecodesTheRateLimitBody(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile(filepath.Join("testdata", "rate_limit.json"))
	require.NoError(t, err)
	var got struct {
		Resources map[string]Rate `json:"resources"`
		Rate      Rate            `json:"rate"`
	}
	require.NoError(t, json.Unmarshal(body, &got))
	core := Rate{Limit: 5000, Remaining: 4999, Used: 1, Reset: time.Unix(1372700873, 0)}
	assert.Equal(t, core, got.Resources["core"])
	assert.Equal(t, Rate{Limit: 30, Remaining: 18, Used: 12, Reset: time.Unix(1372697452, 0)}, got.Resources["search"])
	assert.Len(t, got.Resources, 5)
	assert.Equal(t, core, got.Rate)

	// Through Do, as a caller would read it.
	c := answer(t, 200, string(body))
	req, err := c.NewRequest(t.Context(), http.MethodGet, "rate_limit", nil)
	require.NoError(t, err)
	var viaDo struct {
		Resources map[string]Rate `json:"resources"`
	}
	_, err = c.Do(req, &viaDo)
	require.NoError(t, err)
	assert.Equal(t, got.Resources, viaDo.Resources)

	// Encoding writes the same shape, and reads back the same Rate.
	withResource := Rate{Limit: 60, Remaining: 0, Used: 60, Reset: time.Unix(1795525200, 0), Resource: "search"}
	for _, r := range []Rate{core, withResource, {}} {
		b, err := json.Marshal(r)
		require.NoError(t, err)
		var fields map[string]any
		require.NoError(t, json.Unmarshal(b, &fields))
		wantReset := float64(0)
		if !r.Reset.IsZero() {
			wantReset = float64(r.Reset.Unix())
		}
		assert.Equal(t, wantReset, fields["reset"], string(b))
		var back Rate
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, r, back, string(b))
	}
}

// callAll calls every exported method of recv (a value of a pointer type)
// with plausible arguments and returns, by method name, the error it
// reported: its last result, or the first error an iterator yielded.
// Methods with no error to report are called too, to see they do not
// panic. next gathers results worth calling in turn (a *OwnerPackages).
func callAll(t *testing.T, recv any) (errs map[string]error, next []any) {
	t.Helper()
	errs = map[string]error{}
	rv := reflect.ValueOf(recv)
	req, err := http.NewRequest(http.MethodGet, "https://api.github.com/rate_limit", nil)
	require.NoError(t, err)
	for i := range rv.NumMethod() {
		m, name := rv.Method(i), rv.Type().Method(i).Name
		var args []reflect.Value
		for j := range m.Type().NumIn() {
			switch in := m.Type().In(j); {
			case in == reflect.TypeFor[context.Context]():
				args = append(args, reflect.ValueOf(t.Context()))
			case in == reflect.TypeFor[*http.Request]():
				args = append(args, reflect.ValueOf(req.WithContext(t.Context())))
			case in == reflect.TypeFor[PackageType]():
				args = append(args, reflect.ValueOf(Container))
			case in == reflect.TypeFor[Owner]():
				args = append(args, reflect.ValueOf(OrgOwner("o")))
			case in.Kind() == reflect.String:
				args = append(args, reflect.ValueOf("o").Convert(in))
			case in.Kind() == reflect.Int64:
				args = append(args, reflect.ValueOf(int64(1)))
			default:
				args = append(args, reflect.Zero(in))
			}
		}
		var out []reflect.Value
		require.NotPanics(t, func() { out = m.Call(args) }, name)
		if len(out) == 0 {
			continue
		}
		last := out[len(out)-1]
		switch {
		case last.Type() == reflect.TypeFor[error]():
			e, _ := last.Interface().(error)
			errs[name] = e
		case last.Kind() == reflect.Func && last.Type().NumIn() == 1: // iter.Seq2[*T, error]
			yield := last.Type().In(0)
			var got error
			fn := reflect.MakeFunc(yield, func(a []reflect.Value) []reflect.Value {
				got, _ = a[1].Interface().(error)
				return []reflect.Value{reflect.ValueOf(false)}
			})
			require.NotPanics(t, func() { last.Call([]reflect.Value{fn}) }, name)
			errs[name] = got
		case last.Type() == reflect.TypeFor[*OwnerPackages]():
			next = append(next, last.Interface())
		}
	}
	return errs, next
}

// A Client not made by NewClient (the zero Client{}, or a nil *Client) and
// its nil services answer every method with an error matching
// ErrInvalidArgument, never a panic, and send nothing. (Do used to
// dereference a nil pointer.)
func TestZeroClientReturnsErrors(t *testing.T) {
	t.Parallel()
	var zero Client
	var nilClient *Client
	receivers := []any{&zero, nilClient, zero.Orgs, zero.User, zero.Users, (*OwnerPackages)(nil)}
	methods := 0
	for len(receivers) > 0 {
		recv := receivers[0]
		receivers = receivers[1:]
		errs, next := callAll(t, recv)
		receivers = append(receivers, next...)
		for name, err := range errs {
			methods++
			assert.ErrorIs(t, err, ErrInvalidArgument, "%T.%s", recv, name)
			assert.ErrorContains(t, err, "NewClient", "%T.%s", recv, name)
		}
	}
	assert.Greater(t, methods, 50, "the methods that report errors were all called")
	assert.Nil(t, zero.BaseURL())
	assert.Nil(t, nilClient.BaseURL())
	assert.Equal(t, Rate{}, nilClient.Rate("core"))
	assert.Empty(t, nilClient.Rates())
}
