package ghpackages

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A token read from a file or a secret often ends with a newline. It used
// to be sent as is, so every request failed in the transport ("invalid
// header field value for Authorization"), after the retries, and surrounding
// spaces reached GitHub as part of the token. WithToken now trims it.
func TestWithTokenTrimsSurroundingWhitespace(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var auths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Write([]byte(`{"id":1}`))
	}))
	t.Cleanup(srv.Close)
	for _, tok := range []string{"ghp_abc\n", "\tghp_abc \r\n", " ghp_abc ", "ghp_abc"} {
		c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithToken(tok), WithPacing(NoPacing()), WithRetry(NoRetry()))
		require.NoError(t, err, "%q", tok)
		pkg, resp, err := c.Orgs.Get(t.Context(), "o", NPM, "a")
		require.NoError(t, err, "%q", tok)
		assert.Equal(t, int64(1), pkg.ID)
		assert.Equal(t, 1, resp.Attempts)
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"Bearer ghp_abc", "Bearer ghp_abc", "Bearer ghp_abc", "Bearer ghp_abc"}, auths)
}

// Values no header may carry are refused by NewClient, before any request,
// instead of failing (and being retried) on every request. The token is not
// quoted in the error.
func TestOptionsRefuseControlCharacters(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]Option{
		"token with inner newline": WithToken("ghp_secret\nX-Evil: 1"),
		"token with NUL":           WithToken("ghp_secret\x00"),
		"token with DEL":           WithToken("ghp_secret\x7f"),
		"user agent with newline":  WithUserAgent("my-tool/1.0\r\nX-Evil: 1"),
		"user agent with NUL":      WithUserAgent("my-tool\x00"),
		"API version with CRLF":    WithAPIVersion("2022-11-28\r\n"),
	} {
		c, err := NewClient(opt)
		assert.Nil(t, c, name)
		require.ErrorIs(t, err, ErrInvalidArgument, name)
		assert.Contains(t, err.Error(), "control character", name)
		assert.NotContains(t, err.Error(), "ghp_secret", name)
	}
	// A tab is a valid header character: it is kept.
	c, err := NewClient(WithUserAgent("my-tool/1.0\t(+https://example.com)"), WithAPIVersion("2022-11-28"))
	require.NoError(t, err)
	assert.Equal(t, "my-tool/1.0\t(+https://example.com)", c.userAgent)
}
