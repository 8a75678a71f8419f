package ghpackagestest_test

import (
	"net/http"
	"testing"
	"time"
)

// fixedNow is the start of every FakeClock in these tests.
var fixedNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// testClient is an HTTP client with a transport of the test's own.
func testClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}
