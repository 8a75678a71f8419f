package retention

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stepClock is a clock whose Sleep advances it at once.
type stepClock struct{ now time.Time }

func (c *stepClock) Now() time.Time { return c.now }

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.now = c.now.Add(d)
	return nil
}

// The gate starts at 8 requests in flight, grows by about one per 8
// answers up to 32, halves at each rate limit (never below one), and holds
// every request while a limit is in force.
func TestGateAdaptsToRateLimits(t *testing.T) {
	clock := &stepClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	g := newGate(clock)
	ctx := t.Context()
	for range 8 {
		require.NoError(t, g.acquire(ctx))
	}
	blocked, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, g.acquire(blocked), context.DeadlineExceeded, "a ninth waits")
	g.release(true, false)
	require.NoError(t, g.acquire(ctx), "a slot came free")
	for range 8 {
		g.release(true, false)
	}
	assert.InDelta(t, 9, g.limit, 0.2, "eight answers grew it by about one")
	for range 10000 {
		require.NoError(t, g.acquire(ctx))
		g.release(true, false)
	}
	assert.Equal(t, float64(registryConcurrencyMax), g.limit)
	require.NoError(t, g.acquire(ctx))
	g.release(false, true)
	assert.Equal(t, float64(registryConcurrencyMax/2), g.limit)
	for range 10 {
		require.NoError(t, g.acquire(ctx))
		g.release(false, true)
	}
	assert.Equal(t, float64(1), g.limit, "never below one")

	start := clock.Now()
	g.hold(start.Add(3 * time.Second))
	require.NoError(t, g.acquire(ctx))
	assert.Equal(t, 3*time.Second, clock.Now().Sub(start), "the request waited for the pause to end")
	g.release(true, false)
}

// Retry-After is read as seconds or as an HTTP date; 429 and 503 follow
// it, other 5xx and transport errors back off, and the rest are final.
func TestRegistryRetryDecisions(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	for _, tc := range []struct {
		status  int
		header  http.Header
		err     error
		wait    time.Duration // exact when limit is set, else the ceiling
		limit   bool
		retries bool
	}{
		{429, h("7"), nil, 7 * time.Second, true, true},
		{503, h(now.Add(90 * time.Second).Format(http.TimeFormat)), nil, 90 * time.Second, true, true},
		{429, nil, nil, time.Second, true, true},
		{503, nil, nil, time.Second, false, true},
		{500, h("5"), nil, time.Second, false, true},
		{502, nil, nil, time.Second, false, true},
		{0, nil, errPlainHTTP, 0, false, false},
		{0, nil, context.Canceled, 0, false, false},
		{0, nil, assert.AnError, time.Second, false, true},
		{401, nil, nil, 0, false, false},
		{403, nil, nil, 0, false, false},
		{404, nil, nil, 0, false, false},
	} {
		wait, limit, retry := registryRetry(tc.status, tc.header, tc.err, 1, now)
		assert.Equal(t, tc.retries, retry, "%d %v", tc.status, tc.err)
		assert.Equal(t, tc.limit, limit, "%d %v", tc.status, tc.err)
		if tc.limit && tc.header != nil {
			assert.Equal(t, tc.wait, wait, "%d", tc.status)
		} else {
			assert.LessOrEqual(t, wait, tc.wait, "%d %v", tc.status, tc.err)
		}
	}
	_, _, retry := registryRetry(503, nil, nil, 6, now)
	assert.True(t, retry)
	for range 100 {
		wait, _, _ := registryRetry(503, nil, nil, 10, now)
		assert.LessOrEqual(t, wait, registryBackoffMax, "the backoff ceiling stops at 30 s")
	}
}
