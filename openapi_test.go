package ghpackages

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// specPath is GitHub's OpenAPI description, beside the module in ../shared.
const specPath = "../shared/openapi/packages.json"

// spec is the part of an OpenAPI 3.0 document these tests read.
type spec struct {
	Paths      map[string]map[string]specOperation `json:"paths"`
	Components struct {
		Schemas    map[string]specSchema          `json:"schemas"`
		Parameters map[string]specParameter       `json:"parameters"`
		Examples   map[string]struct{ Value any } `json:"examples"`
	} `json:"components"`
}

type specOperation struct {
	OperationID  string               `json:"operationId"`
	ExternalDocs struct{ URL string } `json:"externalDocs"`
	Parameters   []specParameter      `json:"parameters"`
	Responses    map[string]any       `json:"responses"`
}

type specParameter struct {
	Ref    string `json:"$ref"`
	Name   string `json:"name"`
	In     string `json:"in"`
	Schema struct {
		Type    string   `json:"type"`
		Enum    []string `json:"enum"`
		Default any      `json:"default"`
	} `json:"schema"`
}

type specSchema struct {
	Ref        string                `json:"$ref"`
	Type       any                   `json:"type"`
	Properties map[string]specSchema `json:"properties"`
	Required   []string              `json:"required"`
	Enum       []any                 `json:"enum"`
}

// loadSpec reads GitHub's OpenAPI description, or skips the test.
func loadSpec(t *testing.T) *spec {
	t.Helper()
	raw, err := os.ReadFile(specPath)
	if err != nil {
		t.Skipf("skipping: GitHub's OpenAPI description is not at %s (it lives in ../shared beside the module; CI has it): %v", specPath, err)
	}
	var s spec
	require.NoError(t, json.Unmarshal(raw, &s))
	return &s
}

// operations returns "METHOD /path" → operation for every operation.
func (s *spec) operations() map[string]specOperation {
	ops := map[string]specOperation{}
	for path, item := range s.Paths {
		for method, op := range item {
			switch method {
			case "get", "post", "put", "patch", "delete":
				ops[strings.ToUpper(method)+" "+path] = op
			}
		}
	}
	return ops
}

// queryParams returns the names of op's query parameters, resolving $refs.
func (s *spec) queryParams(op specOperation) map[string]specParameter {
	out := map[string]specParameter{}
	for _, p := range op.Parameters {
		if p.Ref != "" {
			p = s.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
		}
		if p.In == "query" {
			out[p.Name] = p
		}
	}
	return out
}

// claim is one //meta:operation line and the method it documents.
type claim struct {
	op       string // "METHOD /path"
	file     string
	receiver string // "OrgsService", "Client", …
	method   string
	iterator bool   // returns iter.Seq2
	doc      string // the whole doc comment
}

// metaClaims parses every //meta:operation line in the package's non-test
// Go files, with the method each one documents.
func metaClaims(t *testing.T) []claim {
	t.Helper()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	var claims []claim
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
		require.NoError(t, err, file)
		inDecls := 0
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Doc == nil {
				continue
			}
			recv := ""
			if fn.Recv != nil && len(fn.Recv.List) == 1 {
				if star, ok := fn.Recv.List[0].Type.(*ast.StarExpr); ok {
					recv = star.X.(*ast.Ident).Name
				}
			}
			iterator := false
			if res := fn.Type.Results; res != nil && len(res.List) == 1 {
				if idx, ok := res.List[0].Type.(*ast.IndexListExpr); ok {
					if sel, ok := idx.X.(*ast.SelectorExpr); ok {
						iterator = sel.Sel.Name == "Seq2"
					}
				}
			}
			for _, c := range fn.Doc.List {
				if op, ok := strings.CutPrefix(c.Text, "//meta:operation "); ok {
					claims = append(claims, claim{op: op, file: file, receiver: recv, method: fn.Name.Name, iterator: iterator, doc: fn.Doc.Text()})
					inDecls++
				}
			}
		}
		// A meta line outside a func's doc comment would be missed above.
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		assert.Equal(t, strings.Count(string(src), "\n//meta:operation "), inDecls, "%s: every //meta:operation line documents a func", file)
	}
	return claims
}

// ourExtras are operations outside the Packages description that the SDK
// calls on purpose.
var ourExtras = map[string]string{
	"GET /rate_limit":       "Client.TokenScopes",
	"GET /users/{username}": "Client.ResolveOwner",
}

