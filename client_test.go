package ghpackages

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestNewClientRefusesBadOptions(t *testing.T) {
	t.Parallel()
	bad := map[string]Option{
		"empty token":        WithToken(" "),
		"nil token source":   WithTokenSource(nil),
		"nil http client":    WithHTTPClient(nil),
		"no scheme":          WithBaseURL("api.github.com"),
		"ftp":                WithBaseURL("ftp://api.github.com/"),
		"credentials in URL": WithBaseURL("https://user:pass@api.github.com/"),
		"query in URL":       WithBaseURL("https://api.github.com/?x=1"),
		"unparsable URL":     WithBaseURL("https://api.github.com/%zz"),
		"empty user agent":   WithUserAgent(""),
		"empty API version":  WithAPIVersion(""),
	}
	for name, opt := range bad {
		c, err := NewClient(opt)
		assert.Nil(t, c, name)
		assert.ErrorIs(t, err, ErrInvalidArgument, name)
		if err != nil {
			assert.NotContains(t, err.Error(), "pass", name)
		}
	}
	c, err := NewClient(nil)
	require.NoError(t, err, "a nil option is ignored")
	assert.Equal(t, "https://api.github.com/", c.BaseURL().String())
}

// headerServer records the headers and path of the last request.
func headerServer(t *testing.T) (*httptest.Server, func() (http.Header, string)) {
	t.Helper()
	var mu sync.Mutex
	var h http.Header
	var uri string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h, uri = r.Header.Clone(), r.URL.RequestURI()
		mu.Unlock()
		w.Write([]byte(`{"id":1}`))
	}))
	t.Cleanup(srv.Close)
	return srv, func() (http.Header, string) {
		mu.Lock()
		defer mu.Unlock()
		return h, uri
	}
}

func TestGHESBaseURLAndHeaders(t *testing.T) {
	t.Parallel()
	srv, last := headerServer(t)
	for _, base := range []string{srv.URL + "/api/v3", srv.URL + "/api/v3/"} {
		c, err := NewClient(WithBaseURL(base), WithToken("t1"), WithUserAgent("my-tool/2.0"), WithAPIVersion("2026-03-10"), WithPacing(NoPacing))
		require.NoError(t, err)
		assert.Equal(t, srv.URL+"/api/v3/", c.BaseURL().String())
		_, _, err = c.Orgs.Get(t.Context(), "o", Container, "team/app")
		require.NoError(t, err)
		h, uri := last()
		assert.Equal(t, "/api/v3/orgs/o/packages/container/team%2Fapp", uri)
		assert.Equal(t, "my-tool/2.0", h.Get("User-Agent"))
		assert.Equal(t, "2026-03-10", h.Get("X-GitHub-Api-Version"))
		assert.Equal(t, "Bearer t1", h.Get("Authorization"))
	}
	// BaseURL hands out a copy.
	c, _ := NewClient(WithBaseURL(srv.URL))
	c.BaseURL().Path = "/elsewhere/"
	assert.Equal(t, srv.URL+"/", c.BaseURL().String())
}

type countingSource struct{ n atomic.Int32 }

func (s *countingSource) Token() (*oauth2.Token, error) {
	n := s.n.Add(1)
	return &oauth2.Token{AccessToken: "tok" + strconv.Itoa(int(n))}, nil
}

func TestTokenSourceAskedPerRequestAndHTTPClientUntouched(t *testing.T) {
	t.Parallel()
	srv, last := headerServer(t)
	src := &countingSource{}
	base := &http.Client{Timeout: 7 * time.Second}
	c, err := NewClient(WithBaseURL(srv.URL), WithTokenSource(src), WithHTTPClient(base), WithPacing(NoPacing))
	require.NoError(t, err)
	for i := 1; i <= 3; i++ {
		_, _, err := c.Orgs.Get(t.Context(), "o", Container, "a")
		require.NoError(t, err)
		h, _ := last()
		assert.Equal(t, "Bearer tok"+strconv.Itoa(i), h.Get("Authorization"))
	}
	assert.Nil(t, base.Transport, "the caller's client is not modified")
	assert.Nil(t, base.CheckRedirect)
	assert.Equal(t, 7*time.Second, base.Timeout)

	// No token: no Authorization header at all.
	c, err = NewClient(WithBaseURL(srv.URL), WithPacing(NoPacing))
	require.NoError(t, err)
	_, _, err = c.Orgs.Get(t.Context(), "o", Container, "a")
	require.NoError(t, err)
	h, _ := last()
	assert.Empty(t, h.Values("Authorization"))
}

