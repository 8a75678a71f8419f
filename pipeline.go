package ghpackages

import (
	"errors"
	"fmt"
	"net/http"
)

// The request path. Every call, typed or raw, goes through Client.do, which
// runs each attempt down these stages and back, once:
//
//	stage     file         entry point                     what it does
//	pacing    pacing.go    limiter.acquire, limiter.pause  waits for a slot under the Client's own
//	                                                       limits and any pause a rate limit imposed
//	send      send.go      Client.send                     sends one attempt, reads the answer, and
//	                                                       says how the attempt ended (verdict)
//	  copy    send.go      Client.sendable                 one copy per attempt: fresh body, condition, token
//	  cache   cache.go     etagCache.lookup, keep          If-None-Match; a 304 is served from the cache
//	  auth    auth.go      checkedToken                    the token, for the API host only
//	  errors  classify.go  classify                        a non-2xx answer → *Error / *RateLimitError
//	  decode  decode.go    decodeInto                      a 2xx body → the caller's value
//	retry     retry.go     RetryPolicy.next                reads the verdict: whether to wait and send
//	                                                       again, how long
//	resend    resend.go    mayResend                       whether the request may be sent again at all
//
// do wraps an error with the request (method and redacted URL) once, when
// it returns it. A delete or restore whose resend was answered 404 after a
// lost answer comes back unconfirmed (Response.Replayed); the methods that
// delete and restore settle it by reading (packages.go, settle).
//
// What a typed method knows of its operation travels with the request as an
// endpoint (endpoint.go); a raw Do call has only its method.

// Do sends req, made with NewRequest, and, for a 2xx response with a body,
// decodes the JSON body into v (when v is not nil; an io.Writer v receives
// the raw body instead). An empty body (or one of white space only) is no
// body: v is left as it is. A 2xx answer is final: a body that does not
// decode into v is a *DecodeError, one over the Client's cap (see
// WithMaxResponseBytes) a *ResponseTooLargeError, and neither is sent
// again. A mutation answered with a redirect is a *RedirectError (never
// followed). Any other status becomes an *Error (or a *RateLimitError)
// matched by this package's sentinel errors. Transport
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
// the request was not resent. As with http.Client.Do, req's body, if any,
// is closed whether or not the request is sent.
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	var ep endpoint
	if req != nil { // do refuses a nil one, after a Client not made by NewClient
		ep = rawEndpoint(req.Method)
	}
	return c.do(req, ep, v)
}

// do sends req, an operation described by ep, through the stages above,
// decoding a 2xx answer into v. Its error names the request, once (wrap).
func (c *Client) do(req *http.Request, ep endpoint, v any) (*Response, error) {
	if req == nil {
		if err := c.ready(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: nil request", ErrInvalidArgument)
	}
	if err := c.ready(); err != nil {
		closeUnsent(req)
		return nil, err
	}
	if err := req.Context().Err(); err != nil {
		closeUnsent(req)
		return nil, err
	}
	if !sameHost(req.URL, c.baseURL) {
		closeUnsent(req)
		return nil, fmt.Errorf("%w: refusing request to %s://%s: not the API host", ErrInvalidArgument, req.URL.Scheme, req.URL.Host)
	}
	resp, err := c.attempts(req, ep, v)
	if err != nil {
		return resp, wrap(req, err)
	}
	return resp, nil
}

// attempts sends req until an attempt succeeds or the retry stage says to
// stop, and returns the last attempt's response and error.
func (c *Client) attempts(req *http.Request, ep endpoint, v any) (*Response, error) {
	ctx := req.Context()
	var t tries
	for n := 1; ; n++ {
		release, err := c.limiter.acquire(ctx, ep.mutation, c.Rate(coreResource))
		if err != nil {
			if n == 1 {
				closeUnsent(req)
			}
			return nil, fmt.Errorf("waiting to send: %w", err)
		}
		a := c.send(req, ep, v, n)
		release()
		c.recordRate(a.resp)
		if a.resp != nil {
			a.resp.Attempts = n
		}
		if a.err == nil {
			return a.resp, nil
		}
		if t.ambiguous && replays(req, ep) && errors.Is(a.err, ErrNotFound) {
			return a.resp, unconfirmed(ep, a)
		}
		o := c.retry.next(&t, req, a, c.clock.Now(), fullJitter)
		if o.reason == "" {
			return a.resp, a.err
		}
		if o.pause {
			c.limiter.pause(c.clock.Now().Add(o.wait))
		}
		if why := mayResend(req, ep, o.refused, a.verdict); why != "" {
			return a.resp, notResent(a.err, why)
		}
		c.report(req, a.resp, n, o, a.err)
		if serr := sleepFor(ctx, c.clock, o.wait); serr != nil {
			if ctx.Err() == nil {
				// The deadline would pass before the wait ends: give up now.
				return a.resp, a.err
			}
			return a.resp, fmt.Errorf("%w (gave up waiting to retry: %w)", a.err, ctx.Err())
		}
	}
}

// closeUnsent closes the body of req, which is not sent, as
// http.Client.Do closes a request's body on every path, sent or not.
func closeUnsent(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// wrap names req (its method and redacted URL) in err: in the error itself
// when it is one of the package's types that carry them (named) made for
// req, else as a prefix. It is the one place errors of the request path
// are wrapped.
func wrap(req *http.Request, err error) error {
	u := redactURL(req.URL)
	var n named
	if errors.As(err, &n) && n.name(req.Method, u) {
		return err
	}
	return fmt.Errorf("ghpackages: %s %s: %w", req.Method, u, err)
}
