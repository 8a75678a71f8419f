package ghpackages

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"testing"
)

// errSharedTransport is what a test gets when it sends through
// http.DefaultTransport.
var errSharedTransport = errors.New("test sent a request through http.DefaultTransport; give the client its own transport (srv.Client() or WithHTTPClient)")

// guardTransport replaces http.DefaultTransport for the whole test binary.
// httptest.Server.Close calls CloseIdleConnections on http.DefaultTransport,
// so a client sharing it with parallel tests can lose a request in flight
// ("http: CloseIdleConnections called"), and a DELETE lost that way is
// retried and reaches the server twice. Each test owns its transport; this
// guard makes a test that forgets fail at once instead of now and then.
type guardTransport struct{}

func (guardTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return nil, fmt.Errorf("%w (%s %s)", errSharedTransport, r.Method, r.URL.Redacted())
}

func TestMain(m *testing.M) {
	http.DefaultTransport = guardTransport{}
	os.Exit(m.Run())
}

// ownClient returns an HTTP client with a transport of its own, closed when
// the test ends, for tests that talk to an address no httptest server owns.
func ownClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}
