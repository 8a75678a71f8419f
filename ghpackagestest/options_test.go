package ghpackagestest_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// TestOptionsRefuseInvalidArguments checks that every option that takes
// an argument refuses the values it cannot honour: New fails its test, and
// NewServer panics, with a message naming the option, instead of a server
// that silently does something else.
func TestOptionsRefuseInvalidArguments(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		opts []ghpackagestest.Option
		want string
	}{
		"nil option":                {[]ghpackagestest.Option{nil}, "nil Option"},
		"nil clock":                 {[]ghpackagestest.Option{ghpackagestest.WithClock(nil)}, "WithClock: nil Clock"},
		"empty token":               {[]ghpackagestest.Option{ghpackagestest.WithTokenSpec(" ", ghpackagestest.TokenSpec{})}, "WithTokenSpec: empty token"},
		"token with a space":        {[]ghpackagestest.Option{ghpackagestest.WithTokenSpec("ghp a", ghpackagestest.TokenSpec{})}, "WithTokenSpec: a token has no spaces"},
		"admin without repo":        {[]ghpackagestest.Option{ghpackagestest.WithTokenSpec("ghs_x", ghpackagestest.TokenSpec{Admin: true})}, "WithTokenSpec: Admin is for an Actions token"},
		"fine-grained and repo":     {[]ghpackagestest.Option{ghpackagestest.WithTokenSpec("ghs_x", ghpackagestest.TokenSpec{FineGrained: true, Repository: "o/r"})}, "WithTokenSpec: a token is fine-grained or an Actions token (Repository), not both"},
		"repository not o/r":        {[]ghpackagestest.Option{ghpackagestest.WithTokenSpec("ghs_x", ghpackagestest.TokenSpec{Repository: "app"})}, `WithTokenSpec: Repository "app" is not OWNER/REPO`},
		"first ID zero":             {[]ghpackagestest.Option{ghpackagestest.WithFirstID(0)}, "WithFirstID: 0 is not a positive ID"},
		"empty prefix":              {[]ghpackagestest.Option{ghpackagestest.WithAPIPrefix("/")}, `WithAPIPrefix: "/" is not a path prefix`},
		"prefix with a query":       {[]ghpackagestest.Option{ghpackagestest.WithAPIPrefix("/api?v=3")}, "WithAPIPrefix"},
		"negative primary limit":    {[]ghpackagestest.Option{ghpackagestest.WithPrimaryLimit(-1, 403)}, "WithPrimaryLimit: negative limit -1"},
		"primary status 500":        {[]ghpackagestest.Option{ghpackagestest.WithPrimaryLimit(10, 500)}, "WithPrimaryLimit: status 500 is not 403 or 429"},
		"zero primary window":       {[]ghpackagestest.Option{ghpackagestest.WithPrimaryWindow(0)}, "WithPrimaryWindow: 0s is not a positive duration"},
		"negative secondary":        {[]ghpackagestest.Option{ghpackagestest.WithSecondaryLimit(-5)}, "WithSecondaryLimit: negative budget -5"},
		"secondary status 503":      {[]ghpackagestest.Option{ghpackagestest.WithSecondaryStatus(503)}, "WithSecondaryStatus: status 503 is not 403 or 429"},
		"negative max concurrent":   {[]ghpackagestest.Option{ghpackagestest.WithMaxConcurrent(-1)}, "WithMaxConcurrent: negative limit -1"},
		"bad fault pattern":         {[]ghpackagestest.Option{ghpackagestest.WithFault(ghpackagestest.Fault{Path: "[", Status: 500})}, "WithFault: bad Path pattern"},
		"nil request log":           {[]ghpackagestest.Option{ghpackagestest.WithRequestLog(nil)}, "WithRequestLog: nil writer"},
		"nil seed":                  {[]ghpackagestest.Option{ghpackagestest.WithSeed(nil)}, "WithSeed: nil SeedFile"},
		"nil storage":               {[]ghpackagestest.Option{ghpackagestest.WithRegistry(nil)}, "WithRegistry: nil storage"},
		"nil raw registry":          {[]ghpackagestest.Option{ghpackagestest.WithRawRegistry(nil)}, "WithRawRegistry: nil handler"},
		"negative registry latency": {[]ghpackagestest.Option{ghpackagestest.WithRegistryLatency(-time.Millisecond)}, "WithRegistryLatency: negative latency"},
		"negative registry limit":   {[]ghpackagestest.Option{ghpackagestest.WithRegistryLimit(-1)}, "WithRegistryLimit: negative limit -1"},
		"negative listing lag":      {[]ghpackagestest.Option{ghpackagestest.WithListingLag(-time.Second)}, "WithListingLag: negative lag -1s"},
		"TLS host with a port":      {[]ghpackagestest.Option{ghpackagestest.WithTLS("ghes.example:443")}, `WithTLS: "ghes.example:443" is not a host name`},
		"empty TLS host":            {[]ghpackagestest.Option{ghpackagestest.WithTLS("")}, `WithTLS: "" is not a host name`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tb := run(func(tb *fakeTB) {
				ghpackagestest.New(tb, c.opts...)
				t.Error("New returned: it should have failed the test")
			})
			assert.Contains(t, tb.failed, "ghpackagestest: "+c.want)
			assert.Empty(t, tb.cleanups, "a refused server never started, so there is nothing to close")

			defer func() {
				r := recover()
				require.NotNil(t, r, "NewServer should have panicked")
				assert.Contains(t, fmt.Sprint(r), "ghpackagestest: "+c.want)
			}()
			srv := ghpackagestest.NewServer(c.opts...)
			srv.Close()
		})
	}

	t.Run("all at once", func(t *testing.T) {
		t.Parallel()
		tb := run(func(tb *fakeTB) {
			ghpackagestest.New(tb, ghpackagestest.WithFirstID(-1), ghpackagestest.WithDemo(), ghpackagestest.WithSecondaryStatus(200))
			t.Error("New returned: it should have failed the test")
		})
		assert.Equal(t, "ghpackagestest: WithFirstID: -1 is not a positive ID; WithSecondaryStatus: status 200 is not 403 or 429", tb.failed)
	})
}

