package ghpackages

import (
	"context"
	"encoding/json"
	"iter"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// svc drives one of the three services through the same signatures (the
// owner curried in), so one table of operations runs against Orgs, Users
// and User.
type svc struct {
	name   string
	prefix string // the escaped path prefix the service must use

	get            func(ctx context.Context, typ PackageType, name string) (*Package, *Response, error)
	delete         func(ctx context.Context, typ PackageType, name string) (*Response, error)
	restore        func(ctx context.Context, typ PackageType, name string, opts *RestoreOptions) (*Response, error)
	listVersions   func(ctx context.Context, typ PackageType, name string, opts *PackageVersionListOptions) ([]*PackageVersion, *Response, error)
	allVersions    func(ctx context.Context, typ PackageType, name string, opts *PackageVersionListOptions) iter.Seq2[*PackageVersion, error]
	getVersion     func(ctx context.Context, typ PackageType, name string, id int64) (*PackageVersion, *Response, error)
	deleteVersion  func(ctx context.Context, typ PackageType, name string, id int64) (*Response, error)
	restoreVersion func(ctx context.Context, typ PackageType, name string, id int64) (*Response, error)
	list           func(ctx context.Context, typ PackageType, opts *PackageListOptions) ([]*Package, *Response, error)
	all            func(ctx context.Context, typ PackageType, opts *PackageListOptions) iter.Seq2[*Package, error]
	conflicts      func(ctx context.Context) ([]*Package, *Response, error)
}

// ownedService is the method set OrgsService and UsersService share: each
// method takes the owner after ctx.
type ownedService interface {
	Get(ctx context.Context, owner string, typ PackageType, name string) (*Package, *Response, error)
	Delete(ctx context.Context, owner string, typ PackageType, name string) (*Response, error)
	Restore(ctx context.Context, owner string, typ PackageType, name string, opts *RestoreOptions) (*Response, error)
	ListVersions(ctx context.Context, owner string, typ PackageType, name string, opts *PackageVersionListOptions) ([]*PackageVersion, *Response, error)
	AllVersions(ctx context.Context, owner string, typ PackageType, name string, opts *PackageVersionListOptions) iter.Seq2[*PackageVersion, error]
	GetVersion(ctx context.Context, owner string, typ PackageType, name string, id int64) (*PackageVersion, *Response, error)
	DeleteVersion(ctx context.Context, owner string, typ PackageType, name string, id int64) (*Response, error)
	RestoreVersion(ctx context.Context, owner string, typ PackageType, name string, id int64) (*Response, error)
	List(ctx context.Context, owner string, typ PackageType, opts *PackageListOptions) ([]*Package, *Response, error)
	All(ctx context.Context, owner string, typ PackageType, opts *PackageListOptions) iter.Seq2[*Package, error]
	ListDockerConflicts(ctx context.Context, owner string) ([]*Package, *Response, error)
}

// owned curries owner into an ownedService's methods.
func owned(name, prefix, owner string, s ownedService) svc {
	return svc{
		name: name, prefix: prefix,
		get: func(ctx context.Context, typ PackageType, n string) (*Package, *Response, error) {
			return s.Get(ctx, owner, typ, n)
		},
		delete: func(ctx context.Context, typ PackageType, n string) (*Response, error) {
			return s.Delete(ctx, owner, typ, n)
		},
		restore: func(ctx context.Context, typ PackageType, n string, opts *RestoreOptions) (*Response, error) {
			return s.Restore(ctx, owner, typ, n, opts)
		},
		listVersions: func(ctx context.Context, typ PackageType, n string, opts *PackageVersionListOptions) ([]*PackageVersion, *Response, error) {
			return s.ListVersions(ctx, owner, typ, n, opts)
		},
		allVersions: func(ctx context.Context, typ PackageType, n string, opts *PackageVersionListOptions) iter.Seq2[*PackageVersion, error] {
			return s.AllVersions(ctx, owner, typ, n, opts)
		},
		getVersion: func(ctx context.Context, typ PackageType, n string, id int64) (*PackageVersion, *Response, error) {
			return s.GetVersion(ctx, owner, typ, n, id)
		},
		deleteVersion: func(ctx context.Context, typ PackageType, n string, id int64) (*Response, error) {
			return s.DeleteVersion(ctx, owner, typ, n, id)
		},
		restoreVersion: func(ctx context.Context, typ PackageType, n string, id int64) (*Response, error) {
			return s.RestoreVersion(ctx, owner, typ, n, id)
		},
		list: func(ctx context.Context, typ PackageType, opts *PackageListOptions) ([]*Package, *Response, error) {
			return s.List(ctx, owner, typ, opts)
		},
		all: func(ctx context.Context, typ PackageType, opts *PackageListOptions) iter.Seq2[*Package, error] {
			return s.All(ctx, owner, typ, opts)
		},
		conflicts: func(ctx context.Context) ([]*Package, *Response, error) { return s.ListDockerConflicts(ctx, owner) },
	}
}

// services returns Orgs (for org), Users (for user) and User.
func services(c *Client, org, user string) []svc {
	me := c.User
	return []svc{
		owned("Orgs", "/orgs/"+org, org, c.Orgs),
		owned("Users", "/users/"+user, user, c.Users),
		{
			name: "User", prefix: "/user",
			get: me.Get, delete: me.Delete, restore: me.Restore,
			listVersions: me.ListVersions, allVersions: me.AllVersions, getVersion: me.GetVersion,
			deleteVersion: me.DeleteVersion, restoreVersion: me.RestoreVersion,
			list: me.List, all: me.All, conflicts: me.ListDockerConflicts,
		},
	}
}

// args are the inputs of one call; each operation uses the ones it needs.
type args struct {
	typ   PackageType
	name  string
	id    int64
	vopts *PackageVersionListOptions
	lopts *PackageListOptions
	ropts *RestoreOptions
}

// operation runs one method of a svc and returns its decoded result (the
// collected items for the iterators, whose Response is nil).
type operation func(ctx context.Context, s svc, a args) (any, *Response, error)

// The 11 methods each service has (27 API operations: List/All and
// ListVersions/AllVersions share one).
var (
	opGet    = func(ctx context.Context, s svc, a args) (any, *Response, error) { return s.get(ctx, a.typ, a.name) }
	opDelete = func(ctx context.Context, s svc, a args) (any, *Response, error) {
		r, err := s.delete(ctx, a.typ, a.name)
		return nil, r, err
	}
	opRestore = func(ctx context.Context, s svc, a args) (any, *Response, error) {
		r, err := s.restore(ctx, a.typ, a.name, a.ropts)
		return nil, r, err
	}
	opListVersions = func(ctx context.Context, s svc, a args) (any, *Response, error) {
		return s.listVersions(ctx, a.typ, a.name, a.vopts)
	}
	opAllVersions = func(ctx context.Context, s svc, a args) (any, *Response, error) {
		vs, err := Collect(s.allVersions(ctx, a.typ, a.name, a.vopts))
		return vs, nil, err
	}
	opGetVersion = func(ctx context.Context, s svc, a args) (any, *Response, error) {
		return s.getVersion(ctx, a.typ, a.name, a.id)
	}
	opDeleteVersion = func(ctx context.Context, s svc, a args) (any, *Response, error) {
		r, err := s.deleteVersion(ctx, a.typ, a.name, a.id)
		return nil, r, err
	}
	opRestoreVersion = func(ctx context.Context, s svc, a args) (any, *Response, error) {
		r, err := s.restoreVersion(ctx, a.typ, a.name, a.id)
		return nil, r, err
	}
	opList = func(ctx context.Context, s svc, a args) (any, *Response, error) { return s.list(ctx, a.typ, a.lopts) }
	opAll  = func(ctx context.Context, s svc, a args) (any, *Response, error) {
		ps, err := Collect(s.all(ctx, a.typ, a.lopts))
		return ps, nil, err
	}
	opConflicts = func(ctx context.Context, s svc, a args) (any, *Response, error) { return s.conflicts(ctx) }
)

// Canned answers, and what they decode to.
const (
	packageJSON  = `{"id":197,"name":"hello","package_type":"npm","version_count":3,"visibility":"private"}`
	packagesJSON = `[{"id":197,"name":"hello","package_type":"npm"},{"id":198,"name":"bye","package_type":"npm"}]`
	versionJSON  = `{"id":1260000001,"name":"1.0.0","metadata":{"package_type":"container","container":{"tags":["latest"]}}}`
	versionsJSON = `[{"id":1260000002,"name":"1.0.1"},{"id":1260000001,"name":"1.0.0"}]`
	versionID    = int64(1260000001) // beyond int32, as real IDs are
)

var (
	wantPackage  = &Package{ID: 197, Name: "hello", PackageType: NPM, VersionCount: 3, Visibility: VisibilityPrivate}
	wantPackages = []*Package{{ID: 197, Name: "hello", PackageType: NPM}, {ID: 198, Name: "bye", PackageType: NPM}}
	wantVersion  = &PackageVersion{ID: versionID, Name: "1.0.0",
		Metadata: &VersionMetadata{PackageType: Container, Container: &ContainerMetadata{Tags: []string{"latest"}}}}
	wantVersions = []*PackageVersion{{ID: 1260000002, Name: "1.0.1"}, {ID: versionID, Name: "1.0.0"}}
)

// nameCases are package names and their escaped path segment, written out
// by hand: one segment, escaped exactly once.
var nameCases = []struct {
	label, name, escaped string
	typ                  PackageType
}{
	{"plain", "app", "app", NPM},
	{"container with slash", "team/app", "team%2Fapp", Container},
	{"two slashes", "a/b/c", "a%2Fb%2Fc", Container},
	{"space", "my app", "my%20app", Maven},
	{"percent", "100%", "100%25", NuGet},
	{"already escaped stays literal", "team%2Fapp", "team%252Fapp", Container},
	{"plus", "c++", "c++", RubyGems},
	{"unicode", "pâte", "p%C3%A2te", Docker},
	{"cjk", "日本", "%E6%97%A5%E6%9C%AC", NPM},
	{"reserved", "a;b,c?d#e", "a%3Bb%2Cc%3Fd%23e", Maven},
	{"scope-like", "@octo/pkg", "@octo%2Fpkg", NPM},
	{"maven coordinates", "com.example.app:core", "com.example.app:core", Maven},
	{"three dots are a name", "...", "...", NPM},
	{"leading dot", ".hidden", ".hidden", NPM},
}

func TestEveryOperationSendsExactRequest(t *testing.T) {
	t.Parallel()
	vopts := &PackageVersionListOptions{State: StateDeleted, Page: 2, PerPage: 50}
	lopts := &PackageListOptions{Visibility: VisibilityInternal, Page: 3, PerPage: 100}
	for _, base := range []string{"", "/api/v3"} {
		for _, nc := range nameCases {
			t.Run(nc.label+base, func(t *testing.T) {
				t.Parallel()
				type want struct {
					method, path, query string // path after the service prefix
					reply               string // "" answers 204
					result              any
				}
				esc, typ := nc.escaped, string(nc.typ)
				pkg := "/packages/" + typ + "/" + esc
				cases := []struct {
					op   string
					do   operation
					args args
					want want
				}{
					{"Get", opGet, args{typ: nc.typ, name: nc.name}, want{"GET", pkg, "", packageJSON, wantPackage}},
					{"Delete", opDelete, args{typ: nc.typ, name: nc.name}, want{"DELETE", pkg, "", "", nil}},
					{"Restore", opRestore, args{typ: nc.typ, name: nc.name}, want{"POST", pkg + "/restore", "", "", nil}},
					{"Restore with token", opRestore, args{typ: nc.typ, name: nc.name, ropts: &RestoreOptions{Token: "pkg/tok en"}},
						want{"POST", pkg + "/restore", "token=pkg%2Ftok+en", "", nil}},
					{"Restore with empty options", opRestore, args{typ: nc.typ, name: nc.name, ropts: &RestoreOptions{}}, want{"POST", pkg + "/restore", "", "", nil}},
					{"ListVersions", opListVersions, args{typ: nc.typ, name: nc.name}, want{"GET", pkg + "/versions", "", versionsJSON, wantVersions}},
					{"ListVersions with options", opListVersions, args{typ: nc.typ, name: nc.name, vopts: vopts},
						want{"GET", pkg + "/versions", "page=2&per_page=50&state=deleted", versionsJSON, wantVersions}},
					{"ListVersions active", opListVersions, args{typ: nc.typ, name: nc.name, vopts: &PackageVersionListOptions{State: StateActive}},
						want{"GET", pkg + "/versions", "state=active", versionsJSON, wantVersions}},
					{"AllVersions", opAllVersions, args{typ: nc.typ, name: nc.name, vopts: vopts},
						want{"GET", pkg + "/versions", "page=2&per_page=50&state=deleted", versionsJSON, wantVersions}},
					{"GetVersion", opGetVersion, args{typ: nc.typ, name: nc.name, id: versionID}, want{"GET", pkg + "/versions/1260000001", "", versionJSON, wantVersion}},
					{"GetVersion max id", opGetVersion, args{typ: nc.typ, name: nc.name, id: math.MaxInt64},
						want{"GET", pkg + "/versions/9223372036854775807", "", versionJSON, wantVersion}},
					{"DeleteVersion", opDeleteVersion, args{typ: nc.typ, name: nc.name, id: versionID}, want{"DELETE", pkg + "/versions/1260000001", "", "", nil}},
					{"RestoreVersion", opRestoreVersion, args{typ: nc.typ, name: nc.name, id: versionID}, want{"POST", pkg + "/versions/1260000001/restore", "", "", nil}},
					{"List", opList, args{typ: nc.typ}, want{"GET", "/packages", "package_type=" + typ, packagesJSON, wantPackages}},
					{"List with options", opList, args{typ: nc.typ, lopts: lopts},
						want{"GET", "/packages", "package_type=" + typ + "&page=3&per_page=100&visibility=internal", packagesJSON, wantPackages}},
					{"All", opAll, args{typ: nc.typ, lopts: &PackageListOptions{Visibility: VisibilityPublic}},
						want{"GET", "/packages", "package_type=" + typ + "&visibility=public", packagesJSON, wantPackages}},
					{"ListDockerConflicts", opConflicts, args{}, want{"GET", "/docker/conflicts", "", packagesJSON, wantPackages}},
				}

				env := setup(t)
				c, err := NewClient(WithBaseURL(env.url+base), WithHTTPClient(env.hc), WithToken(secretToken), WithPacing(NoPacing()), WithRetry(NoRetry()))
				require.NoError(t, err)
				var mu sync.Mutex
				var current want
				var seen []*http.Request
				env.mux.HandleFunc(base+"/", func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					w2 := current
					seen = append(seen, r)
					mu.Unlock()
					testAPIHeaders(t, r)
					testBody(t, r, "")
					if w2.reply == "" {
						w.WriteHeader(http.StatusNoContent)
						return
					}
					w.Write([]byte(w2.reply))
				})
				for _, s := range services(c, "octo-org", "octocat") {
					for _, tc := range cases {
						mu.Lock()
						current, seen = tc.want, nil
						mu.Unlock()
						label := s.name + "." + tc.op
						got, resp, err := tc.do(t.Context(), s, tc.args)
						require.NoError(t, err, label)
						mu.Lock()
						reqs := seen
						mu.Unlock()
						require.Len(t, reqs, 1, label)
						r := reqs[0]
						wantURI := base + s.prefix + tc.want.path
						if tc.want.query != "" {
							wantURI += "?" + tc.want.query
						}
						testMethod(t, r, tc.want.method)
						assert.Equal(t, wantURI, r.RequestURI, "%s: the request target, exactly as sent", label)
						assert.Equal(t, base+s.prefix+tc.want.path, r.URL.EscapedPath(), label)
						if tc.want.result != nil {
							assert.Equal(t, tc.want.result, got, label)
						} else {
							assert.Nil(t, got, label)
						}
						if tc.op != "AllVersions" && tc.op != "All" {
							require.NotNil(t, resp, label)
							wantStatus := http.StatusOK
							if tc.want.reply == "" {
								wantStatus = http.StatusNoContent
							}
							assert.Equal(t, wantStatus, resp.StatusCode, label)
						}
					}
				}
			})
		}
	}
}

