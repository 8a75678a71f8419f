package ghpackages

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorded is an answer as it was seen: its status, the headers that
// matter here ("Name: value"), its message, and where it was seen.
type recorded struct {
	status  int
	headers []string
	message string
	source  string
}

// recordedAnswers reads testdata/classify/recorded.json: by rule name, the
// answers GitHub was recorded sending that the rule, and no rule before it,
// must match.
func recordedAnswers(t *testing.T) map[string][]recorded {
	t.Helper()
	b, err := os.ReadFile("testdata/classify/recorded.json")
	require.NoError(t, err)
	var rows []struct {
		Rule     string
		Recorded []struct {
			Status  int
			Headers []string
			Message string
			Source  string
		}
	}
	require.NoError(t, json.Unmarshal(b, &rows))
	out := map[string][]recorded{}
	for _, row := range rows {
		require.NotContains(t, out, row.Rule, "one entry per rule")
		out[row.Rule] = []recorded{}
		for _, r := range row.Recorded {
			out[row.Rule] = append(out[row.Rule], recorded{r.Status, r.Headers, r.Message, r.Source})
		}
	}
	return out
}

// classifyAnswer classifies resp, the answer to req, and names req in the
// error as Client.do does.
func classifyAnswer(req *http.Request, resp *Response, body []byte, ep endpoint, now time.Time) error {
	resp.Request = req
	return wrap(req, classify(resp, body, ep, now))
}

// classifyRecorded classifies a recorded answer to a list-packages request
// past the 10,000-item limit when listPast, else to a version DELETE. The
// token has every scope the operation needs.
func classifyRecorded(t *testing.T, rec recorded, listPast bool) error {
	t.Helper()
	h := http.Header{}
	h.Set("X-OAuth-Scopes", "read:packages, delete:packages")
	for _, kv := range rec.headers {
		k, v, ok := strings.Cut(kv, ": ")
		require.True(t, ok, kv)
		h.Set(k, v)
	}
	var body []byte
	if rec.message != "" {
		var err error
		body, err = json.Marshal(map[string]string{"message": rec.message, "documentation_url": "https://docs.github.com/rest"})
		require.NoError(t, err)
	}
	req := httptest.NewRequest(http.MethodDelete, "https://api.github.com/orgs/o/packages/container/a/versions/1", nil)
	ep := deleteOp(Container, "orgs/o/packages/container/a", "orgs/o/packages/container/a/versions/1")
	if listPast {
		req = httptest.NewRequest(http.MethodGet, "https://api.github.com/orgs/o/packages?package_type=container&page=101&per_page=100", nil)
		ep = listOp(Container)
	}
	resp := newResponse(&http.Response{StatusCode: rec.status, Header: h})
	return classifyAnswer(req, resp, body, ep, testEpoch)
}

// TestClassificationRules runs one test per row of the classification
// table: each answer GitHub was recorded sending for that row is classified
// by that row (no earlier row claims it) and matches that row's sentinel,
// and no other.
func TestClassificationRules(t *testing.T) {
	t.Parallel()
	sentinels := append(allSentinels, ErrDeleteUnconfirmed, ErrRestoreUnconfirmed, ErrInvalidArgument, ErrTokenSource)
	answers := recordedAnswers(t)
	names := map[string]bool{}
	for i := range rules {
		r := &rules[i]
		require.False(t, names[r.name], "rule names are unique: %s", r.name)
		names[r.name] = true
		recs := answers[r.name]
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			require.NotEmpty(t, recs, "every rule has recorded answers")
			for _, rec := range recs {
				what := strings.TrimSpace(strings.Join(append([]string{http.StatusText(rec.status)}, rec.headers...), " ") + " " + rec.message)
				assert.NotEmpty(t, rec.source, what)
				err := classifyRecorded(t, rec, r.kind == ErrListLimit)
				var apiErr *Error
				require.ErrorAs(t, err, &apiErr, what)
				assert.Equal(t, rec.status, apiErr.StatusCode, what)
				for _, s := range sentinels {
					assert.Equal(t, s == r.kind, errors.Is(err, s), "%s: errors.Is(err, %v)", what, s)
				}
				var rl *RateLimitError
				assert.Equal(t, r.kind == ErrRateLimited, errors.As(err, &rl), "%s: rate limits, and only they, are *RateLimitError", what)
				if rl != nil && r.secondary {
					assert.True(t, rl.Secondary, what)
				}
			}
		})
	}
	assert.Equal(t, "any other answer", rules[len(rules)-1].name, "the last rule takes whatever the others do not")
	for name := range answers {
		assert.True(t, names[name], "recorded answers for a rule the table has: %s", name)
	}
}

// TestRateLimitSignalsOrder pins what the order of the rate-limit rows
// decides, case by case: a limit is secondary when its message says so, or
// when it asks for a wait while the primary budget is not spent; a 403 that
// is about a scope is a scope refusal even with the budget spent.
func TestRateLimitSignalsOrder(t *testing.T) {
	t.Parallel()
	spent := []string{"X-RateLimit-Remaining: 0", "X-RateLimit-Reset: 1795525200"}
	for _, tc := range []struct {
		name      string
		rec       recorded
		limit     bool
		secondary bool
	}{
		{"secondary message, budget spent", recorded{status: 403, headers: spent, message: "You have exceeded a secondary rate limit."}, true, true},
		{"primary message, budget spent", recorded{status: 403, headers: spent, message: "API rate limit exceeded for user ID 1."}, true, false},
		{"primary message with Retry-After, budget left", recorded{status: 403, headers: []string{"Retry-After: 60", "X-RateLimit-Remaining: 10"}, message: "API rate limit exceeded"}, true, true},
		{"429, budget left", recorded{status: 429, headers: []string{"X-RateLimit-Remaining: 10"}, message: "Too Many Requests"}, true, true},
		{"429, budget spent", recorded{status: 429, headers: spent, message: "Too Many Requests"}, true, false},
		{"Retry-After on a 403, budget spent", recorded{status: 403, headers: append([]string{"Retry-After: 30"}, spent...), message: "Forbidden"}, true, false},
		{"a scope named, budget spent", recorded{status: 403, headers: spent, message: "This operation requires the delete:packages scope."}, false, false},
		{"Retry-After on a 404", recorded{status: 404, headers: []string{"Retry-After: 30"}, message: "Not Found"}, false, false},
		{"secondary message on a 400", recorded{status: 400, message: "secondary rate limit"}, false, false},
	} {
		err := classifyRecorded(t, tc.rec, false)
		var rl *RateLimitError
		require.Equal(t, tc.limit, errors.As(err, &rl), tc.name)
		if tc.limit {
			assert.Equal(t, tc.secondary, rl.Secondary, tc.name)
			assert.Nil(t, rl.Err.MissingScopes, tc.name)
		}
	}
	// The token lacking a scope the operation needs makes a 403 a scope
	// refusal too, whatever its message, budget spent or not.
	req := httptest.NewRequest(http.MethodDelete, "https://api.github.com/orgs/o/packages/container/a/versions/1", nil)
	h := http.Header{"X-Oauth-Scopes": {"read:packages"}, "X-Ratelimit-Remaining": {"0"}}
	err := classifyAnswer(req, newResponse(&http.Response{StatusCode: 403, Header: h}), []byte(`{"message":"Resource not accessible by personal access token"}`),
		deleteOp(Container, "p", "p/versions/1"), time.Now())
	assert.ErrorIs(t, err, ErrForbidden)
	assert.NotErrorIs(t, err, ErrRateLimited)
}
