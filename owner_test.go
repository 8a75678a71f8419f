package ghpackages

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOwnerPackagesRoutes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		owner  Owner
		prefix string
		str    string
	}{
		{OrgOwner("octo-org"), "/orgs/octo-org", "org octo-org"},
		{UserOwner("octocat"), "/users/octocat", "user octocat"},
		{AuthenticatedOwner(), "/user", "the authenticated user"},
	}
	for _, tc := range tests {
		t.Run(tc.str, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var got []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				got = append(got, r.Method+" "+r.URL.RequestURI())
				mu.Unlock()
				switch {
				case r.Method != http.MethodGet:
					w.WriteHeader(http.StatusNoContent)
				case r.URL.Path == tc.prefix+"/packages/container/team/app" || r.URL.Path == tc.prefix+"/packages/container/team/app/versions/7":
					w.Write([]byte(`{"id":7}`))
				default:
					w.Write([]byte(`[]`))
				}
			}))
			t.Cleanup(srv.Close)
			c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithPacing(NoPacing()))
			require.NoError(t, err)
			assert.Equal(t, tc.str, tc.owner.String())
			p := c.Packages(tc.owner)
			ctx := t.Context()
			_, _, err = p.Get(ctx, Container, "team/app")
			require.NoError(t, err)
			_, err = p.Delete(ctx, Container, "team/app")
			require.NoError(t, err)
			_, err = p.Restore(ctx, Container, "team/app", &RestoreOptions{Token: "pkg"})
			require.NoError(t, err)
			_, _, err = p.ListVersions(ctx, Container, "team/app", &PackageVersionListOptions{State: StateDeleted})
			require.NoError(t, err)
			_, err = Collect(p.AllVersions(ctx, Container, "team/app", nil))
			require.NoError(t, err)
			_, _, err = p.GetVersion(ctx, Container, "team/app", 7)
			require.NoError(t, err)
			_, err = p.DeleteVersion(ctx, Container, "team/app", 7)
			require.NoError(t, err)
			_, err = p.RestoreVersion(ctx, Container, "team/app", 7)
			require.NoError(t, err)
			_, _, err = p.List(ctx, NPM, &PackageListOptions{Visibility: VisibilityPublic})
			require.NoError(t, err)
			_, err = Collect(p.All(ctx, NPM, nil))
			require.NoError(t, err)
			_, _, err = p.ListDockerConflicts(ctx)
			require.NoError(t, err)
			pp := tc.prefix + "/packages/container/team%2Fapp"
			assert.Equal(t, []string{
				"GET " + pp,
				"DELETE " + pp,
				"POST " + pp + "/restore?token=pkg",
				"GET " + pp + "/versions?state=deleted",
				"GET " + pp + "/versions",
				"GET " + pp + "/versions/7",
				"DELETE " + pp + "/versions/7",
				"POST " + pp + "/versions/7/restore",
				"GET " + tc.prefix + "/packages?package_type=npm&visibility=public",
				"GET " + tc.prefix + "/packages?package_type=npm",
				"GET " + tc.prefix + "/docker/conflicts",
			}, got)
		})
	}
	_, _, err := (&Client{}).Packages(OrgOwner("")).Get(t.Context(), Container, "a")
	assert.ErrorIs(t, err, ErrInvalidArgument)
	for o, kind := range map[Owner]OwnerKind{OrgOwner("o"): OwnerKindOrg, UserOwner("u"): OwnerKindUser, AuthenticatedOwner(): OwnerKindAuthenticated} {
		assert.Equal(t, kind, o.Kind())
		assert.True(t, o.Kind().Valid())
		back, err := ParseOwner(o.Kind(), o.Name())
		require.NoError(t, err)
		assert.Equal(t, o, back)
	}
	assert.Equal(t, []string{"org", "user", "authenticated"}, []string{string(OwnerKindOrg), string(OwnerKindUser), string(OwnerKindAuthenticated)},
		"the kinds' values are what plans and reports store")
	assert.False(t, OwnerKind("team").Valid())
	for _, bad := range [][2]string{{"org", ""}, {"user", ""}, {"authenticated", "x"}, {"team", "x"}} {
		_, err := ParseOwner(OwnerKind(bad[0]), bad[1])
		assert.ErrorIs(t, err, ErrInvalidArgument, bad)
	}
}

