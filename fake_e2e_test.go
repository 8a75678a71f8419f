package ghpackages_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

var e2eNow = ghpackages.TestEpochValue

// e2eFake starts a fake with one container package "team/app" of n versions
// for owner, and returns it with a client that waits on the fake's clock.
func e2eFake(t testing.TB, owner string, n int, opts ...ghpackagestest.Option) (*ghpackagestest.Server, *ghpackagestest.FakeClock, []int64) {
	t.Helper()
	clock := ghpackagestest.NewFakeClock(e2eNow)
	srv := ghpackagestest.NewServer(append([]ghpackagestest.Option{ghpackagestest.WithClock(clock)}, opts...)...)
	t.Cleanup(srv.Close)
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: owner, Type: ghpackages.Container, Name: "team/app"})
	ids := make([]int64, n)
	for i := range n {
		tags := []string(nil)
		if i == n-1 {
			tags = []string{"latest"}
		}
		ids[i] = srv.AddVersion(owner, ghpackages.Container, "team/app", ghpackagestest.VersionSpec{
			Name: ghpackagestest.Digest(fmt.Sprint(i)), Tags: tags, CreatedAt: e2eNow.Add(-time.Duration(n-i) * time.Hour)})
	}
	return srv, clock, ids
}

// TestEveryOperationOnTheFake calls each of the 27 operations through its
// own service method against the fake.
func TestEveryOperationOnTheFake(t *testing.T) {
	t.Parallel()
	srv, _, _ := e2eFake(t, "octo-org", 3)
	// The authenticated user (/user) and /users/octocat are the same
	// account, which the default token may administer; the subtests run
	// one after another and each leaves the package as it found it.
	me := ghpackagestest.DefaultLogin
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: me, Type: ghpackages.Container, Name: "team/app"})
	for i := range 3 {
		srv.AddVersion(me, ghpackages.Container, "team/app", ghpackagestest.VersionSpec{Name: ghpackagestest.Digest(fmt.Sprint(i)), Tags: []string{fmt.Sprint("t", i)}})
	}
	c := srv.Client(ghpackages.WithRetry(ghpackages.NoRetry()))
	ctx := t.Context()
	typ, name := ghpackages.Container, "team/app"

	type ops struct {
		get            func() (*ghpackages.Package, error)
		list           func() ([]*ghpackages.Package, error)
		all            func() ([]*ghpackages.Package, error)
		conflicts      func() ([]*ghpackages.Package, error)
		listVersions   func() ([]*ghpackages.PackageVersion, error)
		allVersions    func() ([]*ghpackages.PackageVersion, error)
		deletedVersion func() ([]*ghpackages.PackageVersion, error)
		getVersion     func(int64) (*ghpackages.PackageVersion, error)
		deleteVersion  func(int64) error
		restoreVersion func(int64) error
		del            func() error
		restore        func() error
	}
	org, user, users := c.Orgs, c.User, c.Users
	services := map[string]ops{
		"orgs": {
			get:  func() (*ghpackages.Package, error) { p, _, err := org.Get(ctx, "octo-org", typ, name); return p, err },
			list: func() ([]*ghpackages.Package, error) { p, _, err := org.List(ctx, "octo-org", typ, nil); return p, err },
			all:  func() ([]*ghpackages.Package, error) { return ghpackages.Collect(org.All(ctx, "octo-org", typ, nil)) },
			conflicts: func() ([]*ghpackages.Package, error) {
				p, _, err := org.ListDockerConflicts(ctx, "octo-org")
				return p, err
			},
			listVersions: func() ([]*ghpackages.PackageVersion, error) {
				v, _, err := org.ListVersions(ctx, "octo-org", typ, name, nil)
				return v, err
			},
			allVersions: func() ([]*ghpackages.PackageVersion, error) {
				return ghpackages.Collect(org.AllVersions(ctx, "octo-org", typ, name, nil))
			},
			deletedVersion: func() ([]*ghpackages.PackageVersion, error) {
				return ghpackages.Collect(org.AllVersions(ctx, "octo-org", typ, name, &ghpackages.PackageVersionListOptions{State: ghpackages.StateDeleted}))
			},
			getVersion: func(id int64) (*ghpackages.PackageVersion, error) {
				v, _, err := org.GetVersion(ctx, "octo-org", typ, name, id)
				return v, err
			},
			deleteVersion:  func(id int64) error { _, err := org.DeleteVersion(ctx, "octo-org", typ, name, id); return err },
			restoreVersion: func(id int64) error { _, err := org.RestoreVersion(ctx, "octo-org", typ, name, id); return err },
			del:            func() error { _, err := org.Delete(ctx, "octo-org", typ, name); return err },
			restore:        func() error { _, err := org.Restore(ctx, "octo-org", typ, name, nil); return err },
		},
		"users": {
			get:       func() (*ghpackages.Package, error) { p, _, err := users.Get(ctx, me, typ, name); return p, err },
			list:      func() ([]*ghpackages.Package, error) { p, _, err := users.List(ctx, me, typ, nil); return p, err },
			all:       func() ([]*ghpackages.Package, error) { return ghpackages.Collect(users.All(ctx, me, typ, nil)) },
			conflicts: func() ([]*ghpackages.Package, error) { p, _, err := users.ListDockerConflicts(ctx, me); return p, err },
			listVersions: func() ([]*ghpackages.PackageVersion, error) {
				v, _, err := users.ListVersions(ctx, me, typ, name, nil)
				return v, err
			},
			allVersions: func() ([]*ghpackages.PackageVersion, error) {
				return ghpackages.Collect(users.AllVersions(ctx, me, typ, name, nil))
			},
			deletedVersion: func() ([]*ghpackages.PackageVersion, error) {
				return ghpackages.Collect(users.AllVersions(ctx, me, typ, name, &ghpackages.PackageVersionListOptions{State: ghpackages.StateDeleted}))
			},
			getVersion: func(id int64) (*ghpackages.PackageVersion, error) {
				v, _, err := users.GetVersion(ctx, me, typ, name, id)
				return v, err
			},
			deleteVersion:  func(id int64) error { _, err := users.DeleteVersion(ctx, me, typ, name, id); return err },
			restoreVersion: func(id int64) error { _, err := users.RestoreVersion(ctx, me, typ, name, id); return err },
			del:            func() error { _, err := users.Delete(ctx, me, typ, name); return err },
			restore:        func() error { _, err := users.Restore(ctx, me, typ, name, nil); return err },
		},
		"user": {
			get:       func() (*ghpackages.Package, error) { p, _, err := user.Get(ctx, typ, name); return p, err },
			list:      func() ([]*ghpackages.Package, error) { p, _, err := user.List(ctx, typ, nil); return p, err },
			all:       func() ([]*ghpackages.Package, error) { return ghpackages.Collect(user.All(ctx, typ, nil)) },
			conflicts: func() ([]*ghpackages.Package, error) { p, _, err := user.ListDockerConflicts(ctx); return p, err },
			listVersions: func() ([]*ghpackages.PackageVersion, error) {
				v, _, err := user.ListVersions(ctx, typ, name, nil)
				return v, err
			},
			allVersions: func() ([]*ghpackages.PackageVersion, error) {
				return ghpackages.Collect(user.AllVersions(ctx, typ, name, nil))
			},
			deletedVersion: func() ([]*ghpackages.PackageVersion, error) {
				return ghpackages.Collect(user.AllVersions(ctx, typ, name, &ghpackages.PackageVersionListOptions{State: ghpackages.StateDeleted}))
			},
			getVersion: func(id int64) (*ghpackages.PackageVersion, error) {
				v, _, err := user.GetVersion(ctx, typ, name, id)
				return v, err
			},
			deleteVersion:  func(id int64) error { _, err := user.DeleteVersion(ctx, typ, name, id); return err },
			restoreVersion: func(id int64) error { _, err := user.RestoreVersion(ctx, typ, name, id); return err },
			del:            func() error { _, err := user.Delete(ctx, typ, name); return err },
			restore:        func() error { _, err := user.Restore(ctx, typ, name, nil); return err },
		},
	}
	for svc, o := range services {
		t.Run(svc, func(t *testing.T) {
			p, err := o.get()
			require.NoError(t, err)
			assert.Equal(t, "team/app", p.Name)
			assert.Equal(t, int64(3), p.VersionCount)
			for _, f := range []func() ([]*ghpackages.Package, error){o.list, o.all} {
				pkgs, err := f()
				require.NoError(t, err)
				require.Len(t, pkgs, 1)
				assert.Equal(t, p.ID, pkgs[0].ID)
			}
			conflicts, err := o.conflicts()
			require.NoError(t, err)
			assert.Empty(t, conflicts)
			page, err := o.listVersions()
			require.NoError(t, err)
			all, err := o.allVersions()
			require.NoError(t, err)
			require.Len(t, all, 3)
			assert.Equal(t, page, all)
			v, err := o.getVersion(all[2].ID)
			require.NoError(t, err)
			assert.Equal(t, all[2], v)

			require.NoError(t, o.deleteVersion(all[2].ID))
			_, err = o.getVersion(all[2].ID)
			require.ErrorIs(t, err, ghpackages.ErrNotFound)
			deleted, err := o.deletedVersion()
			require.NoError(t, err)
			require.Len(t, deleted, 1)
			assert.Equal(t, all[2].ID, deleted[0].ID)
			require.NoError(t, o.restoreVersion(all[2].ID))
			_, err = o.getVersion(all[2].ID)
			require.NoError(t, err)

			require.NoError(t, o.del())
			_, err = o.get()
			require.ErrorIs(t, err, ghpackages.ErrNotFound)
			require.NoError(t, o.restore())
			_, err = o.get()
			require.NoError(t, err)
		})
	}
}

