package ghpackages

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The replay rules of replay.go, request by request, on scripted answers;
// retry_replay_test.go runs them against the fake's real handlers.

// A DELETE whose first answer is lost is sent again; when the retry is
// answered 404 the result must be honest: not a failure for a version that
// is gone, not a success when the 404 may mean "cannot see it".
func TestReplayedDeleteIsSettledHonestly(t *testing.T) {
	t.Parallel()
	const (
		versionPath = "DELETE /orgs/octo-org/packages/container/team%2Fapp/versions/1260000001"
		getVersion  = "GET /orgs/octo-org/packages/container/team%2Fapp/versions/1260000001"
		getPackage  = "GET /orgs/octo-org/packages/container/team%2Fapp"
	)
	pkg := okJSON(`{"id":1,"name":"team/app","package_type":"container"}`)
	gone := status(404, "Package version not found.")
	tests := []struct {
		name       string
		steps      []func(http.ResponseWriter, *http.Request)
		wantSent   []string
		wantErr    error // nil: success
		notErr     error
		wantHint   string
		wantReplay bool
	}{
		{
			name:       "version gone, package readable: deleted",
			steps:      []func(http.ResponseWriter, *http.Request){status(502, ""), gone, gone, pkg},
			wantSent:   []string{versionPath, versionPath, getVersion, getPackage},
			wantReplay: true,
		},
		{
			name:       "dropped connection, version gone, package readable: deleted",
			steps:      []func(http.ResponseWriter, *http.Request){dropConn, gone, gone, pkg},
			wantSent:   []string{versionPath, versionPath, getVersion, getPackage},
			wantReplay: true,
		},
		{
			name:       "version still there: the 404 meant no admin, not deleted",
			steps:      []func(http.ResponseWriter, *http.Request){status(502, ""), gone, okJSON(testVersion)},
			wantSent:   []string{versionPath, versionPath, getVersion},
			wantErr:    ErrNotFound,
			notErr:     ErrDeleteUnconfirmed,
			wantHint:   "the version still exists",
			wantReplay: true,
		},
		{
			name:       "package not visible either: unconfirmed",
			steps:      []func(http.ResponseWriter, *http.Request){status(502, ""), gone, gone, status(404, "Package not found.")},
			wantSent:   []string{versionPath, versionPath, getVersion, getPackage},
			wantErr:    ErrDeleteUnconfirmed,
			wantHint:   "the first attempt's response was lost",
			wantReplay: true,
		},
		{
			name:     "a plain 404 is not a replay and reads nothing more",
			steps:    []func(http.ResponseWriter, *http.Request){gone},
			wantSent: []string{versionPath},
			wantErr:  ErrNotFound,
			notErr:   ErrDeleteUnconfirmed,
		},
		{
			name:     "a 404 after a rate limit is not a replay: the limit refused the first",
			steps:    []func(http.ResponseWriter, *http.Request){status(429, "x", "Retry-After", "1"), gone},
			wantSent: []string{versionPath, versionPath},
			wantErr:  ErrNotFound,
			notErr:   ErrDeleteUnconfirmed,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := &scripted{steps: tc.steps}
			c := retryClient(t, h, newTestClock())
			resp, err := c.Orgs.DeleteVersion(t.Context(), "octo-org", Container, "team/app", 1260000001)
			assert.Equal(t, tc.wantSent, h.sent())
			if tc.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.wantErr)
				var apiErr *Error
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
				assert.Contains(t, apiErr.Hint, tc.wantHint)
				assert.Contains(t, err.Error(), tc.wantHint)
			}
			if tc.notErr != nil {
				assert.NotErrorIs(t, err, tc.notErr)
			}
			require.NotNil(t, resp)
			assert.Equal(t, tc.wantReplay, resp.Replayed)
		})
	}
}

// Deleting a whole package cannot be confirmed by a read: a deleted package
// and one the token cannot see both read 404. A replayed package DELETE
// answered 404 is therefore unconfirmed, and says so.
func TestReplayedPackageDeleteIsUnconfirmed(t *testing.T) {
	t.Parallel()
	h := &scripted{steps: []func(http.ResponseWriter, *http.Request){status(503, ""), status(404, "Package not found.")}}
	c := retryClient(t, h, newTestClock())
	resp, err := c.Orgs.Delete(t.Context(), "octo-org", NPM, "left-pad")
	require.ErrorIs(t, err, ErrDeleteUnconfirmed)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, 2, h.count())
	require.NotNil(t, resp)
	assert.True(t, resp.Replayed)
}

