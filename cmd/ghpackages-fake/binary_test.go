package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ghpackages/ghpackages-go/internal/testguard"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// frozen is the fake's frozen clock in the binary test: its secondary
// window never drains, so Retry-After is exact.
const frozen = "2026-06-01T12:00:00Z"

// builds holds the binaries built for this test run, once each.
var builds struct {
	once sync.Once
	dir  string
	err  error
	mu   sync.Mutex
	done map[string]error
}

// TestMain removes the built binaries after the run.
func TestMain(m *testing.M) {
	testguard.Install() // every test owns its transport
	code := m.Run()
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
	}
	os.Exit(code)
}

// buildOnce builds the command in pkgDir (relative to this package) into
// a directory shared by the run's tests, once, and returns its path.
func buildOnce(t *testing.T, pkgDir, name string) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("skipping: no go tool on PATH to build the binary")
	}
	builds.once.Do(func() {
		builds.dir, builds.err = os.MkdirTemp("", "ghpackages-fake-test")
		builds.done = map[string]error{}
	})
	require.NoError(t, builds.err)
	bin := filepath.Join(builds.dir, name)
	builds.mu.Lock()
	defer builds.mu.Unlock()
	err, built := builds.done[name]
	if !built {
		out, buildErr := exec.Command(gobin, "build", "-o", bin, pkgDir).CombinedOutput()
		if buildErr != nil {
			buildErr = fmt.Errorf("go build %s: %v: %s", pkgDir, buildErr, out)
		}
		err, builds.done[name] = buildErr, buildErr
	}
	require.NoError(t, err)
	return bin
}

// fakeBinary builds ghpackages-fake (once per run).
func fakeBinary(t *testing.T) string { return buildOnce(t, ".", "ghpackages-fake") }