func TestNewRequestAndDoEscapeHatch(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "4990")
		w.Header().Set("X-RateLimit-Used", "10")
		w.Header().Set("X-RateLimit-Reset", "1795525200")
		w.Header().Set("X-RateLimit-Resource", "core")
		w.Header().Set("X-GitHub-Request-Id", "RID")
		w.Header().Set("X-OAuth-Scopes", "")
		w.Header().Set("X-Accepted-OAuth-Scopes", "read:packages")
		w.Write([]byte(`{"echo":"` + r.URL.RequestURI() + `"}`))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithPacing(NoPacing))
	require.NoError(t, err)
	assert.Equal(t, Rate{}, c.Rate(), "no rate before any response")

	type q struct {
		Since string `url:"since,omitempty"`
		N     int    `url:"n"`
	}
	req, err := c.NewRequest(t.Context(), "GET", "repos/o/r/stuff?keep=1", q{N: 3})
	require.NoError(t, err)
	var out struct{ Echo string }
	resp, err := c.Do(req, &out)
	require.NoError(t, err)
	assert.Equal(t, "/repos/o/r/stuff?keep=1&n=3", out.Echo)
	assert.Equal(t, Rate{Limit: 5000, Remaining: 4990, Used: 10, Reset: time.Unix(1795525200, 0), Resource: "core"}, resp.Rate)
	assert.Equal(t, resp.Rate, c.Rate())
	assert.Equal(t, "RID", resp.RequestID)
	assert.NotNil(t, resp.TokenScopes, "present but empty header: no scopes, not unknown")
	assert.Empty(t, resp.TokenScopes)
	assert.Equal(t, []Scope{ScopeReadPackages}, resp.AcceptedScopes)
	assert.Equal(t, 1, resp.Attempts)

	req, err = c.NewRequest(t.Context(), "GET", "x", url.Values{"a": {"1", "2"}})
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = c.Do(req, &buf)
	require.NoError(t, err)
	assert.Equal(t, `{"echo":"/x?a=1&a=2"}`, buf.String(), "an io.Writer gets the raw body")

	for _, bad := range []string{"/absolute-path", "https://example.com/x", "http://" + "other.invalid/"} {
		_, err := c.NewRequest(t.Context(), "GET", bad, nil)
		assert.ErrorIs(t, err, ErrInvalidArgument, bad)
	}
	_, err = c.Do(nil, nil)
	assert.ErrorIs(t, err, ErrInvalidArgument)
	other, _ := http.NewRequest("GET", "https://example.com/", nil)
	_, err = c.Do(other, nil)
	assert.ErrorIs(t, err, ErrInvalidArgument, "Do refuses hosts other than the API's")
}

func TestTokenScopesCall(t *testing.T) {
	t.Parallel()
	for header, want := range map[string][]Scope{
		"read:packages, delete:packages": {ScopeReadPackages, ScopeDeletePackages},
		"":                               {},
		"-":                              nil, // absent: a fine-grained token
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			assert.Equal(t, "/rate_limit", r.URL.Path)
			if header != "-" {
				w.Header().Set("X-OAuth-Scopes", header)
			}
			w.Write([]byte(`{}`))
		}))
		c, err := NewClient(WithBaseURL(srv.URL), WithToken("t"), WithPacing(NoPacing))
		require.NoError(t, err)
		got, _, err := c.TokenScopes(t.Context())
		require.NoError(t, err)
		assert.Equal(t, want, got, header)
		srv.Close()
	}
}

func TestScopeRules(t *testing.T) {
	t.Parallel()
	for _, typ := range PackageTypes() {
		repo := []Scope{}
		if typ != Container {
			repo = []Scope{ScopeRepo}
		}
		assert.Equal(t, append([]Scope{ScopeReadPackages}, repo...), RequiredScopes(OperationRead, typ), typ)
		assert.Equal(t, append([]Scope{ScopeReadPackages, ScopeDeletePackages}, repo...), RequiredScopes(OperationDelete, typ), typ)
		assert.Equal(t, append([]Scope{ScopeReadPackages, ScopeWritePackages}, repo...), RequiredScopes(OperationRestore, typ), typ)
	}
	assert.Nil(t, RequiredScopes("publish", Container))

	assert.Equal(t, []Scope{"repo", "read:packages", "admin:org"}, ParseScopes(" repo,read:packages ,, admin:org"))
	assert.Equal(t, []Scope{}, ParseScopes(""))

	need := RequiredScopes(OperationRestore, NPM) // read, write, repo
	assert.Nil(t, MissingScopes([]Scope{ScopeWritePackages, ScopeRepo}, need), "write:packages grants read:packages")
	assert.Equal(t, []Scope{ScopeReadPackages, ScopeWritePackages, ScopeRepo}, MissingScopes(nil, need), "order kept")
	assert.Equal(t, []Scope{ScopeDeletePackages}, MissingScopes([]Scope{ScopeReadPackages, ScopeWritePackages}, RequiredScopes(OperationDelete, Container)),
		"write:packages does not grant delete:packages")
}

func TestClientIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	srv, _ := headerServer(t)
	c, err := NewClient(WithBaseURL(srv.URL), WithToken("t"), WithETagCache(8, 1<<16))
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := c.Orgs.Get(t.Context(), "o", Container, strconv.Itoa(i%4))
			assert.NoError(t, err)
			_ = c.Rate()
		}()
	}
	wg.Wait()
}
