package ghpackages

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// answer serves one canned response to every request.
func answer(t *testing.T, status int, body string, headers ...string) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL), WithToken(secretToken), WithPacing(NoPacing), WithRetry(NoRetry))
	require.NoError(t, err)
	return c
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	sentinels := []error{ErrUnauthorized, ErrForbidden, ErrNotFound, ErrRateLimited, ErrLastVersion, ErrTooManyDownloads, ErrListLimit, ErrServer}
	tests := []struct {
		name    string
		status  int
		body    string
		headers []string
		call    string // get, delete, list
		want    []error
		message string
	}{
		{"401", 401, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`, nil, "get", []error{ErrUnauthorized}, "Bad credentials"},
		{"403 permission", 403, `{"message":"Must have admin rights to Repository."}`, nil, "delete", []error{ErrForbidden}, "Must have admin rights to Repository."},
		{"404 package", 404, `{"message":"Package not found."}`, nil, "get", []error{ErrNotFound}, "Package not found."},
		{"400 last version", 400, `{"message":"You cannot delete the last version of a package. You must delete the package instead."}`, nil, "delete", []error{ErrLastVersion}, "You cannot delete the last version of a package. You must delete the package instead."},
		{"400 last tagged version", 400, `{"message":"You cannot delete the last tagged version of a package. You must delete the package instead."}`, nil, "delete", []error{ErrLastVersion}, "You cannot delete the last tagged version of a package. You must delete the package instead."},
		{"400 downloads", 400, `{"message":"Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance."}`, nil, "delete", []error{ErrTooManyDownloads}, "Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance."},
		{"400 list limit", 400, ``, nil, "list", []error{ErrListLimit}, "Bad Request"},
		{"400 other", 400, `{"message":"Problems parsing JSON"}`, nil, "get", nil, "Problems parsing JSON"},
		{"400 on a list within the limit", 400, `{"message":"Invalid package_type"}`, nil, "list-small", nil, "Invalid package_type"},
		{"400 list limit by message", 400, `{"message":"The value of per_page multiplied by page cannot be greater than 10000."}`, nil, "list-small", []error{ErrListLimit}, "The value of per_page multiplied by page cannot be greater than 10000."},
		{"422", 422, `{"message":"Validation Failed","errors":[{"resource":"Package","field":"name","code":"invalid"},"name is too long"]}`, nil, "get", nil, "Validation Failed"},
		{"429", 429, `{"message":"Too Many Requests"}`, nil, "get", []error{ErrRateLimited}, "Too Many Requests"},
		{"403 secondary", 403, `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`, nil, "delete", []error{ErrRateLimited}, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."},
		{"403 primary", 403, `{"message":"API rate limit exceeded for user ID 1."}`, []string{"X-RateLimit-Remaining", "0", "X-RateLimit-Limit", "5000", "X-RateLimit-Reset", "1795525200"}, "get", []error{ErrRateLimited}, "API rate limit exceeded for user ID 1."},
		{"500 html", 500, "<html><body><h1>500</h1>\n Server   Error</body></html>", nil, "get", []error{ErrServer}, "<html><body><h1>500</h1> Server Error</body></html>"},
		{"502 empty", 502, "", nil, "get", []error{ErrServer}, "Bad Gateway"},
		{"503 truncated json", 503, `{"message":"Service Unav`, nil, "get", []error{ErrServer}, `{"message":"Service Unav`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			headers := append([]string{"X-GitHub-Request-Id", "ABCD:1234"}, tc.headers...)
			c := answer(t, tc.status, tc.body, headers...)
			var err error
			switch tc.call {
			case "get":
				_, _, err = c.Orgs.Get(t.Context(), "octo-org", Container, "team/app")
			case "delete":
				_, err = c.Orgs.DeleteVersion(t.Context(), "octo-org", Container, "team/app", 42)
			case "list":
				_, _, err = c.Orgs.List(t.Context(), "octo-org", Container, &ListOptions{Page: 101, PerPage: 100})
			case "list-small":
				_, _, err = c.Orgs.List(t.Context(), "octo-org", Container, &ListOptions{Page: 2})
			}
			require.Error(t, err)
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.message, apiErr.Message)
			assert.Equal(t, "ABCD:1234", apiErr.RequestID)
			assert.Contains(t, apiErr.URL, "/orgs/octo-org/")
			for _, s := range sentinels {
				want := false
				for _, w := range tc.want {
					want = want || w == s
				}
				assert.Equal(t, want, errors.Is(err, s), "errors.Is(err, %v)", s)
			}
			msg := err.Error()
			assert.NotContains(t, msg, "\n", "one line")
			assert.NotContains(t, msg, secretToken)
			assert.Contains(t, msg, "[request ABCD:1234]")
			assert.True(t, strings.HasPrefix(msg, "ghpackages: "), msg)
		})
	}
}

func TestErrorFields(t *testing.T) {
	t.Parallel()
	c := answer(t, 422, `{"message":"Validation Failed","documentation_url":"https://docs.github.com/rest/packages","errors":[{"resource":"Package","field":"name","code":"invalid"},"name is too long"]}`,
		"X-GitHub-Request-Id", "R1")
	_, err := c.Orgs.DeleteVersion(t.Context(), "octo-org", Container, "team/app", 42)
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "DELETE", apiErr.Method)
	assert.True(t, strings.HasSuffix(apiErr.URL, "/orgs/octo-org/packages/container/team%2Fapp/versions/42"), apiErr.URL)
	assert.Equal(t, "https://docs.github.com/rest/packages", apiErr.DocumentationURL)
	assert.Equal(t, []ErrorDetail{{Resource: "Package", Field: "name", Code: "invalid"}, {Message: "name is too long"}}, apiErr.Errors)
	assert.Equal(t, "ghpackages: DELETE "+apiErr.URL+": 422 Validation Failed; Package name invalid; name is too long [request R1]", err.Error())
	require.NotNil(t, apiErr.Response)
	assert.Equal(t, 422, apiErr.Response.StatusCode)
}

func TestRateLimitErrorDetails(t *testing.T) {
	t.Parallel()
	c := answer(t, 403, `{"message":"You have exceeded a secondary rate limit."}`, "Retry-After", "42", "X-RateLimit-Remaining", "4000", "X-RateLimit-Limit", "5000")
	_, _, err := c.Orgs.Get(t.Context(), "o", Container, "a")
	var rl *RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.True(t, rl.Secondary)
	assert.Equal(t, 42*time.Second, rl.RetryAfter)
	assert.Equal(t, 4000, rl.Rate.Remaining)
	assert.Contains(t, err.Error(), "(secondary rate limit; retry after 42s)")
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr, "a *RateLimitError unwraps to the *Error")
	assert.Equal(t, 403, apiErr.StatusCode)
	assert.NotErrorIs(t, err, ErrForbidden)

	c = answer(t, 403, `{"message":"API rate limit exceeded"}`, "X-RateLimit-Remaining", "0", "X-RateLimit-Limit", "60", "X-RateLimit-Reset", "1795525200")
	_, _, err = c.Orgs.Get(t.Context(), "o", Container, "a")
	require.ErrorAs(t, err, &rl)
	assert.False(t, rl.Secondary)
	assert.Equal(t, time.Unix(1795525200, 0), rl.Rate.Reset)
	assert.Contains(t, err.Error(), "(primary rate limit; resets at 2026-11-24T13:00:00Z)")

	d, ok := parseRetryAfter("Wed, 21 Oct 2026 07:28:30 GMT", time.Date(2026, 10, 21, 7, 28, 0, 0, time.UTC))
	assert.True(t, ok)
	assert.Equal(t, 30*time.Second, d)
	_, ok = parseRetryAfter("soon", time.Now())
	assert.False(t, ok)
}

func TestMissingScopesInErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  int
		scopes  string
		call    func(*Client) error
		missing []Scope
		hint    string
	}{
		{"403 delete without delete:packages", 403, "read:packages", func(c *Client) error {
			_, err := c.Orgs.DeleteVersion(context.Background(), "o", Container, "a", 1)
			return err
		}, []Scope{ScopeDeletePackages}, ""},
		{"404 npm read without repo", 404, "read:packages", func(c *Client) error {
			_, _, err := c.Orgs.Get(context.Background(), "o", NPM, "a")
			return err
		}, []Scope{ScopeRepo}, "GitHub answers 404 rather than 403 when the token cannot see a package"},
		{"404 restore with all scopes", 404, "write:packages, repo", func(c *Client) error {
			_, err := c.Users.Restore(context.Background(), "u", Maven, "a", nil)
			return err
		}, nil, "GitHub also answers 404 when the token lacks admin permission on the package"},
		{"403 without scope header", 403, "", func(c *Client) error {
			_, err := c.Orgs.Delete(context.Background(), "o", Container, "a")
			return err
		}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var headers []string
			if tc.scopes != "" {
				headers = []string{"X-OAuth-Scopes", tc.scopes}
			}
			c := answer(t, tc.status, `{"message":"x"}`, headers...)
			err := tc.call(c)
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.missing, apiErr.MissingScopes)
			assert.Equal(t, tc.hint, apiErr.Hint)
			if len(tc.missing) > 0 {
				assert.Contains(t, err.Error(), "token lacks scopes needed for this operation: "+string(tc.missing[0]))
			}
		})
	}
}

func TestQueryTokenRedacted(t *testing.T) {
	t.Parallel()
	c := answer(t, 404, `{"message":"Package not found."}`)
	_, err := c.Orgs.Restore(t.Context(), "o", Container, "a", &RestoreOptions{Token: "pkgsecret"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "pkgsecret")
	assert.Contains(t, err.Error(), "token=REDACTED")
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 300)
	s := summarize([]byte(long))
	assert.True(t, strings.HasSuffix(s, "…"))
	assert.LessOrEqual(t, len(s), 203)
	assert.Equal(t, "a b", summarize([]byte(" a\n\tb ")))
	assert.Equal(t, "?x", summarize([]byte{0xff, 'x'}))
}
