package ghpackages

// Answers and paths a second review of issue 24's change found wrong, each
// reproduced against an httptest server.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A redirect the Client refuses to follow for a GET (a loop past ten, or
// the caller's own CheckRedirect saying no) was an answer: the request is
// sent once, not retried as if the connection had dropped.
func TestRefusedRedirectOfAGETIsNotResent(t *testing.T) {
	t.Parallel()
	errMine := errors.New("my check says no")
	for _, tc := range []struct {
		name  string
		check func(*http.Request, []*http.Request) error
		sent  int64 // requests the server sees for one call
	}{
		{"ten redirects", nil, 10},
		{"caller's check", func(*http.Request, []*http.Request) error { return errMine }, 1},
	} {
		var hits atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			http.Redirect(w, r, "/loop", http.StatusFound)
		}))
		t.Cleanup(srv.Close)
		hc := srv.Client()
		hc.CheckRedirect = tc.check
		c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(hc), WithPacing(NoPacing()),
			WithClock(newTestClock()), WithRetry(DefaultRetryPolicy()))
		require.NoError(t, err)
		var retried []RetryEvent
		c.retry.OnRetry = func(ev RetryEvent) { retried = append(retried, ev) }
		req, err := c.NewRequest(t.Context(), http.MethodGet, "start", nil)
		require.NoError(t, err)
		resp, err := c.Do(req, nil)
		require.Error(t, err, tc.name)
		if tc.check != nil {
			assert.ErrorIs(t, err, errMine, tc.name)
		}
		assert.Empty(t, retried, tc.name)
		assert.Equal(t, tc.sent, hits.Load(), tc.name)
		require.NotNil(t, resp, "%s: the redirect was an answer", tc.name)
		assert.Equal(t, http.StatusFound, resp.StatusCode, tc.name)
	}
}

// A Retry-After too large to be a time.Duration (here about three billion
// years) asks for a wait past MaxWait: the call fails with the rate limit
// at once. (Seconds × 10⁹ overflowed to a negative wait, read as "retry
// now", and the request was sent again at once.)
func TestRetryAfterBeyondDurationIsNotNow(t *testing.T) {
	t.Parallel()
	h := &scripted{steps: []func(http.ResponseWriter, *http.Request){
		status(429, "Too Many Requests", "Retry-After", "100000000000000000"), okJSON(testVersion)}}
	clock := newTestClock()
	c := retryClient(t, h, clock, WithRetry(DefaultRetryPolicy()))
	_, _, err := c.Orgs.GetVersion(t.Context(), "o", Container, "app", 1)
	require.ErrorIs(t, err, ErrRateLimited)
	var rl *RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.Positive(t, rl.RetryAfter)
	assert.Equal(t, 1, h.count())
	assert.Empty(t, clock.sleeps())
}

// A relative Link target names a URL relative to the page that sent it
// (RFC 3986), for Response.NextURL as for the iterators: a caller paging by
// hand passes NextURL to NewRequest, which reads a relative path against
// the base URL, and so asked for "/api/v3/?page=2".
func TestRelativeNextURLIsResolvedAgainstThePage(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.RequestURI())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("page") == "" {
			w.Header().Set("Link", `<?page=2>; rel="next", <versions?page=9>; rel="last"`)
		}
		fmt.Fprint(w, `[{"id":1}]`)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL+"/api/v3/"), WithHTTPClient(srv.Client()),
		WithPacing(NoPacing()), WithRetry(NoRetry()))
	require.NoError(t, err)
	_, resp, err := c.Orgs.ListVersions(t.Context(), "o", Container, "app", nil)
	require.NoError(t, err)
	page := srv.URL + "/api/v3/orgs/o/packages/container/app/versions"
	assert.Equal(t, page+"?page=2", resp.NextURL)
	assert.Equal(t, 2, resp.NextPage)
	assert.Equal(t, srv.URL+"/api/v3/orgs/o/packages/container/app/versions?page=9", resp.LastURL)
	assert.Equal(t, 9, resp.LastPage)

	req, err := c.NewRequest(t.Context(), http.MethodGet, resp.NextURL, nil)
	require.NoError(t, err)
	_, err = c.Do(req, nil)
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"/api/v3/orgs/o/packages/container/app/versions", "/api/v3/orgs/o/packages/container/app/versions?page=2"}, seen)
}

// A refused redirect names its Location without the credentials it may
// carry (user information, a token in the query), as every URL in this
// package's errors is named.
func TestRedirectErrorRedactsItsLocation(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "https://someone:hunter2@elsewhere.example/x?access_token=s3cret&page=2")
		w.WriteHeader(http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithPacing(NoPacing()), WithRetry(NoRetry()))
	require.NoError(t, err)
	req, err := c.NewRequest(t.Context(), http.MethodDelete, "x", nil)
	require.NoError(t, err)
	_, err = c.Do(req, nil)
	var re *RedirectError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusFound, re.StatusCode)
	assert.Contains(t, re.Location, "elsewhere.example/x")
	for _, secret := range []string{"hunter2", "s3cret"} {
		assert.NotContains(t, re.Location, secret)
		assert.NotContains(t, err.Error(), secret)
	}
}

