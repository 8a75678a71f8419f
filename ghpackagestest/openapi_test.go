package ghpackagestest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// openAPIPath is GitHub's description, beside the module in ../shared.
func openAPIPath(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", "shared", "openapi", "packages.json")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("skipping: GitHub's OpenAPI description is not at %s (it lives in ../shared beside the module; CI has it)", p)
	}
	return p
}

// validator checks every request the SDK sends and every response the fake
// answers against the description.
type validator struct {
	t      *testing.T
	router routers.Router
	next   http.RoundTripper

	mu          sync.Mutex
	validated   map[string]bool // operationId → seen
	undocumente []string        // "METHOD path status" answered outside the description
}

func (v *validator) RoundTrip(req *http.Request) (*http.Response, error) {
	// The router matches on the decoded path, where team%2Fapp would be two
	// segments: route a copy whose path is the escaped one, so a name with
	// "/" stays one (still escaped) path parameter.
	routed := req.Clone(req.Context())
	routed.URL.Path, routed.URL.RawPath = req.URL.EscapedPath(), ""
	route, params, err := v.router.FindRoute(routed)
	if err != nil {
		if req.URL.Path == "/rate_limit" {
			return v.next.RoundTrip(req)
		}
		v.t.Errorf("request %s %s matches no operation: %v", req.Method, req.URL, err)
		return v.next.RoundTrip(req)
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		v.t.Errorf("request %s %s does not validate: %v", req.Method, req.URL, err)
	}
	resp, err := v.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	v.mu.Lock()
	defer v.mu.Unlock()
	if route.Operation.Responses.Status(resp.StatusCode) == nil {
		v.undocumente = append(v.undocumente, req.Method+" "+route.Path+" "+strconv.Itoa(resp.StatusCode))
		return resp, nil
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		v.t.Errorf("response to %s %s (%d) does not validate: %v\n%s", req.Method, req.URL, resp.StatusCode, err, body)
	}
	v.validated[route.Operation.OperationID+" "+strconv.Itoa(resp.StatusCode)] = true
	return resp, nil
}

