package ghpackages

import (
	"net/http"
	"os"
	"testing"

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

// testEpoch is where every test clock of this package starts (see
// testguard.Epoch: fixed, unless GHPACKAGES_TEST_EPOCH moves it).
var testEpoch = testguard.Epoch()

// TestEpochValue is testEpoch for this package's external tests
// (ghpackages_test), which share the test binary.
var TestEpochValue = testEpoch
