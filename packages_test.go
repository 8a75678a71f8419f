package ghpackages

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorded is one request as the test server saw it.
type recorded struct {
	method, uri string
	header      http.Header
	body        string
}

// opServer records every request and answers with a canned body per method.
type opServer struct {
	mu   sync.Mutex
	reqs []recorded
}

func (s *opServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.reqs = append(s.reqs, recorded{method: r.Method, uri: r.URL.RequestURI(), header: r.Header.Clone(), body: string(body)})
	s.mu.Unlock()
	switch {
	case r.Method != http.MethodGet:
		w.WriteHeader(http.StatusNoContent)
	case len(r.URL.Path) > 9 && (r.URL.Path[len(r.URL.Path)-9:] == "/versions" || r.URL.Path[len(r.URL.Path)-9:] == "/packages" || r.URL.Path[len(r.URL.Path)-10:] == "/conflicts"):
		w.Write([]byte(`[{"id":1}]`))
	default:
		w.Write([]byte(`{"id":1}`))
	}
}

func (s *opServer) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

func newOpClient(t *testing.T) (*Client, *opServer) {
	t.Helper()
	rec := &opServer{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithToken("ghp_optest"), WithPacing(NoPacing), WithRetry(NoRetry))
	require.NoError(t, err)
	return c, rec
}

// call is one SDK call, returning only its error.
type call func(ctx context.Context, c *Client) error

func drain[T any](seq func(func(T, error) bool)) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

