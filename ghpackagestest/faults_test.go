package ghpackagestest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// TestParseFaultSpec reads each kind of -fault spec, the "after" ones
// included, and refuses what does not say how to fail.
func TestParseFaultSpec(t *testing.T) {
	t.Parallel()
	for spec, want := range map[string]ghpackagestest.Fault{
		"status=502,count=3,method=get,path=/orgs/*/packages/*/*/versions": {Status: 502, Count: 3, Method: "GET", Path: "/orgs/*/packages/*/*/versions"},
		"truncate,prefix=/orgs/octo-org":                                   {Truncate: true, PathPrefix: "/orgs/octo-org"},
		"drop":                                                             {Drop: true},
		"delay=2s,count=5":                                                 {Delay: 2 * time.Second, Count: 5},
		"after,drop,method=DELETE,prefix=/orgs/octo-org/packages": {After: true, Drop: true, Method: "DELETE", PathPrefix: "/orgs/octo-org/packages"},
		"status=502, after, method=POST":                          {After: true, Status: 502, Method: "POST"},
		"after,status=504,delay=1s":                               {After: true, Status: 504, Delay: time.Second},
	} {
		got, err := ghpackagestest.ParseFaultSpec(spec)
		require.NoError(t, err, spec)
		assert.Equal(t, want, got, spec)
	}
	for spec, says := range map[string]string{
		"after":              "neither status, drop, truncate nor delay",
		"after,delay=1s":     "after needs status or drop",
		"after,truncate":     "after needs status or drop",
		"after=1":            `unknown item "after=1"`,
		"status=99,after":    "not an HTTP status",
		"drop,path=[":        "path",
		"status=502,count=0": "want at least 1",
	} {
		_, err := ghpackagestest.ParseFaultSpec(spec)
		assert.ErrorContains(t, err, says, spec)
	}
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
