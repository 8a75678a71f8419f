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

// TestAuthorizationOnACopy: the token goes on a copy of the request; the
// caller's request, its headers and their values are left as they were.
func TestAuthorizationOnACopy(t *testing.T) {
	t.Parallel()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://api.github.com/user/packages?package_type=npm", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", mediaTypeJSON)
	req.Header.Add("X-Extra", "a")
	accept := req.Header["Accept"]
	sent := withAuthorization(req, "Bearer "+secretToken)
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
