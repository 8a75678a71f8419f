package ghpackages

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testClock is a Clock whose Sleep advances its time at once.
type testClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

// newTestClock returns a test clock at testEpoch: a fixed date, or the one
// GHPACKAGES_TEST_EPOCH names (see TestSuiteIsCalendarIndependent).
func newTestClock() *testClock {
	return &testClock{now: testEpoch}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
	c.slept = append(c.slept, d)
	return nil
}

func (c *testClock) sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// scripted answers the i-th request with steps[i] (the last step repeats)
// and counts requests.
type scripted struct {
	mu    sync.Mutex
	steps []func(w http.ResponseWriter, r *http.Request)
	hits  int
	seen  []*http.Request
}

// sent lists the requests the handler saw, as "METHOD /escaped/path".
func (s *scripted) sent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.seen {
		out = append(out, r.Method+" "+r.URL.EscapedPath())
	}
	return out
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i := s.hits
	s.hits++
	s.seen = append(s.seen, r)
	s.mu.Unlock()
	if i >= len(s.steps) {
		i = len(s.steps) - 1
	}
	s.steps[i](w, r)
}

func (s *scripted) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

func status(code int, msg string, headers ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		if code == http.StatusNoContent {
			w.WriteHeader(code)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		if msg != "" {
			fmt.Fprintf(w, `{"message":%q,"documentation_url":"https://docs.github.com/rest"}`, msg)
		}
	}
}

func okJSON(body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}
}

func dropConn(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func truncated(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "100")
	fmt.Fprint(w, `{"id": 1, "na`)
}

const testVersion = `{"id":1260000001,"name":"sha256:abc","url":"u","package_html_url":"p","created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"}`

func retryClient(t *testing.T, h http.Handler, clock *testClock, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	base := []Option{WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithToken(secretToken), WithPacing(NoPacing())}
	if clock != nil {
		base = append(base, WithClock(clock))
	}
	c, err := NewClient(append(base, opts...)...)
	require.NoError(t, err)
	return c
}

