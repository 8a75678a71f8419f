package ghpackages

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const specPath = "../shared/openapi/packages.json"

// loadSpec reads GitHub's OpenAPI description, or skips the test.
func loadSpec(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(specPath)
	if err != nil {
		t.Skipf("skipping: GitHub's OpenAPI description is not at %s (it lives in ../shared beside the module; CI has it)", specPath)
	}
	var spec map[string]any
	require.NoError(t, json.Unmarshal(raw, &spec))
	return spec
}

func specOperations(spec map[string]any) map[string]bool {
	ops := map[string]bool{}
	for path, item := range spec["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			switch method {
			case "get", "post", "put", "patch", "delete":
				ops[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	return ops
}

var metaLine = regexp.MustCompile(`(?m)^//meta:operation (\S+) (\S+)$`)

// TestEveryOperationImplementedOnce checks the //meta:operation lines of the
// service files against the description: every one of the 27 operations has
// a method on its service, and no method claims an operation that does not
// exist. List/All and ListVersions/AllVersions share an operation.
func TestEveryOperationImplementedOnce(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	want := specOperations(spec)
	require.Len(t, want, 27)
	got := map[string]int{}
	for _, file := range []string{"orgs.go", "user.go", "users.go"} {
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		perFile := map[string]bool{}
		for _, m := range metaLine.FindAllStringSubmatch(string(src), -1) {
			op := m[1] + " " + m[2]
			got[op]++
			perFile[op] = true
		}
		assert.Len(t, perFile, 9, "%s implements 9 distinct operations", file)
	}
	var missing, extra []string
	for op := range want {
		if got[op] == 0 {
			missing = append(missing, op)
		}
	}
	for op, n := range got {
		if !want[op] {
			extra = append(extra, op)
		}
		paged := strings.HasSuffix(op, "/packages") || strings.HasSuffix(op, "/versions")
		if paged {
			assert.Equal(t, 2, n, "%s: the page method and the iterator", op)
		} else {
			assert.Equal(t, 1, n, op)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	assert.Empty(t, missing, "operations without a method")
	assert.Empty(t, extra, "methods for operations the description lacks")
}

// TestExamplesMatchTheDescription keeps testdata/examples in step with the
// official examples they were copied from.
func TestExamplesMatchTheDescription(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	examples := spec["components"].(map[string]any)["examples"].(map[string]any)
	require.Len(t, examples, 10)
	for name, ex := range examples {
		raw, err := os.ReadFile(filepath.Join("testdata", "examples", name+".json"))
		require.NoError(t, err, "testdata copy of %s", name)
		var copied any
		require.NoError(t, json.Unmarshal(raw, &copied))
		assert.Equal(t, ex.(map[string]any)["value"], copied, name)
	}
}

func readExample(t *testing.T, name string, v any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "examples", name+".json"))
	require.NoError(t, err)
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	require.NoError(t, dec.Decode(v), name)
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDecodeOfficialExamples(t *testing.T) {
	t.Parallel()
	t.Run("package-org", func(t *testing.T) {
		var p Package
		readExample(t, "package-org", &p)
		assert.Equal(t, int64(197), p.ID)
		assert.Equal(t, "hello_docker", p.Name)
		assert.Equal(t, Container, p.PackageType)
		assert.Equal(t, VisibilityPrivate, p.Visibility)
		assert.Equal(t, int64(1), p.VersionCount)
		assert.Equal(t, "https://api.github.com/orgs/github/packages/container/hello_docker", p.URL)
		assert.Equal(t, "https://github.com/orgs/github/packages/container/package/hello_docker", p.HTMLURL)
		assert.Equal(t, ts("2020-05-19T22:19:11Z"), p.CreatedAt)
		require.NotNil(t, p.Owner)
		assert.Equal(t, User{Login: "github", ID: 9919, NodeID: "MDEyOk9yZ2FuaXphdGlvbjk5MTk=", Type: "Organization",
			AvatarURL: "https://avatars.githubusercontent.com/u/9919?v=4", GravatarID: ptr(""), URL: "https://api.github.com/users/github",
			HTMLURL: "https://github.com/github"}, *p.Owner)
		assert.Nil(t, p.Repository)
	})
	t.Run("package-user", func(t *testing.T) {
		var p Package
		readExample(t, "package-user", &p)
		assert.Equal(t, int64(40201), p.ID)
		assert.Equal(t, RubyGems, p.PackageType)
		assert.Equal(t, VisibilityPublic, p.Visibility)
		assert.Equal(t, int64(3), p.VersionCount)
		assert.True(t, p.Owner.SiteAdmin)
		require.NotNil(t, p.Repository)
		assert.Equal(t, int64(216219492), p.Repository.ID)
		assert.Equal(t, "octocat/octo-name-repo", p.Repository.FullName)
		assert.False(t, p.Repository.Private)
		assert.Equal(t, "octocat", p.Repository.Owner.Login)
	})
	t.Run("packages-for-org and -user", func(t *testing.T) {
		for _, name := range []string{"packages-for-org", "packages-for-user"} {
			var ps []*Package
			readExample(t, name, &ps)
			require.Len(t, ps, 2, name)
			assert.Equal(t, int64(197), ps[0].ID, name)
			assert.Equal(t, int64(198), ps[1].ID, name)
			assert.Equal(t, "goodbye_docker", ps[1].Name, name)
		}
	})
	t.Run("package-version-org (container)", func(t *testing.T) {
		var v PackageVersion
		readExample(t, "package-version-org", &v)
		assert.Equal(t, int64(836), v.ID)
		assert.Equal(t, "sha256:b3d3e366b55f9a54599220198b3db5da8f53592acbbb7dc7e4e9878762fc5344", v.Name)
		assert.Equal(t, []string{"latest"}, v.Tags())
		assert.Equal(t, Container, v.Metadata.PackageType)
		assert.Nil(t, v.DeletedAt)
		assert.Equal(t, "https://github.com/orgs/github/packages/container/hello_docker/836", v.HTMLURL)
	})
	t.Run("package-version-user (rubygems)", func(t *testing.T) {
		var v PackageVersion
		readExample(t, "package-version-user", &v)
		assert.Equal(t, PackageVersion{ID: 387039, Name: "0.2.0",
			URL:            "https://api.github.com/users/octocat/packages/rubygems/octo-name/versions/387039",
			PackageHTMLURL: "https://github.com/octocat/octo-name-repo/packages/40201", License: "MIT",
			Description: "Octo-name client for Ruby", CreatedAt: ts("2019-12-01T20:49:29Z"), UpdatedAt: ts("2019-12-01T20:49:30Z"),
			HTMLURL:  "https://github.com/octocat/octo-name-repo/packages/40201?version=0.2.0",
			Metadata: &VersionMetadata{PackageType: RubyGems}}, v)
		assert.Nil(t, v.Tags())
	})
	t.Run("version lists", func(t *testing.T) {
		counts := map[string][]int64{
			"package-versions-for-org":                {245301, 209672},
			"package-versions-for-user":               {3497268, 387039, 169770},
			"package-versions-for-authenticated-user": {45763, 881},
		}
		for name, ids := range counts {
			var vs []*PackageVersion
			readExample(t, name, &vs)
			var got []int64
			for _, v := range vs {
				got = append(got, v.ID)
			}
			assert.Equal(t, ids, got, name)
		}
		var vs []*PackageVersion
		readExample(t, "package-versions-for-authenticated-user", &vs)
		assert.Equal(t, []string{"latest"}, vs[0].Tags())
		assert.Empty(t, vs[1].Tags(), "empty container tags mean untagged")
		assert.Equal(t, ts("2021-02-05T21:32:32Z"), vs[1].UpdatedAt)
	})
	t.Run("package-version-authenticated-user", func(t *testing.T) {
		var v PackageVersion
		readExample(t, "package-version-authenticated-user", &v)
		assert.Equal(t, int64(214), v.ID)
		assert.Equal(t, []string{"1.13.6"}, v.Tags())
	})
}

func ptr[T any](v T) *T { return &v }

// TestDockerMetadataQuirk: the description names the docker tags property
// "tag" but requires "tags"; both decode, and both are written.
func TestDockerMetadataQuirk(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"package_type":"docker","docker":{"tag":["1.0","latest"]}}`,
		`{"package_type":"docker","docker":{"tags":["1.0","latest"]}}`,
		`{"package_type":"docker","docker":{"tag":["ignored"],"tags":["1.0","latest"]}}`,
	} {
		var m VersionMetadata
		require.NoError(t, json.Unmarshal([]byte(body), &m))
		v := PackageVersion{Metadata: &m}
		assert.Equal(t, []string{"1.0", "latest"}, v.Tags(), body)
	}
	out, err := json.Marshal(DockerMetadata{Tags: []string{"a"}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"tag":["a"],"tags":["a"]}`, string(out))
	out, err = json.Marshal(DockerMetadata{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"tag":[],"tags":[]}`, string(out))
	assert.Error(t, json.Unmarshal([]byte(`{"tag":"x"}`), new(DockerMetadata)))

	var none *PackageVersion
	assert.Nil(t, none.Tags())
	assert.Nil(t, (&PackageVersion{Metadata: &VersionMetadata{PackageType: NPM}}).Tags())
}

func TestEnumsValid(t *testing.T) {
	t.Parallel()
	for _, typ := range PackageTypes() {
		assert.True(t, typ.Valid(), typ)
	}
	assert.Len(t, PackageTypes(), 6)
	for _, bad := range []PackageType{"", "pypi", "Container", "npm "} {
		assert.False(t, bad.Valid(), fmt.Sprintf("%q", bad))
	}
	assert.True(t, VisibilityInternal.Valid())
	assert.False(t, Visibility("secret").Valid())
	assert.True(t, StateDeleted.Valid())
	assert.False(t, VersionState("").Valid())
}