// A restore whose first answer is lost is sent again; a 404 to the resend
// may mean "already restored, by the first attempt" as well as "no admin"
// or "nothing to restore". Reads settle it, with the care deletes get: an
// active version (or package) is what the caller asked for; a package that
// reads while its version does not says the restore did not happen; when
// nothing reads, the outcome is unconfirmed. (The 404 used to be a plain
// ErrNotFound with the "lacks admin" hint and Replayed unset.)
func TestReplayedRestoreIsSettledByReads(t *testing.T) {
	t.Parallel()
	const (
		restoreVersion = "POST /orgs/octo-org/packages/container/team%2Fapp/versions/1260000001/restore"
		restorePackage = "POST /orgs/octo-org/packages/container/team%2Fapp/restore"
		getVersion     = "GET /orgs/octo-org/packages/container/team%2Fapp/versions/1260000001"
		getPackage     = "GET /orgs/octo-org/packages/container/team%2Fapp"
	)
	pkg := okJSON(`{"id":1,"name":"team/app","package_type":"container"}`)
	versionGone := status(404, "Package version not found.")
	packageGone := status(404, "Package not found.")
	tests := []struct {
		name     string
		version  bool // RestoreVersion, else Restore
		steps    []func(http.ResponseWriter, *http.Request)
		wantSent []string
		wantErr  error // nil: success
		notErr   error
		wantHint string
		replayed bool
	}{
		{
			name:     "version: the resend's 404, and the version reads: restored",
			version:  true,
			steps:    []func(http.ResponseWriter, *http.Request){status(502, ""), versionGone, okJSON(testVersion)},
			wantSent: []string{restoreVersion, restoreVersion, getVersion},
			replayed: true,
		},
		{
			name:     "version: dropped answer, the version reads: restored",
			version:  true,
			steps:    []func(http.ResponseWriter, *http.Request){dropConn, versionGone, okJSON(testVersion)},
			wantSent: []string{restoreVersion, restoreVersion, getVersion},
			replayed: true,
		},
		{
			name:     "version: not active while its package reads: not restored",
			version:  true,
			steps:    []func(http.ResponseWriter, *http.Request){status(502, ""), versionGone, versionGone, pkg},
			wantSent: []string{restoreVersion, restoreVersion, getVersion, getPackage},
			wantErr:  ErrNotFound, notErr: ErrRestoreUnconfirmed,
			wantHint: "the version is not active",
			replayed: true,
		},
		{
			name:     "version: nothing reads: unconfirmed",
			version:  true,
			steps:    []func(http.ResponseWriter, *http.Request){status(502, ""), versionGone, versionGone, packageGone},
			wantSent: []string{restoreVersion, restoreVersion, getVersion, getPackage},
			wantErr:  ErrRestoreUnconfirmed,
			wantHint: "the first attempt's response was lost",
			replayed: true,
		},
		{
			name:     "version: a plain 404 is not a replay and reads nothing",
			version:  true,
			steps:    []func(http.ResponseWriter, *http.Request){versionGone},
			wantSent: []string{restoreVersion},
			wantErr:  ErrNotFound, notErr: ErrRestoreUnconfirmed,
			wantHint: "lacks admin permission",
		},
		{
			name:     "version: a 404 after a rate limit is not a replay",
			version:  true,
			steps:    []func(http.ResponseWriter, *http.Request){status(429, "x", "Retry-After", "1"), versionGone},
			wantSent: []string{restoreVersion, restoreVersion},
			wantErr:  ErrNotFound, notErr: ErrRestoreUnconfirmed,
			wantHint: "lacks admin permission",
		},
		{
			name:     "package: the resend's 404, and the package reads: restored",
			steps:    []func(http.ResponseWriter, *http.Request){status(503, ""), packageGone, pkg},
			wantSent: []string{restorePackage, restorePackage, getPackage},
			replayed: true,
		},
		{
			name:     "package: nothing reads: unconfirmed",
			steps:    []func(http.ResponseWriter, *http.Request){status(503, ""), packageGone, packageGone},
			wantSent: []string{restorePackage, restorePackage, getPackage},
			wantErr:  ErrRestoreUnconfirmed,
			wantHint: "the first attempt's response was lost",
			replayed: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := &scripted{steps: tc.steps}
			c := retryClient(t, h, newTestClock())
			var resp *Response
			var err error
			if tc.version {
				resp, err = c.Orgs.RestoreVersion(t.Context(), "octo-org", Container, "team/app", 1260000001)
			} else {
				resp, err = c.Orgs.Restore(t.Context(), "octo-org", Container, "team/app", nil)
			}
			assert.Equal(t, tc.wantSent, h.sent())
			if tc.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.wantErr)
				var apiErr *Error
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
				assert.Contains(t, apiErr.Hint, tc.wantHint)
				assert.NotErrorIs(t, err, ErrDeleteUnconfirmed)
			}
			if tc.notErr != nil {
				assert.NotErrorIs(t, err, tc.notErr)
			}
			require.NotNil(t, resp)
			assert.Equal(t, tc.replayed, resp.Replayed)
		})
	}
}