// TestOptionsAcceptTheirZeroAndBoundaryValues checks that the values the
// options document as valid (0 for "off" or "the default", 429, an IP
// address for WithTLS) start a server.
func TestOptionsAcceptTheirZeroAndBoundaryValues(t *testing.T) {
	t.Parallel()
	tb := run(func(tb *fakeTB) {
		ghpackagestest.New(tb,
			ghpackagestest.WithPrimaryLimit(0, 0), ghpackagestest.WithPrimaryLimit(10, http.StatusTooManyRequests),
			ghpackagestest.WithSecondaryLimit(0), ghpackagestest.WithSecondaryStatus(http.StatusTooManyRequests),
			ghpackagestest.WithMaxConcurrent(0), ghpackagestest.WithRegistryLatency(0), ghpackagestest.WithRegistryLimit(0),
			ghpackagestest.WithFirstID(1), ghpackagestest.WithAPIPrefix("api/v3/"),
			ghpackagestest.WithTLS("127.0.0.2", "ghes.example"),
			ghpackagestest.WithTokenSpec("ghs_admin", ghpackagestest.TokenSpec{Repository: "octo-org/app", Admin: true}))
	})
	assert.Empty(t, tb.failed)
	require.Len(t, tb.cleanups, 1)
	tb.cleanups[0]()
}

// TestBaseURLAndHost checks the two addresses a Server gives: BaseURL, the
// REST API's base (what ghpackages.WithBaseURL takes), and Host, where the
// registry answers (what a registry client takes as its host).
func TestBaseURLAndHost(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		opts   []ghpackagestest.Option
		scheme string
		prefix string
	}{
		{"plain", nil, "http", "/"},
		{"GHES prefix", []ghpackagestest.Option{ghpackagestest.WithAPIPrefix("/api/v3")}, "http", "/api/v3/"},
		{"TLS", []ghpackagestest.Option{ghpackagestest.WithTLS()}, "https", "/"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := ghpackagestest.New(t, c.opts...)
			u, err := url.Parse(srv.BaseURL())
			require.NoError(t, err)
			assert.Equal(t, c.scheme, u.Scheme)
			assert.Equal(t, c.prefix, u.Path)
			assert.Equal(t, u.Host, srv.Host())

			// The API answers at BaseURL, the registry at Host's /v2/.
			hc := srv.HTTPClient()
			resp, err := hc.Get(srv.BaseURL() + "rate_limit")
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode)
		})
	}
}

