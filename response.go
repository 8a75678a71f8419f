package ghpackages

import (
	"encoding/json"
	"maps"
	"net/http"
	"strconv"
	"time"
)

// Response wraps the HTTP response of an API call with what GitHub's headers
// say about it. Its Body has already been read and closed.
type Response struct {
	*http.Response

	// Rate is the rate-limit state after this request (X-RateLimit-*).
	Rate Rate
	// RequestID is GitHub's X-GitHub-Request-Id, worth quoting to support.
	RequestID string

	// Pagination links from the Link header, exactly as sent, but for a
	// relative one, resolved against the request's URL (RFC 3986), so that
	// NewRequest takes each as it is; empty when absent.
	NextURL, PrevURL, FirstURL, LastURL string
	// The page numbers of those links; 0 when absent.
	NextPage, PrevPage, FirstPage, LastPage int

	// TokenScopes are the classic scopes the token has (X-OAuth-Scopes).
	// Nil when the header is absent, e.g. for fine-grained tokens.
	TokenScopes []Scope
	// AcceptedScopes are the scopes the endpoint accepts
	// (X-Accepted-OAuth-Scopes); nil when the header is absent.
	AcceptedScopes []Scope

	// Attempts is how many times the request was sent (more than 1 after
	// retries).
	Attempts int
	// Replayed is set when a DELETE or a restore was sent again after its
	// first attempt's answer was lost (a dropped connection, a 5xx) and the
	// retry was answered 404, so the server may have carried out the first
	// one. See ErrDeleteUnconfirmed and ErrRestoreUnconfirmed for what the
	// methods return then.
	Replayed bool
	// FromCache is set when GitHub answered 304 Not Modified and the body
	// came from the ETag cache.
	FromCache bool
}

func newResponse(r *http.Response) *Response {
	resp := &Response{Response: r, RequestID: r.Header.Get(headerRequestID)}
	resp.Rate = parseRate(r.Header)
	resp.populatePageLinks()
	resp.TokenScopes = headerScopes(r.Header, headerOAuthScopes)
	resp.AcceptedScopes = headerScopes(r.Header, headerAcceptedScopes)
	return resp
}

// Rate is GitHub's rate-limit state as reported by the X-RateLimit-* headers.
// It decodes from, and encodes to, the objects of GitHub's GET /rate_limit
// body: {"limit":5000,"remaining":4999,"used":1,"reset":1372700873}, with
// reset in seconds since the Unix epoch (0 for the zero Reset) and an
// optional "resource".
type Rate struct {
	Limit     int
	Remaining int
	Used      int
	Reset     time.Time
	Resource  string
}

// rateJSON is Rate as GitHub's GET /rate_limit body spells it.
type rateJSON struct {
	Limit     int    `json:"limit"`
	Remaining int    `json:"remaining"`
	Used      int    `json:"used"`
	Reset     int64  `json:"reset"`
	Resource  string `json:"resource,omitempty"`
}

// MarshalJSON writes r as GitHub's GET /rate_limit body does, reset in
// epoch seconds.
func (r Rate) MarshalJSON() ([]byte, error) {
	j := rateJSON{Limit: r.Limit, Remaining: r.Remaining, Used: r.Used, Resource: r.Resource}
	if !r.Reset.IsZero() {
		j.Reset = r.Reset.Unix()
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads one rate object of GitHub's GET /rate_limit body.
func (r *Rate) UnmarshalJSON(b []byte) error {
	var j rateJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Rate{Limit: j.Limit, Remaining: j.Remaining, Used: j.Used, Resource: j.Resource}
	if j.Reset != 0 {
		r.Reset = time.Unix(j.Reset, 0)
	}
	return nil
}

func parseRate(h http.Header) Rate {
	var r Rate
	r.Limit, _ = strconv.Atoi(h.Get(headerRateLimit))
	r.Remaining, _ = strconv.Atoi(h.Get(headerRateRemaining))
	r.Used, _ = strconv.Atoi(h.Get(headerRateUsed))
	if s, err := strconv.ParseInt(h.Get(headerRateReset), 10, 64); err == nil {
		r.Reset = time.Unix(s, 0)
	}
	r.Resource = h.Get(headerRateResource)
	return r
}

// hasRate reports whether the headers carry rate-limit information.
func hasRate(h http.Header) bool { return h.Get(headerRateLimit) != "" }

// coreResource is the REST API's primary budget, the one pacing reads.
const coreResource = "core"

// Rate returns the rate-limit state of resource ("core", "search",
// "graphql", … as GitHub names them in X-RateLimit-Resource) reported by the
// most recent response about it; the zero Rate before any. A response
// without X-RateLimit-Resource counts as "core". The Client's own waiting
// for a spent budget (see WithPacing) reads only "core", so a raw call to
// another resource never disturbs it.
func (c *Client) Rate(resource string) Rate {
	if c == nil {
		return Rate{}
	}
	c.rateMu.Lock()
	defer c.rateMu.Unlock()
	return c.rates[resource]
}

// Rates returns a copy of the latest rate-limit state of every resource a
// response has reported on, keyed by resource name.
func (c *Client) Rates() map[string]Rate {
	if c == nil {
		return nil
	}
	c.rateMu.Lock()
	defer c.rateMu.Unlock()
	return maps.Clone(c.rates)
}

// recordRate keeps the rate a response reported, under its resource.
func (c *Client) recordRate(resp *Response) {
	if resp == nil || !hasRate(resp.Header) {
		return
	}
	r := resp.Rate
	if r.Resource == "" {
		r.Resource = coreResource
	}
	c.rateMu.Lock()
	defer c.rateMu.Unlock()
	if c.rates == nil {
		c.rates = map[string]Rate{}
	}
	c.rates[r.Resource] = r
}
