package ghpackages

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestWalkMemoryStaysOnePage walks 100,000 versions (1,000 pages of 100) and
// requires the live heap, measured during the walk, to stay within a small
// multiple of one page of what it was at page 10: the iterator must let go
// of each page once it has moved on. (Keeping the versions would add about
// 8 MB by the first measurement and 35 MB by the last; the bound is 48
// pages of JSON, about 1 MB.) Not parallel: the heap is the process's.
func TestWalkMemoryStaysOnePage(t *testing.T) {
	const pages, perPage = 1000, 100
	// Ten distinct page bodies, served in turn: cheap to serve and to
	// decode (under -race too), each version with a name, a time and a tag.
	bodies := make([][]byte, 10)
	for i := range bodies {
		var b []byte
		for j := range perPage {
			b = fmt.Appendf(b, `,{"id":%d,"name":"sha256:%064d","created_at":"2026-11-01T12:00:00Z","metadata":{"package_type":"container","container":{"tags":["v%d"]}}}`,
				1260000000+i*1000+j, i*1000+j, j)
		}
		b[0] = '['
		bodies[i] = append(b, ']')
	}
	pageBytes := len(bodies[0])
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if p < 1 {
			p = 1
		}
		if p < pages {
			w.Header().Set("Link", fmt.Sprintf(`<http://%s%s?per_page=%d&page=%d>; rel="next"`, r.Host, r.URL.Path, perPage, p+1))
		}
		w.Write(bodies[p%len(bodies)])
	}))
	t.Cleanup(srv.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := NewClient(WithBaseURL(srv.URL), WithToken(secretToken), WithPacing(NoPacing()), WithRetry(NoRetry()),
		WithHTTPClient(&http.Client{Transport: tr}))
	require.NoError(t, err)

	var base uint64
	growth := map[int]int64{} // versions walked → live heap growth since page 10
	n := 0
	for v, err := range c.Orgs.AllVersions(t.Context(), "octo-org", Container, "team/app", &PackageVersionListOptions{PerPage: perPage}) {
		require.NoError(t, err)
		require.NotZero(t, v.ID)
		n++
		switch n {
		case 10 * perPage:
			base = liveHeap()
		case 25_000, 50_000, 75_000, 100_000:
			growth[n] = int64(liveHeap()) - int64(base)
		}
	}
	require.Equal(t, pages*perPage, n)
	limit := int64(48 * pageBytes)
	for at, g := range growth {
		t.Logf("live heap at %d versions: %+d bytes from page 10 (one page is %d bytes of JSON)", at, g, pageBytes)
		assert.Less(t, g, limit, "live heap grew by %d bytes between page 10 and version %d", g, at)
	}
}
