package retention_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"github.com/ghpackages/ghpackages-go/retention"
)

// waits records a resolver's waits.
type waits struct {
	mu  sync.Mutex
	all []retention.RegistryWait
}

func (w *waits) add(e retention.RegistryWait) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.all = append(w.all, e)
}

func (w *waits) list() []retention.RegistryWait {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]retention.RegistryWait(nil), w.all...)
}

// manifestGets answers the first n manifest GETs with status (and the
// harness's Retry-After), then lets everything through.
func manifestGets(n, status int) func(*http.Request) int {
	var mu sync.Mutex
	return func(r *http.Request) int {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/manifests/sha256:") && n > 0 {
			n--
			return status
		}
		return 0
	}
}

// A 429 with Retry-After on the first manifest reads of a plan is waited
// out, as long as it asks, and the plan goes on: it used to keep the whole
// package and plan nothing.
func TestRegistryRateLimitIsWaitedOut(t *testing.T) {
	t.Parallel()
	f := multiArch(t)
	f.image("orphan")
	f.version("orphan", 60*day)
	f.g.retryAfter = "1"
	f.g.setFault(manifestGets(3, http.StatusTooManyRequests))
	var w waits
	cfg := f.g.registryConfig()
	clock := cfg.Clock.(*ghpackagestest.FakeClock)
	cfg.OnWait = w.add
	before := clock.Now()
	p := f.plan(retention.Policy{OlderThan: 30 * day}, retention.WithResolver(retention.NewRegistryResolver(cfg)))
	assert.Empty(t, p.Warnings)
	assert.Equal(t, []string{"orphan"}, f.planned(p))
	got := w.list()
	require.Len(t, got, 3, "one wait per refused read")
	for _, e := range got {
		assert.True(t, e.Limit)
		assert.Equal(t, 429, e.StatusCode)
		assert.Equal(t, time.Second, e.Wait, "Retry-After: 1")
		assert.Equal(t, "GET", e.Method)
		assert.Contains(t, e.String(), "registry rate limit (429) on GET ")
		assert.NotContains(t, e.URL, ghpackagestest.DefaultToken)
	}
	assert.GreaterOrEqual(t, clock.Now().Sub(before), time.Second, "the waits were taken on the resolver's clock")
}

// A 503 without Retry-After is a transient failure: backed off (up to 1 s,
// then 2 s, with jitter) and sent again.
func TestRegistryTransientFailureBacksOff(t *testing.T) {
	t.Parallel()
	f := multiArch(t)
	f.image("orphan")
	f.version("orphan", 60*day)
	lists := 0
	f.g.setFault(func(r *http.Request) int {
		if strings.HasSuffix(r.URL.Path, "/tags/list") {
			if lists++; lists <= 2 {
				return http.StatusServiceUnavailable
			}
		}
		return 0
	})
	var w waits
	cfg := f.g.registryConfig()
	cfg.OnWait = w.add
	p := f.plan(retention.Policy{OlderThan: 30 * day}, retention.WithResolver(retention.NewRegistryResolver(cfg)))
	assert.Empty(t, p.Warnings)
	assert.Equal(t, []string{"orphan"}, f.planned(p))
	got := w.list()
	require.Len(t, got, 2)
	for i, e := range got {
		assert.False(t, e.Limit, "no Retry-After: not a limit")
		assert.Equal(t, 503, e.StatusCode)
		assert.Equal(t, i+1, e.Attempt)
		assert.LessOrEqual(t, e.Wait, time.Second<<i, "full jitter under 1 s, then 2 s")
		assert.Contains(t, e.String(), "registry error (503)")
	}
}

