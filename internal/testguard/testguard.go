// Package testguard keeps the project's tests honest about their
// surroundings: no test shares http.DefaultTransport (Install), and no test
// depends on the calendar (Epoch, RerunAtOtherEpochs).
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
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
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

// EpochVar names the environment variable that moves Epoch.
const EpochVar = "GHPACKAGES_TEST_EPOCH"

// Epoch is where a test's fake clock starts: a fixed instant, unless
// GHPACKAGES_TEST_EPOCH moves it, as an offset from the real time ("+8760h",
// "-8760h") or an RFC 3339 instant. RerunAtOtherEpochs runs tests again with
// it a year behind and a year ahead of the machine's clock, so a test that
// mixes its fake time with the real one fails on any day, not only after
// some date has passed.
func Epoch() time.Time {
	fixed := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	v := os.Getenv(EpochVar)
	if v == "" {
		return fixed
	}
	if d, err := time.ParseDuration(v); err == nil {
		return time.Now().Add(d).UTC().Truncate(time.Second)
	}
	if at, err := time.Parse(time.RFC3339, v); err == nil {
		return at
	}
	panic(EpochVar + ": want a duration such as +8760h or an RFC 3339 time, got " + v)
}

// RerunAtOtherEpochs runs the tests of the current test binary that match
// pattern (and not skip, if set: tests that compare with fixed output, such
// as golden files, whose dates move with the epoch) again, in subprocesses, with Epoch a year behind and a year ahead
// of real time, and fails t if either run fails. It skips when already
// running at a moved epoch, and with -short.
func RerunAtOtherEpochs(t *testing.T, pattern, skip string) {
	t.Helper()
	if os.Getenv(EpochVar) != "" {
		t.Skip("already running at a moved epoch")
	}
	if testing.Short() {
		t.Skip("reruns tests twice; skipped with -short")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, offset := range []string{"-8760h", "+8760h"} {
		args := []string{"-test.run=" + pattern, "-test.count=1", "-test.shuffle=on"}
		if skip != "" {
			args = append(args, "-test.skip="+skip)
		}
		cmd := exec.CommandContext(t.Context(), exe, args...)
		cmd.Env = append(os.Environ(), EpochVar+"="+offset)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "PASS") {
			t.Errorf("with the test clocks at real time %s: %v\n%s", offset, err, out)
		}
	}
}
