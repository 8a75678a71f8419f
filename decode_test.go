package ghpackages

import (
	"bytes"
	stdjson "encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ConnStats is what a connection-counting server and its client's
// transport saw (see CountingServer).
type ConnStats struct {
	opened atomic.Int32 // connections the server accepted
	closed atomic.Int32 // response bodies the client closed
	early  atomic.Int32 // of those, closed before their end
}

// CountingServer serves h on a server of the test's own that counts the
// connections opened to it, and returns its URL and a client transport of
// the test's own (so no other test's connections are counted or closed)
// that notes each response body closed before its end: net/http reuses a
// connection only once its body was read to the end.
func CountingServer(t testing.TB, h http.Handler) (url string, tr http.RoundTripper, stats *ConnStats) {
	t.Helper()
	stats = &ConnStats{}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			stats.opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	return srv.URL, bodyTracker{next: base, stats: stats}, stats
}

// AssertReused asserts that the client read every response body of its
// requests (at least one) to the end, so that the transport could reuse
// the connection, and that it did: at most one connection per ten
// requests, where a client that leaves bodies unread needs one per request.
// (Not exactly one: net/http drops a connection whose request it has not
// seen written within 50 ms of the answer, which a loaded machine causes.)
func (s *ConnStats) AssertReused(t testing.TB, requests int, what string) {
	t.Helper()
	assert.Zero(t, s.early.Load(), "%s: response bodies closed before their end", what)
	assert.Positive(t, s.closed.Load(), what)
	assert.LessOrEqual(t, int(s.opened.Load()), max(1, requests/10), "%s: connections opened for %d requests", what, requests)
}

// bodyTracker is a RoundTripper noting, in stats, the response bodies
// closed before their end. Bodies net/http already knows are empty
// (http.NoBody: a 204, a 304) are not counted.
type bodyTracker struct {
	next  http.RoundTripper
	stats *ConnStats
}

// RoundTrip sends r and wraps the response's body.
func (b bodyTracker) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := b.next.RoundTrip(r)
	if resp != nil && resp.Body != nil && resp.Body != http.NoBody {
		resp.Body = &trackedBody{ReadCloser: resp.Body, stats: b.stats}
	}
	return resp, err
}

// trackedBody is a response body that knows whether it was read to EOF.
type trackedBody struct {
	io.ReadCloser
	stats *ConnStats
	eof   bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *trackedBody) Close() error {
	b.stats.closed.Add(1)
	if !b.eof {
		b.stats.early.Add(1)
	}
	return b.ReadCloser.Close()
}

