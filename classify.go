package ghpackages

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The error-classification stage of the request path: what a non-2xx
// answer means. GitHub tells most answers apart by their status, rate
// limits by status and headers, and a few refusals (the last version, the
// download limit) only by the text of their message. rules holds that
// knowledge as a table tried in order, the first match winning. The answers
// GitHub was recorded sending, which each row (and no row before it) must
// match, are kept beside the table in testdata/classify/recorded.json, and
// classify_test.go checks each row against them, one test per row.

// signals are what the rules read of a non-2xx response.
type signals struct {
	status       int
	message      string // GitHub's message, lower-cased
	retryAfter   bool   // a Retry-After header was sent
	exhausted    bool   // X-RateLimit-Remaining: 0
	lacksScope   bool   // the token lacks a scope the operation needs
	listEndpoint bool   // a list-packages endpoint (endpoint.listLimit)
	pastLimit    bool   // the request asked for page × per_page > 10,000
}

// limitStatus reports whether a's status is one GitHub sends rate limits
// with.
func (a *signals) limitStatus() bool {
	return a.status == http.StatusForbidden || a.status == http.StatusTooManyRequests
}

// has reports whether a's message contains phrase (lower case).
func (a *signals) has(phrase string) bool { return strings.Contains(a.message, phrase) }

// rule is one kind of answer.
type rule struct {
	name  string
	match func(a *signals) bool
	// kind is the sentinel the error matches (see Error.Is); nil for none.
	// ErrRateLimited makes the error a *RateLimitError.
	kind error
	// secondary marks a rate limit as secondary whatever its headers say;
	// another limit is secondary when it asks for a wait (Retry-After or
	// 429) while the primary budget is not spent.
	secondary bool
}

// rules is the classification table. Rate limits come first, most
// specific first, so that a 403 about a scope is told from a spent budget
// in one place (the "spent budget" row); then GitHub's named refusals;
// then the status alone.
var rules = []rule{
	{
		name:      "secondary rate limit",
		match:     func(a *signals) bool { return a.limitStatus() && (a.has("secondary rate limit") || a.has("abuse")) },
		kind:      ErrRateLimited,
		secondary: true,
	},
	{
		name:  "rate limit named in the message",
		match: func(a *signals) bool { return a.limitStatus() && a.has("rate limit") },
		kind:  ErrRateLimited,
	},
	{
		name: "wait asked for",
		match: func(a *signals) bool {
			return a.limitStatus() && (a.retryAfter || a.status == http.StatusTooManyRequests)
		},
		kind: ErrRateLimited,
	},
	{
		// A 403 that names a scope, or comes while the token lacks one the
		// operation needs, is a scope refusal even when the budget happens
		// to be spent: waiting for the reset cannot fix it.
		name: "spent budget",
		match: func(a *signals) bool {
			return a.status == http.StatusForbidden && a.exhausted && !a.has("scope") && !a.lacksScope
		},
		kind: ErrRateLimited,
	},
	{
		name:  "forbidden",
		match: func(a *signals) bool { return a.status == http.StatusForbidden },
		kind:  ErrForbidden,
	},
	{
		name:  "last version",
		match: func(a *signals) bool { return a.status == http.StatusBadRequest && a.has("cannot delete the last") },
		kind:  ErrLastVersion,
	},
	{
		name: "download limit",
		match: func(a *signals) bool {
			return a.status == http.StatusBadRequest && a.has("downloads cannot be deleted")
		},
		kind: ErrTooManyDownloads,
	},
	{
		// The OpenAPI description gives this answer no body; GitHub's
		// message, when sent, names the limit. A list request past the
		// limit is refused whatever the message.
		name: "list limit",
		match: func(a *signals) bool {
			return a.status == http.StatusBadRequest && a.listEndpoint && (a.has("10000") || a.pastLimit)
		},
		kind: ErrListLimit,
	},
	{
		name:  "unauthorized",
		match: func(a *signals) bool { return a.status == http.StatusUnauthorized },
		kind:  ErrUnauthorized,
	},
	{
		name:  "not found",
		match: func(a *signals) bool { return a.status == http.StatusNotFound },
		kind:  ErrNotFound,
	},
	{
		name:  "server error",
		match: func(a *signals) bool { return a.status >= 500 && a.status <= 599 },
		kind:  ErrServer,
	},
	{
		name:  "any other answer",
		match: func(*signals) bool { return true },
	},
}

