package ghpackages

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stampServer records the test-clock time of every request.
type stampServer struct {
	clock *testClock
	mu    sync.Mutex
	times []time.Time
}

func (s *stampServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.times = append(s.times, s.clock.Now())
	s.mu.Unlock()
	if r.Method == http.MethodDelete {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	okJSON(`{"id":1}`)(w, r)
}

func TestDefaultPacingSpacesMutations(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	srv := &stampServer{clock: clock}
	c := retryClient(t, srv, clock, WithPacing(DefaultPacing()))
	for id := int64(1); id <= 5; id++ {
		_, err := c.Orgs.DeleteVersion(t.Context(), "o", Container, "a", id)
		require.NoError(t, err)
	}
	// Reads are not spaced.
	for range 3 {
		_, _, err := c.Orgs.Get(t.Context(), "o", Container, "a")
		require.NoError(t, err)
	}
	require.Len(t, srv.times, 8)
	for i := 1; i < 5; i++ {
		assert.Equal(t, time.Second, srv.times[i].Sub(srv.times[i-1]), "delete %d", i)
	}
	assert.Equal(t, srv.times[5], srv.times[7], "reads go at once")
}

func TestBudgetPacingStaysUnderSecondaryLimit(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	srv := &stampServer{clock: clock}
	c := retryClient(t, srv, clock, WithPacing(BudgetPacing()))
	const n = 500
	for id := int64(1); id <= n; id++ {
		_, err := c.Orgs.DeleteVersion(t.Context(), "o", Container, "a", id)
		require.NoError(t, err)
	}
	require.Len(t, srv.times, n)
	// In any 60-second window at most 900/5 = 180 deletes.
	j := 0
	for i := range srv.times {
		for srv.times[i].Sub(srv.times[j]) >= time.Minute {
			j++
		}
		require.LessOrEqual(t, i-j+1, 180, "deletes within a minute ending at #%d", i)
	}
	elapsed := srv.times[n-1].Sub(srv.times[0])
	achieved := float64(n*5) / (900 * elapsed.Minutes())
	assert.GreaterOrEqual(t, achieved, 0.9, "fraction of the documented budget used")
}

func TestMaxConcurrent(t *testing.T) {
	t.Parallel()
	var inFlight, peak atomic.Int32
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		inFlight.Add(-1)
		okJSON(`{"id":1}`)(w, r)
	})
	c := retryClient(t, h, nil, WithPacing(Pacing{MaxConcurrent: 3}))
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := c.Orgs.Get(t.Context(), "o", Container, fmt.Sprint("p", i))
			assert.NoError(t, err)
		}()
	}
	// Let requests pile up, then drain them.
	for peak.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	assert.Equal(t, int32(3), peak.Load())
}

func TestETagCache(t *testing.T) {
	t.Parallel()
	var hits, notModified atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		etag := `"v1-` + r.URL.Path + `"`
		if r.Header.Get("If-None-Match") == etag {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		okJSON(`{"id":7,"name":"`+r.URL.Path[len("/orgs/o/packages/container/"):]+`"}`)(w, r)
	})
	c := retryClient(t, h, nil, WithETagCache(2, 1<<20))
	get := func(name string) (*Package, *Response) {
		pkg, resp, err := c.Orgs.Get(t.Context(), "o", Container, name)
		require.NoError(t, err)
		return pkg, resp
	}
	p1, r1 := get("a")
	assert.False(t, r1.FromCache)
	p2, r2 := get("a")
	assert.True(t, r2.FromCache)
	assert.Equal(t, p1, p2)
	assert.Equal(t, "a", p2.Name)
	assert.Equal(t, int32(1), notModified.Load())

	// Bounded: a third entry evicts the least recently used.
	get("b")
	get("c")
	n, _ := c.cache.len()
	assert.Equal(t, 2, n)
	_, r := get("a")
	assert.False(t, r.FromCache, "evicted entry is fetched anew")
}

func TestETagCacheByteBound(t *testing.T) {
	t.Parallel()
	c := newETagCache(100, 100)
	c.put("a", `"1"`, make([]byte, 20))
	c.put("b", `"2"`, make([]byte, 20))
	c.put("big", `"3"`, make([]byte, 30)) // over maxBytes/4: not cached
	n, size := c.len()
	assert.Equal(t, 2, n)
	assert.Equal(t, int64(40), size)
	for i := range 10 {
		c.put(fmt.Sprint(i), `"x"`, make([]byte, 25))
	}
	n, size = c.len()
	assert.LessOrEqual(t, size, int64(100))
	assert.Equal(t, 4, n)
	_, _, ok := c.get("a")
	assert.False(t, ok)
	c.put("9", "", nil) // no ETag: dropped
	_, _, ok = c.get("9")
	assert.False(t, ok)
}

