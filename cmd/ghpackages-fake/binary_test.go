package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// frozen is the fake's frozen clock in the binary test: its secondary
// window never drains, so Retry-After is exact.
const frozen = "2026-06-01T12:00:00Z"

// fakeBinary builds ghpackages-fake into a temporary directory.
func fakeBinary(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("skipping: no go tool on PATH to build the binary")
	}
	bin := filepath.Join(t.TempDir(), "ghpackages-fake")
	cmd := exec.CommandContext(t.Context(), gobin, "build", "-o", bin, ".")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

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
		Token  string `json:"token"`
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
