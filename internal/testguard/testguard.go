// Package testguard keeps tests from sharing http.DefaultTransport.
//
// httptest.Server.Close calls CloseIdleConnections on http.DefaultTransport,
// so a client that shares it with parallel tests can lose a request in
// flight ("http: CloseIdleConnections called"), and a DELETE lost that way
// is retried and reaches the server twice. Each test owns its transport
// (srv.Client(), ghpackagestest.Server.HTTPClient, or a fresh
// http.Transport). A test binary's TestMain calls Install, so a test that
// forgets fails at once, every run, instead of one run in a few.
package testguard

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrSharedTransport is the error a request sent through
// http.DefaultTransport gets once Install has run.
var ErrSharedTransport = errors.New("test sent a request through http.DefaultTransport; give the client its own transport (srv.Client(), ghpackagestest.Server.HTTPClient, or WithHTTPClient)")

type guard struct{}

// RoundTrip refuses every request.
func (guard) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return nil, fmt.Errorf("%w (%s %s)", ErrSharedTransport, r.Method, r.URL.Redacted())
}

// Install replaces http.DefaultTransport with a transport that fails every
// request with ErrSharedTransport. Call it from TestMain before m.Run.
func Install() { http.DefaultTransport = guard{} }
