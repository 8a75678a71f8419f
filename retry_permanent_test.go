package ghpackages

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// fastRetries retries transient failures 3 times with 1 ms waits and counts
// the retries.
func fastRetries(n *atomic.Int32) RetryPolicy {
	p := DefaultRetryPolicy()
	p.BaseDelay, p.MaxDelay = time.Millisecond, time.Millisecond
	p.OnRetry = func(RetryEvent) { n.Add(1) }
	return p
}

// quietTLSServer is an httptest TLS server that does not log handshake
// failures.
func quietTLSServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// An untrusted server certificate (a GitHub Enterprise Server with its own
// CA the caller forgot to configure) fails the same way every time: the
// error comes at once, not after three retries and their backoff (up to 7 s
// with the default policy before the fix).
func TestUntrustedCertificateIsNotRetried(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := quietTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		assert.Equal(t, "/api/v3/orgs/o/packages/npm/a", r.URL.RequestURI())
		w.Write([]byte(`{"id":7}`))
	}))
	var retries atomic.Int32
	// A transport of the test's own that does not trust the server's CA.
	c, err := NewClient(WithBaseURL(srv.URL+"/api/v3"), WithHTTPClient(ownClient(t)), WithToken("t"), WithPacing(NoPacing()), WithRetry(fastRetries(&retries)))
	require.NoError(t, err)
	_, resp, err := c.Orgs.Get(t.Context(), "o", NPM, "a")
	require.Error(t, err)
	assert.Nil(t, resp)
	var certErr *tls.CertificateVerificationError
	assert.ErrorAs(t, err, &certErr)
	assert.Contains(t, err.Error(), "GET "+srv.URL+"/api/v3/orgs/o/packages/npm/a: ")
	assert.Equal(t, int32(0), retries.Load(), "no retry")
	assert.Equal(t, int32(0), hits.Load())

	// Trusting the server's CA through WithHTTPClient makes it work.
	c, err = NewClient(WithBaseURL(srv.URL+"/api/v3"), WithHTTPClient(srv.Client()), WithToken("t"), WithPacing(NoPacing()), WithRetry(fastRetries(&retries)))
	require.NoError(t, err)
	pkg, resp, err := c.Orgs.Get(t.Context(), "o", NPM, "a")
	require.NoError(t, err)
	assert.Equal(t, int64(7), pkg.ID)
	assert.Equal(t, 1, resp.Attempts)
	assert.Equal(t, int32(1), hits.Load())
	assert.Equal(t, int32(0), retries.Load())
}

// A token source handing out a token no header can carry fails every
// attempt the same way: no retry, and the token is not in the error.
func TestInvalidHeaderValueIsNotRetried(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"id":7}`))
	}))
	t.Cleanup(srv.Close)
	var retries atomic.Int32
	src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "ghs_secret\r\nX-Evil: 1"})
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithTokenSource(src), WithPacing(NoPacing()), WithRetry(fastRetries(&retries)))
	require.NoError(t, err)
	_, _, err = c.Orgs.Get(t.Context(), "o", NPM, "a")
	require.ErrorIs(t, err, ErrTokenSource)
	require.ErrorContains(t, err, "token source returned a token with a control character")
	assert.NotContains(t, err.Error(), "ghs_secret")
	assert.Equal(t, int32(0), retries.Load(), "no retry")
	assert.Equal(t, int32(0), hits.Load())
}

// A dropped connection is still a transient failure worth a retry.
func TestDroppedConnectionIsStillRetried(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if assert.NoError(t, err) {
				conn.Close()
			}
			return
		}
		w.Write([]byte(`{"id":7}`))
	}))
	t.Cleanup(srv.Close)
	var retries atomic.Int32
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithToken("t"), WithPacing(NoPacing()), WithRetry(fastRetries(&retries)))
	require.NoError(t, err)
	pkg, resp, err := c.Orgs.Get(t.Context(), "o", NPM, "a")
	require.NoError(t, err)
	assert.Equal(t, int64(7), pkg.ID)
	assert.Equal(t, 2, resp.Attempts)
	assert.Equal(t, int32(1), retries.Load())
	assert.Equal(t, int32(2), hits.Load())
}

// dnsTransport fails every request as a resolver does: "no such host" when
// notFound, else a temporary failure (a timeout).
type dnsTransport struct {
	notFound bool
	tries    atomic.Int32
}

func (d *dnsTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	d.tries.Add(1)
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: req.URL.Hostname(),
		IsNotFound: d.notFound, IsTimeout: !d.notFound, IsTemporary: !d.notFound}}
}

// A host name that does not exist (a mistyped --base-url) will not exist on
// the next attempt either: one try, no backoff. A DNS timeout is retried.
func TestUnknownHostIsNotRetried(t *testing.T) {
	t.Parallel()
	for _, notFound := range []bool{true, false} {
		tr := &dnsTransport{notFound: notFound}
		var retries atomic.Int32
		c, err := NewClient(WithBaseURL("https://ghes.invalid/api/v3/"), WithHTTPClient(&http.Client{Transport: tr}), WithToken("t"),
			WithPacing(NoPacing()), WithRetry(fastRetries(&retries)))
		require.NoError(t, err)
		_, _, err = c.Orgs.Get(t.Context(), "o", NPM, "a")
		var dnsErr *net.DNSError
		require.ErrorAs(t, err, &dnsErr)
		if notFound {
			assert.Equal(t, int32(1), tr.tries.Load(), "no such host: one attempt")
			assert.Zero(t, retries.Load())
		} else {
			assert.Equal(t, int32(4), tr.tries.Load(), "a DNS timeout is retried")
		}
	}
}
