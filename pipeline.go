package ghpackages

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// The request path. Every call, typed or raw, goes through Client.do, which
// runs each attempt through these stages, each in its own file:
//
//	stage     file         entry point                     what it does
//	pacing    pacing.go    limiter.acquire, limiter.pause  waits for a slot under the Client's own
//	                                                       limits and any pause a rate limit imposed
//	send      send.go      Client.send                     sends one attempt and reads the answer
//	  resend  resend.go    forAttempt                      a resend gets a fresh copy of the body
//	  cache   cache.go     etagCache.lookup, condition     If-None-Match; a 304 is served from the cache
//	  auth    auth.go      authTransport (RoundTripper)    adds the token to a copy of the request
//	  errors  classify.go  classify                        a non-2xx answer → *Error / *RateLimitError
//	  decode  decode.go    decodeInto                      a 2xx body → the caller's value
//	retry     retry.go     RetryPolicy.next                whether to wait and send again, how long
//	resend    resend.go    mayResend                       whether the request may be sent again at all
//	replay    replay.go    Client.settleReplay             a resend answered 404 after a lost answer
//
// What a typed method knows of its operation travels with the request as an
// endpoint (endpoint.go); a raw Do call has only its method.

// Do sends req, made with NewRequest, and, for a 2xx response with a body,
// decodes the JSON body into v (when v is not nil; an io.Writer v receives
// the raw body instead). An empty body (or one of white space only) is no
// body: v is left as it is. Any other status becomes an *Error (or a
// *RateLimitError) matched by this package's sentinel errors. Transport
// errors are returned wrapped, so errors.Is(err, context.Canceled) works.
// The returned Response is non-nil whenever a response was received.
//
// Do applies the Client's pacing (WithPacing), its RetryPolicy (WithRetry)
// and its ETag cache (WithETagCache). It knows nothing of the operation
// beyond the request, so it classifies by method alone (see "Raw requests"
// in the package doc): a transient failure is retried for GET, HEAD and
// DELETE only; errors carry no MissingScopes and never match ErrListLimit.
// A request is sent again only when its body, if any, can be rewound
// (GetBody, which NewRequest sets): one that cannot is sent once, and a
// failure that would have been retried or waited out is returned, saying
// the request was not resent.
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, fmt.Errorf("%w: nil request", ErrInvalidArgument)
	}
	return c.do(req, rawEndpoint(req.Method), v)
}

// do sends req, an operation described by ep, through the stages above,
// decoding a 2xx answer into v.
func (c *Client) do(req *http.Request, ep endpoint, v any) (*Response, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, fmt.Errorf("%w: nil request", ErrInvalidArgument)
	}
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req.URL.Scheme != c.baseURL.Scheme || !strings.EqualFold(req.URL.Host, c.baseURL.Host) {
		return nil, fmt.Errorf("%w: refusing request to %s://%s: not the API host", ErrInvalidArgument, req.URL.Scheme, req.URL.Host)
	}
	var t tries
	for n := 1; ; n++ {
		release, err := c.limiter.acquire(ctx, req.Method, c.Rate(coreResource))
		if err != nil {
			return nil, fmt.Errorf("ghpackages: %s %s: waiting to send: %w", req.Method, redactURL(req.URL), err)
		}
		resp, err := c.send(req, ep, v, n)
		release()
		c.recordRate(resp)
		if resp != nil {
			resp.Attempts = n
		}
		if err == nil {
			return resp, nil
		}
		if t.ambiguous && replays(req, ep) && errors.Is(err, ErrNotFound) {
			return resp, c.settleReplay(req, ep, resp, err)
		}
		o := c.retry.next(&t, req, err, c.clock.Now(), fullJitter)
		if o.reason == "" {
			return resp, err
		}
		if o.pause {
			c.limiter.pause(c.clock.Now().Add(o.wait))
		}
		if why := mayResend(req, ep, o.refused); why != "" {
			return resp, notResent(err, why)
		}
		c.report(req, resp, n, o, err)
		if serr := sleepFor(ctx, c.clock, o.wait); serr != nil {
			if ctx.Err() == nil {
				// The deadline would pass before the wait ends: give up now.
				return resp, err
			}
			return resp, fmt.Errorf("%w (gave up waiting to retry: %w)", err, ctx.Err())
		}
	}
}