func TestRetryMatrix(t *testing.T) {
	t.Parallel()
	reset := strconv.FormatInt(newTestClock().Now().Add(90*time.Second).Unix(), 10)
	farReset := strconv.FormatInt(newTestClock().Now().Add(3*time.Hour).Unix(), 10)
	secondary := "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
	tests := []struct {
		name      string
		method    string
		steps     []func(http.ResponseWriter, *http.Request)
		wantHits  int
		wantErr   error // nil: success
		wantWaits []time.Duration
		reasons   []RetryReason
		replayed  bool
	}{
		{name: "500 then ok", method: "GET", steps: []func(http.ResponseWriter, *http.Request){status(500, "Server Error"), okJSON(testVersion)},
			wantHits: 2, reasons: []RetryReason{RetryServerError}},
		{name: "502 503 504 then ok", method: "GET", steps: []func(http.ResponseWriter, *http.Request){status(502, ""), status(503, ""), status(504, ""), okJSON(testVersion)},
			wantHits: 4, reasons: []RetryReason{RetryServerError, RetryServerError, RetryServerError}},
		{name: "500 forever gives up after 3 retries", method: "GET", steps: []func(http.ResponseWriter, *http.Request){status(500, "Server Error")},
			wantHits: 4, wantErr: ErrServer, reasons: []RetryReason{RetryServerError, RetryServerError, RetryServerError}},
		{name: "dropped connection then ok", method: "GET", steps: []func(http.ResponseWriter, *http.Request){dropConn, okJSON(testVersion)},
			wantHits: 2, reasons: []RetryReason{RetryTransport}},
		{name: "truncated body then ok", method: "GET", steps: []func(http.ResponseWriter, *http.Request){truncated, okJSON(testVersion)},
			wantHits: 2, reasons: []RetryReason{RetryTransport}},
		{name: "secondary with retry-after", method: "GET", steps: []func(http.ResponseWriter, *http.Request){status(403, secondary, "Retry-After", "42"), okJSON(testVersion)},
			wantHits: 2, wantWaits: []time.Duration{42 * time.Second}, reasons: []RetryReason{RetrySecondaryLimit}},
		{name: "secondary with an HTTP-date retry-after, read on the client's clock", method: "GET", steps: []func(http.ResponseWriter, *http.Request){
			status(403, secondary, "Retry-After", newTestClock().Now().Add(42*time.Second).Format(http.TimeFormat)), okJSON(testVersion)},
			wantHits: 2, wantWaits: []time.Duration{42 * time.Second}, reasons: []RetryReason{RetrySecondaryLimit}},
		{name: "secondary without retry-after waits 60s then 120s", method: "GET", steps: []func(http.ResponseWriter, *http.Request){status(403, secondary), status(403, secondary), okJSON(testVersion)},
			wantHits: 3, wantWaits: []time.Duration{time.Minute, 2 * time.Minute}, reasons: []RetryReason{RetrySecondaryLimit, RetrySecondaryLimit}},
		{name: "429 with retry-after", method: "DELETE", steps: []func(http.ResponseWriter, *http.Request){status(429, "Too Many Requests", "Retry-After", "5"), status(204, "")},
			wantHits: 2, wantWaits: []time.Duration{5 * time.Second}, reasons: []RetryReason{RetrySecondaryLimit}},
		{name: "primary exhausted, near reset", method: "GET", steps: []func(http.ResponseWriter, *http.Request){
			status(403, "API rate limit exceeded for user ID 1.", "X-RateLimit-Limit", "5000", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", reset), okJSON(testVersion)},
			wantHits: 2, wantWaits: []time.Duration{91 * time.Second}, reasons: []RetryReason{RetryPrimaryLimit}},
		{name: "primary exhausted, far reset fails at once", method: "GET", steps: []func(http.ResponseWriter, *http.Request){
			status(403, "API rate limit exceeded for user ID 1.", "X-RateLimit-Limit", "5000", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", farReset)},
			wantHits: 1, wantErr: ErrRateLimited},
		{name: "plain 403 is never retried", method: "GET", steps: []func(http.ResponseWriter, *http.Request){status(403, "Must have admin rights to Repository.")},
			wantHits: 1, wantErr: ErrForbidden},
		{name: "404 is never retried", method: "GET", steps: []func(http.ResponseWriter, *http.Request){status(404, "Package version not found.")},
			wantHits: 1, wantErr: ErrNotFound},
		{name: "400 last version is never retried", method: "DELETE", steps: []func(http.ResponseWriter, *http.Request){status(400, "You cannot delete the last version of a package. You must delete the package instead.")},
			wantHits: 1, wantErr: ErrLastVersion},
		{name: "delete 404 without replay stays an error", method: "DELETE", steps: []func(http.ResponseWriter, *http.Request){status(404, "Package version not found.")},
			wantHits: 1, wantErr: ErrNotFound},
		{name: "delete 404 after a rate limit is not a replay", method: "DELETE", steps: []func(http.ResponseWriter, *http.Request){status(429, "x", "Retry-After", "1"), status(404, "Package version not found.")},
			wantHits: 2, wantErr: ErrNotFound, reasons: []RetryReason{RetrySecondaryLimit}},
		{name: "restore retried after 503", method: "POST", steps: []func(http.ResponseWriter, *http.Request){status(503, ""), status(204, "")},
			wantHits: 2, reasons: []RetryReason{RetryServerError}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := &scripted{steps: tc.steps}
			clock := newTestClock()
			var events []RetryEvent
			p := DefaultRetryPolicy()
			p.OnRetry = func(e RetryEvent) { events = append(events, e) }
			c := retryClient(t, h, clock, WithRetry(p))
			var resp *Response
			var err error
			switch tc.method {
			case "GET":
				_, resp, err = c.Orgs.GetVersion(t.Context(), "octo-org", Container, "app", 1260000001)
			case "DELETE":
				resp, err = c.Orgs.DeleteVersion(t.Context(), "octo-org", Container, "app", 1260000001)
			case "POST":
				resp, err = c.Orgs.RestoreVersion(t.Context(), "octo-org", Container, "app", 1260000001)
			}
			assert.Equal(t, tc.wantHits, h.count(), "requests sent")
			if tc.wantErr != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tc.wantHits, resp.Attempts)
			}
			if resp != nil {
				assert.Equal(t, tc.replayed, resp.Replayed)
			}
			var reasons []RetryReason
			for _, e := range events {
				reasons = append(reasons, e.Reason)
				assert.Equal(t, tc.method, e.Method)
				assert.NotContains(t, e.String(), secretToken)
				assert.NotContains(t, fmt.Sprint(e.Err), secretToken)
			}
			assert.Equal(t, tc.reasons, reasons)
			if tc.wantWaits != nil {
				assert.Equal(t, tc.wantWaits, clock.sleeps())
			}
			for _, d := range clock.sleeps() {
				assert.LessOrEqual(t, d, 3*time.Minute)
			}
		})
	}
}

func TestRetryBackoffIsBoundedAndJittered(t *testing.T) {
	t.Parallel()
	p := DefaultRetryPolicy()
	req := httptest.NewRequest("GET", "https://api.github.com/x", nil)
	err := attempt{resp: &Response{Response: &http.Response{StatusCode: 503}}, err: &Error{StatusCode: 503}, verdict: answered}
	for n := range 3 {
		ceiling := p.BaseDelay << n
		o := p.next(&tries{transient: n}, req, err, time.Now(), func(c time.Duration) time.Duration { return c })
		assert.Equal(t, ceiling, o.wait, "attempt %d ceiling", n)
		o = p.next(&tries{transient: n}, req, err, time.Now(), func(time.Duration) time.Duration { return 0 })
		assert.Equal(t, time.Duration(0), o.wait)
	}
	big := RetryPolicy{MaxRetries: 40, BaseDelay: time.Second, MaxDelay: 30 * time.Second}
	o := big.next(&tries{transient: 39}, req, err, time.Now(), func(c time.Duration) time.Duration { return c })
	assert.Equal(t, 30*time.Second, o.wait)
	for range 100 {
		d := fullJitter(time.Second)
		assert.True(t, d >= 0 && d <= time.Second)
	}
}

func TestNoRetry(t *testing.T) {
	t.Parallel()
	h := &scripted{steps: []func(http.ResponseWriter, *http.Request){status(500, "Server Error")}}
	c := retryClient(t, h, newTestClock(), WithRetry(NoRetry()))
	_, _, err := c.Orgs.Get(t.Context(), "o", Container, "app")
	assert.ErrorIs(t, err, ErrServer)
	assert.Equal(t, 1, h.count())
}

func TestRetryNeverOutlivesDeadline(t *testing.T) {
	t.Parallel()
	h := &scripted{steps: []func(http.ResponseWriter, *http.Request){status(403, "You have exceeded a secondary rate limit.", "Retry-After", "120")}}
	clock := newTestClock()
	c := retryClient(t, h, clock)
	// A context deadline is real time: build it from the real clock, never
	// from the test clock's fixed "now", whatever date the test runs on.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, _, err := c.Orgs.Get(ctx, "o", Container, "app")
	var rl *RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.True(t, rl.Secondary)
	assert.Equal(t, 120*time.Second, rl.RetryAfter)
	assert.Equal(t, 1, h.count())
	assert.Empty(t, clock.sleeps(), "no sleep when the deadline comes first")
}

// cancelClock cancels a context on the first Sleep, as a caller would.
type cancelClock struct {
	*testClock
	cancel context.CancelFunc
}

func (c cancelClock) Sleep(ctx context.Context, d time.Duration) error {
	c.cancel()
	return ctx.Err()
}

func TestRetryCanceledWhileWaiting(t *testing.T) {
	t.Parallel()
	h := &scripted{steps: []func(http.ResponseWriter, *http.Request){status(503, "")}}
	ctx, cancel := context.WithCancel(t.Context())
	c := retryClient(t, h, nil, WithClock(cancelClock{newTestClock(), cancel}))
	_, _, err := c.Orgs.Get(ctx, "o", Container, "app")
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, ErrServer)
	assert.Equal(t, 1, h.count())
}

