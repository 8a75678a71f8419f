package cli

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

func TestWaitString(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		42 * time.Second:                      "42s",
		time.Minute:                           "1m",
		84 * time.Second:                      "1m24s",
		15*time.Minute + 30*time.Second:       "15m30s",
		time.Hour:                             "1h",
		time.Hour + 30*time.Second:            "1h0m30s",
		250 * time.Millisecond:                "250ms",
		1500 * time.Millisecond:               "2s",
		0:                                     "0s",
		2*time.Hour + 10*time.Minute + 1:      "2h10m",
		10*time.Second + 400*time.Millisecond: "10s",
	} {
		assert.Equal(t, want, waitString(d), "%v", d)
	}
}

func TestRetryLine(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "ghpkg: rate limited (primary rate limit), waiting 42s before retrying GET /orgs/o/packages (attempt 2)",
		retryLine(ghpackages.RetryEvent{Method: "GET", URL: "https://api.github.com/orgs/o/packages?package_type=npm", Attempt: 2,
			Reason: ghpackages.RetryPrimaryLimit, StatusCode: 403, Wait: 42 * time.Second}))
	assert.Equal(t, "ghpkg: transport error on DELETE /x, retrying in 1s (attempt 1)",
		retryLine(ghpackages.RetryEvent{Method: "DELETE", URL: "https://h/x", Attempt: 1, Reason: ghpackages.RetryTransport, Wait: time.Second}))
}

func TestDefaultRegistry(t *testing.T) {
	t.Parallel()
	for base, want := range map[string]string{
		ghpackages.DefaultBaseURL:               "ghcr.io",
		"https://API.GITHUB.COM/":               "ghcr.io",
		"https://ghes.example.com/api/v3/":      "containers.ghes.example.com",
		"https://ghes.example.com:8443/api/v3/": "containers.ghes.example.com",
		"http://127.0.0.1:8080/":                "127.0.0.1:8080",
		"http://localhost:9/":                   "localhost:9",
		"http://[::1]:9/":                       "[::1]:9",
		"::bad":                                 "ghcr.io",
	} {
		assert.Equal(t, want, defaultRegistry(base), base)
	}
}

func TestMarkdownTableEscapes(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "| a\\|b | c |\n| --- | --- |\n| x y | \\| |\n",
		markdownTable([]string{"a|b", "c"}, [][]string{{"x\ny", "|"}}))
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	assert.Equal(t, ExitUsage, exitCode(usagef("x")))
	assert.Equal(t, ExitUsage, exitCode(explain(&ghpackages.Error{StatusCode: 401})))
	assert.Equal(t, ExitUsage, exitCode(explain(&ghpackages.Error{StatusCode: 404, MissingScopes: []ghpackages.Scope{ghpackages.ScopeRepo}})))
	assert.Equal(t, ExitUsage, exitCode(scopeError{what: "x", missing: []ghpackages.Scope{ghpackages.ScopeRepo}}))
	assert.Equal(t, ExitFailed, exitCode(explain(&ghpackages.Error{StatusCode: 500})))
	assert.Equal(t, ExitFailed, exitCode(errors.New("boom")))
	once := explain(&ghpackages.Error{StatusCode: 401})
	assert.Equal(t, once.Error(), explain(once).Error(), "advice is added once")
}

// TestReasonKind: kept_by_reason keys name the rule, without the version's
// tag, digest, age or the pattern's text, and never cut a phrase in two
// (issue 17, item 5: "tag matches no include pattern the version would
// delete all its tags)").
func TestReasonKind(t *testing.T) {
	t.Parallel()
	for reason, want := range map[string]string{
		"tag v1.0.0 matches no include pattern (deleting the version would delete all its tags)": "tag matches no include pattern",
		"tag nightly-1 matches exclude pattern re:^nightly-(a|b)$":                               "tag matches exclude pattern",
		"tag v1 is on the keep list":                                       "tag is on the keep list",
		"ID 1260000006 is on the keep list":                                "ID is on the keep list",
		"name sha256:0123456789ab… is on the keep list":                    "name is on the keep list",
		"created 3d ago, not older than 30d":                               "not older than 30d",
		"needed by kept sha256:0123456789ab… (latest)":                     "needed by a kept image",
		"untagged; --include selects tagged versions only":                 "untagged; --include selects tagged versions only",
		"kept: the registry could not be read (see the warning on stderr)": "kept: the registry could not be read (see the warning on stderr)",
	} {
		got := reasonKind(reason)
		assert.Equal(t, want, got, reason)
		assert.Equal(t, strings.Count(got, "("), strings.Count(got, ")"), "balanced: %q", got)
	}
}