func TestResolveOwner(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/users/octo-org":
			w.Write([]byte(`{"login":"octo-org","id":1,"type":"Organization"}`))
		case "/users/octocat":
			w.Write([]byte(`{"login":"octocat","id":2,"type":"User"}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"Not Found"}`))
		}
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithPacing(NoPacing()))
	require.NoError(t, err)
	o, _, err := c.ResolveOwner(t.Context(), "octo-org")
	require.NoError(t, err)
	assert.Equal(t, OrgOwner("octo-org"), o)
	o, _, err = c.ResolveOwner(t.Context(), "octocat")
	require.NoError(t, err)
	assert.Equal(t, UserOwner("octocat"), o)
	_, _, err = c.ResolveOwner(t.Context(), "ghost")
	assert.ErrorIs(t, err, ErrNotFound)
	_, _, err = c.ResolveOwner(t.Context(), "")
	assert.ErrorIs(t, err, ErrInvalidArgument)
}

// TestZeroOwnerIsRefused: Owner{} means "no owner", never an organization
// with an empty name; every method refuses it before sending anything.
func TestZeroOwnerIsRefused(t *testing.T) {
	t.Parallel()
	var zero Owner
	assert.Equal(t, OwnerKind(""), zero.Kind())
	assert.False(t, zero.Kind().Valid())
	assert.Equal(t, "", zero.Name())
	assert.Equal(t, "no owner", zero.String())
	_, err := ParseOwner(zero.Kind(), zero.Name())
	assert.ErrorIs(t, err, ErrInvalidArgument, "the zero Owner does not round-trip into a real one")
	assert.NotEqual(t, zero, AuthenticatedOwner())
	assert.NotEqual(t, zero, OrgOwner(""))

	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`[]`))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithPacing(NoPacing()), WithRetry(NoRetry()))
	require.NoError(t, err)
	p := c.Packages(Owner{})
	ctx := t.Context()
	calls := map[string]func() error{
		"Get":                 func() error { _, _, err := p.Get(ctx, Container, "app"); return err },
		"Delete":              func() error { _, err := p.Delete(ctx, Container, "app"); return err },
		"Restore":             func() error { _, err := p.Restore(ctx, Container, "app", nil); return err },
		"ListVersions":        func() error { _, _, err := p.ListVersions(ctx, Container, "app", nil); return err },
		"AllVersions":         func() error { _, err := Collect(p.AllVersions(ctx, Container, "app", nil)); return err },
		"GetVersion":          func() error { _, _, err := p.GetVersion(ctx, Container, "app", 1); return err },
		"DeleteVersion":       func() error { _, err := p.DeleteVersion(ctx, Container, "app", 1); return err },
		"RestoreVersion":      func() error { _, err := p.RestoreVersion(ctx, Container, "app", 1); return err },
		"List":                func() error { _, _, err := p.List(ctx, Container, nil); return err },
		"All":                 func() error { _, err := Collect(p.All(ctx, Container, nil)); return err },
		"ListDockerConflicts": func() error { _, _, err := p.ListDockerConflicts(ctx); return err },
	}
	require.Len(t, calls, reflect.TypeFor[*OwnerPackages]().NumMethod(), "every OwnerPackages method is tried")
	for name, call := range calls {
		err := call()
		assert.ErrorIs(t, err, ErrInvalidArgument, name)
		assert.ErrorContains(t, err, "no owner", name)
	}
	assert.Zero(t, hits.Load(), "nothing was sent")
}