func serviceOf(path string) string {
	switch {
	case strings.HasPrefix(path, "/orgs/{org}/"):
		return "OrgsService"
	case strings.HasPrefix(path, "/user/"):
		return "UserService"
	case strings.HasPrefix(path, "/users/{username}/"):
		return "UsersService"
	}
	return ""
}

// TestEveryOperationImplementedOnce checks the //meta:operation lines
// against the description: each of the 27 operations is implemented by
// exactly one page method of the right service (the iterators All and
// AllVersions share the operation of List and ListVersions), nothing claims
// an operation the description lacks (but our two extras), and each method's
// doc comment links the operation's documentation.
func TestEveryOperationImplementedOnce(t *testing.T) {
	t.Parallel()
	s := loadSpec(t)
	want := s.operations()
	require.Len(t, want, 27, "the description's operations")

	claims := metaClaims(t)
	pageMethods := map[string][]claim{}
	iterators := map[string][]claim{}
	methodsBySvc := map[string][]string{}
	for _, c := range claims {
		method, path, ok := strings.Cut(c.op, " ")
		require.True(t, ok, c.op)
		assert.Equal(t, strings.ToUpper(method), method, c.op)
		if extra, ok := ourExtras[c.op]; ok {
			assert.Equal(t, extra, c.receiver+"."+c.method)
			continue
		}
		op, ok := want[c.op]
		if !assert.True(t, ok, "%s.%s claims %s, which the description lacks", c.receiver, c.method, c.op) {
			continue
		}
		assert.Equal(t, serviceOf(path), c.receiver, "%s is on the wrong service", c.op)
		assert.True(t, strings.HasPrefix(c.doc, c.method+" "), "%s.%s: the doc comment starts with the name", c.receiver, c.method)
		assert.Contains(t, c.doc, "GitHub API docs: "+op.ExternalDocs.URL+"\n", "%s.%s links its operation's docs", c.receiver, c.method)
		if c.iterator {
			iterators[c.op] = append(iterators[c.op], c)
		} else {
			pageMethods[c.op] = append(pageMethods[c.op], c)
		}
		methodsBySvc[c.receiver] = append(methodsBySvc[c.receiver], c.method)
	}
	var missing []string
	for op := range want {
		switch n := len(pageMethods[op]); n {
		case 0:
			missing = append(missing, op)
		case 1:
		default:
			t.Errorf("%s is implemented %d times", op, n)
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "operations without a method")
	assert.Len(t, pageMethods, 27)
	for op, its := range iterators {
		assert.Len(t, its, 1, op)
		require.Len(t, pageMethods[op], 1, "%s: an iterator needs its page method", op)
		page := pageMethods[op][0]
		assert.Equal(t, page.receiver, its[0].receiver)
		assert.Equal(t, map[string]string{"List": "All", "ListVersions": "AllVersions"}[page.method], its[0].method, op)
	}
	assert.Len(t, iterators, 6, "All and AllVersions on each service")

	// One verb set on every service.
	wantMethods := []string{"All", "AllVersions", "Delete", "DeleteVersion", "Get", "GetVersion", "List", "ListDockerConflicts", "ListVersions", "Restore", "RestoreVersion"}
	for _, svc := range []string{"OrgsService", "UserService", "UsersService"} {
		got := methodsBySvc[svc]
		sort.Strings(got)
		assert.Equal(t, wantMethods, got, svc)
	}
}

// TestQueryParametersMatchTheDescription: the option structs send the
// query parameters each operation documents, with the documented enums.
func TestQueryParametersMatchTheDescription(t *testing.T) {
	t.Parallel()
	s := loadSpec(t)
	urlNames := func(v any) []string {
		var names []string
		var walk func(reflect.Type)
		walk = func(rt reflect.Type) {
			for f := range rt.Fields() {
				if f.Anonymous {
					walk(f.Type)
					continue
				}
				name, _, _ := strings.Cut(f.Tag.Get("url"), ",")
				names = append(names, name)
			}
		}
		walk(reflect.TypeOf(v))
		sort.Strings(names)
		return names
	}
	list := urlNames(listQuery{})
	versions := urlNames(PackageVersionListOptions{})
	restore := urlNames(RestoreOptions{})
	assert.Equal(t, []string{"package_type", "page", "per_page", "visibility"}, list)
	assert.Equal(t, []string{"page", "per_page", "state"}, versions)
	assert.Equal(t, []string{"token"}, restore)

	for key, op := range s.operations() {
		var ours []string
		switch {
		case strings.HasSuffix(key, "/packages"):
			ours = list
		case strings.HasSuffix(key, "/versions"):
			ours = versions
		case strings.HasSuffix(key, "{package_name}/restore"):
			ours = restore
		}
		documented := slices.Sorted(maps.Keys(s.queryParams(op)))
		if key == "GET /users/{username}/packages/{package_type}/{package_name}/versions" {
			// FACTS.md: the description documents no page/per_page/state
			// here, though the endpoint pages like its siblings; we send
			// them so AllVersions works.
			assert.Empty(t, documented, "the description still documents nothing here; revisit if it changes")
			continue
		}
		assert.Equal(t, ours, documented, key)

		for name, p := range s.queryParams(op) {
			switch name {
			case "package_type":
				assert.ElementsMatch(t, PackageTypes(), toEnum[PackageType](p.Schema.Enum), key)
				for _, e := range p.Schema.Enum {
					assert.True(t, PackageType(e).Valid(), e)
				}
			case "visibility":
				assert.ElementsMatch(t, []Visibility{VisibilityPublic, VisibilityPrivate, VisibilityInternal}, toEnum[Visibility](p.Schema.Enum), key)
			case "state":
				assert.ElementsMatch(t, []VersionState{StateActive, StateDeleted}, toEnum[VersionState](p.Schema.Enum), key)
				assert.Equal(t, "active", p.Schema.Default, key)
			case "per_page":
				assert.Equal(t, 30.0, p.Schema.Default, key)
			}
		}
	}
}

func toEnum[T ~string](in []string) []T {
	out := make([]T, len(in))
	for i, s := range in {
		out[i] = T(s)
	}
	return out
}

// TestDescriptionQuirks pins quirks of GitHub's OpenAPI description, so a new
// description that fixes them is noticed.
func TestDescriptionQuirks(t *testing.T) {
	t.Parallel()
	s := loadSpec(t)
	docker := s.Components.Schemas["package-version"].Properties["metadata"].Properties["docker"]
	assert.Contains(t, docker.Properties, "tag", "docker metadata declares the property \"tag\"")
	assert.NotContains(t, docker.Properties, "tags")
	assert.Equal(t, []string{"tags"}, docker.Required, "…but requires \"tags\"; DockerMetadata reads both")
	assert.Contains(t, s.Components.Schemas["package-version"].Properties["metadata"].Properties["container"].Properties, "tags")

	ops := s.operations()
	for _, key := range []string{"GET /orgs/{org}/packages", "GET /user/packages", "GET /users/{username}/packages"} {
		assert.Contains(t, ops[key].Responses, "400", "%s documents the page × per_page > 10000 refusal", key)
	}
	for _, key := range []string{
		"POST /orgs/{org}/packages/{package_type}/{package_name}/restore",
		"POST /user/packages/{package_type}/{package_name}/restore",
		"POST /users/{username}/packages/{package_type}/{package_name}/restore",
	} {
		p, ok := s.queryParams(ops[key])["token"]
		require.True(t, ok, "%s takes ?token=", key)
		assert.Equal(t, "string", p.Schema.Type)
	}
}

// TestTypesModelTheSchemas: Package and PackageVersion carry every property
// of their schemas, and no type invents a JSON field the schemas lack.
func TestTypesModelTheSchemas(t *testing.T) {
	t.Parallel()
	s := loadSpec(t)
	jsonNames := func(v any) []string {
		var names []string
		for f := range reflect.TypeOf(v).Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name != "" && name != "-" {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		return names
	}
	props := func(schema string) []string {
		return slices.Sorted(maps.Keys(s.Components.Schemas[schema].Properties))
	}
	assert.Equal(t, props("package"), jsonNames(Package{}))
	assert.Equal(t, props("package-version"), jsonNames(PackageVersion{}))
	assert.Subset(t, props("nullable-simple-user"), jsonNames(User{}))
	assert.Subset(t, props("nullable-minimal-repository"), jsonNames(Repository{}))
	assert.Subset(t, jsonNames(User{}), []string{"login", "id", "node_id", "type", "site_admin", "html_url", "url", "avatar_url"})
	assert.Subset(t, jsonNames(Repository{}), []string{"id", "node_id", "name", "full_name", "private", "owner", "html_url", "description",
		"fork", "url", "visibility", "default_branch", "archived", "created_at", "updated_at", "pushed_at"})
	assert.Equal(t, []string{"container", "docker", "package_type"}, slices.Sorted(maps.Keys(s.Components.Schemas["package-version"].Properties["metadata"].Properties)))
	assert.Equal(t, []string{"container", "docker", "package_type"}, jsonNames(VersionMetadata{}))
}

// TestExamplesMatchTheDescription keeps testdata/examples in step with the
// official examples they were copied from, so the decoding tests below
// (which read only testdata) test the real examples.
func TestExamplesMatchTheDescription(t *testing.T) {
	t.Parallel()
	s := loadSpec(t)
	require.Len(t, s.Components.Examples, 10)
	files, err := filepath.Glob(filepath.Join("testdata", "examples", "*.json"))
	require.NoError(t, err)
	assert.Len(t, files, len(s.Components.Examples), "one testdata copy per example, no strays")
	for name, ex := range s.Components.Examples {
		raw, err := os.ReadFile(filepath.Join("testdata", "examples", name+".json"))
		require.NoError(t, err, "testdata copy of %s", name)
		var copied any
		require.NoError(t, json.Unmarshal(raw, &copied))
		assert.Equal(t, ex.Value, copied, name)
	}
}

// exampleTypes says which SDK type each official example decodes into.
var exampleTypes = map[string]func() any{
	"package-org":                             func() any { return new(Package) },
	"package-user":                            func() any { return new(Package) },
	"packages-for-org":                        func() any { return new([]*Package) },
	"packages-for-user":                       func() any { return new([]*Package) },
	"package-version-org":                     func() any { return new(PackageVersion) },
	"package-version-user":                    func() any { return new(PackageVersion) },
	"package-version-authenticated-user":      func() any { return new(PackageVersion) },
	"package-versions-for-org":                func() any { return new([]*PackageVersion) },
	"package-versions-for-user":               func() any { return new([]*PackageVersion) },
	"package-versions-for-authenticated-user": func() any { return new([]*PackageVersion) },
}

func readExample(t *testing.T, name string, v any) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "examples", name+".json"))
	require.NoError(t, err)
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	require.NoError(t, dec.Decode(v), name)
	return raw
}

