package ghpackages

import (
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/ghpackages/ghpackages-go/internal/testguard"
)

// TestMain makes every test of this package own its HTTP transport (see
// package testguard): a client left on http.DefaultTransport fails at once.
func TestMain(m *testing.M) {
	testguard.Install()
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

// TestEpochValue is testEpoch for this package's external tests
// (ghpackages_test), which share the test binary.
var TestEpochValue = testEpoch
