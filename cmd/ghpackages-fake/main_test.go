package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ghpackages/ghpackages-go/cmd/internal/buildinfo"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServesAndShutsDown(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	base, stop := startFake(t, &out, "-seed", "demo", "-first-id", "5000000000", "-token", "ghp_ci=read:packages,repo", "-token", "github_pat_x=fine-grained")
	url := strings.TrimSuffix(base, "/")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	req, _ := http.NewRequest("GET", url+"/orgs/octo-org/packages?package_type=npm", nil)
	req.Header.Set("Authorization", "Bearer ghp_ci")
	resp, err := hc.Do(req)
	require.NoError(t, err)
	var pkgs []map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&pkgs))
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "read:packages, repo", resp.Header.Get("X-OAuth-Scopes"))
	require.Len(t, pkgs, 1)
	assert.Equal(t, "hello-world-npm", pkgs[0]["name"])
	assert.Greater(t, pkgs[0]["id"], float64(5_000_000_000), "-first-id numbers above 32 bits")

	req.Header.Set("Authorization", "Bearer github_pat_x")
	resp, err = hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Empty(t, resp.Header.Values("X-OAuth-Scopes"), "fine-grained: no scope headers")

	assert.NoError(t, stop())
	assert.Contains(t, out.String(), "serving the GitHub Packages API at "+url+"/")
	assert.Contains(t, out.String(), "token ghp_ci (scopes: [read:packages repo])\n  token github_pat_x (fine-grained)\n")
	assert.Contains(t, out.String(), "shutting down")
}

func TestBadFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-seed", "nope.json"}, "nope.json: no such file"},
		{[]string{"-token", "noscopes"}, "want NAME=SPEC"},
		{[]string{"-token", "ghp_x=read:packages,rpeo"}, `unknown scope "rpeo"`},
		{[]string{"-token", "ghs_x=actions:octo-org"}, "want actions:OWNER/REPO"},
		{[]string{"-fault", "status=99"}, "not an HTTP status"},
		{[]string{"-fault", "path=/x"}, "neither status, drop, truncate nor delay"},
		{[]string{"-fault", "explode"}, `unknown item "explode"`},
		{[]string{"-now", "yesterday"}, "-now"},
		{[]string{"-now", "2026-01-01T00:00:00Z", "-clock-offset", "1h"}, "exclude each other"},
		{[]string{"-primary-status", "500"}, "want 403 or 429"},
		{[]string{"-registry-limit", "44000"}, "-registry-limit: registry limit \"44000\": want N/min"},
		{[]string{"-registry-limit", "0/min"}, "above 0"},
		{[]string{"-registry-latency", "-5ms"}, "-registry-latency -5ms: want a duration of 0 or more"},
		{[]string{"-registry-latency", "soon"}, "registry-latency"},
		{[]string{"-listing-lag", "-1s"}, "-listing-lag -1s: want a duration of 0 or more"},
		{[]string{"-registry=false", "-registry-limit", "10/min"}, "need the registry"},
		{[]string{"-tls-cert-file", "x.pem"}, "-tls-cert-file needs -tls"},
		{[]string{"stray"}, `unexpected argument "stray"`},
		{[]string{"-sed", "demo"}, "unknown flag -sed; did you mean -seed?"},
		{[]string{"--primary-limt", "3"}, "unknown flag -primary-limt; did you mean -primary-limit?"},
		{[]string{"-primary-limit", "many"}, `invalid value "many" for flag -primary-limit`},
		{[]string{"-seed"}, "flag needs an argument: -seed"},
		{[]string{"-registry=maybe"}, "-registry"},
	} {
		var out bytes.Buffer
		err := run(t.Context(), tc.args, &out, nil)
		require.Error(t, err, tc.args)
		assert.Contains(t, err.Error(), tc.want, tc.args)
		assert.Empty(t, out.String(), "a flag error prints no usage on stdout: %v", tc.args)
		var ue usageError
		if errors.As(err, &ue) {
			assert.NotContains(t, err.Error(), "\n", "one line: %v", tc.args)
			assert.Contains(t, err.Error(), "run 'ghpackages-fake -h' for the flags", tc.args)
		} else {
			assert.Contains(t, tc.args[0], "-seed", "only a seed file's own errors are not usage errors: %v: %v", tc.args, err)
		}
	}
}

// TestHelpFlag: -h prints the flags on stdout and is no error.
func TestHelpFlag(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"-h", "-help", "--help"} {
		var out bytes.Buffer
		require.NoError(t, run(t.Context(), []string{arg}, &out, nil), arg)
		assert.Contains(t, out.String(), "Usage: ghpackages-fake [flags]", arg)
		assert.Contains(t, out.String(), "-seed value", arg)
	}
}

func TestServesTLSForGHES(t *testing.T) {
	t.Parallel()
	certFile := filepath.Join(t.TempDir(), "cert.pem")
	var out syncBuffer
	base, stop := startFake(t, &out, "-seed", "demo", "-api-prefix", "/api/v3", "-tls-host", "ghes.example", "-tls-cert-file", certFile)
	require.True(t, strings.HasPrefix(base, "https://127.0.0.1:"), base)
	require.True(t, strings.HasSuffix(base, "/api/v3/"), base)
	pem, err := os.ReadFile(certFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	addr := strings.TrimSuffix(strings.TrimPrefix(base, "https://"), "/api/v3/")
	dialer := &net.Dialer{}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		}}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	for url, want := range map[string]int{
		"https://ghes.example/api/v3/orgs/octo-org/packages/container/team%2Fapp": 200,
		"https://containers.ghes.example/v2/":                                     401, // the registry's challenge
		"https://ghes.example/orgs/octo-org/packages/container/team%2Fapp":        404, // outside the prefix
	} {
		resp, err := hc.Get(url)
		require.NoError(t, err, url)
		resp.Body.Close()
		assert.Equal(t, want, resp.StatusCode, url)
	}
	assert.Contains(t, out.String(), "TLS certificate also valid for ghes.example and containers.ghes.example")
	_ = stop()
}

