package ghpackages

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

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