// startBinary runs the binary with args on a free loopback port and
// returns its base URL; the process is stopped when the test ends.
func startBinary(t *testing.T, bin string, args ...string) string {
	t.Helper()
	urlFile := filepath.Join(t.TempDir(), "url")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, append([]string{"-addr", "127.0.0.1:0", "-url-file", urlFile}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cancel()
			<-done
		}
		cancel()
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(urlFile); err == nil && strings.HasSuffix(string(b), "\n") {
			return strings.TrimSpace(string(b))
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the fake did not start: %s", out.String())
	return ""
}

// TestBinaryEndToEnd builds the command, starts it with the example seed
// file and behaviour flags, and drives it over plain HTTP, as a tool in
// another language would.
func TestBinaryEndToEnd(t *testing.T) {
	t.Parallel()
	bin := fakeBinary(t)
	logPath := filepath.Join(t.TempDir(), "requests.jsonl")
	seed, err := filepath.Abs(filepath.Join("..", "..", "testdata", "seed", "example.json"))
	require.NoError(t, err)
	base := startBinary(t, bin, "-seed", seed, "-now", frozen,
		"-token", "ghp_ci=read:packages,delete:packages,repo",
		"-secondary-points", "20", "-secondary-status", "429",
		"-fault", "truncate,method=GET,path=/orgs/octo-org/packages/npm/big-lib",
		"-request-log", logPath)
	require.True(t, strings.HasSuffix(base, "/"))

	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	get := func(method, url string) (*http.Response, []byte, error) {
		req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer ghp_ci")
		resp, err := hc.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp, body, err
	}

	// 1. The 250-version package pages completely through Link headers.
	next := base + "orgs/octo-org/packages/npm/big-lib/versions?per_page=100"
	names := map[string]bool{}
	pages := 0
	linkNext := regexp.MustCompile(`<([^>]+)>; rel="next"`)
	for next != "" {
		resp, body, err := get("GET", next)
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode, string(body))
		var vs []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
			URL  string `json:"url"`
		}
		require.NoError(t, json.Unmarshal(body, &vs))
		for _, v := range vs {
			assert.False(t, names[v.Name], "version %s listed twice", v.Name)
			names[v.Name] = true
			assert.Equal(t, base+"orgs/octo-org/packages/npm/big-lib/versions/"+strconv.FormatInt(v.ID, 10), v.URL, "url stays on the fake")
		}
		pages++
		next = ""
		if m := linkNext.FindStringSubmatch(resp.Header.Get("Link")); m != nil {
			next = m[1]
		}
	}
	assert.Equal(t, 3, pages)
	assert.Len(t, names, 250)
	assert.True(t, names["1.0.0"] && names["1.0.249"])

	// 2. The injected truncation is seen by the client: the body ends
	// before its Content-Length.
	_, _, err = get("GET", base+"orgs/octo-org/packages/npm/big-lib")
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)

	// 3. The secondary limit: 4 GETs so far (4 points), DELETEs cost 5 of
	// the 20 points a minute, so the fourth DELETE is refused with 429 and
	// Retry-After (the frozen clock never drains the window: 60 s).
	resp, body, err := get("GET", base+"orgs/octo-org/packages/container/team%2Fapi/versions")
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	var versions []struct {
		ID       int64 `json:"id"`
		Metadata struct {
			Container struct {
				Tags []string `json:"tags"`
			} `json:"container"`
		} `json:"metadata"`
	}
	require.NoError(t, json.Unmarshal(body, &versions))
	var untagged []int64
	for _, v := range versions {
		if len(v.Metadata.Container.Tags) == 0 {
			untagged = append(untagged, v.ID)
		}
	}
	require.GreaterOrEqual(t, len(untagged), 4)
	var statuses []int
	for _, id := range untagged[:4] {
		resp, body, err := get("DELETE", base+"orgs/octo-org/packages/container/team%2Fapi/versions/"+strconv.FormatInt(id, 10))
		require.NoError(t, err)
		statuses = append(statuses, resp.StatusCode)
		if resp.StatusCode == 429 {
			assert.Equal(t, "60", resp.Header.Get("Retry-After"))
			assert.Contains(t, string(body), "secondary rate limit")
		}
	}
	assert.Equal(t, []int{204, 204, 204, 429}, statuses)

	// 4. The request log recorded it all, in order, with the token's name.
	f, err := os.Open(logPath)
	require.NoError(t, err)
	defer f.Close()
	type entry struct {
		Time   string `json:"time"`
		Method string `json:"method"`
		Path   string `json:"path"`
		Query  string `json:"query"`
		Token  string `json:"token_name"`
		Status int    `json:"status"`
		Fault  string `json:"fault"`
	}
	var got []entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e entry
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e), sc.Text())
		got = append(got, e)
	}
	require.Len(t, got, 9)
	for _, e := range got {
		assert.Equal(t, frozen, e.Time)
		assert.Equal(t, "ghp_ci", e.Token)
	}
	assert.Equal(t, entry{Time: frozen, Method: "GET", Path: "/orgs/octo-org/packages/npm/big-lib/versions", Query: "per_page=100", Token: "ghp_ci", Status: 200}, got[0])
	assert.Equal(t, "per_page=100&page=3", got[2].Query)
	assert.Equal(t, entry{Time: frozen, Method: "GET", Path: "/orgs/octo-org/packages/npm/big-lib", Token: "ghp_ci", Status: 200, Fault: "truncated body"}, got[3])
	assert.Equal(t, "DELETE", got[8].Method)
	assert.Equal(t, 429, got[8].Status)
}

// TestBinaryRefusesMalformedSeed checks that the binary stops at start,
// naming the line, column and field at fault.
func TestBinaryRefusesMalformedSeed(t *testing.T) {
	t.Parallel()
	bin := fakeBinary(t)
	seed := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(seed, []byte("{\n  \"packages\": [\n    {\"owner\": \"o\", \"type\": \"container\", \"name\": \"x\",\n     \"versions\": [{\"name\": \"a\", \"created_at\": \"last tuesday\"}]}\n  ]\n}\n"), 0o644))
	out, err := exec.CommandContext(t.Context(), bin, "-seed", seed).CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 2, exit.ExitCode())
	assert.Contains(t, string(out), "bad.json:4:47: packages[0].versions[0].created_at: \"last tuesday\" is neither RFC 3339 nor relative to now")
}