// TestPackageNameRoundTrips checks with the server's own router that the
// name arrives as one path segment that unescapes to exactly the name.
func TestPackageNameRoundTrips(t *testing.T) {
	t.Parallel()
	env := setup(t)
	var mu sync.Mutex
	var got []string
	env.mux.HandleFunc("GET /orgs/{org}/packages/{type}/{name}/versions/{id}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.PathValue("org")+"|"+r.PathValue("type")+"|"+r.PathValue("name")+"|"+r.PathValue("id"))
		mu.Unlock()
		w.Write([]byte(versionJSON))
	})
	var want []string
	for _, nc := range nameCases {
		_, _, err := env.client.Orgs.GetVersion(t.Context(), "octo-org", nc.typ, nc.name, 42)
		require.NoError(t, err, nc.label)
		want = append(want, "octo-org|"+string(nc.typ)+"|"+nc.name+"|42")
	}
	assert.Equal(t, want, got)
}

func TestInvalidInputIsRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	env := setup(t)
	good := args{typ: Container, name: "app", id: 1}
	type badCase struct {
		label string
		args  args
		ops   map[string]operation
	}
	nameOps := map[string]operation{"Get": opGet, "Delete": opDelete, "Restore": opRestore, "ListVersions": opListVersions,
		"AllVersions": opAllVersions, "GetVersion": opGetVersion, "DeleteVersion": opDeleteVersion, "RestoreVersion": opRestoreVersion}
	typeOps := map[string]operation{"List": opList, "All": opAll}
	for k, v := range nameOps {
		typeOps[k] = v
	}
	idOps := map[string]operation{"GetVersion": opGetVersion, "DeleteVersion": opDeleteVersion, "RestoreVersion": opRestoreVersion}
	vOps := map[string]operation{"ListVersions": opListVersions, "AllVersions": opAllVersions}
	lOps := map[string]operation{"List": opList, "All": opAll}
	with := func(f func(*args)) args { a := good; f(&a); return a }

	var cases []badCase
	for _, typ := range []PackageType{"", "pypi", "Container", "npm ", "docker/x"} {
		cases = append(cases, badCase{"type " + string(typ), with(func(a *args) { a.typ = typ }), typeOps})
	}
	for _, name := range []string{"", ".", ".."} {
		cases = append(cases, badCase{"name " + name, with(func(a *args) { a.name = name }), nameOps})
	}
	for _, id := range []int64{0, -1, math.MinInt64} {
		cases = append(cases, badCase{"id", with(func(a *args) { a.id = id }), idOps})
	}
	for label, o := range map[string]*PackageVersionListOptions{
		"per_page 101": {PerPage: 101}, "per_page -1": {PerPage: -1}, "page -1": {Page: -1},
		"state gone": {State: "gone"}, "state Active": {State: "Active"},
	} {
		cases = append(cases, badCase{"versions " + label, with(func(a *args) { a.vopts = o }), vOps})
	}
	for label, o := range map[string]*PackageListOptions{
		"per_page 101": {PerPage: 101}, "per_page -1": {PerPage: -1}, "page -1": {Page: -1},
		"visibility secret": {Visibility: "secret"}, "visibility Public": {Visibility: "Public"},
	} {
		cases = append(cases, badCase{"list " + label, with(func(a *args) { a.lopts = o }), lOps})
	}

	check := func(label string, got any, resp *Response, err error) {
		t.Helper()
		require.Error(t, err, label)
		assert.ErrorIs(t, err, ErrInvalidArgument, label)
		var apiErr *Error
		assert.False(t, asError(err, &apiErr), "%s: not an API error", label)
		assert.Nil(t, resp, label)
		assert.Nil(t, got, label)
		assert.True(t, strings.HasPrefix(err.Error(), "ghpackages: invalid argument: "), "%s: %v", label, err)
	}
	n := 0
	for _, s := range services(env.client, "octo-org", "octocat") {
		for _, bc := range cases {
			for opName, op := range bc.ops {
				got, resp, err := op(t.Context(), s, bc.args)
				check(s.name+"."+opName+": "+bc.label, got, resp, err)
				n++
			}
		}
	}
	// A bad owner, on every method of the two services that take one: "."
	// and ".." would be sent as directory steps (/orgs/../packages/...).
	all := map[string]operation{"ListDockerConflicts": opConflicts}
	for k, v := range typeOps {
		all[k] = v
	}
	for _, owner := range []string{"", ".", ".."} {
		for _, s := range services(env.client, owner, owner)[:2] {
			for opName, op := range all {
				got, resp, err := op(t.Context(), s, good)
				check(s.name+"."+opName+": owner "+owner, got, resp, err)
				n++
			}
		}
	}
	for _, login := range []string{"", ".", ".."} {
		_, resp, err := env.client.ResolveOwner(t.Context(), login)
		check("ResolveOwner "+login, nil, resp, err)
	}
	// A nil context, on every method of every service.
	for _, s := range services(env.client, "octo-org", "octocat") {
		for opName, op := range all {
			got, resp, err := op(nilContext(), s, good)
			check(s.name+"."+opName+": nil context", got, resp, err)
			n++
		}
	}
	assert.Equal(t, 3*(5*10+3*8+3*3+5*2+5*2)+3*2*11+3*11, n)
	assert.Equal(t, int32(0), env.hits.Load(), "no request reached the server")

	// The messages say what was wrong.
	_, _, err := env.client.Orgs.Get(t.Context(), "o", "pypi", "a")
	assert.EqualError(t, err, `ghpackages: invalid argument: unknown package type "pypi" (want one of npm, maven, rubygems, docker, nuget, container)`)
	_, _, err = env.client.Users.ListDockerConflicts(t.Context(), "..")
	assert.EqualError(t, err, `ghpackages: invalid argument: invalid username ".."`)
	_, err = env.client.Orgs.Delete(t.Context(), "o", NPM, ".")
	assert.EqualError(t, err, `ghpackages: invalid argument: invalid package name "."`)
	_, err = env.client.Orgs.DeleteVersion(t.Context(), "o", NPM, "a", 0)
	assert.EqualError(t, err, "ghpackages: invalid argument: package version ID must be positive, got 0")
	_, _, err = env.client.User.List(t.Context(), NPM, &PackageListOptions{PerPage: 101})
	assert.EqualError(t, err, "ghpackages: invalid argument: per_page must be between 1 and 100 (0 for the default), got 101")
}