func TestRateLimitPausesWholeClient(t *testing.T) {
	t.Parallel()
	var limited atomic.Bool
	clock := newTestClock()
	var sentAt []time.Time
	var mu sync.Mutex
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sentAt = append(sentAt, clock.Now())
		mu.Unlock()
		if r.URL.Path == "/orgs/o/packages/container/a" && !limited.Swap(true) {
			status(403, "You have exceeded a secondary rate limit.", "Retry-After", "30")(w, r)
			return
		}
		okJSON(`{"id":1,"name":"a"}`)(w, r)
	})
	c := retryClient(t, h, clock)
	_, _, err := c.Orgs.Get(t.Context(), "o", Container, "a")
	require.NoError(t, err)
	start := clock.Now()
	// Another request after the limit: the pause has passed on the test
	// clock, so it goes at once. Now impose a pause and check a second
	// goroutine's request waits for it.
	c.limiter.pause(start.Add(10 * time.Second))
	_, _, err = c.Orgs.Get(t.Context(), "o", Container, "b")
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, sentAt, 3)
	assert.Equal(t, 30*time.Second, sentAt[1].Sub(sentAt[0]))
	assert.False(t, sentAt[2].Before(start.Add(10*time.Second)), "request sent during the pause")
}

func TestPrimaryBudgetHonouredProactively(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	reset := clock.Now().Add(20 * time.Second)
	var sentAt []time.Time
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sentAt = append(sentAt, clock.Now())
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		okJSON(`{"id":1}`)(w, r)
	})
	c := retryClient(t, h, clock)
	_, _, err := c.Orgs.Get(t.Context(), "o", Container, "a")
	require.NoError(t, err)
	_, _, err = c.Orgs.Get(t.Context(), "o", Container, "a")
	require.NoError(t, err)
	require.Len(t, sentAt, 2)
	assert.Equal(t, 21*time.Second, sentAt[1].Sub(sentAt[0]), "second request waits for the reset")
}