// closeCounter is a request body that counts its Close calls.
type closeCounter struct {
	io.Reader
	closed atomic.Int32
}

func (c *closeCounter) Close() error { c.closed.Add(1); return nil }

// A request body is closed whether or not the request is sent, as
// http.Client.Do closes it: a context that ended before the first attempt,
// a URL off the API host, or a pacing wait cut short leaked it (a file, say).
func TestRequestBodyClosedWhenNothingIsSent(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	newClient := func(opts ...Option) *Client {
		c, err := NewClient(append([]Option{WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithRetry(NoRetry())}, opts...)...)
		require.NoError(t, err)
		return c
	}
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	// A Client paused for an hour, and a request whose deadline comes
	// first: the limiter gives up at once.
	paused := newClient(WithPacing(DefaultPacing()))
	paused.limiter.pause(time.Now().Add(time.Hour))
	soon, cancelSoon := context.WithTimeout(t.Context(), time.Minute)
	defer cancelSoon()
	for _, tc := range []struct {
		name string
		c    *Client
		ctx  context.Context
		url  string
	}{
		{"context ended", newClient(WithPacing(NoPacing())), cancelled, srv.URL + "/x"},
		{"off the API host", newClient(WithPacing(NoPacing())), t.Context(), "http://elsewhere.example/x"},
		{"pacing wait given up", paused, soon, srv.URL + "/x"},
	} {
		body := &closeCounter{Reader: strings.NewReader("{}")}
		req, err := http.NewRequestWithContext(tc.ctx, http.MethodPost, tc.url, body)
		require.NoError(t, err)
		_, err = tc.c.Do(req, nil)
		require.Error(t, err, tc.name)
		assert.Equal(t, int32(1), body.closed.Load(), tc.name)
	}
}

// A POST whose connection was refused carried nothing out: its error,
// which says why it was not sent again, must not say it may have been
// carried out.
func TestRefusedConnectionOfAPOSTDoesNotSayCarriedOut(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there now: connections are refused
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := NewClient(WithBaseURL(base), WithHTTPClient(&http.Client{Transport: tr}), WithPacing(NoPacing()),
		WithClock(newTestClock()), WithRetry(DefaultRetryPolicy()))
	require.NoError(t, err)
	req, err := c.NewRequest(t.Context(), http.MethodPost, "x", nil)
	require.NoError(t, err)
	_, err = c.Do(req, nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.Contains(t, err.Error(), "not resent")
	assert.NotContains(t, err.Error(), "may have been carried out")
}

// A token function that fails with an error of another call of this
// package (an installation token fetched through a raw Do, say) keeps that
// error as it was: the failing request's error names the request that was
// not sent, and the inner *Error still names the token endpoint. (Client.do
// renamed the inner *Error after the request it wrapped, so the error read
// "GET …/versions: 401" for a request never sent.)
func TestTokenFuncErrorOfAnotherCallKeepsItsName(t *testing.T) {
	t.Parallel()
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message":"Bad credentials"}`)
	}))
	t.Cleanup(tokens.Close)
	tc, err := NewClient(WithBaseURL(tokens.URL), WithHTTPClient(tokens.Client()), WithPacing(NoPacing()), WithRetry(NoRetry()))
	require.NoError(t, err)
	fetch := func(ctx context.Context) (string, error) {
		req, err := tc.NewRequest(ctx, http.MethodPost, "app/installations/1/access_tokens", nil)
		if err != nil {
			return "", err
		}
		_, err = tc.Do(req, nil)
		return "", fmt.Errorf("refreshing the installation token: %w", err)
	}
	api := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(api.Close)
	c, err := NewClient(WithBaseURL(api.URL), WithHTTPClient(api.Client()), WithTokenFunc(fetch), WithPacing(NoPacing()), WithRetry(NoRetry()))
	require.NoError(t, err)
	_, _, err = c.Orgs.GetVersion(t.Context(), "o", Container, "app", 7)
	require.ErrorIs(t, err, ErrTokenSource)
	assert.Contains(t, err.Error(), "GET "+api.URL+"/orgs/o/packages/container/app/versions/7")
	var inner *Error
	require.ErrorAs(t, err, &inner)
	assert.Equal(t, http.MethodPost, inner.Method)
	assert.Equal(t, tokens.URL+"/app/installations/1/access_tokens", inner.URL)
}