// operationCases lists every operation on every service, with the exact
// method and request URI it must send.
func operationCases(name string) []struct {
	name, method, uri string
	do                call
} {
	esc := escapeSegment(name)
	type tc = struct {
		name, method, uri string
		do                call
	}
	var out []tc
	prefixes := []struct {
		svc, prefix string
	}{{"Orgs", "/orgs/octo-org"}, {"Users", "/users/octocat"}, {"User", "/user"}}
	vopts := &ListVersionsOptions{State: StateDeleted, Page: 2, PerPage: 50}
	lopts := &ListOptions{Visibility: VisibilityInternal, Page: 3, PerPage: 100}
	for _, p := range prefixes {
		pkg := p.prefix + "/packages/container/" + esc
		get := func(ctx context.Context, c *Client) error {
			var err error
			switch p.svc {
			case "Orgs":
				_, _, err = c.Orgs.Get(ctx, "octo-org", Container, name)
			case "Users":
				_, _, err = c.Users.Get(ctx, "octocat", Container, name)
			default:
				_, _, err = c.User.Get(ctx, Container, name)
			}
			return err
		}
		svc := p.svc
		pick := func(orgs, users, user call) call {
			switch svc {
			case "Orgs":
				return orgs
			case "Users":
				return users
			}
			return user
		}
		out = append(out,
			tc{svc + ".Get", "GET", pkg, get},
			tc{svc + ".Delete", "DELETE", pkg, pick(
				func(ctx context.Context, c *Client) error {
					_, err := c.Orgs.Delete(ctx, "octo-org", Container, name)
					return err
				},
				func(ctx context.Context, c *Client) error {
					_, err := c.Users.Delete(ctx, "octocat", Container, name)
					return err
				},
				func(ctx context.Context, c *Client) error { _, err := c.User.Delete(ctx, Container, name); return err })},
			tc{svc + ".Restore", "POST", pkg + "/restore?token=pkg%2Ftoken", pick(
				func(ctx context.Context, c *Client) error {
					_, err := c.Orgs.Restore(ctx, "octo-org", Container, name, &RestoreOptions{Token: "pkg/token"})
					return err
				},
				func(ctx context.Context, c *Client) error {
					_, err := c.Users.Restore(ctx, "octocat", Container, name, &RestoreOptions{Token: "pkg/token"})
					return err
				},
				func(ctx context.Context, c *Client) error {
					_, err := c.User.Restore(ctx, Container, name, &RestoreOptions{Token: "pkg/token"})
					return err
				})},
			tc{svc + ".ListVersions", "GET", pkg + "/versions?page=2&per_page=50&state=deleted", pick(
				func(ctx context.Context, c *Client) error {
					_, _, err := c.Orgs.ListVersions(ctx, "octo-org", Container, name, vopts)
					return err
				},
				func(ctx context.Context, c *Client) error {
					_, _, err := c.Users.ListVersions(ctx, "octocat", Container, name, vopts)
					return err
				},
				func(ctx context.Context, c *Client) error {
					_, _, err := c.User.ListVersions(ctx, Container, name, vopts)
					return err
				})},
			tc{svc + ".AllVersions", "GET", pkg + "/versions?page=2&per_page=50&state=deleted", pick(
				func(ctx context.Context, c *Client) error {
					return drain(c.Orgs.AllVersions(ctx, "octo-org", Container, name, vopts))
				},
				func(ctx context.Context, c *Client) error {
					return drain(c.Users.AllVersions(ctx, "octocat", Container, name, vopts))
				},
				func(ctx context.Context, c *Client) error {
					return drain(c.User.AllVersions(ctx, Container, name, vopts))
				})},
			tc{svc + ".GetVersion", "GET", pkg + "/versions/1260000001", pick(
				func(ctx context.Context, c *Client) error {
					_, _, err := c.Orgs.GetVersion(ctx, "octo-org", Container, name, 1260000001)
					return err
				},
				func(ctx context.Context, c *Client) error {
					_, _, err := c.Users.GetVersion(ctx, "octocat", Container, name, 1260000001)
					return err
				},
				func(ctx context.Context, c *Client) error {
					_, _, err := c.User.GetVersion(ctx, Container, name, 1260000001)
					return err
				})},
			tc{svc + ".DeleteVersion", "DELETE", pkg + "/versions/1260000001", pick(
				func(ctx context.Context, c *Client) error {
					_, err := c.Orgs.DeleteVersion(ctx, "octo-org", Container, name, 1260000001)
					return err
				},
				func(ctx context.Context, c *Client) error {
					_, err := c.Users.DeleteVersion(ctx, "octocat", Container, name, 1260000001)
					return err
				},
				func(ctx context.Context, c *Client) error {
					_, err := c.User.DeleteVersion(ctx, Container, name, 1260000001)
					return err
				})},
			tc{svc + ".RestoreVersion", "POST", pkg + "/versions/1260000001/restore", pick(
				func(ctx context.Context, c *Client) error {
					_, err := c.Orgs.RestoreVersion(ctx, "octo-org", Container, name, 1260000001)
					return err
				},
				func(ctx context.Context, c *Client) error {
					_, err := c.Users.RestoreVersion(ctx, "octocat", Container, name, 1260000001)
					return err
				},
				func(ctx context.Context, c *Client) error {
					_, err := c.User.RestoreVersion(ctx, Container, name, 1260000001)
					return err
				})},
			tc{svc + ".List", "GET", p.prefix + "/packages?package_type=npm&page=3&per_page=100&visibility=internal", pick(
				func(ctx context.Context, c *Client) error {
					_, _, err := c.Orgs.List(ctx, "octo-org", NPM, lopts)
					return err
				},
				func(ctx context.Context, c *Client) error {
					_, _, err := c.Users.List(ctx, "octocat", NPM, lopts)
					return err
				},
				func(ctx context.Context, c *Client) error { _, _, err := c.User.List(ctx, NPM, lopts); return err })},
			tc{svc + ".All", "GET", p.prefix + "/packages?package_type=npm&page=3&per_page=100&visibility=internal", pick(
				func(ctx context.Context, c *Client) error { return drain(c.Orgs.All(ctx, "octo-org", NPM, lopts)) },
				func(ctx context.Context, c *Client) error { return drain(c.Users.All(ctx, "octocat", NPM, lopts)) },
				func(ctx context.Context, c *Client) error { return drain(c.User.All(ctx, NPM, lopts)) })},
			tc{svc + ".ListDockerConflicts", "GET", p.prefix + "/docker/conflicts", pick(
				func(ctx context.Context, c *Client) error {
					_, _, err := c.Orgs.ListDockerConflicts(ctx, "octo-org")
					return err
				},
				func(ctx context.Context, c *Client) error {
					_, _, err := c.Users.ListDockerConflicts(ctx, "octocat")
					return err
				},
				func(ctx context.Context, c *Client) error { _, _, err := c.User.ListDockerConflicts(ctx); return err })},
		)
	}
	return out
}

// escapeSegment states the escaping rule independently of the code under
// test: a package name is one path segment; unreserved characters and
// "$&+:=@" stay, everything else (notably "/") is percent-encoded, once.
func escapeSegment(s string) string {
	const hex = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' ||
			c == '$' || c == '&' || c == '+' || c == ':' || c == '=' || c == '@' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return string(b)
}