// connCountingClient serves h on a CountingServer and returns a Client for
// it.
func connCountingClient(t *testing.T, h http.Handler, opts ...Option) (*Client, *ConnStats) {
	t.Helper()
	url, tr, stats := CountingServer(t, h)
	base := []Option{WithBaseURL(url), WithToken(secretToken), WithPacing(NoPacing()), WithRetry(NoRetry()),
		WithHTTPClient(&http.Client{Transport: tr})}
	c, err := NewClient(append(base, opts...)...)
	require.NoError(t, err)
	return c, stats
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
	for v, err := range c.Orgs.AllVersions(t.Context(), "octo-org", Container, "team/app", &PackageVersionListOptions{PerPage: 30}) {
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

// The tests below check that the client reads every body to its end (or
// drains it), so that walks and retries reuse one connection.

func TestWalkReusesOneConnection(t *testing.T) {
	t.Parallel()
	h := newPagedVersions(100, 30)
	require.Greater(t, len(h.bodies[1]), 4096, "pages must be sent chunked")
	c, conns := connCountingClient(t, h)
	assert.Equal(t, wantIDs(100, 30), walk(t, c))
	conns.AssertReused(t, 100, "a 100-page walk")
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
	conns.AssertReused(t, 200, "two 100-page walks, the second from the cache")
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
	conns.AssertReused(t, 200, "100 pages, each retried after a 503")
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
	conns.AssertReused(t, 30, "30 requests")
}

// decodeBytes decodes data as send does, through a pooled body buffer.
func decodeBytes(data []byte, v any) error {
	b := getBodyBuffer()
	defer b.release()
	b.buf.Write(data)
	return b.decode(v)
}

// stdDecode decodes data as encoding/json's Decoder does (the reference).
// sameAsStdOne checks raw decodes into a T as encoding/json decodes it.
func sameAsStdOne[T any](t *testing.T, name string, raw []byte) {
	t.Helper()
	var want, got T
	stdDecode(t, raw, &want)
	require.NoError(t, decodeBytes(raw, &got), name)
	assert.Equal(t, want, got, name)
}

// sameAsStdList checks raw decodes as encoding/json decodes it into []*T,
// both into a page of values ([]T, as the iterators do) and into []*T.
func sameAsStdList[T any](t *testing.T, name string, raw []byte) {
	t.Helper()
	var want []*T
	stdDecode(t, raw, &want)
	var got []T
	require.NoError(t, decodeBytes(raw, &got), name)
	assert.Equal(t, want, pointers(got), name)
	var gotPointers []*T
	require.NoError(t, decodeBytes(raw, &gotPointers), name)
	assert.Equal(t, want, gotPointers, name)
}

func stdDecode(t *testing.T, data []byte, v any) {
	t.Helper()
	require.NoError(t, stdjson.NewDecoder(bytes.NewReader(data)).Decode(v))
}

// TestDecodingMatchesEncodingJSON decodes every official example, a
// generated page, and bodies with the quirks encoding/json tolerates, the
// way the client does (pages into one slice of values), and requires
// exactly what encoding/json decodes into the shapes the API returns.
func TestDecodingMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	bodies := map[string][]byte{}
	files, err := filepath.Glob(filepath.Join("testdata", "examples", "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 10)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		bodies[strings.TrimSuffix(filepath.Base(f), ".json")] = raw
	}
	bodies["package-versions-generated"] = benchVersions(100, 7)
	bodies["package-versions-quirks"] = []byte(`[{"id":1,"id":2,"name":"bad ` + "\xff" + ` \ud800 x","unknown":{"deep":[1,2,{"x":null}]},` +
		`"description":null,"deleted_at":"2026-01-02T03:04:05.123456789+02:00","metadata":{"package_type":"docker","docker":{"tag":["1.0"]}}},` +
		`{"id":3,"created_at":"2026-01-02T03:04:05Z","metadata":null,"license":"MIT"}] trailing bytes are ignored`)
	bodies["package-quirks"] = []byte(`{"id":9,"name":"n","owner":{"login":"o","id":1,"name":null,"email":"e@example.com","gravatar_id":""},` +
		`"repository":null,"version_count":0,"visibility":"internal","created_at":"2020-05-19T22:19:11Z"}`)

	for name, raw := range bodies {
		switch {
		case strings.HasPrefix(name, "package-versions"):
			sameAsStdList[PackageVersion](t, name, raw)
		case strings.HasPrefix(name, "package-version"):
			sameAsStdOne[PackageVersion](t, name, raw)
		case strings.HasPrefix(name, "packages"):
			sameAsStdList[Package](t, name, raw)
		default:
			sameAsStdOne[Package](t, name, raw)
		}
	}
	// The quirks decode to what they say.
	var vs []PackageVersion
	require.NoError(t, decodeBytes(bodies["package-versions-quirks"], &vs))
	assert.EqualValues(t, 2, vs[0].ID, "the last duplicate wins")
	assert.Equal(t, "bad \uFFFD \uFFFD x", vs[0].Name, "invalid UTF-8 and a lone surrogate become U+FFFD")
	assert.Equal(t, []string{"1.0"}, vs[0].Tags())
}

// TestDoDecodesCallerValuesLikeEncodingJSON: the escape hatch decodes into
// a caller's own types with encoding/json's rules, case-insensitive names
// included.
func TestDoDecodesCallerValuesLikeEncodingJSON(t *testing.T) {
	t.Parallel()
	body := []byte(`{"ID":197,"NAME":"team/app","Package_Type":"container","html_url":"h","VERSION_COUNT":3.0,` +
		`"owner":{"LOGIN":"octo-org"},"extra":[1,"two",null],"big":12345678901234567890}`)
	c, _ := connCountingClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	type callerPackage struct {
		ID           int64
		Name         string
		PackageType  string `json:"package_type"`
		HTMLURL      string `json:"html_url"`
		VersionCount float64
		Owner        struct{ Login string }
		Extra        []any
		Big          any
	}
	for _, mk := range []func() any{
		func() any { return new(callerPackage) },
		func() any { return new(map[string]any) },
		func() any { return new(any) },
	} {
		want, got := mk(), mk()
		stdDecode(t, body, want)
		req, err := c.NewRequest(t.Context(), http.MethodGet, "anything", nil)
		require.NoError(t, err)
		_, err = c.Do(req, got)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	var p callerPackage
	require.NoError(t, decodeBytes(body, &p))
	assert.Equal(t, "team/app", p.Name, "names match case-insensitively")
	assert.Equal(t, "container", p.PackageType)
	assert.Equal(t, "octo-org", p.Owner.Login)
}

// TestDecodeErrorsAreTheCallers: a 2xx body that does not decode, whether
// cut inside its value (the body itself arrived whole), malformed or of the
// wrong type, is a *DecodeError and is not sent again; through the SDK's
// types and a caller's value. A body the transport cut short is another
// matter (TestRetryMatrix's "truncated body then ok").
func TestDecodeErrorsAreTheCallers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		cut  bool
	}{
		{"cut in a string", `{"id":1260000001,"name":"sha256:a`, true},
		{"cut after a comma", `{"id":1260000001,`, true},
		{"cut in an array", `[{"id":1},`, true},
		{"malformed", `{"id":1260000001 "name":"x"}`, false},
		{"not JSON", `<html>oops</html>`, false},
		{"type mismatch", `{"id":"1260000001"}`, false},
		{"array for object", `[1,2]`, false},
	}
	for _, tc := range tests {
		for _, target := range []string{"sdk", "caller"} {
			var calls atomic.Int32
			c, _ := connCountingClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Write([]byte(tc.body))
			}), WithClock(newTestClock()), WithRetry(RetryPolicy{MaxRetries: 1}))
			var err error
			if target == "sdk" {
				_, _, err = c.Orgs.GetVersion(t.Context(), "octo-org", Container, "team/app", 1260000001)
			} else {
				var m struct{ ID int64 }
				req, rerr := c.NewRequest(t.Context(), http.MethodGet, "anything", nil)
				require.NoError(t, rerr)
				_, err = c.Do(req, &m)
			}
			what := tc.name + " into " + target
			require.Error(t, err, what)
			var de *DecodeError
			require.ErrorAs(t, err, &de, what)
			assert.Equal(t, 200, de.StatusCode, what)
			assert.ErrorContains(t, err, "decoding 200 response", what)
			if tc.cut {
				assert.ErrorIs(t, err, io.ErrUnexpectedEOF, what)
			}
			assert.EqualValues(t, 1, calls.Load(), "%s: not resent", what)
		}
	}
}

