package ghpackages

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failingWriter refuses every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// An io.Writer passed to Do receives the raw body even when GitHub answers
// 304 and the body comes from the ETag cache. (Before the fix the cached
// body was JSON-decoded into the writer: a *bytes.Buffer stayed empty and
// Do returned no error.)
func TestETagCacheServesRawBodyToAWriter(t *testing.T) {
	t.Parallel()
	const body = `{"id":7,"name":"app"}`
	var mu sync.Mutex
	var inm []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inm = append(inm, r.Header.Get("If-None-Match"))
		mu.Unlock()
		if r.Header.Get("If-None-Match") == `"e1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"e1"`)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithToken("t"), WithPacing(NoPacing()), WithRetry(NoRetry()), WithETagCache(8, 1<<20))
	require.NoError(t, err)

	get := func(v any) (*Response, error) {
		req, err := c.NewRequest(t.Context(), http.MethodGet, "orgs/o/packages/npm/app", nil)
		require.NoError(t, err)
		return c.Do(req, v)
	}

	var p Package
	resp, err := get(&p)
	require.NoError(t, err)
	assert.False(t, resp.FromCache)
	assert.Equal(t, int64(7), p.ID)

	var buf bytes.Buffer
	resp, err = get(&buf)
	require.NoError(t, err)
	assert.True(t, resp.FromCache)
	assert.Equal(t, http.StatusNotModified, resp.StatusCode)
	assert.Equal(t, body, buf.String(), "the raw cached body, byte for byte")

	// A struct still decodes from the cache after the writer's turn.
	var again Package
	resp, err = get(&again)
	require.NoError(t, err)
	assert.True(t, resp.FromCache)
	assert.Equal(t, Package{ID: 7, Name: "app"}, again)

	// A writer that fails is reported, without the token.
	resp, err = get(failingWriter{})
	require.Error(t, err)
	assert.NotNil(t, resp)
	assert.Contains(t, err.Error(), "disk full")
	assert.Contains(t, err.Error(), "GET "+srv.URL+"/orgs/o/packages/npm/app")

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"", `"e1"`, `"e1"`, `"e1"`}, inm)
}

// len reports the number of cached entries and their total size.
func (c *etagCache) len() (int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len(), c.bytes
}
