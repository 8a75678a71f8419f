package ghpackagestest_test

import (
	"fmt"
	"net/http"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// fakeTB records what New does with its testing.TB: the message it fails
// with (Fatal ends the goroutine, as the testing package's does) and the
// cleanups it registers.
type fakeTB struct {
	testing.TB
	failed   string
	cleanups []func()
}

func (f *fakeTB) Helper()          {}
func (f *fakeTB) Cleanup(c func()) { f.cleanups = append(f.cleanups, c) }
func (f *fakeTB) Fatal(args ...any) {
	f.failed = fmt.Sprint(args...)
	runtime.Goexit()
}

// run calls body with a fresh fakeTB on a goroutine of its own, as the
// testing package runs a test, and returns the fakeTB once body returned
// or failed.
func run(body func(tb *fakeTB)) *fakeTB {
	tb := &fakeTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		body(tb)
	}()
	<-done
	return tb
}

func TestNewFailsTheTestOnMisuse(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		misuse func(srv *ghpackagestest.Server)
		want   string
	}{
		"unknown package": {func(srv *ghpackagestest.Server) {
			srv.AddVersion("nobody", ghpackages.Container, "app", ghpackagestest.VersionSpec{Name: "v1"})
		}, "ghpackagestest: AddVersion: no package container nobody/app"},
		"invalid package spec": {func(srv *ghpackagestest.Server) {
			srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: "jar", Name: "x"})
		}, "ghpackagestest: AddPackage: invalid spec"},
		"invalid token": {func(srv *ghpackagestest.Server) {
			srv.AddToken("ghs_wf", ghpackagestest.TokenSpec{Admin: true})
		}, "ghpackagestest: AddToken: Admin is for an Actions token"},
		"bad fault pattern": {func(srv *ghpackagestest.Server) {
			srv.InjectFault(ghpackagestest.Fault{Path: "[", Status: 500})
		}, "ghpackagestest: InjectFault: bad Path pattern"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var srv *ghpackagestest.Server
			tb := run(func(tb *fakeTB) {
				srv = ghpackagestest.New(tb)
				c.misuse(srv)
				t.Error("the misuse returned: it should have failed the test")
			})
			assert.Contains(t, tb.failed, c.want)
			require.Len(t, tb.cleanups, 1, "New closes the server when the test ends")
			tb.cleanups[0]()
		})
	}

	t.Run("at start", func(t *testing.T) {
		t.Parallel()
		tb := run(func(tb *fakeTB) {
			ghpackagestest.New(tb, ghpackagestest.WithFault(ghpackagestest.Fault{Path: "[", Status: 500}))
			t.Error("New returned: it should have failed the test")
		})
		assert.Contains(t, tb.failed, "ghpackagestest: WithFault: bad Path pattern")
	})
}

func TestNewClosesTheServerWithTheTest(t *testing.T) {
	t.Parallel()
	var url string
	tb := run(func(tb *fakeTB) {
		srv := ghpackagestest.New(tb, ghpackagestest.WithDemo())
		url = srv.BaseURL()
		resp, err := testClient(t).Get(url + "rate_limit")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	})
	require.Empty(t, tb.failed)
	require.Len(t, tb.cleanups, 1)
	tb.cleanups[0]()
	_, err := testClient(t).Get(url + "rate_limit")
	assert.Error(t, err, "the server is closed once the test's cleanups ran")
}

func TestNewServerStillPanicsOnMisuse(t *testing.T) {
	t.Parallel()
	srv := ghpackagestest.NewServer()
	t.Cleanup(srv.Close)
	assert.PanicsWithValue(t, "ghpackagestest: AddVersion: no package container nobody/app", func() {
		srv.AddVersion("nobody", ghpackages.Container, "app", ghpackagestest.VersionSpec{Name: "v1"})
	})
}