func TestScopeErrorsOnTheFake(t *testing.T) {
	t.Parallel()
	srv, _, ids := e2eFake(t, "octo-org", 3, ghpackagestest.WithTokenSpec("ghp_readonly", ghpackagestest.TokenSpec{Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages}}))
	c := srv.Client(ghpackages.WithToken("ghp_readonly"), ghpackages.WithRetry(ghpackages.NoRetry()))
	_, err := c.Orgs.DeleteVersion(t.Context(), "octo-org", ghpackages.Container, "team/app", ids[0])
	var apiErr *ghpackages.Error
	require.ErrorAs(t, err, &apiErr)
	assert.ErrorIs(t, err, ghpackages.ErrForbidden)
	assert.Equal(t, []ghpackages.Scope{ghpackages.ScopeDeletePackages}, apiErr.MissingScopes)
	assert.Contains(t, err.Error(), "token lacks scopes needed for this operation: delete:packages")
	assert.Equal(t, []ghpackages.Scope{ghpackages.ScopeReadPackages}, apiErr.Response.TokenScopes)

	scopes, _, err := c.TokenScopes(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []ghpackages.Scope{ghpackages.ScopeReadPackages}, scopes)
}

// TestAllVersionsUnderFaults walks a 250-version package in pages of 20
// while the fake injects every kind of failure; each version must come out
// exactly once, newest first.
func TestAllVersionsUnderFaults(t *testing.T) {
	t.Parallel()
	versions := "/orgs/octo-org/packages/container/team%2Fapp/versions"
	tests := []struct {
		name   string
		opts   []ghpackagestest.Option
		faults []ghpackagestest.Fault
	}{
		{"5xx burst", nil, []ghpackagestest.Fault{{Status: 502, Count: 2}, {Status: 503}}},
		{"dropped connections", nil, []ghpackagestest.Fault{{Drop: true, Count: 2}}},
		{"truncated bodies", nil, []ghpackagestest.Fault{{Truncate: true, Count: 3}}},
		{"slow answers", nil, []ghpackagestest.Fault{{Delay: 5 * time.Millisecond, Count: 3}}},
		{"mixed on the versions path", nil, []ghpackagestest.Fault{{PathPrefix: versions, Status: 504}, {PathPrefix: versions, Truncate: true}, {PathPrefix: versions, Drop: true}}},
		{"secondary limit with Retry-After", []ghpackagestest.Option{ghpackagestest.WithSecondaryLimit(5)}, nil},
		{"429 primary limit", []ghpackagestest.Option{ghpackagestest.WithPrimaryLimit(4, 429)}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _, ids := e2eFake(t, "octo-org", 250, tc.opts...)
			p := ghpackages.DefaultRetryPolicy()
			p.MaxWait = 2 * time.Hour
			c := srv.Client(ghpackages.WithRetry(p))
			for _, f := range tc.faults {
				srv.InjectFault(f)
			}
			var got []int64
			for v, err := range c.Orgs.AllVersions(t.Context(), "octo-org", ghpackages.Container, "team/app", &ghpackages.PackageVersionListOptions{PerPage: 20}) {
				require.NoError(t, err)
				got = append(got, v.ID)
			}
			want := slices.Clone(ids)
			slices.Reverse(want)
			assert.Equal(t, want, got)
			assert.Equal(t, 0, srv.PendingFaults())
		})
	}
}

