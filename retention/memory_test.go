package retention_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/retention"
)

// bigRepo is a container package of n versions that costs (almost)
// nothing to hold: its REST listing is written page by page as asked,
// and its registry answers from arithmetic. Every fifth version is a
// multi-arch index over the next two (its platform images); every 50th
// index is tagged; the rest are untagged and old.
type bigRepo struct {
	n int
}

func (b bigRepo) digest(i int) string { return digestOf([]byte("big " + strconv.Itoa(i))) }

func (b bigRepo) tagged(i int) bool { return i%250 == 0 }

// serve answers the package and its versions listing.
func (b bigRepo) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/orgs/acme/packages/container/app":
		fmt.Fprintf(w, `{"id":1,"name":"app","package_type":"container","visibility":"private","url":"x","html_url":"x","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","version_count":%d}`, b.n)
	case "/orgs/acme/packages/container/app/versions":
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		page = max(page, 1)
		from, to := (page-1)*100, min(page*100, b.n)
		if to < b.n {
			w.Header().Set("Link", fmt.Sprintf(`<http://%s%s?page=%d&per_page=100>; rel="next"`, r.Host, r.URL.Path, page+1))
		}
		out := make([]map[string]any, 0, to-from)
		for i := from; i < to; i++ {
			tags := []string{}
			if b.tagged(i) {
				tags = []string{"v" + strconv.Itoa(i)}
			}
			out = append(out, map[string]any{
				"id": 1_260_000_000 + i, "name": b.digest(i), "url": "https://api.github.com/orgs/acme/packages/container/app/versions/" + strconv.Itoa(i),
				"package_html_url": "https://github.com/orgs/acme/packages/container/package/app", "html_url": "https://github.com/orgs/acme/packages/container/app/" + strconv.Itoa(i),
				"created_at": start.Add(-time.Duration(i) * time.Minute).Add(-90 * day).Format(time.RFC3339), "updated_at": start.Format(time.RFC3339),
				"metadata": map[string]any{"package_type": "container", "container": map[string]any{"tags": tags}},
			})
		}
		json.NewEncoder(w).Encode(out)
	default:
		http.NotFound(w, r)
	}
}

// Tags implements retention.ManifestResolver.
func (b bigRepo) Tags(context.Context, string) (map[string]string, error) {
	out := map[string]string{}
	for i := 0; i < b.n; i += 5 {
		if b.tagged(i) {
			out["v"+strconv.Itoa(i)] = b.digest(i)
		}
	}
	return out, nil
}

// Manifest implements retention.ManifestResolver.
func (b bigRepo) Manifest(_ context.Context, _ string, digest string) (retention.Manifest, error) {
	// The digest does not say its index: keep a map, built once.
	i, ok := bigIndex(b)[digest]
	if !ok {
		return retention.Manifest{}, retention.ErrManifestUnknown
	}
	if i%5 == 0 && i+2 < b.n {
		return retention.Manifest{MediaType: ociIndex, Children: []string{b.digest(i + 1), b.digest(i + 2)}}, nil
	}
	return retention.Manifest{MediaType: ociImage}, nil
}

// Referrers implements retention.ManifestResolver: no referrers API.
func (bigRepo) Referrers(context.Context, string, string) ([]string, error) { return nil, nil }

var (
	bigIndexMu sync.Mutex
	bigIndexes = map[int]map[string]int{}
)

// bigIndex maps b's digests to their positions (built before the
// measurement starts: it is the fake registry's memory, not the plan's).
func bigIndex(b bigRepo) map[string]int {
	bigIndexMu.Lock()
	defer bigIndexMu.Unlock()
	if m, ok := bigIndexes[b.n]; ok {
		return m
	}
	m := make(map[string]int, b.n)
	for i := range b.n {
		m[b.digest(i)] = i
	}
	bigIndexes[b.n] = m
	return m
}

// planPeakHeap plans bigRepo{n} and returns the plan and the most heap
// the plan held above what was live before it, sampled every millisecond.
func planPeakHeap(t *testing.T, n int) (*retention.Plan, uint64) {
	t.Helper()
	b := bigRepo{n: n}
	bigIndex(b)
	srv := httptest.NewServer(http.HandlerFunc(b.serve))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client, err := ghpackages.NewClient(ghpackages.WithBaseURL(srv.URL+"/"), ghpackages.WithToken("t"), ghpackages.WithHTTPClient(&http.Client{Transport: tr}),
		ghpackages.WithPacing(ghpackages.NoPacing()))
	require.NoError(t, err)

	// Collect often, so that the peak is close to what the plan holds
	// rather than to when the collector happened to run.
	defer debug.SetGCPercent(debug.SetGCPercent(gcPercentForPeak))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	p, err := retention.NewPlan(t.Context(), client, ghpackages.OrgOwner("acme"),
		retention.Policy{Type: ghpackages.Container, Packages: []retention.Pattern{retention.MustPattern("app")}, OlderThan: 30 * day},
		retention.WithResolver(b), retention.WithNow(func() time.Time { return start }))
	close(stop)
	wg.Wait()
	require.NoError(t, err)
	runtime.ReadMemStats(&ms)
	return p, max(peak, ms.HeapAlloc) - base
}

// gcPercentForPeak is the GOGC the peak is measured at.
const gcPercentForPeak = 20

// peakBytesPerVersion is the bound TestPlanMemoryIsBoundedPerVersion holds
// the planner to: the most heap a plan of 100,000 versions holds (live, and
// not yet collected with the collector at GOGC=20), over the versions.
// Measured: about 810 bytes (81 MB), 900 under the race detector.
const peakBytesPerVersion = 1200

// Planning 100,000 versions holds at most peakBytesPerVersion of heap
// per version at its peak: listing pages are taken in as they come and
// each version kept with only what deciding needs, so memory grows with
// the versions, by a bounded amount each, not with what GitHub sends. (Not
// parallel: the heap is the process's, and parallel tests wait for the
// serial ones.)
func TestPlanMemoryIsBoundedPerVersion(t *testing.T) {
	const n = 100_000
	p, peak := planPeakHeap(t, n)
	require.Equal(t, n-3*(n/250), p.Deletes(), "every untagged version is old; the tagged indexes (one in 250) and their two platform images stay")
	t.Logf("peak heap over the plan: %.1f MB for %d versions (%.0f bytes a version)", float64(peak)/1e6, n, float64(peak)/n)
	if per := float64(peak) / n; per > peakBytesPerVersion {
		t.Errorf("the plan held %.0f bytes a version at its peak, more than the bound of %d", per, peakBytesPerVersion)
	}
	runtime.KeepAlive(p)
}