// TestOpenAPIConformance runs a scripted session of every operation, for
// every owner kind, success and error answers, and validates each request
// and response against GitHub's description.
func TestOpenAPIConformance(t *testing.T) {
	t.Parallel()
	path := openAPIPath(t)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(loader.Context))

	clock := ghpackagestest.NewFakeClock(fixedNow)
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(clock), ghpackagestest.WithDemo(),
		ghpackagestest.WithTokenSpec("ghp_readonly", ghpackagestest.TokenSpec{Login: "reader", Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages}}))
	t.Cleanup(srv.Close)
	doc.Servers = openapi3.Servers{{URL: "http://" + srv.Host()}}
	router, err := legacy.NewRouter(doc)
	require.NoError(t, err)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	v := &validator{t: t, router: router, next: tr, validated: map[string]bool{}}
	hc := &http.Client{Transport: v}
	c := srv.Client(ghpackages.WithHTTPClient(hc), ghpackages.WithRetry(ghpackages.NoRetry()))
	reader := srv.Client(ghpackages.WithHTTPClient(hc), ghpackages.WithRetry(ghpackages.NoRetry()), ghpackages.WithToken("ghp_readonly"))
	anon, err := ghpackages.NewClient(ghpackages.WithBaseURL(srv.BaseURL()), ghpackages.WithHTTPClient(hc), ghpackages.WithRetry(ghpackages.NoRetry()))
	require.NoError(t, err)

	// "team/svc" travels as team%2Fsvc.
	const svc = "team/svc"
	for _, o := range []string{ghpackagestest.DemoOrg, ghpackagestest.DefaultLogin} {
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: o, Type: ghpackages.Container, Name: svc, Visibility: ghpackages.VisibilityPublic})
		for i := range 3 {
			srv.AddVersion(o, ghpackages.Container, svc, ghpackagestest.VersionSpec{Name: ghpackagestest.Digest(o + strconv.Itoa(i)), Tags: []string{"t" + strconv.Itoa(i)}})
		}
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: o, Type: ghpackages.Docker, Name: "legacy", DockerConflict: true})
		srv.AddVersion(o, ghpackages.Docker, "legacy", ghpackagestest.VersionSpec{Name: "1.0", Tags: []string{"1.0", "latest"}})
	}

	ctx := t.Context()
	owners := []ghpackages.Owner{ghpackages.OrgOwner(ghpackagestest.DemoOrg), ghpackages.UserOwner(ghpackagestest.DefaultLogin), ghpackages.AuthenticatedOwner()}
	for _, owner := range owners {
		p := c.Packages(owner)
		_, _, err := p.List(ctx, ghpackages.Container, &ghpackages.PackageListOptions{PerPage: 1, Visibility: ghpackages.VisibilityPublic})
		require.NoError(t, err)
		_, _, err = p.List(ctx, ghpackages.Container, &ghpackages.PackageListOptions{Page: 200, PerPage: 100})
		require.ErrorIs(t, err, ghpackages.ErrListLimit)
		_, _, err = p.Get(ctx, ghpackages.Container, svc)
		require.NoError(t, err)
		_, _, err = p.Get(ctx, ghpackages.Docker, "legacy")
		require.NoError(t, err)
		versions, _, err := p.ListVersions(ctx, ghpackages.Container, svc, &ghpackages.PackageVersionListOptions{PerPage: 2})
		require.NoError(t, err)
		require.NotEmpty(t, versions)
		_, _, err = p.ListVersions(ctx, ghpackages.Docker, "legacy", nil)
		require.NoError(t, err)
		_, _, err = p.GetVersion(ctx, ghpackages.Container, svc, versions[0].ID)
		require.NoError(t, err)
		_, _, err = p.ListDockerConflicts(ctx)
		require.NoError(t, err)
		_, err = p.DeleteVersion(ctx, ghpackages.Container, svc, versions[0].ID)
		require.NoError(t, err)
		_, _, err = p.ListVersions(ctx, ghpackages.Container, svc, &ghpackages.PackageVersionListOptions{State: ghpackages.StateDeleted})
		require.NoError(t, err)
		_, err = p.RestoreVersion(ctx, ghpackages.Container, svc, versions[0].ID)
		require.NoError(t, err)
		_, err = p.DeleteVersion(ctx, ghpackages.Container, svc, versions[0].ID)
		require.NoError(t, err)
		_, err = p.Delete(ctx, ghpackages.Docker, "legacy")
		require.NoError(t, err)
		_, err = p.Restore(ctx, ghpackages.Docker, "legacy", &ghpackages.RestoreOptions{Token: "pkg-token"})
		require.NoError(t, err)

		// Error answers the description documents.
		_, err = p.DeleteVersion(ctx, ghpackages.Container, svc, 999)
		require.ErrorIs(t, err, ghpackages.ErrNotFound)
		_, err = p.RestoreVersion(ctx, ghpackages.Container, svc, 999)
		require.ErrorIs(t, err, ghpackages.ErrNotFound)
		_, _, err = p.ListVersions(ctx, ghpackages.Container, "missing", nil)
		require.ErrorIs(t, err, ghpackages.ErrNotFound)
		_, err = reader.Packages(owner).Delete(ctx, ghpackages.Container, svc)
		require.ErrorIs(t, err, ghpackages.ErrForbidden)
		_, err = anon.Packages(owner).DeleteVersion(ctx, ghpackages.Container, svc, versions[1].ID)
		require.ErrorIs(t, err, ghpackages.ErrUnauthorized)
		conflicts, _, err := anon.Packages(owner).ListDockerConflicts(ctx)
		if owner.Kind() == ghpackages.AuthenticatedOwner().Kind() {
			require.ErrorIs(t, err, ghpackages.ErrUnauthorized, "/user needs a token")
		} else {
			require.NoError(t, err, "anonymous callers see public conflicts")
			assert.Empty(t, conflicts, "the conflicting packages are private")
		}
	}
	_, _, err = anon.Orgs.List(ctx, ghpackagestest.DemoOrg, ghpackages.Container, nil)
	require.ErrorIs(t, err, ghpackages.ErrUnauthorized)
	conflicts, _, err := reader.Orgs.ListDockerConflicts(ctx, ghpackagestest.DemoOrg)
	require.NoError(t, err, "read:packages is enough for conflicts, as the description says")
	require.Len(t, conflicts, 1)

	// Every operation in the description answered at least its success.
	for p, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			seen := false
			for code := 200; code < 300; code++ {
				seen = seen || v.validated[op.OperationID+" "+strconv.Itoa(code)]
			}
			assert.True(t, seen, "no validated success for %s %s (%s)", method, p, op.OperationID)
		}
	}
	assert.Equal(t, 27, len(operationIDs(doc)))
	// The description documents only 200 for /user/docker/conflicts, yet an
	// anonymous caller gets 401 there as everywhere under /user.
	allowed := map[string]bool{"GET /user/docker/conflicts 401": true}
	for _, u := range v.undocumente {
		if !allowed[u] {
			t.Errorf("answer with a status the description does not list: %s", u)
		}
	}
}

func operationIDs(doc *openapi3.T) map[string]bool {
	ids := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ids[op.OperationID] = true
		}
	}
	return ids
}