// TestBulkDeleteUnderFaults deletes a planned set while the fake fails and
// rate-limits; exactly that set must end up deleted, and replays reported.
func TestBulkDeleteUnderFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   []ghpackagestest.Option
		faults []ghpackagestest.Fault
	}{
		{"5xx", nil, []ghpackagestest.Fault{{Method: "DELETE", Status: 502, Count: 3}}},
		{"dropped", nil, []ghpackagestest.Fault{{Method: "DELETE", Drop: true, Count: 2}}},
		{"secondary limit", []ghpackagestest.Option{ghpackagestest.WithSecondaryLimit(50)}, nil},
		{"429 primary", []ghpackagestest.Option{ghpackagestest.WithPrimaryLimit(15, 429)}, nil},
		{"403 primary", []ghpackagestest.Option{ghpackagestest.WithPrimaryLimit(25, 403)}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, clock, ids := e2eFake(t, "octo-org", 60, tc.opts...)
			for _, f := range tc.faults {
				srv.InjectFault(f)
			}
			var events []ghpackages.RetryEvent
			p := ghpackages.DefaultRetryPolicy()
			p.MaxWait = 2 * time.Hour
			p.MaxRateLimitRetries = 10
			p.OnRetry = func(e ghpackages.RetryEvent) { events = append(events, e) }
			c := srv.Client(ghpackages.WithRetry(p))
			planned := ids[:40] // the oldest 40, all untagged
			replays := 0
			for _, id := range planned {
				resp, err := c.Orgs.DeleteVersion(t.Context(), "octo-org", ghpackages.Container, "team/app", id)
				require.NoError(t, err, "version %d", id)
				if resp.Replayed {
					replays++
				}
			}
			var deleted []int64
			for _, v := range srv.Versions("octo-org", ghpackages.Container, "team/app") {
				if v.DeletedAt != nil {
					deleted = append(deleted, v.ID)
				}
			}
			assert.Equal(t, planned, deleted, "exactly the planned set")
			assert.Equal(t, 40, srv.Stats().Deletes)
			if strings.Contains(tc.name, "primary") {
				// The client saw X-RateLimit-Remaining reach 0 and waited for
				// the reset before sending: no refusal at all.
				assert.Zero(t, srv.Stats().PrimaryLimited)
				assert.GreaterOrEqual(t, clock.Now().Sub(e2eNow), time.Hour)
			} else {
				assert.NotEmpty(t, events, "the faults were met")
			}
			if tc.name == "dropped" {
				assert.LessOrEqual(t, replays, 2)
			} else {
				assert.Zero(t, replays)
			}
		})
	}
}