func TestEveryOperationSendsExactRequest(t *testing.T) {
	t.Parallel()
	names := map[string]string{
		"plain":     "app",
		"slash":     "team/app",
		"two slash": "a/b/c",
		"space":     "my app",
		"percent":   "100%",
		"plus":      "c++",
		"unicode":   "pâte",
		"reserved":  "a;b,c?d#e",
	}
	for label, name := range names {
		t.Run(label, func(t *testing.T) {
			t.Parallel()
			cases := operationCases(name)
			require.Len(t, cases, 33, "11 methods × 3 services (27 operations; List/All and ListVersions/AllVersions share one each)")
			for _, tc := range cases {
				c, rec := newOpClient(t)
				require.NoError(t, tc.do(t.Context(), c), tc.name)
				reqs := rec.requests()
				require.Len(t, reqs, 1, tc.name)
				r := reqs[0]
				assert.Equal(t, tc.method, r.method, tc.name)
				assert.Equal(t, tc.uri, r.uri, tc.name)
				assert.Equal(t, "application/vnd.github+json", r.header.Get("Accept"), tc.name)
				assert.Equal(t, "2022-11-28", r.header.Get("X-GitHub-Api-Version"), tc.name)
				assert.Equal(t, "Bearer ghp_optest", r.header.Get("Authorization"), tc.name)
				assert.Equal(t, "ghpackages-go/"+Version, r.header.Get("User-Agent"), tc.name)
				assert.Empty(t, r.body, tc.name)
			}
		})
	}
	// The escaping, spelled out once: team/app is one segment, escaped once.
	assert.Equal(t, "team%2Fapp", escapeSegment("team/app"))
	assert.Equal(t, "a%2Fb%2Fc", escapeSegment("a/b/c"))
}

func TestInvalidInputIsRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	c, rec := newOpClient(t)
	ctx := t.Context()
	tests := map[string]func() error{
		"empty org":         func() error { _, _, err := c.Orgs.Get(ctx, "", Container, "a"); return err },
		"empty username":    func() error { _, _, err := c.Users.Get(ctx, "", Container, "a"); return err },
		"empty name":        func() error { _, _, err := c.User.Get(ctx, Container, ""); return err },
		"dot name":          func() error { _, err := c.Orgs.Delete(ctx, "o", Container, "."); return err },
		"dotdot name":       func() error { _, err := c.Orgs.Delete(ctx, "o", Container, ".."); return err },
		"unknown type":      func() error { _, _, err := c.Orgs.Get(ctx, "o", "pypi", "a"); return err },
		"uppercase type":    func() error { _, _, err := c.Orgs.Get(ctx, "o", "Container", "a"); return err },
		"list unknown type": func() error { _, _, err := c.Orgs.List(ctx, "o", "", nil); return err },
		"zero id":           func() error { _, _, err := c.Orgs.GetVersion(ctx, "o", Container, "a", 0); return err },
		"negative id":       func() error { _, err := c.Orgs.DeleteVersion(ctx, "o", Container, "a", -5); return err },
		"restore zero id":   func() error { _, err := c.User.RestoreVersion(ctx, Container, "a", 0); return err },
		"per_page 101":      func() error { _, _, err := c.Orgs.List(ctx, "o", NPM, &ListOptions{PerPage: 101}); return err },
		"per_page -1": func() error {
			_, _, err := c.Orgs.ListVersions(ctx, "o", NPM, "a", &ListVersionsOptions{PerPage: -1})
			return err
		},
		"page -1":        func() error { _, _, err := c.Orgs.List(ctx, "o", NPM, &ListOptions{Page: -1}); return err },
		"bad visibility": func() error { _, _, err := c.Orgs.List(ctx, "o", NPM, &ListOptions{Visibility: "secret"}); return err },
		"bad state": func() error {
			_, _, err := c.Orgs.ListVersions(ctx, "o", NPM, "a", &ListVersionsOptions{State: "gone"})
			return err
		},
		"iterator bad state": func() error {
			return drain(c.Orgs.AllVersions(ctx, "o", NPM, "a", &ListVersionsOptions{State: "gone"}))
		},
		"iterator empty org": func() error { return drain(c.Orgs.All(ctx, "", NPM, nil)) },
		"conflicts no user":  func() error { _, _, err := c.Users.ListDockerConflicts(ctx, ""); return err },
		"nil context":        func() error { _, _, err := c.Orgs.Get(nilContext(), "o", Container, "a"); return err },
	}
	for name, f := range tests {
		err := f()
		require.Error(t, err, name)
		assert.ErrorIs(t, err, ErrInvalidArgument, name)
	}
	assert.Empty(t, rec.requests(), "no request was sent")
	assert.Contains(t, fmt.Sprint(tests["unknown type"]()), `unknown package type "pypi"`)
}

// nilContext hides a nil context from vet's checks, to test the guard.
func nilContext() context.Context { return nil }
