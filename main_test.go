package ghpackages

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"
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

// testEpoch is where every test clock of this package starts. By default a
// fixed instant; GHPACKAGES_TEST_EPOCH moves it, as an offset from the real
// time ("+8760h", "-8760h") or an RFC 3339 instant, so the same tests can be
// run with their fake time a year ahead of or behind the machine's clock.
var testEpoch = func() time.Time {
	fixed := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	v := os.Getenv("GHPACKAGES_TEST_EPOCH")
	if v == "" {
		return fixed
	}
	if d, err := time.ParseDuration(v); err == nil {
		return time.Now().Add(d).UTC().Truncate(time.Second)
	}
	if at, err := time.Parse(time.RFC3339, v); err == nil {
		return at
	}
	panic("GHPACKAGES_TEST_EPOCH: want a duration such as +8760h or an RFC 3339 time, got " + v)
}()