// -registry-limit and -registry-latency reach the registry: past the limit
// a manifest read is answered 429 TOOMANYREQUESTS with Retry-After; and
// GET /user answers the token's account.
func TestRegistryLimitFlag(t *testing.T) {
	t.Parallel()
	base, stop := startFake(t, io.Discard, "-seed", "demo", "-registry-limit", "1/min", "-registry-latency", "1ms", "-now", "2026-11-24T12:00:00Z")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	get := func(path string) *http.Response {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", strings.TrimSuffix(base, "/")+path, nil)
		req.Header.Set("Authorization", "Bearer ghp_fake_default_token")
		req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json")
		resp, err := hc.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	assert.Equal(t, 200, get("/v2/octo-org/team/app/manifests/latest").StatusCode)
	resp := get("/v2/octo-org/team/app/manifests/latest")
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "60", resp.Header.Get("Retry-After"), "the clock is frozen: the first read leaves the window in a minute")
	assert.Equal(t, 200, get("/user").StatusCode)
	require.NoError(t, stop())
}

// TestVersionFlag: -version prints the version line and returns at once,
// serving nothing. (cmd/internal/buildinfo's tests check a stamped build.)
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"-version"}, &out, nil))
	assert.Equal(t, buildinfo.Resolve("", "", "").Line("ghpackages-fake")+"\n", out.String())
	assert.True(t, strings.HasPrefix(out.String(), "ghpackages-fake "), out.String())
}

// -listing-lag reaches the server: a tag pushed through the registry is
// in the registry at once, but the REST listing (the clock frozen, so the
// lag never passes) still shows the version without it.
func TestListingLagFlag(t *testing.T) {
	t.Parallel()
	base, stop := startFake(t, io.Discard, "-seed", "demo", "-listing-lag", "1m", "-now", "2026-11-24T12:00:00Z")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	call := func(method, path, contentType string, body []byte) (*http.Response, []byte) {
		req, _ := http.NewRequestWithContext(t.Context(), method, strings.TrimSuffix(base, "/")+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer ghp_fake_default_token")
		req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json")
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, b
	}
	resp, manifest := call("GET", "/v2/octo-org/team/app/manifests/latest", "", nil)
	require.Equal(t, 200, resp.StatusCode)
	resp, _ = call("PUT", "/v2/octo-org/team/app/manifests/rollout", resp.Header.Get("Content-Type"), manifest)
	require.Equal(t, 201, resp.StatusCode)
	resp, _ = call("HEAD", "/v2/octo-org/team/app/manifests/rollout", "", nil)
	assert.Equal(t, 200, resp.StatusCode, "the registry has the tag at once")
	resp, body := call("GET", "/orgs/octo-org/packages/container/team%2Fapp/versions?per_page=100", "", nil)
	require.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, string(body), `"latest"`)
	assert.NotContains(t, string(body), `"rollout"`, "the listing does not show it yet")
	require.NoError(t, stop())
}

// TestFlagsTableInDocs: docs/fake.md's table of ghpackages-fake's flags
// names every flag -h lists, and no flag that does not exist.
func TestFlagsTableInDocs(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"-h"}, &out, nil))
	listed := map[string]bool{"-h": true}
	for _, m := range regexp.MustCompile(`(?m)^  (-[a-z-]+)`).FindAllStringSubmatch(out.String(), -1) {
		listed[m[1]] = true
	}
	require.Greater(t, len(listed), 10, out.String())

	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "fake.md"))
	require.NoError(t, err)
	text := string(data)
	start := strings.Index(text, "| Flag | What it does |")
	require.GreaterOrEqual(t, start, 0, "docs/fake.md has the flags table")
	table := text[start:]
	if end := strings.Index(table, "\n\n"); end >= 0 {
		table = table[:end]
	}
	documented := map[string]bool{}
	for _, line := range strings.Split(table, "\n") {
		cells := strings.SplitN(line, " | ", 2) // the first cell names the flags
		for _, m := range regexp.MustCompile("`(-[a-z-]+)").FindAllStringSubmatch(cells[0], -1) {
			documented[m[1]] = true
		}
	}
	for f := range listed {
		assert.True(t, documented[f], "docs/fake.md's flags table lacks %s", f)
	}
	for f := range documented {
		assert.True(t, listed[f], "docs/fake.md's flags table names %s, which ghpackages-fake does not have", f)
	}
}

// startFake runs ghpackages-fake with args in the background, writing to
// out, and returns its base URL once it serves, and stop, which ends it and
// returns what run returned (failing the test if it does not end within a
// minute, which only a broken build reaches). A test that does not call
// stop has it called at its end.
func startFake(t *testing.T, out io.Writer, args ...string) (base string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, out, ready) }()
	select {
	case base = <-ready:
	case err := <-done:
		cancel()
		t.Fatal(err)
	}
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(time.Minute):
				t.Error("ghpackages-fake did not shut down")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return base, stop
}