// An empty 2xx body (or one of white space only) is no body: v is left
// as it is and the request is not resent. (It was taken for a truncated
// body: a GET was sent 4 times, then failed.)
func TestEmptyBodyIsNoBody(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", " \n"} {
		for _, target := range []string{"sdk", "caller", "writer"} {
			var calls atomic.Int32
			c, _ := connCountingClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Write([]byte(body))
			}), WithClock(newTestClock()), WithRetry(DefaultRetryPolicy()))
			what := fmt.Sprintf("%q into %s", body, target)
			req, err := c.NewRequest(t.Context(), http.MethodGet, "anything", nil)
			require.NoError(t, err)
			var resp *Response
			switch target {
			case "sdk":
				v := PackageVersion{ID: 7}
				resp, err = c.Do(req, &v)
				assert.Equal(t, PackageVersion{ID: 7}, v, what)
			case "caller":
				v := map[string]any{"kept": true}
				resp, err = c.Do(req, &v)
				assert.Equal(t, map[string]any{"kept": true}, v, what)
			case "writer":
				var buf bytes.Buffer
				resp, err = c.Do(req, &buf)
				assert.Equal(t, body, buf.String(), what)
			}
			require.NoError(t, err, what)
			assert.Equal(t, 1, resp.Attempts, what)
			assert.EqualValues(t, 1, calls.Load(), "%s: sent once", what)
		}
	}
}