// TestBinaryFlagErrors: a mistyped flag gets one line on stderr naming it
// and pointing at -h, exit status 2, nothing on stdout; -h prints the flags
// on stdout and exits 0.
func TestBinaryFlagErrors(t *testing.T) {
	t.Parallel()
	bin := fakeBinary(t)
	cmd := exec.CommandContext(t.Context(), bin, "-sed", "demo")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 2, exit.ExitCode())
	assert.Empty(t, stdout.String())
	assert.Equal(t, "ghpackages-fake: unknown flag -sed; did you mean -seed? (run 'ghpackages-fake -h' for the flags)\n", stderr.String())

	cmd = exec.CommandContext(t.Context(), bin, "-h")
	stdout.Reset()
	stderr.Reset()
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "-h exits 0")
	assert.Contains(t, stdout.String(), "-seed value")
	assert.Empty(t, stderr.String())
}

// TestGhpkgPruneAgainstDemo runs the ghpkg command, built from this
// module, against the built fake with -seed demo and no registry flag:
// the plan deletes the orphaned untagged builds, keeps the platform images
// of the kept multi-arch index with a reason that says so, and reports no
// registry failure. It reads the documented ghpkg/v1 JSON output.
func TestGhpkgPruneAgainstDemo(t *testing.T) {
	t.Parallel()
	bin := fakeBinary(t)
	ghpkg := buildOnce(t, "../ghpkg", "ghpkg")
	base := startBinary(t, bin, "-seed", "demo")

	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	// The platform images of the index tagged latest, from the registry.
	req, err := http.NewRequestWithContext(t.Context(), "GET", base+"v2/octo-org/team/app/manifests/latest", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer ghp_fake_default_token")
	req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json")
	resp, err := hc.Do(req)
	require.NoError(t, err)
	var index struct {
		Manifests []struct {
			Digest string `json:"digest"`
		} `json:"manifests"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&index))
	resp.Body.Close()
	require.Len(t, index.Manifests, 2)

	cmd := exec.CommandContext(t.Context(), ghpkg, "prune", "--org", "octo-org", "--untagged-only", "--older-than", "1d", "--json", "--base-url", base)
	cmd.Env = append(os.Environ(), "GITHUB_TOKEN=ghp_fake_default_token", "GH_TOKEN=", "GITHUB_STEP_SUMMARY=", "GITHUB_ACTIONS=", "XDG_CACHE_HOME="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "ghpkg prune: %s", stderr.String())
	var result struct {
		Schema string `json:"schema"`
		Plan   struct {
			Packages []struct {
				Name     string `json:"name"`
				Versions []struct {
					Name      string    `json:"name"`
					Tags      []string  `json:"tags"`
					CreatedAt time.Time `json:"created_at"`
					Action    string    `json:"action"`
					Reason    string    `json:"reason"`
				} `json:"versions"`
			} `json:"packages"`
		} `json:"plan"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &result), stdout.String())
	assert.Equal(t, "ghpkg/v1", result.Schema)
	require.Len(t, result.Plan.Packages, 2)
	deletes, keptChildren := 0, 0
	for _, p := range result.Plan.Packages {
		for _, v := range p.Versions {
			assert.NotContains(t, v.Reason, "see the plan's warnings", "no registry failure: %s %s", p.Name, v.Name)
			child := p.Name == "team/app" && (v.Name == index.Manifests[0].Digest || v.Name == index.Manifests[1].Digest)
			switch {
			case child:
				keptChildren++
				assert.Equal(t, "keep", v.Action)
				assert.Contains(t, v.Reason, "needed by kept sha256:")
			case len(v.Tags) == 0:
				deletes++
				assert.Equal(t, "delete", v.Action, "orphan %s %s", p.Name, v.Name)
			default:
				assert.Equal(t, "keep", v.Action)
			}
		}
	}
	assert.Equal(t, 2, keptChildren)
	assert.Equal(t, 17, deletes, "16 orphaned team/app builds and base-image's untagged one")
}
