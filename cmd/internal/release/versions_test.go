package release

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// TestReleaseRewritesEveryVersionMention: scripts/release.sh moves every
// place README.md and docs/ install or pin the release (ghpackages.Version)
// to the new release, including a phrase that Markdown wrapping breaks
// across two lines; only the versioning rules' examples stay.
func TestReleaseRewritesEveryVersionMention(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(repoFile(t, "docs/*.md"))
	require.NoError(t, err)
	files = append(files, repoFile(t, "README.md"))
	const next = "98.76.54"
	moved := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		text := string(data)
		out := RewriteVersions(text, ghpackages.Version, next)
		moved += strings.Count(out, next)
		for _, line := range staleVersions(out, ghpackages.Version) {
			t.Errorf("%s:%d still shows %s after the release's rewrite: %q (write it as release.sh's RewriteVersions finds it, or as a versioning example)",
				filepath.Base(f), line, ghpackages.Version, strings.Split(out, "\n")[line-1])
		}
	}
	assert.Positive(t, moved, "the docs pin the release somewhere")
}

func TestRewriteVersions(t *testing.T) {
	t.Parallel()
	in := "go install github.com/ghpackages/ghpackages-go/cmd/ghpkg@v1.2.3\n" +
		"uses: ghpackages/ghpackages-go@v1.2.3   # tag\n" +
		"https://github.com/ghpackages/ghpackages-go/releases/download/v1.2.3/ghpkg_1.2.3_linux_amd64.tar.gz\n" +
		"`ghpkg v1.2.3 (COMMIT, DATE), ghpackages-go\n1.2.3, go1.26`, here `ghpkg` v1.2.3 for Linux\n" +
		"ghpackages-fake v1.2.3, ghpackages-go 1.2.3, go1.26\n" +
		"v1.2.30 and ghpkg@v1.2.3.4 stay; a patch release (v1.2.3 to v1.2.4) stays\n"
	want := "go install github.com/ghpackages/ghpackages-go/cmd/ghpkg@v1.3.0\n" +
		"uses: ghpackages/ghpackages-go@v1.3.0   # tag\n" +
		"https://github.com/ghpackages/ghpackages-go/releases/download/v1.3.0/ghpkg_1.3.0_linux_amd64.tar.gz\n" +
		"`ghpkg v1.3.0 (COMMIT, DATE), ghpackages-go\n1.3.0, go1.26`, here `ghpkg` v1.3.0 for Linux\n" +
		"ghpackages-fake v1.3.0, ghpackages-go 1.3.0, go1.26\n" +
		"v1.2.30 and ghpkg@v1.2.3.4 stay; a patch release (v1.2.3 to v1.2.4) stays\n"
	got := RewriteVersions(in, "1.2.3", "1.3.0")
	assert.Equal(t, want, got)
	assert.Empty(t, staleVersions(got, "1.2.3"), "only the versioning example mentions 1.2.3")
	assert.Equal(t, []int{2}, staleVersions("v1.2.3 to v1.2.4\nghpkg 1.2.3 is out.\nv1.2.3.4, v1.2.30, 11.2.3", "1.2.3"))
}