// TestDeadlineBeatsRateLimitWait: with the primary budget spent and its
// reset an hour away, a request with a 10-second deadline fails at once.
func TestDeadlineBeatsRateLimitWait(t *testing.T) {
	t.Parallel()
	srv, clock, ids := e2eFake(t, "octo-org", 3, ghpackagestest.WithPrimaryLimit(1, 403))
	p := ghpackages.DefaultRetryPolicy()
	p.MaxWait = 2 * time.Hour
	c := srv.Client(ghpackages.WithRetry(p))
	_, _, err := c.Orgs.GetVersion(t.Context(), "octo-org", ghpackages.Container, "team/app", ids[0])
	require.NoError(t, err)
	// The deadline is real time (contexts are timed by the runtime), never
	// built from the fake clock's "now".
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	start := clock.Now()
	_, _, err = c.Orgs.GetVersion(ctx, "octo-org", ghpackages.Container, "team/app", ids[0])
	require.Error(t, err)
	assert.Equal(t, start, clock.Now(), "no waiting past the deadline")
}

// TestETagCacheOnTheFake: a second walk of an unchanged package is served
// from the cache with 304s, which cost no rate-limit quota; a change is seen.
func TestETagCacheOnTheFake(t *testing.T) {
	t.Parallel()
	srv, _, ids := e2eFake(t, "octo-org", 45)
	c := srv.Client(ghpackages.WithETagCache(100, 1<<20))
	walk := func() ([]int64, []bool) {
		var got []int64
		var cached []bool
		req := func(page int) ([]*ghpackages.PackageVersion, *ghpackages.Response) {
			vs, resp, err := c.Orgs.ListVersions(t.Context(), "octo-org", ghpackages.Container, "team/app", &ghpackages.PackageVersionListOptions{Page: page, PerPage: 20})
			require.NoError(t, err)
			return vs, resp
		}
		for page := 1; page != 0; {
			vs, resp := req(page)
			for _, v := range vs {
				got = append(got, v.ID)
			}
			cached = append(cached, resp.FromCache)
			page = resp.NextPage
		}
		return got, cached
	}
	first, cached := walk()
	assert.Len(t, first, 45)
	assert.Equal(t, []bool{false, false, false}, cached)
	used := c.Rate("core").Used
	second, cached := walk()
	assert.Equal(t, first, second)
	assert.Equal(t, []bool{true, true, true}, cached)
	assert.Equal(t, 3, srv.Stats().NotModified)
	assert.Equal(t, used, c.Rate("core").Used, "304s cost no quota")

	_, err := c.Orgs.DeleteVersion(t.Context(), "octo-org", ghpackages.Container, "team/app", ids[0])
	require.NoError(t, err)
	third, _ := walk()
	assert.Len(t, third, 44, "a changed page is fetched anew")
}

