package ghpackagestest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// TestFaultString names what an After fault loses the answer to.
func TestFaultString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "dropped connection after the request DELETE/x ×1", ghpackagestest.Fault{After: true, Drop: true, Method: "DELETE", PathPrefix: "/x", Count: 1}.String())
	assert.Equal(t, "status 502 after the request  ×2", ghpackagestest.Fault{After: true, Status: 502, Count: 2}.String())
}

// An After fault lets the fake carry the request out, then loses the
// answer; the same fault without After fails it before anything happens.
func TestAfterFaultsCarryTheRequestOut(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		fault   ghpackagestest.Fault
		status  int // 0: no answer
		deleted bool
	}{
		{"after, dropped", ghpackagestest.Fault{After: true, Drop: true}, 0, true},
		{"after, 502", ghpackagestest.Fault{After: true, Status: 502}, 502, true},
		{"before, dropped", ghpackagestest.Fault{Drop: true}, 0, false},
		{"before, 502", ghpackagestest.Fault{Status: 502}, 502, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := ghpackagestest.NewServer()
			t.Cleanup(srv.Close)
			srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.NPM, Name: "lib"})
			v1 := srv.AddVersion("octo-org", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.0.0"})
			srv.AddVersion("octo-org", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.0.1"})
			f := tc.fault
			f.Method = http.MethodDelete
			srv.InjectFault(f)
			c := srv.Client(ghpackages.WithRetry(ghpackages.NoRetry()))
			_, err := c.Orgs.DeleteVersion(t.Context(), "octo-org", ghpackages.NPM, "lib", v1)
			require.Error(t, err)
			if tc.status != 0 {
				var apiErr *ghpackages.Error
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, tc.status, apiErr.StatusCode)
			} else {
				assert.NotErrorAs(t, err, new(*ghpackages.Error), "no answer, no *Error")
			}
			assert.Zero(t, srv.PendingFaults())
			_, _, err = c.Orgs.GetVersion(t.Context(), "octo-org", ghpackages.NPM, "lib", v1)
			if tc.deleted {
				assert.ErrorIs(t, err, ghpackages.ErrNotFound, "the fake deleted it")
				assert.Equal(t, 1, srv.Stats().Deletes)
			} else {
				assert.NoError(t, err, "nothing was carried out")
				assert.Zero(t, srv.Stats().Deletes)
			}
		})
	}
}
