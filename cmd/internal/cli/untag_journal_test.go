package cli_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errKilled stands for a process that is gone: no request it would send
// after the kill reaches the server.
var errKilled = errors.New("killed")

// killAt wraps a run's transport so that the run is "killed" at its n-th
// request that changes something: the journal is copied to snap as a
// SIGKILL would leave it there (every line is on disk before the request
// goes out), before the request is sent (sent false) or once the server
// has carried it out but before its answer is recorded (sent true). From
// then on no request reaches the server. It reports how many change
// requests the run made.
func killAt(journal, snap string, n int, sent bool, count *int) func(http.RoundTripper) http.RoundTripper {
	killed := false
	return func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			if killed {
				return nil, errKilled
			}
			switch req.Method {
			case http.MethodDelete, http.MethodPut, http.MethodPost, http.MethodPatch:
			default:
				return next.RoundTrip(req)
			}
			*count++
			if *count != n {
				return next.RoundTrip(req)
			}
			killed = true
			if sent {
				resp, err := next.RoundTrip(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
			raw, err := os.ReadFile(journal)
			if err != nil {
				return nil, err
			}
			if err := os.WriteFile(snap, raw, 0o600); err != nil {
				return nil, err
			}
			return nil, errKilled
		})
	}
}

// TestUntagJournalRestoresTags: an untag run killed at any of its
// requests that change something (before the request goes out, or after
// the registry carried it out and before the answer was recorded) leaves
// a journal from which 'ghpkg restore --report' puts every tag back on the
// image it was on, and 'ghpkg verify --report' accepts. The journal of an
// untag names no version for a tag push: restore learns the image from the
// plan at the journal's head.
func TestUntagJournalRestoresTags(t *testing.T) {
	t.Parallel()
	// Count the change requests of a whole run first.
	total := 0
	{
		h := newRegistryHarness(t)
		h.wrap = killAt(filepath.Join(h.dir, "run.json"), filepath.Join(h.dir, "snap.json"), -1, false, &total)
		code, _, errOut := h.run(t, "untag", teamApp, "stable", "latest", "--org", "octo-org", "--yes", "--report", filepath.Join(h.dir, "run.json"))
		require.Equal(t, 0, code, errOut)
	}
	require.Greater(t, total, 3, "pushes of the placeholder, one per tag, and its delete")
	for n := 1; n <= total; n++ {
		for _, sent := range []bool{false, true} {
			t.Run(fmt.Sprintf("request %d of %d, sent %v", n, total, sent), func(t *testing.T) {
				h := newRegistryHarness(t)
				before := appTags(t, h)
				report, snap := filepath.Join(h.dir, "run.json"), filepath.Join(h.dir, "snap.json")
				count := 0
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				h.ctx, h.wrap = ctx, killAt(report, snap, n, sent, &count)
				h.run(t, "untag", teamApp, "stable", "latest", "--org", "octo-org", "--yes", "--report", report)
				require.FileExists(t, snap)
				h.ctx, h.wrap = nil, nil
				code, out, errOut := h.run(t, "verify", "--report", snap)
				require.Contains(t, []int{0, 1}, code, "verify --report reads the journal\n%s\n%s", out, errOut)

				code, out, errOut = h.run(t, "restore", "--report", snap)
				require.Equal(t, 0, code, "%s\n%s", out, errOut)
				assert.Equal(t, sortedTags(before), sortedTags(appTags(t, h)), "every tag is back on its image\n%s\n%s", out, errOut)
				code, out, errOut = h.run(t, "verify", teamApp, "--org", "octo-org")
				assert.Equal(t, 0, code, "%s\n%s", out, errOut)
			})
		}
	}
}

// sortedTags is tags with each version's tags in order (a tag put back
// comes last in the API's list).
func sortedTags(tags map[string][]string) map[string][]string {
	out := map[string][]string{}
	for v, ts := range tags {
		out[v] = slices.Sorted(slices.Values(ts))
	}
	return out
}
