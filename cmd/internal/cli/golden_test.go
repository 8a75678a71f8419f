package cli_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/cmd/internal/buildinfo"
	"github.com/ghpackages/ghpackages-go/cmd/internal/cli"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestJSONGolden pins each command's --json document (schema ghpkg/v1)
// byte for byte: a change to the SDK's or retention's types cannot change
// ghpkg's published format unnoticed. Regenerate with
//
//	go test ./cmd/internal/cli -run TestJSONGolden -update
//
// and review the diff.
func TestJSONGolden(t *testing.T) {
	t.Parallel()
	id := strconv.Itoa(firstID)
	prune := []string{"prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check", "--keep", "2"}
	cases := []struct {
		name  string
		token string
		setup [][]string // commands run first, output ignored
		args  []string
		code  int
		fault *ghpackagestest.Fault
		opts  []ghpackagestest.Option
	}{
		{"packages", secret, nil, []string{"packages", "--org", "octo-org"}, 0, nil, nil},
		{"versions", secret, nil, []string{"versions", ghpackagestest.DemoNPM, "--org", "octo-org", "--type", "npm"}, 0, nil, nil},
		{"versions-deleted", secret, nil, []string{"versions", teamApp, "--org", "octo-org", "--state", "deleted"}, 0, nil, nil},
		{"get", secret, nil, []string{"get", ghpackagestest.DemoNPM, "--org", "octo-org", "--type", "npm"}, 0, nil, nil},
		{"get-version", secret, nil, []string{"get", teamApp, "--org", "octo-org", "--id", id}, 0, nil, nil},
		{"delete", secret, nil, []string{"delete", teamApp, "--org", "octo-org", "--id", id, "--yes"}, 0, nil, nil},
		{"delete-failed", secret, nil, []string{"delete", teamApp, "--org", "octo-org", "--id", id, "--yes"}, 1, &ghpackagestest.Fault{Method: "DELETE", Count: 1, Status: 502}, nil},
		{"restore", secret, [][]string{{"delete", teamApp, "--org", "octo-org", "--id", id, "--yes"}},
			[]string{"restore", teamApp, "--org", "octo-org", "--id", id}, 0, nil, nil},
		{"prune-dry-run", secret, nil, prune, 0, nil, nil},
		{"prune", secret, nil, append(append([]string{}, prune...), "--yes", "--max-delete", "3"), 0, nil, nil},
		{"scopes", readOnly, nil, []string{"scopes", "--for", "all"}, 2, nil, nil},
		{"scopes-unknown", fineGrain, nil, []string{"scopes"}, 0, nil, nil},
		{"error", "", nil, []string{"packages", "--org", "octo-org"}, 2, nil, nil},
		{"prune-registry", secret, nil, []string{"prune", teamApp, "--org", "octo-org", "--older-than", "1d", "--verify"}, 0, nil,
			[]ghpackagestest.Option{ghcrtest.WithRegistry()}},
		{"verify", secret, nil, []string{"verify", teamApp, "--org", "octo-org"}, 0, nil, []ghpackagestest.Option{ghcrtest.WithRegistry()}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, c.opts...)
			h.env = map[string]string{}
			if c.token != "" {
				h.env["GITHUB_TOKEN"] = c.token
			}
			h.retry = new(ghpackages.NoRetry())
			if c.fault != nil {
				h.srv.InjectFault(*c.fault)
			}
			for _, s := range c.setup {
				code, _, errOut := h.run(t, s...)
				require.Equal(t, 0, code, errOut)
			}
			code, out, errOut := h.run(t, append(c.args, "--json")...)
			require.Equal(t, c.code, code, errOut)
			require.True(t, json.Valid([]byte(out)), out)
			got := strings.ReplaceAll(out, "http://"+h.srv.Host(), "http://fake")
			path := filepath.Join("testdata", c.name+".golden.json")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(want), got, "golden file %s (run with -update and review the diff)", path)
		})
	}
}

// TestVersionJSON checks 'ghpkg version --json', whose values depend on
// the build.
func TestVersionJSON(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	code, out, _ := h.run(t, "version", "--json")
	require.Equal(t, 0, code)
	var doc struct {
		Schema     string `json:"schema"`
		Command    string `json:"command"`
		Version    string `json:"version"`
		Revision   string `json:"revision"`
		Date       string `json:"date"`
		Go         string `json:"go"`
		SDKVersion string `json:"sdk_version"`
	}
	decodeStrict(t, out, &doc)
	assert.Equal(t, "ghpkg/v1", doc.Schema)
	assert.Equal(t, "version", doc.Command)
	assert.NotEmpty(t, doc.Version)
	assert.True(t, strings.HasPrefix(doc.Go, "go"), doc.Go)
	assert.Equal(t, ghpackages.Version, doc.SDKVersion)

	var text bytes.Buffer
	require.Equal(t, 0, cli.Run(t.Context(), []string{"--version"}, cli.Env{Stdout: &text}))
	assert.Contains(t, text.String(), "ghpkg "+doc.Version)
	assert.Contains(t, text.String(), "ghpackages-go "+ghpackages.Version)
}

// TestVersionStamped: what a release build stamps into the main package
// (cli.Env.Build) is what 'ghpkg version', '--version' and '--json' report,
// instead of what the Go toolchain recorded.
func TestVersionStamped(t *testing.T) {
	t.Parallel()
	env := func(out *bytes.Buffer) cli.Env {
		return cli.Env{Stdout: out, Build: buildinfo.Resolve("v1.2.3", "0123456789abcdef0123456789abcdef01234567", "2026-01-02T03:04:05Z")}
	}
	want := "ghpkg v1.2.3 (0123456789abcdef0123456789abcdef01234567, 2026-01-02T03:04:05Z), ghpackages-go " + ghpackages.Version + ", " + runtime.Version() + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out bytes.Buffer
		require.Equal(t, 0, cli.Run(t.Context(), args, env(&out)))
		assert.Equal(t, want, out.String(), "ghpkg %v", args)
	}
	var out bytes.Buffer
	require.Equal(t, 0, cli.Run(t.Context(), []string{"version", "--json"}, env(&out)))
	assert.JSONEq(t, `{"schema": "ghpkg/v1", "command": "version", "version": "v1.2.3",
		"revision": "0123456789abcdef0123456789abcdef01234567", "date": "2026-01-02T03:04:05Z",
		"go": "`+runtime.Version()+`", "sdk_version": "`+ghpackages.Version+`"}`, out.String())
}