func TestTransportErrorRetriedOnlyForIdempotentRequests(t *testing.T) {
	t.Parallel()
	h := &scripted{steps: []func(http.ResponseWriter, *http.Request){dropConn}}
	c := retryClient(t, h, newTestClock())
	req, err := c.NewRequest(t.Context(), http.MethodPatch, "orgs/o/x", nil)
	require.NoError(t, err)
	_, err = c.Do(req, nil)
	require.Error(t, err)
	assert.Equal(t, 1, h.count(), "PATCH is not retried")
	assert.ErrorContains(t, err, "not resent: a PATCH request may have been carried out", "the error says why")
}

func TestConnectionRefusedRetried(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	clock := newTestClock()
	var events []RetryEvent
	p := DefaultRetryPolicy()
	p.OnRetry = func(e RetryEvent) { events = append(events, e) }
	c, err := NewClient(WithBaseURL("http://"+addr), WithHTTPClient(ownClient(t)), WithToken(secretToken), WithClock(clock), WithRetry(p))
	require.NoError(t, err)
	_, err = c.Orgs.DeleteVersion(t.Context(), "o", Container, "a", 1)
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrNotFound)
	assert.NotContains(t, err.Error(), secretToken)
	require.Len(t, events, 3)
	assert.Equal(t, RetryTransport, events[0].Reason)
}

func TestWithRetryValidates(t *testing.T) {
	t.Parallel()
	_, err := NewClient(WithRetry(RetryPolicy{BaseDelay: -time.Second}))
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, err = NewClient(WithRetry(RetryPolicy{MaxRetries: -1}))
	assert.NoError(t, err, "a negative count turns retries off")
	_, err = NewClient(WithPacing(Pacing{PointsPerMinute: 3, MutationPoints: 5}))
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, err = NewClient(WithClock(nil))
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, err = NewClient(WithETagCache(0, 10))
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, err = NewClient(WithLogger(nil))
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.True(t, errors.Is(err, ErrInvalidArgument))
}

// A request whose body cannot be rewound (GetBody is nil: a caller's own
// reader) cannot be sent again. Answered with a rate limit, it fails with
// that error, saying it was not resent. (It used to be resent with an empty
// body, and Do returned nil: a silent bad write.) A rewindable body is
// resent whole.
func TestUnrewindableBodyIsNotResent(t *testing.T) {
	t.Parallel()
	const body = `{"name":"bug","color":"f29513"}`
	for _, tc := range []struct {
		name       string
		rewindable bool
		length     int64 // of an unrewindable body; 0: unknown (sent chunked)
	}{
		{name: "unrewindable, length unknown"},
		{name: "unrewindable, length known", length: int64(len(body))},
		{name: "rewindable", rewindable: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var bodies []string
			h := &scripted{steps: []func(http.ResponseWriter, *http.Request){
				status(429, "Too Many Requests", "Retry-After", "1"),
				status(201, ""),
			}}
			record := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				bodies = append(bodies, string(b))
				mu.Unlock()
				h.ServeHTTP(w, r)
			})
			c := retryClient(t, record, newTestClock())
			var req *http.Request
			var err error
			if tc.rewindable {
				req, err = c.NewRequest(t.Context(), http.MethodPost, "repos/o/r/labels", json.RawMessage(body))
				require.NoError(t, err)
			} else {
				req, err = c.NewRequest(t.Context(), http.MethodPost, "repos/o/r/labels", nil)
				require.NoError(t, err)
				req.Body = io.NopCloser(strings.NewReader(body))
				req.ContentLength = tc.length
				require.Nil(t, req.GetBody)
			}
			resp, err := c.Do(req, nil)
			mu.Lock()
			got := slices.Clone(bodies)
			mu.Unlock()
			if tc.rewindable {
				require.NoError(t, err)
				assert.Equal(t, 2, resp.Attempts)
				assert.Equal(t, []string{body, body}, got, "the resend carries the whole body")
				return
			}
			require.Error(t, err, "an unrewindable request cannot succeed on a resend it never got")
			assert.ErrorIs(t, err, ErrRateLimited)
			var rl *RateLimitError
			assert.ErrorAs(t, err, &rl)
			assert.ErrorContains(t, err, "not resent")
			require.NotNil(t, resp)
			assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
			assert.Equal(t, 1, resp.Attempts)
			assert.Equal(t, []string{body}, got, "sent once, never with an empty body")
		})
	}
}