// TestEveryExampleDecodesLosslessly decodes every example into its SDK type
// and encodes it again: every field the type models must come back exactly
// as the example had it (a wrong JSON name or type would lose it).
func TestEveryExampleDecodesLosslessly(t *testing.T) {
	t.Parallel()
	for name, mk := range exampleTypes {
		v := mk()
		raw := readExample(t, name, v)
		back, err := json.Marshal(v)
		require.NoError(t, err, name)
		var orig, again any
		require.NoError(t, json.Unmarshal(raw, &orig))
		require.NoError(t, json.Unmarshal(back, &again))
		assertModelled(t, name, orig, again)
	}
}

// assertModelled checks that every value in got (the re-encoded SDK value)
// equals the example's value at the same place. Fields the example lacks
// may only be zero; times may differ only in spelling.
func assertModelled(t *testing.T, at string, want, got any) {
	t.Helper()
	switch g := got.(type) {
	case map[string]any:
		w, ok := want.(map[string]any)
		if !assert.True(t, ok, "%s: object where the example has %T", at, want) {
			return
		}
		for k, gv := range g {
			wv, present := w[k]
			if !present {
				assert.Contains(t, []any{nil, "", false, 0.0, []any{}, map[string]any{}}, gv, "%s.%s: the example has no such field", at, k)
				continue
			}
			assertModelled(t, at+"."+k, wv, gv)
		}
	case []any:
		w, ok := want.([]any)
		if assert.True(t, ok, "%s: array where the example has %T", at, want) && assert.Len(t, g, len(w), at) {
			for i := range g {
				assertModelled(t, fmt.Sprintf("%s[%d]", at, i), w[i], g[i])
			}
		}
	case string:
		if ws, ok := want.(string); ok && ws != g {
			wt, err1 := time.Parse(time.RFC3339, ws)
			gt, err2 := time.Parse(time.RFC3339, g)
			if err1 == nil && err2 == nil {
				assert.True(t, wt.Equal(gt), "%s: time %s ≠ %s", at, ws, g)
				return
			}
		}
		assert.Equal(t, want, got, at)
	default:
		assert.Equal(t, want, got, at)
	}
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

func TestDecodeOfficialExamples(t *testing.T) {
	t.Parallel()
	octocat := &User{Login: "octocat", ID: 209477, NodeID: "MDQ6VXNlcjIwOTQ3Nw==", Type: "User", SiteAdmin: true,
		AvatarURL: "https://avatars.githubusercontent.com/u/209477?v=4", GravatarID: ptr(""),
		URL: "https://api.github.com/users/octocat", HTMLURL: "https://github.com/octocat"}
	github := &User{Login: "github", ID: 9919, NodeID: "MDEyOk9yZ2FuaXphdGlvbjk5MTk=", Type: "Organization",
		AvatarURL: "https://avatars.githubusercontent.com/u/9919?v=4", GravatarID: ptr(""),
		URL: "https://api.github.com/users/github", HTMLURL: "https://github.com/github"}

	t.Run("package-org", func(t *testing.T) {
		var p Package
		readExample(t, "package-org", &p)
		assert.Equal(t, Package{ID: 197, Name: "hello_docker", PackageType: Container, Owner: github, VersionCount: 1,
			Visibility: VisibilityPrivate, URL: "https://api.github.com/orgs/github/packages/container/hello_docker",
			HTMLURL:   "https://github.com/orgs/github/packages/container/package/hello_docker",
			CreatedAt: ts("2020-05-19T22:19:11Z"), UpdatedAt: ts("2020-05-19T22:19:11Z")}, p)
	})
	t.Run("package-user", func(t *testing.T) {
		var p Package
		readExample(t, "package-user", &p)
		require.NotNil(t, p.Repository)
		repo := *p.Repository
		p.Repository = nil
		assert.Equal(t, Package{ID: 40201, Name: "octo-name", PackageType: RubyGems, Owner: octocat, VersionCount: 3,
			Visibility: VisibilityPublic, URL: "https://api.github.com/users/octocat/packages/rubygems/octo-name",
			HTMLURL:   "https://github.com/octocat/octo-name-repo/packages/40201",
			CreatedAt: ts("2019-10-20T14:17:14Z"), UpdatedAt: ts("2019-10-20T14:17:14Z")}, p)
		assert.Equal(t, Repository{ID: 216219492, NodeID: "MDEwOlJlcG9zaXRvcnkyMTYyMTk0OTI=", Name: "octo-name-repo",
			FullName: "octocat/octo-name-repo", Private: false, Owner: octocat, HTMLURL: "https://github.com/octocat/octo-name-repo",
			Description: ptr("Project for octocats"), Fork: false, URL: "https://api.github.com/repos/octocat/octo-name-repo"}, repo)
	})
	t.Run("packages-for-org", func(t *testing.T) {
		var ps []*Package
		readExample(t, "packages-for-org", &ps)
		assert.Equal(t, []*Package{
			{ID: 197, Name: "hello_docker", PackageType: Container, Owner: github, VersionCount: 1, Visibility: VisibilityPrivate,
				URL:       "https://api.github.com/orgs/github/packages/container/hello_docker",
				HTMLURL:   "https://github.com/orgs/github/packages/container/package/hello_docker",
				CreatedAt: ts("2020-05-19T22:19:11Z"), UpdatedAt: ts("2020-05-19T22:19:11Z")},
			{ID: 198, Name: "goodbye_docker", PackageType: Container, Owner: github, VersionCount: 2, Visibility: VisibilityPrivate,
				URL:       "https://api.github.com/orgs/github/packages/container/goodbye_docker",
				HTMLURL:   "https://github.com/orgs/github/packages/container/package/goodbye_docker",
				CreatedAt: ts("2020-05-20T22:19:11Z"), UpdatedAt: ts("2020-05-20T22:19:11Z")},
		}, ps)
	})
	t.Run("packages-for-user", func(t *testing.T) {
		var ps []*Package
		readExample(t, "packages-for-user", &ps)
		require.Len(t, ps, 2)
		assert.Equal(t, []int64{197, 198}, []int64{ps[0].ID, ps[1].ID})
		assert.Equal(t, []int64{1, 2}, []int64{ps[0].VersionCount, ps[1].VersionCount})
		assert.Equal(t, "octocat", ps[0].Owner.Login)
		assert.Equal(t, "User", ps[1].Owner.Type)
		assert.Equal(t, "https://api.github.com/user/octocat/packages/container/goodbye_docker", ps[1].URL)
		assert.Equal(t, ts("2020-05-20T22:19:11Z"), ps[1].CreatedAt)
	})
	t.Run("package-version-org", func(t *testing.T) {
		var v PackageVersion
		readExample(t, "package-version-org", &v)
		assert.Equal(t, PackageVersion{ID: 836, Name: "sha256:b3d3e366b55f9a54599220198b3db5da8f53592acbbb7dc7e4e9878762fc5344",
			URL:            "https://api.github.com/orgs/github/packages/container/hello_docker/versions/836",
			PackageHTMLURL: "https://github.com/orgs/github/packages/container/package/hello_docker",
			CreatedAt:      ts("2020-05-19T22:19:11Z"), UpdatedAt: ts("2020-05-19T22:19:11Z"),
			HTMLURL:  "https://github.com/orgs/github/packages/container/hello_docker/836",
			Metadata: &VersionMetadata{PackageType: Container, Container: &ContainerMetadata{Tags: []string{"latest"}}}}, v)
		assert.Equal(t, []string{"latest"}, v.Tags())
	})
	t.Run("package-version-user", func(t *testing.T) {
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
	t.Run("package-version-authenticated-user", func(t *testing.T) {
		var v PackageVersion
		readExample(t, "package-version-authenticated-user", &v)
		assert.Equal(t, PackageVersion{ID: 214, Name: "sha256:3561f0cff06caccddb99c93bd26e712fcc56a811de0f8ea7a17bb865f30b176a",
			URL:            "https://api.github.com/users/octocat/packages/container/hello_docker/versions/214",
			PackageHTMLURL: "https://github.com/users/octocat/packages/container/package/hello_docker",
			CreatedAt:      ts("2020-05-15T03:46:45Z"), UpdatedAt: ts("2020-05-15T03:46:45Z"),
			HTMLURL:  "https://github.com/users/octocat/packages/container/hello_docker/214",
			Metadata: &VersionMetadata{PackageType: Container, Container: &ContainerMetadata{Tags: []string{"1.13.6"}}}}, v)
		assert.Equal(t, []string{"1.13.6"}, v.Tags())
	})
	t.Run("package-versions-for-org", func(t *testing.T) {
		var vs []*PackageVersion
		readExample(t, "package-versions-for-org", &vs)
		assert.Equal(t, []*PackageVersion{
			{ID: 245301, Name: "1.0.4", URL: "https://api.github.com/orgs/octo-org/packages/npm/hello-world-npm/versions/245301",
				PackageHTMLURL: "https://github.com/octo-org/hello-world-npm/packages/43752",
				CreatedAt:      ts("2019-11-05T22:49:04Z"), UpdatedAt: ts("2019-11-05T22:49:04Z"),
				HTMLURL:  "https://github.com/octo-org/hello-world-npm/packages/43752?version=1.0.4",
				Metadata: &VersionMetadata{PackageType: NPM}},
			{ID: 209672, Name: "1.0.3", URL: "https://api.github.com/orgs/octo-org/packages/npm/hello-world-npm/versions/209672",
				PackageHTMLURL: "https://github.com/octo-org/hello-world-npm/packages/43752",
				CreatedAt:      ts("2019-10-29T15:42:11Z"), UpdatedAt: ts("2019-10-29T15:42:12Z"),
				HTMLURL:  "https://github.com/octo-org/hello-world-npm/packages/43752?version=1.0.3",
				Metadata: &VersionMetadata{PackageType: NPM}},
		}, vs)
		assert.Nil(t, vs[0].Tags())
	})
	t.Run("package-versions-for-user", func(t *testing.T) {
		var vs []*PackageVersion
		readExample(t, "package-versions-for-user", &vs)
		require.Len(t, vs, 3)
		assert.Equal(t, []int64{3497268, 387039, 169770}, []int64{vs[0].ID, vs[1].ID, vs[2].ID})
		assert.Equal(t, []string{"0.3.0", "0.2.0", "0.1.0"}, []string{vs[0].Name, vs[1].Name, vs[2].Name})
		assert.Equal(t, []string{"Project for octocats", "Project for octocats", ""}, []string{vs[0].Description, vs[1].Description, vs[2].Description})
		assert.Equal(t, "MIT", vs[2].License)
		assert.Equal(t, ts("2019-10-20T14:17:15Z"), vs[2].UpdatedAt)
		assert.Equal(t, RubyGems, vs[2].Metadata.PackageType)
	})
	t.Run("package-versions-for-authenticated-user", func(t *testing.T) {
		var vs []*PackageVersion
		readExample(t, "package-versions-for-authenticated-user", &vs)
		require.Len(t, vs, 2)
		assert.Equal(t, []int64{45763, 881}, []int64{vs[0].ID, vs[1].ID})
		assert.Equal(t, "sha256:08a44bab0bddaddd8837a8b381aebc2e4b933768b981685a9e088360af0d3dd9", vs[0].Name)
		assert.Equal(t, []string{"latest"}, vs[0].Tags())
		assert.Equal(t, &ContainerMetadata{Tags: []string{}}, vs[1].Metadata.Container, "an untagged image has an empty list")
		assert.Empty(t, vs[1].Tags(), "empty container tags mean untagged")
		assert.Equal(t, ts("2020-05-21T22:22:20Z"), vs[1].CreatedAt)
		assert.Equal(t, ts("2021-02-05T21:32:32Z"), vs[1].UpdatedAt)
		assert.Nil(t, vs[1].DeletedAt)
	})
}

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
		assert.Equal(t, []string{"1.0", "latest"}, m.Docker.Tags, body)
	}
	var m VersionMetadata
	require.NoError(t, json.Unmarshal([]byte(`{"package_type":"docker","docker":{}}`), &m))
	assert.Nil(t, (&PackageVersion{Metadata: &m}).Tags(), "untagged docker image")

	out, err := json.Marshal(DockerMetadata{Tags: []string{"a"}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"tag":["a"],"tags":["a"]}`, string(out))
	out, err = json.Marshal(DockerMetadata{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"tag":[],"tags":[]}`, string(out))
	assert.Error(t, json.Unmarshal([]byte(`{"tag":"x"}`), new(DockerMetadata)))
}

func TestVersionTags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		json string
		want []string
	}{
		{"container tagged", `{"metadata":{"package_type":"container","container":{"tags":["v1","latest"]}}}`, []string{"v1", "latest"}},
		{"container untagged", `{"metadata":{"package_type":"container","container":{"tags":[]}}}`, nil},
		{"docker tag", `{"metadata":{"package_type":"docker","docker":{"tag":["v2"]}}}`, []string{"v2"}},
		{"docker tags", `{"metadata":{"package_type":"docker","docker":{"tags":["v3"]}}}`, []string{"v3"}},
		{"npm", `{"metadata":{"package_type":"npm"}}`, nil},
		{"no metadata", `{}`, nil},
	}
	for _, tc := range tests {
		var v PackageVersion
		require.NoError(t, json.Unmarshal([]byte(tc.json), &v), tc.name)
		if tc.want == nil {
			assert.Empty(t, v.Tags(), tc.name)
		} else {
			assert.Equal(t, tc.want, v.Tags(), tc.name)
		}
	}
	var none *PackageVersion
	assert.Nil(t, none.Tags())
}