// ruleFor returns the first rule a matches.
func ruleFor(a *signals) *rule {
	for i := range rules {
		if rules[i].match(a) {
			return &rules[i]
		}
	}
	panic("ghpackages: no rule matched") // the last rule matches everything
}

// errorBody is GitHub's JSON error shape.
type errorBody struct {
	Message          string        `json:"message"`
	DocumentationURL string        `json:"documentation_url"`
	Errors           []ErrorDetail `json:"errors"`
}

// classify maps a non-2xx response to *Error or *RateLimitError (whose
// request Client.do names). body is (the start of) its body; ep is what is
// known of the operation (nothing, for a raw Do call); now is the Client's
// clock, against which an HTTP-date Retry-After is read.
func classify(resp *Response, body []byte, ep endpoint, now time.Time) error {
	e := &Error{
		StatusCode: resp.StatusCode,
		RequestID:  resp.RequestID,
		Response:   resp,
	}
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err == nil {
		e.Message, e.DocumentationURL, e.Errors = eb.Message, eb.DocumentationURL, eb.Errors
	} else {
		// Not JSON (an HTML error page, a proxy's text, a truncated body):
		// keep a short single-line excerpt.
		e.Message = summarize(body)
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		if ep.op != "" && resp.TokenScopes != nil {
			e.MissingScopes = MissingScopes(resp.TokenScopes, RequiredScopes(ep.op, ep.typ))
		}
	}
	retryAfter, hasRetryAfter := parseRetryAfter(resp.Header.Get("Retry-After"), now)
	a := signals{
		status:       resp.StatusCode,
		message:      strings.ToLower(e.Message),
		retryAfter:   hasRetryAfter,
		exhausted:    resp.Header.Get(headerRateRemaining) == "0",
		lacksScope:   len(e.MissingScopes) > 0,
		listEndpoint: ep.listLimit,
		pastLimit:    ep.listLimit && resp.Request != nil && pastListLimit(resp.Request.URL),
	}
	r := ruleFor(&a)
	e.kind = r.kind
	if r.kind == ErrRateLimited {
		e.MissingScopes = nil // a wait, not a scope, is what it needs
		return &RateLimitError{
			Err:            e,
			Rate:           resp.Rate,
			RetryAfter:     retryAfter,
			retryAfterSent: hasRetryAfter,
			Secondary:      r.secondary || (!a.exhausted && (a.retryAfter || a.status == http.StatusTooManyRequests)),
		}
	}
	if resp.StatusCode == http.StatusNotFound && ep.op != "" {
		switch {
		case len(e.MissingScopes) > 0:
			e.Hint = "GitHub answers 404 rather than 403 when the token cannot see a package"
		case ep.op == OperationDelete || ep.op == OperationRestore:
			e.Hint = "GitHub also answers 404 when the token lacks admin permission on the package"
		}
	}
	return e
}

// pastListLimit reports whether a list request asked for page × per_page
// beyond 10,000 (per_page defaulting to 30), the case GitHub refuses.
func pastListLimit(u *url.URL) bool {
	q := u.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	perPage, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || perPage <= 0 {
		perPage = 30
	}
	return page*min(perPage, maxPerPage) > 10000
}

// parseRetryAfter reads Retry-After as seconds or as an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		// A negative count is "now"; one too large for a Duration is the
		// longest wait one can say (it must not overflow to "now").
		n = min(max(n, 0), int64(math.MaxInt64/time.Second))
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// summarize makes a short one-line excerpt of a non-JSON body.
func summarize(body []byte) string {
	const max = 200
	s := strings.Join(strings.Fields(string(body)), " ")
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