// What cannot be waited out keeps the package, with the reason: a
// registry that fails on every attempt, one that asks to wait longer than
// MaxWait, and a wait that would outlive the run's deadline (refused at
// once, not slept).
func TestRegistryFailureThatCannotBeWaitedOutKeepsThePackage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, retryAfter string
		retries          int
		deadline         time.Duration
		want             string
		waits            int
	}{
		{name: "retries run out", retries: 2, want: "gave up after 3 attempts", waits: 2},
		{name: "longer than MaxWait", retryAfter: "3600", want: "the registry asks to wait 1h0m0s, longer than 15m0s"},
		{name: "past the deadline", retryAfter: "120", deadline: time.Minute, want: "would pass the run's deadline", waits: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := multiArch(t)
			f.image("orphan")
			f.version("orphan", 60*day)
			f.g.retryAfter = tc.retryAfter
			f.g.setFault(manifestGets(1000, http.StatusServiceUnavailable))
			var w waits
			cfg := f.g.registryConfig()
			cfg.OnWait, cfg.MaxRetries = w.add, tc.retries
			ctx := t.Context()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			p, err := retention.NewPlan(ctx, f.g.client(), ghpackages.OrgOwner("octo-org"), retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day},
				retention.WithResolver(retention.NewRegistryResolver(cfg)), retention.WithNow(f.clock.Now))
			require.NoError(t, err)
			assert.Empty(t, f.planned(p), "the package is kept")
			require.Len(t, p.Warnings, 1)
			assert.Contains(t, p.Warnings[0], "some manifests could not be read from the registry")
			assert.Contains(t, p.Warnings[0], tc.want)
			if tc.waits > 0 {
				assert.NotEmpty(t, w.list())
			} else {
				assert.Empty(t, w.list(), "nothing waited for what cannot be waited out")
			}
		})
	}
}

// A HEAD answered without Docker-Content-Digest is followed by a GET whose
// body is hashed: the tag's digest is known, and nothing is kept for it.
func TestHeadWithoutDigestFallsBackToGet(t *testing.T) {
	t.Parallel()
	f := multiArch(t)
	f.image("orphan")
	f.version("orphan", 60*day)
	f.g.noDigest = true
	p := f.plan(retention.Policy{OlderThan: 30 * day}, retention.WithResolver(f.g.resolver()))
	assert.Empty(t, p.Warnings)
	assert.Equal(t, []string{"orphan"}, f.planned(p))
	f.g.mu.Lock()
	defer f.g.mu.Unlock()
	assert.Equal(t, 1, f.g.gets["/v2/"+propRepo+"/manifests/latest"], "the tag read once by GET, after its HEAD")
}

// Against the fake's ghcr.io front with WithRegistryLimit, a plan of more
// manifests than the limit allows a minute waits for the window and
// finishes with nothing kept for it.
func TestPlanWithinTheFakesRegistryLimit(t *testing.T) {
	t.Parallel()
	clock := ghpackagestest.NewFakeClock(start)
	srv := ghpackagestest.New(t, ghpackagestest.WithClock(clock), ghcrtest.WithRegistry(), ghpackagestest.WithRegistryLimit(4))
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.Container, Name: "app"})
	for i := range 3 {
		srv.AddVersion("acme", ghpackages.Container, "app", ghpackagestest.VersionSpec{Tags: []string{"v" + string(rune('1'+i))}, CreatedAt: start.Add(-time.Duration(90-i) * day),
			Image: &ghpackagestest.ImageSpec{Platforms: []string{"linux/amd64", "linux/arm64"}}})
		srv.AddVersion("acme", ghpackages.Container, "app", ghpackagestest.VersionSpec{CreatedAt: start.Add(-60 * day), Image: &ghpackagestest.ImageSpec{Seed: "orphan" + string(rune('a'+i))}})
	}
	var w waits
	host := srv.Host()
	resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: host, Token: ghpackagestest.DefaultToken, Transport: srv.HTTPClient().Transport, Clock: clock, OnWait: w.add})
	p, err := retention.NewPlan(t.Context(), srv.Client(), ghpackages.OrgOwner("acme"), retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day},
		retention.WithResolver(resolver), retention.WithNow(func() time.Time { return start }))
	require.NoError(t, err)
	assert.Empty(t, p.Warnings)
	assert.Equal(t, 3, p.Deletes(), "the three orphans; the platform images stay")
	assert.Positive(t, srv.Stats().RegistryLimited)
	require.NotEmpty(t, w.list())
	for _, e := range w.list() {
		assert.True(t, e.Limit)
		assert.LessOrEqual(t, e.Wait, time.Minute)
	}
}
