package ghpackagestest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// documentedRule is an endpoint's scope rule as its description words it.
type documentedRule struct {
	method, path string
	// scopes are the classic scopes the text names ("need the
	// `read:packages` and `delete:packages` scopes").
	scopes []string
	// repoScoped is set when the text points at the permissions of
	// repository-scoped packages: those types (all but container) inherit
	// their repository's permissions, so a classic token also needs repo.
	repoScoped bool
}

var (
	scopeSentence = regexp.MustCompile("need the (`[^`]+`(?: and `[^`]+`)*) scopes? to use this endpoint")
	backticked    = regexp.MustCompile("`([^`]+)`")
)

// documentedRules reads every operation's rule from GitHub's description.
func documentedRules(t *testing.T) []documentedRule {
	t.Helper()
	raw, err := os.ReadFile(openAPIPath(t))
	require.NoError(t, err)
	var doc struct {
		Paths map[string]map[string]struct {
			Description string `json:"description"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	var rules []documentedRule
	for path, ops := range doc.Paths {
		for method, op := range ops {
			m := scopeSentence.FindStringSubmatch(op.Description)
			require.NotNil(t, m, "%s %s states no scope rule", method, path)
			r := documentedRule{method: strings.ToUpper(method), path: path,
				repoScoped: strings.Contains(op.Description, "#permissions-for-repository-scoped-packages")}
			for _, s := range backticked.FindAllStringSubmatch(m[1], -1) {
				r.scopes = append(r.scopes, s[1])
			}
			rules = append(rules, r)
		}
	}
	slices.SortFunc(rules, func(a, b documentedRule) int { return strings.Compare(a.method+a.path, b.method+b.path) })
	return rules
}

// TestScopeRulesFollowTheDescription checks every endpoint, for a
// container and a repository-scoped (npm) package, against the scope rule
// its own description states: a token with exactly the documented scopes
// succeeds, a token missing any one of them gets 403 naming the accepted
// scopes (unless a broader remaining scope grants it: write:packages
// grants read:packages), and the docker-migration conflicts endpoints,
// whose text asks only read:packages, do not want repo.
func TestScopeRulesFollowTheDescription(t *testing.T) {
	t.Parallel()
	rules := documentedRules(t)
	require.Len(t, rules, 27)
	checked := 0
	for _, r := range rules {
		for _, typ := range []ghpackages.PackageType{ghpackages.Container, ghpackages.NPM} {
			need := slices.Clone(r.scopes)
			if r.repoScoped && typ != ghpackages.Container {
				need = append(need, "repo")
			}
			if strings.Contains(r.path, "docker/conflicts") {
				if typ != ghpackages.Container {
					continue // no package type in these paths
				}
				assert.Equal(t, []string{"read:packages"}, need, "%s %s", r.method, r.path)
			}
			t.Run(fmt.Sprintf("%s %s %s", r.method, r.path, typ), func(t *testing.T) {
				t.Parallel()
				status, accepted := callWithScopes(t, r, typ, need)
				assert.True(t, status >= 200 && status < 300, "documented scopes %v: status %d", need, status)
				assert.ElementsMatch(t, need, accepted)
				for i, drop := range need {
					less := slices.Delete(slices.Clone(need), i, i+1)
					status, accepted := callWithScopes(t, r, typ, less)
					if drop == "read:packages" && slices.Contains(less, "write:packages") {
						assert.True(t, status >= 200 && status < 300, "write:packages grants read:packages: status %d", status)
						continue
					}
					assert.Equal(t, http.StatusForbidden, status, "without %s", drop)
					assert.ElementsMatch(t, need, accepted, "without %s", drop)
				}
			})
			checked++
		}
	}
	assert.Equal(t, 51, checked, "24 package endpoints for 2 types, 3 conflicts endpoints")
}

// callWithScopes calls r's endpoint on a fresh fake with a classic token
// holding scopes, and returns the status and the X-Accepted-OAuth-Scopes.
func callWithScopes(t *testing.T, r documentedRule, typ ghpackages.PackageType, scopes []string) (int, []string) {
	t.Helper()
	var sc []ghpackages.Scope
	for _, s := range scopes {
		sc = append(sc, ghpackages.Scope(s))
	}
	srv := ghpackagestest.NewServer(ghpackagestest.WithTokenSpec("ghp_scoped", ghpackagestest.TokenSpec{Scopes: sc}))
	t.Cleanup(srv.Close)
	for _, owner := range []string{ghpackagestest.DemoOrg, ghpackagestest.DefaultLogin} {
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: owner, Type: typ, Name: "p", DockerConflict: true})
		for i := range 3 {
			srv.AddVersion(owner, typ, "p", ghpackagestest.VersionSpec{Name: fmt.Sprint("1.0.", i), Tags: []string{fmt.Sprint("t", i)}})
		}
		srv.AddVersion(owner, typ, "p", ghpackagestest.VersionSpec{Name: "0.9", DeletedAt: new(srv.Now())})
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: owner, Type: typ, Name: "gone", DeletedAt: new(srv.Now())})
	}
	path := strings.NewReplacer("{org}", ghpackagestest.DemoOrg, "{username}", ghpackagestest.DefaultLogin,
		"{package_type}", string(typ)).Replace(r.path)
	name := "p"
	if r.method == "POST" && !strings.Contains(path, "versions") {
		name = "gone"
	}
	path = strings.Replace(path, "{package_name}", name, 1)
	owner := ghpackagestest.DefaultLogin
	if strings.HasPrefix(path, "/orgs/") {
		owner = ghpackagestest.DemoOrg
	}
	// Delete and read an active version; restore the deleted one.
	want := "1.0.2"
	if r.method == "POST" {
		want = "0.9"
	}
	var id int64
	for _, v := range srv.Versions(owner, typ, "p") {
		if v.Name == want {
			id = v.ID
		}
	}
	path = strings.Replace(path, "{package_version_id}", fmt.Sprint(id), 1)
	if strings.HasSuffix(path, "/packages") {
		path += "?package_type=" + string(typ)
	}
	require.NotContains(t, path, "{")
	req, err := http.NewRequestWithContext(t.Context(), r.method, "http://"+srv.Host()+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer ghp_scoped")
	resp, err := testClient(t).Do(req)
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	var accepted []string
	for _, s := range ghpackages.ParseScopes(resp.Header.Get("X-Accepted-OAuth-Scopes")) {
		accepted = append(accepted, string(s))
	}
	return resp.StatusCode, accepted
}

// TestConflictsAnonymous checks the conflicts endpoints' anonymous answers:
// they list what the caller may read, so public conflicting packages for
// an organization or user, and 401 under /user.
func TestConflictsAnonymous(t *testing.T) {
	t.Parallel()
	srv := ghpackagestest.NewServer()
	t.Cleanup(srv.Close)
	for _, owner := range []string{"octo-org", "octocat"} {
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: owner, Type: ghpackages.Docker, Name: "pub", Visibility: ghpackages.VisibilityPublic, DockerConflict: true})
		srv.AddPackage(ghpackagestest.PackageSpec{Owner: owner, Type: ghpackages.Docker, Name: "priv", DockerConflict: true})
	}
	hc := testClient(t)
	for path, want := range map[string]int{"/orgs/octo-org/docker/conflicts": 200, "/users/octocat/docker/conflicts": 200, "/user/docker/conflicts": 401} {
		resp, err := hc.Get("http://" + srv.Host() + path)
		require.NoError(t, err)
		var body []struct {
			Name string `json:"name"`
		}
		if want == 200 {
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
			require.Len(t, body, 1, path)
			assert.Equal(t, "pub", body[0].Name, path)
		}
		resp.Body.Close()
		assert.Equal(t, want, resp.StatusCode, path)
	}
}