// TestRulesOnTheFake checks that each of GitHub's rules, as the fake
// enforces it, reaches SDK callers as the documented error.
func TestRulesOnTheFake(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	noRetry := ghpackages.WithRetry(ghpackages.NoRetry())

	t.Run("401 without a token on a private package", func(t *testing.T) {
		t.Parallel()
		srv, _, _ := e2eFake(t, "octo-org", 2)
		anon, err := ghpackages.NewClient(ghpackages.WithBaseURL(srv.BaseURL()), ghpackages.WithHTTPClient(srv.HTTPClient()), noRetry)
		require.NoError(t, err)
		_, _, err = anon.Orgs.Get(ctx, "octo-org", ghpackages.Container, "team/app")
		var apiErr *ghpackages.Error
		require.ErrorAs(t, err, &apiErr)
		assert.ErrorIs(t, err, ghpackages.ErrUnauthorized)
		assert.Equal(t, "Requires authentication", apiErr.Message)
		assert.NotEmpty(t, apiErr.RequestID)
	})
	t.Run("401 with an unknown token", func(t *testing.T) {
		t.Parallel()
		srv, _, _ := e2eFake(t, "octo-org", 2)
		_, _, err := srv.Client(noRetry, ghpackages.WithToken("ghp_revoked")).Orgs.List(ctx, "octo-org", ghpackages.Container, nil)
		var apiErr *ghpackages.Error
		require.ErrorAs(t, err, &apiErr)
		assert.ErrorIs(t, err, ghpackages.ErrUnauthorized)
		assert.Equal(t, "Bad credentials", apiErr.Message)
	})
	t.Run("403 names the missing scopes", func(t *testing.T) {
		t.Parallel()
		srv, _, _ := e2eFake(t, "octo-org", 2,
			ghpackagestest.WithTokenSpec("ghp_read", ghpackagestest.TokenSpec{Scopes: []ghpackages.Scope{ghpackages.ScopeReadPackages}}),
			ghpackagestest.WithTokenSpec("github_pat_fine", ghpackagestest.TokenSpec{FineGrained: true}))
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.NPM, Name: "lib"})
		c := srv.Client(noRetry, ghpackages.WithToken("ghp_read"))
		_, _, err := c.Orgs.Get(ctx, "octo-org", ghpackages.NPM, "lib")
		var apiErr *ghpackages.Error
		require.ErrorAs(t, err, &apiErr)
		assert.ErrorIs(t, err, ghpackages.ErrForbidden)
		assert.Equal(t, []ghpackages.Scope{ghpackages.ScopeRepo}, apiErr.MissingScopes, "non-container types need repo")
		_, err = c.Orgs.Restore(ctx, "octo-org", ghpackages.Container, "team/app", nil)
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, []ghpackages.Scope{ghpackages.ScopeWritePackages}, apiErr.MissingScopes)

		fine := srv.Client(noRetry, ghpackages.WithToken("github_pat_fine"))
		_, _, err = fine.Orgs.Get(ctx, "octo-org", ghpackages.Container, "team/app")
		require.NoError(t, err, "a fine-grained token reads")
		_, err = fine.Orgs.Delete(ctx, "octo-org", ghpackages.Container, "team/app")
		require.ErrorAs(t, err, &apiErr)
		assert.ErrorIs(t, err, ghpackages.ErrForbidden)
		assert.Empty(t, apiErr.MissingScopes, "no scope headers to diagnose with")
	})
	t.Run("last version", func(t *testing.T) {
		t.Parallel()
		srv, _, ids := e2eFake(t, "octo-org", 2)
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Maven, Name: "com.example.lib"})
		solo := srv.AddVersion("octo-org", ghpackages.Maven, "com.example.lib", ghpackagestest.VersionSpec{Name: "1.0"})
		c := srv.Client(noRetry)
		_, err := c.Orgs.DeleteVersion(ctx, "octo-org", ghpackages.Container, "team/app", ids[1]) // the only tagged one
		require.ErrorIs(t, err, ghpackages.ErrLastVersion)
		assert.Contains(t, err.Error(), "You cannot delete the last tagged version of a package.")
		_, err = c.Orgs.DeleteVersion(ctx, "octo-org", ghpackages.Maven, "com.example.lib", solo)
		require.ErrorIs(t, err, ghpackages.ErrLastVersion)
		assert.Contains(t, err.Error(), "You cannot delete the last version of a package.")
		_, err = c.Orgs.Delete(ctx, "octo-org", ghpackages.Maven, "com.example.lib")
		require.NoError(t, err, "deleting the package instead works")
	})
	t.Run("npm package goes with its last version when so configured", func(t *testing.T) {
		t.Parallel()
		srv, _, _ := e2eFake(t, "octo-org", 1, ghpackagestest.WithNPMLastVersionDeletesPackage())
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.NPM, Name: "lib"})
		v := srv.AddVersion("octo-org", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.0.0"})
		c := srv.Client(noRetry)
		_, err := c.Orgs.DeleteVersion(ctx, "octo-org", ghpackages.NPM, "lib", v)
		require.NoError(t, err)
		_, _, err = c.Orgs.ListVersions(ctx, "octo-org", ghpackages.NPM, "lib", nil)
		require.ErrorIs(t, err, ghpackages.ErrNotFound)
		_, err = c.Orgs.Restore(ctx, "octo-org", ghpackages.NPM, "lib", nil)
		require.NoError(t, err)
		got, _, err := c.Orgs.GetVersion(ctx, "octo-org", ghpackages.NPM, "lib", v)
		require.NoError(t, err)
		assert.Equal(t, "1.0.0", got.Name)
	})
	t.Run("too many downloads", func(t *testing.T) {
		t.Parallel()
		srv, _, _ := e2eFake(t, "octo-org", 1)
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.NuGet, Name: "Lib", Visibility: ghpackages.VisibilityPublic})
		popular := srv.AddVersion("octo-org", ghpackages.NuGet, "Lib", ghpackagestest.VersionSpec{Name: "1.0.0", Downloads: 5001})
		srv.AddVersion("octo-org", ghpackages.NuGet, "Lib", ghpackagestest.VersionSpec{Name: "1.0.1"})
		c := srv.Client(noRetry)
		_, err := c.Orgs.DeleteVersion(ctx, "octo-org", ghpackages.NuGet, "Lib", popular)
		require.ErrorIs(t, err, ghpackages.ErrTooManyDownloads)
		assert.NotErrorIs(t, err, ghpackages.ErrLastVersion)
		_, err = c.Orgs.Delete(ctx, "octo-org", ghpackages.NuGet, "Lib")
		require.ErrorIs(t, err, ghpackages.ErrTooManyDownloads)
	})
	t.Run("list limit", func(t *testing.T) {
		t.Parallel()
		srv, _, _ := e2eFake(t, "octo-org", 1)
		c := srv.Client(noRetry)
		_, _, err := c.Orgs.List(ctx, "octo-org", ghpackages.Container, &ghpackages.PackageListOptions{Page: 101, PerPage: 100})
		var apiErr *ghpackages.Error
		require.ErrorAs(t, err, &apiErr)
		assert.ErrorIs(t, err, ghpackages.ErrListLimit)
		assert.Equal(t, 400, apiErr.StatusCode)
		_, _, err = c.Orgs.List(ctx, "octo-org", ghpackages.Container, &ghpackages.PackageListOptions{Page: 100, PerPage: 100})
		require.NoError(t, err)
	})
	t.Run("primary rate limit", func(t *testing.T) {
		t.Parallel()
		srv, clock, _ := e2eFake(t, "octo-org", 1, ghpackagestest.WithPrimaryLimit(1, 403))
		c := srv.Client(noRetry)
		_, resp, err := c.Orgs.Get(ctx, "octo-org", ghpackages.Container, "team/app")
		require.NoError(t, err)
		assert.Equal(t, 0, resp.Rate.Remaining)
		// A second client, so no client-side knowledge of the spent budget
		// keeps the request from being sent.
		_, _, err = srv.Client(noRetry).Orgs.Get(ctx, "octo-org", ghpackages.Container, "team/app")
		var rl *ghpackages.RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.ErrorIs(t, err, ghpackages.ErrRateLimited)
		assert.False(t, rl.Secondary)
		assert.Equal(t, 0, rl.Rate.Remaining)
		assert.Equal(t, clock.Now().Add(time.Hour).Unix(), rl.Rate.Reset.Unix())
	})
	t.Run("secondary rate limit", func(t *testing.T) {
		t.Parallel()
		srv, _, ids := e2eFake(t, "octo-org", 3, ghpackagestest.WithSecondaryLimit(5))
		c := srv.Client(noRetry)
		_, err := c.Orgs.DeleteVersion(ctx, "octo-org", ghpackages.Container, "team/app", ids[0])
		require.NoError(t, err)
		_, err = c.Orgs.DeleteVersion(ctx, "octo-org", ghpackages.Container, "team/app", ids[1])
		var rl *ghpackages.RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.ErrorIs(t, err, ghpackages.ErrRateLimited)
		assert.True(t, rl.Secondary)
		assert.Equal(t, time.Minute, rl.RetryAfter)
		assert.Contains(t, rl.Err.Message, "secondary rate limit")
	})
	t.Run("64-bit IDs over many pages", func(t *testing.T) {
		t.Parallel()
		srv, _, ids := e2eFake(t, "octo-org", 230, ghpackagestest.WithFirstID(3_000_000_000))
		require.Greater(t, ids[0], int64(math.MaxInt32))
		c := srv.Client(noRetry)
		var got []int64
		pages := map[int]bool{}
		for v, err := range c.Orgs.AllVersions(ctx, "octo-org", ghpackages.Container, "team/app", &ghpackages.PackageVersionListOptions{PerPage: 100}) {
			require.NoError(t, err)
			got = append(got, v.ID)
			pages[len(got)/100] = true
		}
		want := slices.Clone(ids)
		slices.Reverse(want)
		assert.Equal(t, want, got, "every version once, newest first")
		assert.Len(t, pages, 3)
		assert.Equal(t, 3, srv.Stats().Requests)
	})
}

