package ghpackages

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// sourceFunc adapts a function to oauth2.TokenSource.
type sourceFunc func() (*oauth2.Token, error)

func (f sourceFunc) Token() (*oauth2.Token, error) { return f() }

// Tokens from WithTokenSource are trimmed and checked as WithToken's are; a
// source that fails is asked once, the request is not sent, and the error
// says so and matches ErrTokenSource.
func TestTokenSourceTokensAreCheckedAndFailuresNotRetried(t *testing.T) {
	t.Parallel()
	revoked := errors.New("oauth2: cannot fetch token: 401 Unauthorized")
	tests := []struct {
		name     string
		token    *oauth2.Token
		err      error
		wantAuth string // "" means the request must not be sent
		wantErr  string
	}{
		{name: "trimmed", token: &oauth2.Token{AccessToken: "  ghs_abc \n"}, wantAuth: "Bearer ghs_abc"},
		{name: "source error", err: revoked, wantErr: "401 Unauthorized"},
		{name: "nil token", wantErr: "token source returned no token"},
		{name: "empty token", token: &oauth2.Token{AccessToken: " \t "}, wantErr: "token source returned an empty token"},
		{name: "control character", token: &oauth2.Token{AccessToken: "ghs_a\x00b"}, wantErr: "control character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int32
			var gotAuth atomic.Value
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				gotAuth.Store(r.Header.Get("Authorization"))
				w.Write([]byte(`{"id":7}`))
			}))
			t.Cleanup(srv.Close)
			var asked, retries atomic.Int32
			src := sourceFunc(func() (*oauth2.Token, error) {
				asked.Add(1)
				return tc.token, tc.err
			})
			c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithTokenSource(src), WithPacing(NoPacing()), WithRetry(fastRetries(&retries)))
			require.NoError(t, err)
			_, _, err = c.Orgs.Get(t.Context(), "o", NPM, "a")
			assert.Equal(t, int32(0), retries.Load(), "never retried")
			assert.Equal(t, int32(1), asked.Load(), "the source is asked once")
			if tc.wantAuth != "" {
				require.NoError(t, err)
				assert.Equal(t, tc.wantAuth, gotAuth.Load())
				return
			}
			require.ErrorIs(t, err, ErrTokenSource)
			assert.ErrorContains(t, err, "request not sent")
			assert.ErrorContains(t, err, tc.wantErr)
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
			}
			assert.Equal(t, int32(0), hits.Load(), "nothing sent")
		})
	}
}
