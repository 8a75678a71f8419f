package ghpackages

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// connCountingClient serves h on a server of the test's own that counts the
// connections opened to it, and returns a Client on a transport of the
// test's own, so no other test's connections are counted or closed.
func connCountingClient(t *testing.T, h http.Handler, opts ...Option) (*Client, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	base := []Option{WithBaseURL(srv.URL), WithToken(secretToken), WithPacing(NoPacing), WithRetry(NoRetry),
		WithHTTPClient(&http.Client{Transport: tr})}
	c, err := NewClient(append(base, opts...)...)
	require.NoError(t, err)
	return c, &conns
}

// pagedVersions answers GET .../versions?page=N with page N of pages pages
// of perPage versions, chunked (each body is larger than the server's
// buffer), with a next link and an ETag; a matching If-None-Match gets 304.
type pagedVersions struct {
	pages, perPage int
	bodies         [][]byte
	notModified    atomic.Int32
	// before, if set, may answer a request itself (returning true) instead.
	before func(w http.ResponseWriter, r *http.Request, page int) bool
}

func newPagedVersions(pages, perPage int) *pagedVersions {
	h := &pagedVersions{pages: pages, perPage: perPage, bodies: make([][]byte, pages+1)}
	for p := 1; p <= pages; p++ {
		h.bodies[p] = benchVersions(perPage, p)
	}
	return h
}

func (h *pagedVersions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if p < 1 || p > h.pages {
		p = 1
	}
	if h.before != nil && h.before(w, r, p) {
		return
	}
	etag := `"page` + strconv.Itoa(p) + `"`
	w.Header().Set("ETag", etag)
	if p < h.pages {
		w.Header().Set("Link", fmt.Sprintf(`<http://%s%s?per_page=%d&page=%d>; rel="next"`, r.Host, r.URL.Path, h.perPage, p+1))
	}
	if r.Header.Get("If-None-Match") == etag {
		h.notModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(h.bodies[p])
}

// walk reads every version with the iterator and returns the IDs.
func walk(t *testing.T, c *Client) []int64 {
	t.Helper()
	var ids []int64
	for v, err := range c.Orgs.AllVersions(t.Context(), "octo-org", Container, "team/app", &ListVersionsOptions{PerPage: 30}) {
		require.NoError(t, err)
		ids = append(ids, v.ID)
	}
	return ids
}

// wantIDs are the IDs of the versions newPagedVersions serves, in order.
func wantIDs(pages, perPage int) []int64 {
	var ids []int64
	for p := 1; p <= pages; p++ {
		for i := range perPage {
			ids = append(ids, int64(1260000000+p*1000+i))
		}
	}
	return ids
}

func TestWalkReusesOneConnection(t *testing.T) {
	t.Parallel()
	h := newPagedVersions(100, 30)
	require.Greater(t, len(h.bodies[1]), 4096, "pages must be sent chunked")
	c, conns := connCountingClient(t, h)
	assert.Equal(t, wantIDs(100, 30), walk(t, c))
	assert.EqualValues(t, 1, conns.Load(), "connections opened for a 100-page walk")
}

func TestWalkThroughETagCacheReusesOneConnection(t *testing.T) {
	t.Parallel()
	h := newPagedVersions(100, 30)
	c, conns := connCountingClient(t, h, WithETagCache(200, 64<<20))
	assert.Equal(t, wantIDs(100, 30), walk(t, c))
	assert.EqualValues(t, 0, h.notModified.Load())
	// The second walk is answered 304 page by page and decoded from the cache.
	assert.Equal(t, wantIDs(100, 30), walk(t, c))
	assert.EqualValues(t, 100, h.notModified.Load())
	assert.EqualValues(t, 1, conns.Load(), "connections opened for two 100-page walks, the second from the cache")
}

func TestRetriedErrorsReuseTheConnection(t *testing.T) {
	t.Parallel()
	h := newPagedVersions(100, 30)
	// The first request for each page gets a 503 with an HTML page larger
	// than the part of an error body that is kept (maxErrorBody), as a
	// proxy in front of the API sends; the retry gets the page.
	errPage := []byte("<html><body>" + strings.Repeat("Service Unavailable. ", (maxErrorBody+32<<10)/21) + "</body></html>")
	require.Greater(t, len(errPage), maxErrorBody)
	var mu sync.Mutex
	failed := map[int]bool{}
	h.before = func(w http.ResponseWriter, r *http.Request, page int) bool {
		mu.Lock()
		defer mu.Unlock()
		if failed[page] {
			return false
		}
		failed[page] = true
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write(errPage)
		return true
	}
	clock := newTestClock()
	var retries atomic.Int32
	c, conns := connCountingClient(t, h, WithClock(clock),
		WithRetry(RetryPolicy{MaxRetries: 1, OnRetry: func(RetryEvent) { retries.Add(1) }}))
	assert.Equal(t, wantIDs(100, 30), walk(t, c))
	assert.EqualValues(t, 100, retries.Load())
	assert.EqualValues(t, 1, conns.Load(), "connections opened for 100 pages, each retried after a 503")
}

func TestUndecodedBodiesReuseTheConnection(t *testing.T) {
	t.Parallel()
	// GET /rate_limit is read only for its headers; io.Writer targets get the
	// body as it is; 404s carry a JSON message.
	rateBody := []byte(`{"resources":{"core":{"limit":5000,"used":1,"remaining":4999,"reset":1795000000}},"pad":"` + strings.Repeat("x", 16<<10) + `"}`)
	c, conns := connCountingClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/rate_limit":
			w.Header().Set("X-OAuth-Scopes", "read:packages")
			w.Write(rateBody)
		case strings.HasSuffix(r.URL.Path, "/missing"):
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"message":"Package not found.","documentation_url":"https://docs.github.com/rest","pad":%q}`, strings.Repeat("y", 8<<10))
		default:
			w.Write(rateBody)
		}
	}))
	for range 10 {
		scopes, _, err := c.TokenScopes(t.Context())
		require.NoError(t, err)
		assert.Equal(t, []Scope{"read:packages"}, scopes)

		req, err := c.NewRequest(t.Context(), http.MethodGet, "raw", nil)
		require.NoError(t, err)
		var buf bytes.Buffer
		_, err = c.Do(req, &buf)
		require.NoError(t, err)
		assert.Equal(t, rateBody, buf.Bytes())

		_, _, err = c.Orgs.Get(t.Context(), "octo-org", Container, "missing")
		assert.ErrorIs(t, err, ErrNotFound)
	}
	assert.EqualValues(t, 1, conns.Load(), "connections opened for 30 requests")
}