// Every zero field of a RetryPolicy means its default, so a policy that
// sets only the hook retries as the default does; a negative count (as
// NoRetry sets) turns that kind of retry off. (RetryPolicy{OnRetry: f}
// used to turn retries off: a 503 got one attempt and no hook call.)
func TestZeroRetryPolicyFieldsMeanDefaults(t *testing.T) {
	t.Parallel()
	secondary := "You have exceeded a secondary rate limit."
	for _, tc := range []struct {
		name     string
		policy   func(hook func(RetryEvent)) RetryPolicy
		steps    []func(http.ResponseWriter, *http.Request)
		wantHits int
		wantErr  error
	}{
		{name: "only the hook: transient failures retried",
			policy:   func(hook func(RetryEvent)) RetryPolicy { return RetryPolicy{OnRetry: hook} },
			steps:    []func(http.ResponseWriter, *http.Request){status(503, ""), okJSON(testVersion)},
			wantHits: 2},
		{name: "only the hook: gives up after the default 3 retries",
			policy:   func(hook func(RetryEvent)) RetryPolicy { return RetryPolicy{OnRetry: hook} },
			steps:    []func(http.ResponseWriter, *http.Request){status(503, "")},
			wantHits: 4, wantErr: ErrServer},
		{name: "only the hook: rate limits waited out",
			policy:   func(hook func(RetryEvent)) RetryPolicy { return RetryPolicy{OnRetry: hook} },
			steps:    []func(http.ResponseWriter, *http.Request){status(403, secondary, "Retry-After", "3"), okJSON(testVersion)},
			wantHits: 2},
		{name: "MaxRetries set: rate limits still waited out",
			policy:   func(hook func(RetryEvent)) RetryPolicy { return RetryPolicy{MaxRetries: 1, OnRetry: hook} },
			steps:    []func(http.ResponseWriter, *http.Request){status(429, "x", "Retry-After", "3"), okJSON(testVersion)},
			wantHits: 2},
		{name: "negative MaxRetries: no transient retry",
			policy:   func(hook func(RetryEvent)) RetryPolicy { return RetryPolicy{MaxRetries: -1, OnRetry: hook} },
			steps:    []func(http.ResponseWriter, *http.Request){status(503, ""), okJSON(testVersion)},
			wantHits: 1, wantErr: ErrServer},
		{name: "negative MaxRateLimitRetries: no rate-limit wait",
			policy:   func(hook func(RetryEvent)) RetryPolicy { return RetryPolicy{MaxRateLimitRetries: -1, OnRetry: hook} },
			steps:    []func(http.ResponseWriter, *http.Request){status(429, "x", "Retry-After", "3"), okJSON(testVersion)},
			wantHits: 1, wantErr: ErrRateLimited},
		{name: "NoRetry: no transient retry",
			policy:   func(hook func(RetryEvent)) RetryPolicy { p := NoRetry(); p.OnRetry = hook; return p },
			steps:    []func(http.ResponseWriter, *http.Request){status(503, ""), okJSON(testVersion)},
			wantHits: 1, wantErr: ErrServer},
		{name: "NoRetry: no rate-limit wait",
			policy:   func(hook func(RetryEvent)) RetryPolicy { p := NoRetry(); p.OnRetry = hook; return p },
			steps:    []func(http.ResponseWriter, *http.Request){status(403, secondary, "Retry-After", "3"), okJSON(testVersion)},
			wantHits: 1, wantErr: ErrRateLimited},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			h := &scripted{steps: tc.steps}
			c := retryClient(t, h, newTestClock(), WithRetry(tc.policy(func(RetryEvent) { calls.Add(1) })))
			_, _, err := c.Orgs.GetVersion(t.Context(), "o", Container, "app", 1)
			assert.Equal(t, tc.wantHits, h.count(), "attempts")
			assert.EqualValues(t, tc.wantHits-1, calls.Load(), "hook calls")
			if tc.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.wantErr)
			}
		})
	}
	assert.Equal(t, DefaultRetryPolicy(), RetryPolicy{}.withDefaults(), "the zero policy is the default one")
}
