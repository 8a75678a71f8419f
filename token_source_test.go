package ghpackages

import (
	"context"
	"errors"
	"fmt"
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

// Tokens from WithTokenSource and WithTokenFunc are trimmed and checked as
// WithToken's are; a source that fails is asked once, the request is not
// sent, and the error says so and matches ErrTokenSource.
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
		for _, viaFunc := range []bool{false, true} {
			if viaFunc && tc.token == nil && tc.err == nil {
				continue // a function has no nil token to give
			}
			t.Run(fmt.Sprintf("%s, func %v", tc.name, viaFunc), func(t *testing.T) {
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
				auth := WithTokenSource(src)
				if viaFunc {
					auth = WithTokenFunc(func(context.Context) (string, error) {
						tok, err := src.Token()
						if err != nil {
							return "", err
						}
						return tok.AccessToken, nil
					})
				}
				c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), auth, WithPacing(NoPacing()), WithRetry(fastRetries(&retries)))
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
}

// ctxKey marks the contexts the test below hands out.
type ctxKey struct{}

// WithTokenFunc's function gets the request's context: a refresh that
// hangs ends when the request's context is canceled, the request is not
// sent, and the error says both what failed and why. (A TokenSource has no
// context to honour.)
func TestTokenFuncHonoursTheRequestContext(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"id":7}`))
	}))
	t.Cleanup(srv.Close)
	started := make(chan struct{})
	var calls atomic.Int32
	f := func(ctx context.Context) (string, error) {
		calls.Add(1)
		if ctx.Value(ctxKey{}) == "fresh" {
			return "ghs_fresh", nil
		}
		close(started)
		<-ctx.Done() // a refresh that hangs until the request gives up
		return "", fmt.Errorf("refreshing the installation token: %w", ctx.Err())
	}
	var retries atomic.Int32
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithTokenFunc(f), WithPacing(NoPacing()), WithRetry(fastRetries(&retries)))
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.WithValue(t.Context(), ctxKey{}, "hung"))
	go func() {
		<-started
		cancel()
	}()
	_, _, err = c.Orgs.Get(ctx, "o", NPM, "a")
	require.ErrorIs(t, err, ErrTokenSource)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorContains(t, err, "refreshing the installation token")
	assert.ErrorContains(t, err, "request not sent")
	assert.Zero(t, hits.Load(), "nothing sent")
	assert.Zero(t, retries.Load(), "not retried")
	assert.EqualValues(t, 1, calls.Load())

	// The same function, given a context it can serve, authenticates.
	pkg, _, err := c.Orgs.Get(context.WithValue(t.Context(), ctxKey{}, "fresh"), "o", NPM, "a")
	require.NoError(t, err)
	assert.EqualValues(t, 7, pkg.ID)
	assert.EqualValues(t, 1, hits.Load())

	_, err = NewClient(WithTokenFunc(nil))
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, err = NewClient(WithBaseURL("http://api.example.com/"), WithTokenFunc(f))
	assert.ErrorIs(t, err, ErrInvalidArgument, "no token over plain http off loopback")
}