// TestFakeWalkAndDeletesReuseOneConnection serves the fake's handler on a
// server that counts connections: a 100-page walk and the deletes that
// follow it read every answer to its end and reuse the connection (see
// ConnStats.AssertReused).
func TestFakeWalkAndDeletesReuseOneConnection(t *testing.T) {
	t.Parallel()
	fake, _, ids := e2eFake(t, "octo-org", 3000)
	url, tr, conns := ghpackages.CountingServer(t, fake.Handler())
	c, err := ghpackages.NewClient(ghpackages.WithBaseURL(url), ghpackages.WithToken(ghpackagestest.DefaultToken),
		ghpackages.WithPacing(ghpackages.NoPacing()), ghpackages.WithHTTPClient(&http.Client{Transport: tr}))
	require.NoError(t, err)

	var got []int64
	opts := &ghpackages.PackageVersionListOptions{PerPage: 30} // pages of about 15 KB, sent chunked
	for v, err := range c.Orgs.AllVersions(t.Context(), "octo-org", ghpackages.Container, "team/app", opts) {
		require.NoError(t, err)
		got = append(got, v.ID)
	}
	assert.ElementsMatch(t, ids, got)
	assert.Equal(t, 100, fake.Stats().Requests, "pages fetched")
	for _, id := range ids[:10] {
		_, err := c.Orgs.DeleteVersion(t.Context(), "octo-org", ghpackages.Container, "team/app", id)
		require.NoError(t, err)
	}
	assert.Equal(t, 10, fake.Stats().Deletes)
	conns.AssertReused(t, 110, "100 pages and 10 deletes on the fake")
}
