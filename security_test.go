package ghpackages

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secretToken = "ghp_TOPSECRETtoken0123456789"

// authRecorder is a server that records the Authorization headers it sees.
type authRecorder struct {
	mu    sync.Mutex
	auths []string
	next  http.Handler
}

func (a *authRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.auths = append(a.auths, r.Header.Get("Authorization"))
	a.mu.Unlock()
	a.next.ServeHTTP(w, r)
}

func (a *authRecorder) seen() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.auths...)
}

func TestTokenNeverInErrorsEventsOrLogs(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var events []RetryEvent
	p := DefaultRetryPolicy()
	p.OnRetry = func(e RetryEvent) { events = append(events, e) }
	steps := []func(http.ResponseWriter, *http.Request){
		status(503, "Service Unavailable"),
		dropConn,
		status(401, "Bad credentials"),
	}
	h := &scripted{steps: steps}
	c := retryClient(t, h, newTestClock(), WithRetry(p), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	_, _, err := c.Orgs.Get(t.Context(), "o", Container, "app")
	require.ErrorIs(t, err, ErrUnauthorized)

	texts := []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", c), fmt.Sprintf("%+v", c.limiter), logs.String()}
	for _, e := range events {
		texts = append(texts, e.String(), fmt.Sprint(e.Err))
	}
	require.NotEmpty(t, events)
	assert.Contains(t, logs.String(), "retrying request")
	for _, s := range texts {
		assert.NotContains(t, s, secretToken)
	}
	require.Len(t, h.seen, 3)
	for _, r := range h.seen {
		assert.Equal(t, "Bearer "+secretToken, r.Header.Get("Authorization"), "the API host itself gets the token")
	}
}

func TestTokenNotSentToOtherHostViaLink(t *testing.T) {
	t.Parallel()
	other := &authRecorder{next: http.HandlerFunc(okJSON(`[]`))}
	otherSrv := httptest.NewServer(other)
	t.Cleanup(otherSrv.Close)
	api := &authRecorder{next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", `<`+otherSrv.URL+`/orgs/o/packages?page=2>; rel="next"`)
		okJSON(`[{"id":1,"name":"a"}]`)(w, r)
	})}
	apiSrv := httptest.NewServer(api)
	t.Cleanup(apiSrv.Close)
	c, err := NewClient(WithBaseURL(apiSrv.URL), WithHTTPClient(apiSrv.Client()), WithToken(secretToken), WithPacing(NoPacing()))
	require.NoError(t, err)
	var got []string
	var iterErr error
	for pkg, err := range c.Orgs.All(t.Context(), "o", Container, nil) {
		if err != nil {
			iterErr = err
			break
		}
		got = append(got, pkg.Name)
	}
	assert.Equal(t, []string{"a"}, got)
	require.ErrorIs(t, iterErr, ErrInvalidArgument)
	assert.Empty(t, other.seen(), "no request to the other host")
	assert.Equal(t, []string{"Bearer " + secretToken}, api.seen())
}

func TestTokenNotSentOnRedirectToOtherHost(t *testing.T) {
	t.Parallel()
	other := &authRecorder{next: http.HandlerFunc(okJSON(`{"id":1,"name":"a"}`))}
	otherSrv := httptest.NewServer(other)
	t.Cleanup(otherSrv.Close)
	apiSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherSrv.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(apiSrv.Close)
	// Same IP, other port: a different host as far as credentials go.
	c, err := NewClient(WithBaseURL(apiSrv.URL), WithHTTPClient(apiSrv.Client()), WithToken(secretToken), WithPacing(NoPacing()))
	require.NoError(t, err)
	_, _, err = c.Orgs.Get(t.Context(), "o", Container, "a")
	require.NoError(t, err)
	assert.Equal(t, []string{""}, other.seen(), "redirect target got no Authorization")
}

func TestPlainHTTPTokenRefusedExceptLoopback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"http://api.example.com/", false},
		{"http://10.0.0.1/api/v3", false},
		{"http://127.0.0.1:8080/", true},
		{"http://127.1.2.3/", true},
		{"http://[::1]:9/", true},
		{"http://localhost:3000/api/v3/", true},
		{"https://ghes.example.com/api/v3", true},
	} {
		_, err := NewClient(WithBaseURL(tc.url), WithToken(secretToken))
		if tc.ok {
			assert.NoError(t, err, tc.url)
			continue
		}
		require.ErrorIs(t, err, ErrInvalidArgument, tc.url)
		assert.NotContains(t, err.Error(), secretToken)
		// Without a token, plain http is allowed (nothing to leak).
		_, err = NewClient(WithBaseURL(tc.url))
		assert.NoError(t, err, tc.url)
	}
}