// TestBoundaryInputsAreAccepted: the edges of the valid ranges are sent.
func TestBoundaryInputsAreAccepted(t *testing.T) {
	t.Parallel()
	env := setup(t)
	var mu sync.Mutex
	var uris []string
	env.mux.HandleFunc("GET /user/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		uris = append(uris, r.RequestURI)
		mu.Unlock()
		w.Write([]byte(`[]`))
	})
	c := env.client
	_, _, err := c.User.List(t.Context(), NPM, &PackageListOptions{PerPage: 100, Page: 0})
	require.NoError(t, err)
	_, _, err = c.User.List(t.Context(), NPM, &PackageListOptions{PerPage: 1, Page: 100})
	require.NoError(t, err)
	_, _, err = c.User.ListVersions(t.Context(), NPM, "a", &PackageVersionListOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"/user/packages?package_type=npm&per_page=100",
		"/user/packages?package_type=npm&page=100&per_page=1",
		"/user/packages/npm/a/versions",
	}, uris)
}

// TestOperationErrorsAreReturnedWithTheResponse: every method returns the
// *Response alongside an API error, and no half-decoded value.
func TestOperationErrorsAreReturnedWithTheResponse(t *testing.T) {
	t.Parallel()
	env := setup(t)
	env.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-GitHub-Request-Id", "REQ")
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{"message": "Package not found."})
	})
	ops := map[string]operation{"Get": opGet, "Delete": opDelete, "Restore": opRestore, "ListVersions": opListVersions,
		"AllVersions": opAllVersions, "GetVersion": opGetVersion, "DeleteVersion": opDeleteVersion, "RestoreVersion": opRestoreVersion,
		"List": opList, "All": opAll, "ListDockerConflicts": opConflicts}
	for _, s := range services(env.client, "octo-org", "octocat") {
		for name, op := range ops {
			label := s.name + "." + name
			got, resp, err := op(t.Context(), s, args{typ: NPM, name: "a", id: 1})
			require.ErrorIs(t, err, ErrNotFound, label)
			var apiErr *Error
			require.True(t, asError(err, &apiErr), label)
			assert.Equal(t, "Package not found.", apiErr.Message, label)
			assert.Equal(t, "REQ", apiErr.RequestID, label)
			if name == "All" || name == "AllVersions" {
				assert.Empty(t, got, label)
				continue
			}
			switch v := got.(type) {
			case *Package:
				assert.Nil(t, v, label)
			case *PackageVersion:
				assert.Nil(t, v, label)
			case []*Package:
				assert.Nil(t, v, label)
			case []*PackageVersion:
				assert.Nil(t, v, label)
			case nil:
			default:
				t.Errorf("%s: unexpected result %T", label, got)
			}
			require.NotNil(t, resp, label)
			assert.Equal(t, http.StatusNotFound, resp.StatusCode, label)
			assert.Same(t, resp, apiErr.Response, label)
		}
	}
	assert.Equal(t, int32(33), env.hits.Load())
}

// nilContext hides a nil context from vet's checks, to test the guard.
func nilContext() context.Context { return nil }