// TestRequestLogDecodesIntoLogEntry checks that a log line decodes into
// LogEntry, whose TokenName holds the token's name and never the token.
func TestRequestLogDecodesIntoLogEntry(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	srv := ghpackagestest.New(t, ghpackagestest.WithClock(ghpackagestest.NewFakeClock(fixedNow)), ghpackagestest.WithDemo(),
		ghpackagestest.WithRequestLog(&log),
		ghpackagestest.WithTokenSpec("ghp_secret_value", ghpackagestest.TokenSpec{Name: "ci", Scopes: ghpackagestest.AllScopes()}))
	client := srv.Client(ghpackages.WithToken("ghp_secret_value"))
	_, _, err := client.Orgs.Get(t.Context(), ghpackagestest.DemoOrg, ghpackages.NPM, ghpackagestest.DemoNPM)
	require.NoError(t, err)

	sc := bufio.NewScanner(strings.NewReader(log.String()))
	var got []ghpackagestest.LogEntry
	for sc.Scan() {
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		var e ghpackagestest.LogEntry
		require.NoError(t, dec.Decode(&e), sc.Text())
		got = append(got, e)
	}
	assert.Equal(t, []ghpackagestest.LogEntry{{Time: fixedNow, Method: "GET", Path: "/orgs/octo-org/packages/npm/hello-world-npm",
		TokenName: "ci", Status: http.StatusOK}}, got)
	assert.NotContains(t, log.String(), "ghp_secret_value")
}

// TestDeletedAtIsOneTypeFromSpecToRecord checks that a deletion time given
// in a PackageSpec or VersionSpec comes back, as the same *time.Time, in
// the PackageRecord and VersionRecord, and nil stays nil.
func TestDeletedAtIsOneTypeFromSpecToRecord(t *testing.T) {
	t.Parallel()
	srv := ghpackagestest.New(t, ghpackagestest.WithClock(ghpackagestest.NewFakeClock(fixedNow)))
	gone := fixedNow.Add(-time.Hour)
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.NPM, Name: "old", DeletedAt: &gone})
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.NPM, Name: "lib"})
	srv.AddVersion("acme", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.0.0", DeletedAt: &gone})
	srv.AddVersion("acme", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.0.1"})

	old, ok := srv.Package("acme", ghpackages.NPM, "old")
	require.True(t, ok)
	assert.Equal(t, &gone, old.DeletedAt)
	lib, _ := srv.Package("acme", ghpackages.NPM, "lib")
	assert.Nil(t, lib.DeletedAt)
	vs := srv.Versions("acme", ghpackages.NPM, "lib")
	require.Len(t, vs, 2)
	assert.Equal(t, &gone, vs[0].DeletedAt)
	assert.Nil(t, vs[1].DeletedAt)

	// The record's time is a copy: changing it changes nothing on the server.
	*vs[0].DeletedAt = fixedNow
	assert.Equal(t, &gone, srv.Versions("acme", ghpackages.NPM, "lib")[0].DeletedAt)
}

// TestLastRegistryOptionWins checks that a Server has one registry, the
// last of WithRegistry and WithRawRegistry given: a helper's default
// registry can be replaced by its caller's, in either direction.
func TestLastRegistryOptionWins(t *testing.T) {
	t.Parallel()
	raw := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	storage := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	for _, c := range []struct {
		name string
		opts []ghpackagestest.Option
		want int
	}{
		// The raw handler answers /v2/ itself; the front asks for a
		// credential before the storage sees anything.
		{"raw last", []ghpackagestest.Option{ghpackagestest.WithRegistry(storage), ghpackagestest.WithRawRegistry(raw)}, http.StatusTeapot},
		{"front last", []ghpackagestest.Option{ghpackagestest.WithRawRegistry(raw), ghpackagestest.WithRegistry(storage)}, http.StatusUnauthorized},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := ghpackagestest.New(t, c.opts...)
			resp, err := srv.HTTPClient().Get("http://" + srv.Host() + "/v2/")
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, c.want, resp.StatusCode)
		})
	}
}