func TestEnumsValid(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []PackageType{NPM, Maven, RubyGems, Docker, NuGet, Container}, PackageTypes())
	assert.Equal(t, []string{"npm", "maven", "rubygems", "docker", "nuget", "container"},
		[]string{string(NPM), string(Maven), string(RubyGems), string(Docker), string(NuGet), string(Container)})
	for _, typ := range PackageTypes() {
		assert.True(t, typ.Valid(), typ)
	}
	for _, bad := range []PackageType{"", "pypi", "Container", "npm ", "gradle"} {
		assert.False(t, bad.Valid(), fmt.Sprintf("%q", bad))
	}
	for _, v := range []Visibility{VisibilityPublic, VisibilityPrivate, VisibilityInternal} {
		assert.True(t, v.Valid(), v)
	}
	assert.Equal(t, []string{"public", "private", "internal"}, []string{string(VisibilityPublic), string(VisibilityPrivate), string(VisibilityInternal)})
	assert.False(t, Visibility("secret").Valid())
	assert.False(t, Visibility("").Valid())
	assert.True(t, StateActive.Valid())
	assert.True(t, StateDeleted.Valid())
	assert.Equal(t, []string{"active", "deleted"}, []string{string(StateActive), string(StateDeleted)})
	assert.False(t, VersionState("").Valid())
	assert.False(t, VersionState("Deleted").Valid())
}