// TestPresetsCannotBeChangedProcessWide: the pacing and retry presets are
// functions returning fresh values, so a caller who edits one changes only
// its own copy, never another caller's preset or a Client's default.
func TestPresetsCannotBeChangedProcessWide(t *testing.T) {
	t.Parallel()
	wantDefault := Pacing{MaxConcurrent: 100, MutationInterval: time.Second}
	wantBudget := Pacing{MaxConcurrent: 100, ParallelMutations: true, MutationInterval: -1, PointsPerMinute: 900, ReadPoints: 1, MutationPoints: 5, Margin: time.Second}
	wantNone := Pacing{MaxConcurrent: -1, ParallelMutations: true, MutationInterval: -1, PointsPerMinute: -1}

	d := DefaultPacing()
	d.ParallelMutations, d.MutationInterval, d.MaxConcurrent = true, -1, -1
	b := BudgetPacing()
	b.PointsPerMinute = 1 << 20
	n := NoPacing()
	n.MaxConcurrent = 1
	r := NoRetry()
	r.MaxRetries, r.MaxRateLimitRetries = 5, 5
	r.OnRetry = func(RetryEvent) { t.Error("a mutated preset's hook ran") }

	assert.Equal(t, wantDefault, DefaultPacing())
	assert.Equal(t, wantBudget, BudgetPacing())
	assert.Equal(t, wantNone, NoPacing())
	assert.Equal(t, RetryPolicy{MaxRetries: -1, MaxRateLimitRetries: -1}, NoRetry())

	// A Client built without WithPacing still spaces mutations a second
	// apart, whatever was done to the values above.
	clock := newTestClock()
	srv := &stampServer{clock: clock}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c, err := NewClient(WithBaseURL(hs.URL), WithHTTPClient(hs.Client()), WithClock(clock), WithRetry(NoRetry()))
	require.NoError(t, err)
	for id := int64(1); id <= 3; id++ {
		_, err := c.Orgs.DeleteVersion(t.Context(), "o", Container, "a", id)
		require.NoError(t, err)
	}
	require.Len(t, srv.times, 3)
	assert.Equal(t, time.Second, srv.times[1].Sub(srv.times[0]))
	assert.Equal(t, time.Second, srv.times[2].Sub(srv.times[1]))
}

// Zero means the default in Pacing as in RetryPolicy, and a negative
// number turns a limit off in both. (A zero Pacing field used to turn its
// limit off, while a zero RetryPolicy field meant its default.)
func TestZeroMeansTheDefaultInPacingAndRetryPolicy(t *testing.T) {
	t.Parallel()
	assert.Equal(t, DefaultPacing().resolve(), Pacing{}.resolve(), "Pacing{} paces as DefaultPacing()")
	assert.Equal(t, DefaultRetryPolicy(), RetryPolicy{}.withDefaults(), "RetryPolicy{} retries as DefaultRetryPolicy()")
	assert.Equal(t, limits{maxConcurrent: 100, serial: true, interval: time.Second, readPoints: 1, mutationPoints: 5, margin: time.Second},
		Pacing{}.resolve())
	assert.Equal(t, limits{readPoints: 1, mutationPoints: 5, margin: time.Second}, NoPacing().resolve(), "NoPacing turns every limit off")
	one := Pacing{MaxConcurrent: 3}.resolve()
	assert.Equal(t, 3, one.maxConcurrent)
	assert.True(t, one.serial, "the other limits keep their defaults")
	assert.Equal(t, time.Second, one.interval)
	assert.Equal(t, limits{maxConcurrent: 100, interval: time.Second, pointsPerMinute: 900, readPoints: 1, mutationPoints: 5, margin: time.Second},
		Pacing{ParallelMutations: true, PointsPerMinute: 900}.resolve())
	assert.Zero(t, Pacing{MutationInterval: -1, Margin: -1}.resolve().interval)
	assert.Zero(t, Pacing{MutationInterval: -1, Margin: -1}.resolve().margin)
	p := RetryPolicy{MaxRetries: -1, MaxRateLimitRetries: -1}.withDefaults()
	assert.Zero(t, p.MaxRetries)
	assert.Zero(t, p.MaxRateLimitRetries)
	_, err := NewClient(WithPacing(Pacing{ReadPoints: -1}))
	assert.ErrorIs(t, err, ErrInvalidArgument)
}
