package ghpackages

import (
	"net/http"
	"net/textproto"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeaderNamesAreCanonical(t *testing.T) {
	t.Parallel()
	for _, name := range []string{headerRequestID, headerRateLimit, headerRateRemaining, headerRateUsed, headerRateReset,
		headerRateResource, headerOAuthScopes, headerAcceptedScopes, headerETag, headerLink, headerAPIVersion} {
		assert.Equal(t, textproto.CanonicalMIMEHeaderKey(name), name)
	}
	// GitHub's own spelling finds the same values.
	h := http.Header{}
	h.Set("X-GitHub-Request-Id", "id")
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-OAuth-Scopes", "read:packages")
	h.Set("X-Accepted-OAuth-Scopes", "write:packages")
	h.Set("ETag", `"e"`)
	assert.Equal(t, "id", h.Get(headerRequestID))
	assert.Equal(t, "5000", h.Get(headerRateLimit))
	assert.Equal(t, "read:packages", h.Get(headerOAuthScopes))
	assert.Equal(t, "write:packages", h.Get(headerAcceptedScopes))
	assert.Equal(t, `"e"`, h.Get(headerETag))
}

// TestAuthorizationOnACopy: the token goes on the attempt's one copy of
// the request (with the cache's condition); the caller's request, its
// headers and their values are left as they were.
func TestAuthorizationOnACopy(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithToken(secretToken))
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://api.github.com/user/packages?package_type=npm", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", mediaTypeJSON)
	req.Header.Add("X-Extra", "a")
	accept := req.Header["Accept"]
	sent, err := c.sendable(req, 1, cacheHit{key: "k", etag: `"e"`})
	require.NoError(t, err)
	assert.Equal(t, []string{`"e"`}, sent.Header["If-None-Match"])
	assert.NotSame(t, req, sent)
	assert.Equal(t, []string{"Bearer " + secretToken}, sent.Header["Authorization"])
	assert.Equal(t, mediaTypeJSON, sent.Header.Get("Accept"))
	assert.Equal(t, []string{"a"}, sent.Header["X-Extra"])
	assert.Equal(t, req.URL.String(), sent.URL.String())
	assert.Equal(t, req.Context(), sent.Context())
	assert.Empty(t, req.Header.Values("Authorization"), "the caller's request has no token")
	assert.Len(t, req.Header, 2)
	sent.Header.Set("Accept", "changed")
	sent.Header.Add("X-Extra", "b")
	assert.Equal(t, []string{mediaTypeJSON}, accept, "the caller's header values are untouched")
	assert.Equal(t, []string{"a"}, req.Header["X-Extra"])
}

// TestNewRequestURLAsParsed: newRequest hands net/http the URL it resolved
// instead of its string; the request must be the one parsing that string
// gives (target, host, URL) for relative paths, queries and next links.
func TestNewRequestURLAsParsed(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"https://api.github.com/", "https://ghes.example.com:8443/api/v3/", "http://[::1]:8080/", "http://127.0.0.1:/x%2Fy/"} {
		c, err := NewClient(WithBaseURL(base))
		require.NoError(t, err)
		b := c.BaseURL()
		for _, path := range []string{
			"orgs/octo-org/packages/container/team%2Fapp",
			"users/a%20b/packages/npm/%40scope%2Fpkg/versions?per_page=100&page=2",
			"user/packages/container/a%2Fb%2Fc/versions/12/restore",
			"orgs/o/packages?package_type=container&visibility=private",
			b.Scheme + "://" + b.Host + b.EscapedPath() + "orgs/o/packages/npm/a%2Fb/versions?page=3&per_page=30",
		} {
			req, err := c.newRequest(t.Context(), http.MethodGet, path, map[string]string{"state": "deleted"}, nil)
			require.NoError(t, err, path)
			want, err := http.NewRequestWithContext(t.Context(), http.MethodGet, req.URL.String(), nil)
			require.NoError(t, err)
			assert.Equal(t, want.URL, req.URL, path)
			assert.Equal(t, want.URL.RequestURI(), req.URL.RequestURI(), path)
			assert.Equal(t, want.Host, req.Host, path)
			assert.Equal(t, http.MethodGet, req.Method)
		}
	}
}
