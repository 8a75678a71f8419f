package ghpackages_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// The replay rules (replay.go) against the fake's real handlers: an After
// fault lets the fake carry the request out (delete, restore) and then
// loses the answer, as a dropped connection or a gateway's 5xx does. The
// client resends; the fake, the deed done, answers 404; the reads settle
// what happened; and the fake's state shows it. replay_test.go checks the
// same rules request by request on scripted answers.
func TestReplayOnTheFake(t *testing.T) {
	t.Parallel()
	const org, name = "octo-org", "team/app"
	const typ = ghpackages.Container
	versions := "/orgs/octo-org/packages/container/team%2Fapp/versions/*"
	pkgPath := "/orgs/octo-org/packages/container/team%2Fapp"
	lost := []struct {
		name  string
		fault ghpackagestest.Fault
	}{
		{"dropped", ghpackagestest.Fault{After: true, Drop: true}},
		{"502", ghpackagestest.Fault{After: true, Status: http.StatusBadGateway}},
	}
	for _, l := range lost {
		t.Run("delete version, answer "+l.name, func(t *testing.T) {
			t.Parallel()
			srv, _, ids := e2eFake(t, org, 3)
			f := l.fault
			f.Method, f.Path = http.MethodDelete, versions
			srv.InjectFault(f)
			c := srv.Client()
			resp, err := c.Orgs.DeleteVersion(t.Context(), org, typ, name, ids[0])
			require.NoError(t, err, "the reads prove the version gone")
			assert.True(t, resp.Replayed)
			assert.Equal(t, 2, resp.Attempts)
			assert.Zero(t, srv.PendingFaults())
			assert.Equal(t, 1, srv.Stats().Deletes, "deleted once, by the first attempt")
			deleted, err := ghpackages.Collect(c.Orgs.AllVersions(t.Context(), org, typ, name, &ghpackages.PackageVersionListOptions{State: ghpackages.StateDeleted}))
			require.NoError(t, err)
			require.Len(t, deleted, 1)
			assert.Equal(t, ids[0], deleted[0].ID)
		})
		t.Run("restore version, answer "+l.name, func(t *testing.T) {
			t.Parallel()
			srv, _, ids := e2eFake(t, org, 3)
			c := srv.Client()
			_, err := c.Orgs.DeleteVersion(t.Context(), org, typ, name, ids[0])
			require.NoError(t, err)
			f := l.fault
			f.Method, f.Path = http.MethodPost, versions+"/restore"
			srv.InjectFault(f)
			resp, err := c.Orgs.RestoreVersion(t.Context(), org, typ, name, ids[0])
			require.NoError(t, err, "the version reads: restored")
			assert.True(t, resp.Replayed)
			assert.Zero(t, srv.PendingFaults())
			assert.Equal(t, 1, srv.Stats().Restores, "restored once, by the first attempt")
			v, _, err := c.Orgs.GetVersion(t.Context(), org, typ, name, ids[0])
			require.NoError(t, err)
			assert.Nil(t, v.DeletedAt)
		})
		t.Run("restore package, answer "+l.name, func(t *testing.T) {
			t.Parallel()
			srv, _, _ := e2eFake(t, org, 2)
			c := srv.Client()
			_, err := c.Orgs.Delete(t.Context(), org, typ, name)
			require.NoError(t, err)
			f := l.fault
			f.Method, f.Path = http.MethodPost, pkgPath+"/restore"
			srv.InjectFault(f)
			resp, err := c.Orgs.Restore(t.Context(), org, typ, name, nil)
			require.NoError(t, err, "the package reads: restored")
			assert.True(t, resp.Replayed)
			assert.Equal(t, 1, srv.Stats().Restores)
			_, _, err = c.Orgs.Get(t.Context(), org, typ, name)
			assert.NoError(t, err)
		})
		t.Run("delete package, answer "+l.name, func(t *testing.T) {
			t.Parallel()
			srv, _, _ := e2eFake(t, org, 2)
			f := l.fault
			f.Method, f.Path = http.MethodDelete, pkgPath
			srv.InjectFault(f)
			c := srv.Client()
			resp, err := c.Orgs.Delete(t.Context(), org, typ, name)
			require.ErrorIs(t, err, ghpackages.ErrDeleteUnconfirmed, "no read tells a deleted package from an invisible one")
			assert.ErrorIs(t, err, ghpackages.ErrNotFound)
			assert.True(t, resp.Replayed)
			assert.Equal(t, 1, srv.Stats().Deletes)
			_, _, err = c.Orgs.Get(t.Context(), org, typ, name)
			assert.ErrorIs(t, err, ghpackages.ErrNotFound, "it was deleted")
		})
	}

	// The same failures before the fake carries anything out: the resend
	// does the deed, and nothing is a replay.
	t.Run("delete version, failed before", func(t *testing.T) {
		t.Parallel()
		srv, _, ids := e2eFake(t, org, 3)
		srv.InjectFault(ghpackagestest.Fault{Method: http.MethodDelete, Path: versions, Status: http.StatusBadGateway})
		resp, err := srv.Client().Orgs.DeleteVersion(t.Context(), org, typ, name, ids[0])
		require.NoError(t, err)
		assert.False(t, resp.Replayed)
		assert.Equal(t, 2, resp.Attempts)
		assert.Equal(t, 1, srv.Stats().Deletes, "deleted by the resend")
	})

	// A token that may read but not administer: the resend's 404 is
	// GitHub's refusal, and the version that still reads says so.
	t.Run("delete version, no admin", func(t *testing.T) {
		t.Parallel()
		srv, _, _ := e2eFake(t, org, 1)
		srv.AddUser("someone-else")
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: "someone-else", Type: typ, Name: name, Visibility: ghpackages.VisibilityPublic})
		id := srv.AddVersion("someone-else", typ, name, ghpackagestest.VersionSpec{Name: ghpackagestest.Digest("x"), Tags: []string{"v1"}})
		srv.AddVersion("someone-else", typ, name, ghpackagestest.VersionSpec{Name: ghpackagestest.Digest("y"), Tags: []string{"v2"}})
		srv.InjectFault(ghpackagestest.Fault{Method: http.MethodDelete, Status: http.StatusBadGateway})
		resp, err := srv.Client().Users.DeleteVersion(t.Context(), "someone-else", typ, name, id)
		require.ErrorIs(t, err, ghpackages.ErrNotFound)
		assert.False(t, errors.Is(err, ghpackages.ErrDeleteUnconfirmed), "the version still reads: not deleted")
		var apiErr *ghpackages.Error
		require.ErrorAs(t, err, &apiErr)
		assert.Contains(t, apiErr.Hint, "the version still exists")
		assert.True(t, resp.Replayed)
		assert.Zero(t, srv.Stats().Deletes)
	})
}
