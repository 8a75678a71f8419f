package ghpackages

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The messages GitHub sends for its named refusals (FACTS.md).
const (
	msgLastVersion       = "You cannot delete the last version of a package. You must delete the package instead."
	msgLastTaggedVersion = "You cannot delete the last tagged version of a package. You must delete the package instead."
	msgTooManyDownloads  = "Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance."
	msgSecondary         = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)

// answer serves one canned response to every request, and returns a client
// for it (token secretToken, no pacing, no retries).
func answer(t *testing.T, status int, body string, headers ...string) *Client {
	t.Helper()
	env := setup(t)
	env.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	})
	return env.client
}

// allSentinels are the sentinel errors an API error may match.
var allSentinels = []error{ErrUnauthorized, ErrForbidden, ErrNotFound, ErrRateLimited, ErrLastVersion, ErrTooManyDownloads, ErrListLimit, ErrServer}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	const reset = "1795525200" // 2026-11-24T13:00:00Z
	tests := []struct {
		name    string
		status  int
		body    string
		headers []string
		call    string // get, delete, list, list-small
		want    []error
		message string
	}{
		{"401", 401, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`, nil, "get", []error{ErrUnauthorized}, "Bad credentials"},
		{"403 permission", 403, `{"message":"Must have admin rights to Repository."}`, nil, "delete", []error{ErrForbidden}, "Must have admin rights to Repository."},
		{"403 with budget left is a permission error", 403, `{"message":"Resource not accessible by integration"}`,
			[]string{"X-RateLimit-Remaining", "4999", "X-RateLimit-Limit", "5000"}, "get", []error{ErrForbidden}, "Resource not accessible by integration"},
		{"404 package", 404, `{"message":"Package not found."}`, nil, "get", []error{ErrNotFound}, "Package not found."},
		{"404 version", 404, `{"message":"Package version not found."}`, nil, "delete", []error{ErrNotFound}, "Package version not found."},
		{"400 last version", 400, `{"message":"` + msgLastVersion + `"}`, nil, "delete", []error{ErrLastVersion}, msgLastVersion},
		{"400 last tagged version", 400, `{"message":"` + msgLastTaggedVersion + `"}`, nil, "delete", []error{ErrLastVersion}, msgLastTaggedVersion},
		{"400 downloads", 400, `{"message":"` + msgTooManyDownloads + `"}`, nil, "delete", []error{ErrTooManyDownloads}, msgTooManyDownloads},
		{"400 list limit, empty body", 400, ``, nil, "list", []error{ErrListLimit}, "Bad Request"},
		{"400 list limit by message", 400, `{"message":"The value of per_page multiplied by page cannot be greater than 10000."}`, nil, "list-small", []error{ErrListLimit}, "The value of per_page multiplied by page cannot be greater than 10000."},
		{"400 other", 400, `{"message":"Problems parsing JSON"}`, nil, "get", nil, "Problems parsing JSON"},
		{"400 on a list within the limit", 400, `{"message":"Invalid package_type"}`, nil, "list-small", nil, "Invalid package_type"},
		{"400 on a delete is not a list limit", 400, ``, nil, "delete", nil, "Bad Request"},
		{"last-version message on a 422 is not the refusal", 422, `{"message":"` + msgLastVersion + `"}`, nil, "delete", nil, msgLastVersion},
		{"422", 422, `{"message":"Validation Failed","errors":[{"resource":"Package","field":"name","code":"invalid"},"name is too long"]}`, nil, "get", nil, "Validation Failed"},
		{"429", 429, `{"message":"Too Many Requests"}`, nil, "get", []error{ErrRateLimited}, "Too Many Requests"},
		{"429 without body", 429, ``, nil, "delete", []error{ErrRateLimited}, "Too Many Requests"},
		{"403 secondary", 403, `{"message":"` + msgSecondary + `"}`, nil, "delete", []error{ErrRateLimited}, msgSecondary},
		{"403 secondary with retry-after", 403, `{"message":"` + msgSecondary + `"}`, []string{"Retry-After", "60"}, "delete", []error{ErrRateLimited}, msgSecondary},
		{"403 primary", 403, `{"message":"API rate limit exceeded for user ID 1."}`,
			[]string{"X-RateLimit-Remaining", "0", "X-RateLimit-Limit", "5000", "X-RateLimit-Reset", reset}, "get", []error{ErrRateLimited}, "API rate limit exceeded for user ID 1."},
		{"500 html", 500, "<html><body><h1>500</h1>\n Server   Error</body></html>", nil, "get", []error{ErrServer}, "<html><body><h1>500</h1> Server Error</body></html>"},
		{"500 github", 500, `{"message":"Server Error"}`, nil, "delete", []error{ErrServer}, "Server Error"},
		{"502 empty", 502, "", nil, "get", []error{ErrServer}, "Bad Gateway"},
		{"503 truncated json", 503, `{"message":"Service Unav`, nil, "get", []error{ErrServer}, `{"message":"Service Unav`},
		{"504 plain text", 504, "upstream timed out\n", nil, "list-small", []error{ErrServer}, "upstream timed out"},
		{"410", 410, `{"message":"Gone"}`, nil, "get", nil, "Gone"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			headers := append([]string{"X-GitHub-Request-Id", "ABCD:1234"}, tc.headers...)
			c := answer(t, tc.status, tc.body, headers...)
			var err error
			var resp *Response
			wantPath := "/orgs/octo-org/packages/container/team%2Fapp"
			wantMethod := "GET"
			switch tc.call {
			case "get":
				_, resp, err = c.Orgs.Get(t.Context(), "octo-org", Container, "team/app")
			case "delete":
				resp, err = c.Orgs.DeleteVersion(t.Context(), "octo-org", Container, "team/app", 42)
				wantPath, wantMethod = wantPath+"/versions/42", "DELETE"
			case "list":
				_, resp, err = c.Orgs.List(t.Context(), "octo-org", Container, &PackageListOptions{Page: 101, PerPage: 100})
				wantPath = "/orgs/octo-org/packages?package_type=container&page=101&per_page=100"
			case "list-small":
				_, resp, err = c.Orgs.List(t.Context(), "octo-org", Container, &PackageListOptions{Page: 2})
				wantPath = "/orgs/octo-org/packages?package_type=container&page=2"
			}
			require.Error(t, err)
			require.NotNil(t, resp)
			assert.Equal(t, tc.status, resp.StatusCode)
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.message, apiErr.Message)
			assert.Equal(t, wantMethod, apiErr.Method)
			assert.True(t, strings.HasPrefix(apiErr.URL, "http://127.0.0.1:"), apiErr.URL)
			assert.True(t, strings.HasSuffix(apiErr.URL, wantPath), apiErr.URL)
			assert.Equal(t, "ABCD:1234", apiErr.RequestID)
			assert.Same(t, resp, apiErr.Response)
			for _, s := range allSentinels {
				want := false
				for _, w := range tc.want {
					want = want || w == s
				}
				assert.Equal(t, want, errors.Is(err, s), "errors.Is(err, %v)", s)
			}
			assert.NotErrorIs(t, err, ErrInvalidArgument)
			var rl *RateLimitError
			assert.Equal(t, errors.Is(err, ErrRateLimited), errors.As(err, &rl), "rate limits, and only they, are *RateLimitError")

			msg := err.Error()
			assert.NotContains(t, msg, "\n", "one line")
			assert.NotContains(t, msg, secretToken)
			assert.Contains(t, msg, fmt.Sprintf(": %d %s", tc.status, tc.message))
			assert.Contains(t, msg, "[request ABCD:1234]")
			assert.True(t, strings.HasPrefix(msg, "ghpackages: "+wantMethod+" http://127.0.0.1:"), msg)
		})
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	c := answer(t, 422, `{"message":"Validation Failed","documentation_url":"https://docs.github.com/rest/packages","errors":[{"resource":"Package","field":"name","code":"invalid"},"name is too long"]}`,
		"X-GitHub-Request-Id", "R1")
	_, err := c.Orgs.DeleteVersion(t.Context(), "octo-org", Container, "team/app", 42)
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "DELETE", apiErr.Method)
	assert.Equal(t, "https://docs.github.com/rest/packages", apiErr.DocumentationURL)
	assert.Equal(t, []ErrorDetail{{Resource: "Package", Field: "name", Code: "invalid"}, {Message: "name is too long"}}, apiErr.Errors)
	assert.Equal(t, "ghpackages: DELETE "+apiErr.URL+": 422 Validation Failed; Package name invalid; name is too long [request R1]", err.Error())

	// GitHub's messages may hold line breaks; Error stays one line, the
	// fields keep them.
	c = answer(t, 400, `{"message":"line1\nline2\r\nline3","errors":["a\nb",{"resource":"P\n","field":"f","code":"c"}]}`)
	_, err = c.User.Delete(t.Context(), NPM, "a")
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "line1\nline2\r\nline3", apiErr.Message)
	assert.Equal(t, "ghpackages: DELETE "+apiErr.URL+": 400 line1 line2 line3; a b; P  f c", err.Error())

	// Built by hand: every part in its place.
	e := &Error{StatusCode: 404, Method: "GET", URL: "https://api.github.com/orgs/o/packages/npm/a", Message: "Package not found.",
		MissingScopes: []Scope{ScopeRepo, ScopeReadPackages}, Hint: "a hint", RequestID: "X:Y"}
	assert.Equal(t, "ghpackages: GET https://api.github.com/orgs/o/packages/npm/a: 404 Package not found."+
		" (token lacks scopes needed for this operation: repo, read:packages) (a hint) [request X:Y]", e.Error())
	e = &Error{StatusCode: 500, Method: "GET", URL: "u"}
	assert.Equal(t, "ghpackages: GET u: 500", e.Error())
}

func TestRateLimitErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		message    string
		headers    []string
		secondary  bool
		retryAfter time.Duration
		remaining  int
		text       string
	}{
		{"secondary 403 with Retry-After", 403, msgSecondary, []string{"Retry-After", "42", "X-RateLimit-Remaining", "4000", "X-RateLimit-Limit", "5000"},
			true, 42 * time.Second, 4000, "(secondary rate limit; retry after 42s)"},
		{"secondary 403 without Retry-After", 403, msgSecondary, []string{"X-RateLimit-Remaining", "4000", "X-RateLimit-Limit", "5000"},
			true, 0, 4000, "(secondary rate limit)"},
		{"secondary 429 with Retry-After", 429, msgSecondary, []string{"Retry-After", "5"}, true, 5 * time.Second, 0, "(secondary rate limit; retry after 5s)"},
		{"429 with only Retry-After", 429, "Too Many Requests", []string{"Retry-After", "7", "X-RateLimit-Remaining", "10", "X-RateLimit-Limit", "5000"},
			true, 7 * time.Second, 10, "(secondary rate limit; retry after 7s)"},
		{"403 abuse wording", 403, "You have triggered an abuse detection mechanism.", nil, true, 0, 0, "(secondary rate limit)"},
		{"primary exhaustion", 403, "API rate limit exceeded for user ID 1.", []string{"X-RateLimit-Remaining", "0", "X-RateLimit-Limit", "60", "X-RateLimit-Reset", "1795525200"},
			false, 0, 0, "(primary rate limit; resets at 2026-11-24T13:00:00Z)"},
		{"primary exhaustion on 429", 429, "API rate limit exceeded", []string{"X-RateLimit-Remaining", "0", "X-RateLimit-Limit", "5000", "X-RateLimit-Reset", "1795525200"},
			false, 0, 0, "(primary rate limit; resets at 2026-11-24T13:00:00Z)"},
		{"primary exhaustion with Retry-After", 403, "API rate limit exceeded", []string{"Retry-After", "3600", "X-RateLimit-Remaining", "0", "X-RateLimit-Limit", "5000"},
			false, time.Hour, 0, "(primary rate limit; retry after 1h0m0s)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := answer(t, tc.status, `{"message":"`+tc.message+`"}`, append([]string{"X-GitHub-Request-Id", "RL:1"}, tc.headers...)...)
			_, _, err := c.Orgs.Get(t.Context(), "o", Container, "a")
			var rl *RateLimitError
			require.ErrorAs(t, err, &rl)
			assert.Equal(t, tc.secondary, rl.Secondary)
			assert.Equal(t, tc.retryAfter, rl.RetryAfter)
			assert.Equal(t, tc.remaining, rl.Rate.Remaining)
			assert.ErrorIs(t, err, ErrRateLimited)
			assert.NotErrorIs(t, err, ErrForbidden, "a rate limit is not a permission error")
			assert.True(t, strings.HasSuffix(err.Error(), " [request RL:1] "+tc.text), err.Error())

			var apiErr *Error
			require.ErrorAs(t, err, &apiErr, "a *RateLimitError unwraps to the *Error")
			assert.Same(t, rl.Err, apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.message, apiErr.Message)
			assert.Equal(t, "RL:1", apiErr.RequestID)
			assert.ErrorIs(t, apiErr, ErrRateLimited, "the inner *Error matches too")
			assert.NotErrorIs(t, apiErr, ErrForbidden)
		})
	}

	d, ok := parseRetryAfter("Wed, 21 Oct 2026 07:28:30 GMT", time.Date(2026, 10, 21, 7, 28, 0, 0, time.UTC))
	assert.True(t, ok)
	assert.Equal(t, 30*time.Second, d)
	d, ok = parseRetryAfter("Wed, 21 Oct 2026 07:27:00 GMT", time.Date(2026, 10, 21, 7, 28, 0, 0, time.UTC))
	assert.True(t, ok)
	assert.Zero(t, d, "a date in the past means now")
	d, ok = parseRetryAfter(" 0 ", time.Now())
	assert.True(t, ok)
	assert.Zero(t, d)
	for _, bad := range []string{"", "soon", "1.5"} {
		_, ok = parseRetryAfter(bad, time.Now())
		assert.False(t, ok, bad)
	}
}

func TestMissingScopesInErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name    string
		status  int
		scopes  []string // nil: no X-OAuth-Scopes header
		call    func(*Client) error
		missing []Scope
		hint    string
	}{
		{"403 delete without delete:packages", 403, []string{"read:packages"}, func(c *Client) error {
			_, err := c.Orgs.DeleteVersion(ctx, "o", Container, "a", 1)
			return err
		}, []Scope{ScopeDeletePackages}, ""},
		{"403 delete npm with nothing", 403, []string{""}, func(c *Client) error {
			_, err := c.User.Delete(ctx, NPM, "a")
			return err
		}, []Scope{ScopeReadPackages, ScopeDeletePackages, ScopeRepo}, ""},
		{"404 npm read without repo", 404, []string{"read:packages"}, func(c *Client) error {
			_, _, err := c.Orgs.Get(ctx, "o", NPM, "a")
			return err
		}, []Scope{ScopeRepo}, "GitHub answers 404 rather than 403 when the token cannot see a package"},
		{"404 list versions without read", 404, []string{"gist"}, func(c *Client) error {
			_, err := Collect(c.Users.AllVersions(ctx, "u", Container, "a", nil))
			return err
		}, []Scope{ScopeReadPackages}, "GitHub answers 404 rather than 403 when the token cannot see a package"},
		{"401 restore without write", 401, []string{"read:packages, repo"}, func(c *Client) error {
			_, err := c.Orgs.RestoreVersion(ctx, "o", Maven, "a", 1)
			return err
		}, []Scope{ScopeWritePackages}, ""},
		{"404 restore with all scopes", 404, []string{"write:packages, repo"}, func(c *Client) error {
			_, err := c.Users.Restore(ctx, "u", Maven, "a", nil)
			return err
		}, nil, "GitHub also answers 404 when the token lacks admin permission on the package"},
		{"404 delete with all scopes", 404, []string{"read:packages, delete:packages"}, func(c *Client) error {
			_, err := c.Orgs.DeleteVersion(ctx, "o", Container, "a", 1)
			return err
		}, nil, "GitHub also answers 404 when the token lacks admin permission on the package"},
		{"403 without scope header (fine-grained)", 403, nil, func(c *Client) error {
			_, err := c.Orgs.Delete(ctx, "o", Container, "a")
			return err
		}, nil, ""},
		{"404 read without scope header", 404, nil, func(c *Client) error {
			_, _, err := c.Orgs.Get(ctx, "o", NPM, "a")
			return err
		}, nil, ""},
		{"400 is no scope problem", 400, []string{""}, func(c *Client) error {
			_, err := c.Orgs.Delete(ctx, "o", NPM, "a")
			return err
		}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := setup(t)
			env.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				for _, v := range tc.scopes {
					w.Header().Add("X-OAuth-Scopes", v)
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(`{"message":"x"}`))
			})
			err := tc.call(env.client)
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.missing, apiErr.MissingScopes)
			assert.Equal(t, tc.hint, apiErr.Hint)
			if len(tc.missing) > 0 {
				assert.Contains(t, err.Error(), " (token lacks scopes needed for this operation: "+joinScopes(tc.missing)+")")
			} else {
				assert.NotContains(t, err.Error(), "token lacks scopes")
			}
			if tc.hint != "" {
				assert.Contains(t, err.Error(), "("+tc.hint+")")
			}
		})
	}
}

func TestTokenNeverInAnyErrorString(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 401, 403, 404, 422, 429, 500, 503} {
		// Errors quote the request line and GitHub's message, never headers.
		c := answer(t, status, `{"message":"nope"}`, "X-OAuth-Scopes", "repo", "Retry-After", "1")
		_, err := c.Orgs.DeleteVersion(t.Context(), "o", Container, "a", 1)
		require.Error(t, err)
		for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err)} {
			assert.NotContains(t, s, secretToken, status)
			assert.NotContains(t, s, "Bearer", status)
		}
		var apiErr *Error
		require.ErrorAs(t, err, &apiErr)
		assert.NotContains(t, apiErr.URL, secretToken)
	}
}

func TestQueryTokenRedacted(t *testing.T) {
	t.Parallel()
	c := answer(t, 404, `{"message":"Package not found."}`)
	_, err := c.Orgs.Restore(t.Context(), "o", Container, "a", &RestoreOptions{Token: "pkgsecret"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "pkgsecret")
	assert.Contains(t, err.Error(), "/orgs/o/packages/container/a/restore?token=REDACTED")
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.NotContains(t, apiErr.URL, "pkgsecret")
}

func TestUselessBodiesStillGiveAUsefulError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, message string
	}{
		{"empty", "", "Not Found"},
		{"whitespace", " \n", "Not Found"},
		{"json without message", `{"documentation_url":"https://docs.github.com/rest"}`, "Not Found"},
		{"json null", `null`, "Not Found"},
		{"json array", `["a"]`, `["a"]`},
		{"truncated json", `{"message":"Package not fo`, `{"message":"Package not fo`},
		{"html", "<!DOCTYPE html>\n<html>\n<title>Unicorn!</title>\n</html>", "<!DOCTYPE html> <html> <title>Unicorn!</title> </html>"},
		{"invalid utf-8", "bad \xff bytes", "bad ? bytes"},
		{"long", strings.Repeat("x", 1000), strings.Repeat("x", 200) + "…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := answer(t, 404, tc.body, "X-GitHub-Request-Id", "RID")
			_, _, err := c.Users.Get(t.Context(), "octocat", NPM, "a")
			require.ErrorIs(t, err, ErrNotFound)
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.message, apiErr.Message)
			assert.Equal(t, 404, apiErr.StatusCode)
			assert.Equal(t, "RID", apiErr.RequestID)
			assert.Equal(t, "ghpackages: GET "+apiErr.URL+": 404 "+tc.message+" [request RID]", err.Error())
		})
	}
}

func TestHugeErrorBodyIsBounded(t *testing.T) {
	t.Parallel()
	c := answer(t, 500, strings.Repeat("y", 10<<20))
	_, _, err := c.Orgs.Get(t.Context(), "o", NPM, "a")
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, strings.Repeat("y", 200)+"…", apiErr.Message)
}

func TestTransportErrorsWrapContextErrors(t *testing.T) {
	t.Parallel()
	env := setup(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	env.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	c := env.client

	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, _, err := c.Orgs.Get(ctx, "o", Container, "a")
	require.ErrorIs(t, err, context.Canceled)
	var apiErr *Error
	assert.False(t, errors.As(err, &apiErr))
	assert.Contains(t, err.Error(), "ghpackages: GET http://127.0.0.1:")
	assert.NotContains(t, err.Error(), secretToken)

	ctx, cancel = context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err = c.Orgs.DeleteVersion(ctx, "o", Container, "a", 1)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "ghpackages: DELETE http://127.0.0.1:")

	// Already canceled: nothing is sent.
	before := env.hits.Load()
	ctx, cancel = context.WithCancel(t.Context())
	cancel()
	_, _, err = c.User.ListVersions(ctx, NPM, "a", nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, before, env.hits.Load())
}

func TestConnectionRefusedIsATransportError(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithBaseURL("http://127.0.0.1:1"), WithHTTPClient(ownClient(t)), WithToken(secretToken), WithPacing(NoPacing()), WithRetry(NoRetry()))
	require.NoError(t, err)
	_, _, err = c.Orgs.Get(t.Context(), "o", Container, "a")
	require.Error(t, err)
	var apiErr *Error
	assert.False(t, errors.As(err, &apiErr), "no response, no *Error")
	for _, s := range allSentinels {
		assert.NotErrorIs(t, err, s)
	}
	assert.True(t, strings.HasPrefix(err.Error(), "ghpackages: GET http://127.0.0.1:1/orgs/o/packages/container/a: "), err.Error())
	assert.NotContains(t, err.Error(), secretToken)
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 300)
	s := summarize([]byte(long))
	assert.Equal(t, strings.Repeat("é", 100)+"…", s, "cut on a rune boundary")
	assert.Equal(t, "a b", summarize([]byte(" a\n\tb ")))
	assert.Equal(t, "?x", summarize([]byte{0xff, 'x'}))
	assert.Equal(t, "", summarize(nil))
}

// A 403 that is about a scope stays a scope error even when it also says the
// budget is spent: waiting for the reset cannot fix a missing scope. GitHub's
// own primary-limit message ("rate limit") still makes it a rate limit.
func TestScopeRefusalWithBudgetSpentIsNotARateLimit(t *testing.T) {
	t.Parallel()
	reset := strconv.FormatInt(newTestClock().Now().Add(90*time.Second).Unix(), 10)
	spent := []string{"X-RateLimit-Limit", "5000", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", reset}
	tests := []struct {
		name        string
		message     string
		headers     []string
		wantLimit   bool
		wantMissing []Scope
	}{
		{name: "message names a scope", message: "This operation requires the delete:packages scope.", headers: spent},
		{name: "token lacks a scope the operation needs", message: "Resource not accessible by personal access token",
			headers: append([]string{"X-OAuth-Scopes", "read:packages"}, spent...), wantMissing: []Scope{ScopeDeletePackages}},
		{name: "GitHub's primary-limit message stays a rate limit", message: "API rate limit exceeded for user ID 1.",
			headers: append([]string{"X-OAuth-Scopes", "read:packages"}, spent...), wantLimit: true},
		{name: "budget spent and nothing else said is a primary limit", message: "Forbidden", headers: spent, wantLimit: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := &scripted{steps: []func(http.ResponseWriter, *http.Request){status(403, tc.message, tc.headers...), status(204, "")}}
			clock := newTestClock()
			c := retryClient(t, h, clock)
			_, err := c.Orgs.DeleteVersion(t.Context(), "octo-org", Container, "app", 1260000001)
			if tc.wantLimit {
				// Waited for the reset (91 s on the test clock), then succeeded.
				require.NoError(t, err)
				assert.Equal(t, 2, h.count())
				assert.Equal(t, []time.Duration{91 * time.Second}, clock.sleeps())
				return
			}
			require.ErrorIs(t, err, ErrForbidden)
			assert.NotErrorIs(t, err, ErrRateLimited)
			var rl *RateLimitError
			assert.False(t, errors.As(err, &rl))
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.wantMissing, apiErr.MissingScopes)
			assert.Equal(t, 1, h.count(), "never retried")
			assert.Empty(t, clock.sleeps(), "no wait for a reset")
		})
	}
}
