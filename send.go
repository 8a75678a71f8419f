package ghpackages

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
)

// The send stage of the request path: one attempt, from what is sent to
// the answer read, and the one decision of how it ended (verdict), which
// is all the retry stage reads.

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// verdict is how an attempt ended, decided once, in send.
type verdict uint8

const (
	// answered: the server answered, with any status. A 2xx is final: an
	// error reading or decoding its body is the caller's, never a reason
	// to send again. A non-2xx is classified (*Error, *RateLimitError,
	// *RedirectError), and the retry stage reads its status.
	answered verdict = iota
	// cut: no answer, and sending again does no harm: nothing reached the
	// server (a refused connection), or a read (GET, HEAD) lost its
	// answer or had its 2xx body cut short. It may go again if its body
	// rewinds and its method allows.
	cut
	// ambiguous: a mutation was sent and its answer lost (no answer, or a
	// 500, 502, 503 or 504, a gateway's word for one); it may have been
	// carried out. It may go again if its body rewinds and it is
	// idempotent; a later 404 is then settled by reading (replay.go).
	ambiguous
	// failed: no answer, and sending again cannot help: the context ended,
	// the token source failed, the body could not be rewound, or the
	// transport failure recurs on every attempt (permanentTransportError).
	failed
)

// attempt is what one sending of a request came to.
type attempt struct {
	resp    *Response // nil unless the server answered
	err     error     // nil: a 2xx, decoded; else not yet wrapped with the request (do wraps)
	verdict verdict
}

// send makes attempt n of req and reads its answer. What is sent is one
// copy of req per attempt (sendable), with a fresh body on a resend, the
// ETag cache's condition (cache.go) and the token (auth.go). The answer: a
// 304 is served from the cache; an error status is classified into an
// *Error or *RateLimitError (classify.go); a 2xx body goes to v (an
// io.Writer gets it raw; anything else gets it decoded, decode.go).
func (c *Client) send(req *http.Request, ep endpoint, v any, n int) attempt {
	mutation := ep.mutation
	hit := c.cache.lookup(req, v)
	out, err := c.sendable(req, n, hit)
	if err != nil {
		if n == 1 {
			closeUnsent(req)
		}
		return attempt{err: err, verdict: failed}
	}
	httpResp, err := c.httpClient.Do(out)
	if err != nil {
		if httpResp != nil {
			// CheckRedirect refused a redirect (a mutation's: a
			// *RedirectError; else the https→http, ten-redirect or
			// caller's rule): the redirect is the answer, and the same
			// request would meet the same refusal.
			giveBackRequest(httpResp, req)
			return attempt{resp: newResponse(httpResp), err: unwrapURLError(err), verdict: answered}
		}
		v := unanswered(req.Context(), mutation, err)
		if req.Context().Err() != nil {
			// Report the context's end rather than the transport's words.
			return attempt{err: req.Context().Err(), verdict: v}
		}
		return attempt{err: unwrapURLError(err), verdict: v}
	}
	giveBackRequest(httpResp, req)
	resp := newResponse(httpResp)
	body := httpResp.Body
	atEOF := false // set once the body has been read to its end
	defer func() {
		if atEOF {
			body.Close()
		} else {
			drainClose(body)
		}
	}()
	a := attempt{resp: resp, verdict: answered}

	switch code := httpResp.StatusCode; {
	case code == http.StatusNotModified && hit.body != nil:
		resp.FromCache = true
		if w, ok := v.(io.Writer); ok {
			// An io.Writer gets the raw body, from the cache as from the wire.
			if _, err := w.Write(hit.body); err != nil {
				a.err = &bodyError{op: "writing cached body", err: err}
			}
			return a
		}
		b := getBodyBuffer()
		defer b.release()
		b.buf.Write(hit.body)
		a.err = decodeInto(resp, b, v)
		return a
	case code < 200 || code > 299:
		msg, _ := io.ReadAll(io.LimitReader(body, maxErrorBody))
		a.err = classify(resp, msg, ep, c.clock.Now())
		if mutation && serverError(code) {
			// A gateway's 5xx stands for an answer that was lost: the
			// server may have carried the mutation out.
			a.verdict = ambiguous
		}
		return a
	case v == nil || code == http.StatusNoContent:
		return a
	}
	if w, ok := v.(io.Writer); ok {
		if _, err := io.Copy(w, body); err != nil {
			a.err = &bodyError{op: "reading body", err: err}
		}
		return a
	}
	if httpResp.ContentLength > c.maxBody {
		a.err = tooLarge(resp, c.maxBody)
		return a
	}
	// The body is read whole into a pooled buffer and parsed there once.
	b := getBodyBuffer()
	defer b.release()
	over, err := b.readFrom(body, httpResp.ContentLength, c.maxBody)
	switch {
	case err != nil:
		a.err = &bodyError{op: "reading body", err: err}
		if !mutation {
			a.verdict = cut // a read may ask again for what it did not get whole
		}
		return a
	case over:
		a.err = tooLarge(resp, c.maxBody)
		return a
	}
	atEOF = true
	var kept []byte
	if hit.key != "" {
		kept = bytes.Clone(b.buf.Bytes()) // decoding consumes the buffer
	}
	if a.err = decodeInto(resp, b, v); a.err != nil {
		return a
	}
	c.cache.keep(hit, httpResp.Header.Get(headerETag), kept)
	return a
}

// sendable returns what to send on attempt n of req: one copy of req, with
// a fresh body from GetBody on a resend (req's own has been read), the
// cache's If-None-Match, and the token (req is bound for the API host:
// Client.do refused any other before the first attempt); req itself when
// none of these applies. req, the caller's, never changes.
func (c *Client) sendable(req *http.Request, n int, hit cacheHit) (*http.Request, error) {
	var token string
	if c.token != nil {
		var err error
		if token, err = checkedToken(req.Context(), c.token); err != nil {
			return nil, err
		}
	}
	if n == 1 && hit.etag == "" && token == "" {
		return req, nil
	}
	r := new(http.Request)
	*r = *req
	// The copy shares everything with req but its header map (whose value
	// slices are shared too: header values are replaced, never changed in
	// place); req.Clone would copy far more than that.
	h := make(http.Header, len(req.Header)+2)
	for k, vs := range req.Header {
		h[k] = vs
	}
	r.Header = h
	if n > 1 && req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, &bodyError{op: "rewinding body", err: err}
		}
		r.Body = body
	}
	if hit.etag != "" {
		h["If-None-Match"] = []string{hit.etag}
	}
	if token != "" {
		h["Authorization"] = []string{"Bearer " + token}
	}
	return r, nil
}

// unanswered is the verdict on an attempt that got no answer and failed
// with err; ctx is its request's context, mutation whether it is a
// mutation.
func unanswered(ctx context.Context, mutation bool, err error) verdict {
	switch {
	case ctx.Err() != nil, permanentTransportError(err):
		return failed
	case errors.Is(err, syscall.ECONNREFUSED), !mutation:
		return cut
	}
	return ambiguous
}

// serverError reports whether code is a server failure worth sending the
// request again for: 500, 502, 503 or 504.
func serverError(code int) bool {
	switch code {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// permanentTransportError reports whether a transport failure will recur on
// every attempt, so retrying only delays the error: the server's certificate
// is not trusted (a GitHub Enterprise Server with its own CA, say), the
// host name does not exist (a DNS "no such host" answer, as for a mistyped
// base URL; a DNS timeout or server failure is still retried), or a header
// value, such as a token from a TokenSource, is not valid in HTTP.
func permanentTransportError(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalidCert):
		return true
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound && !dnsErr.IsTimeout && !dnsErr.IsTemporary:
		return true
	}
	return strings.Contains(err.Error(), "net/http: invalid header field")
}

// tooLarge is the error of a 2xx body over the cap (whose request
// Client.do names).
func tooLarge(resp *Response, limit int64) error {
	return &ResponseTooLargeError{StatusCode: resp.StatusCode, Limit: limit}
}

// unwrapURLError strips *url.Error, whose text repeats the URL, keeping its
// cause (which still satisfies errors.Is for timeouts and resets).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// giveBackRequest makes resp refer to req, the caller's request, rather
// than to the copy that was sent (with the ETag cache's or a transport's
// headers). After redirects, the first request of the chain is the one
// replaced; the others are net/http's own.
func giveBackRequest(resp *http.Response, req *http.Request) {
	for i := 0; resp != nil && i < 100; i++ {
		if resp.Request == nil || resp.Request.Response == nil {
			resp.Request = req
			return
		}
		// A redirect's request is net/http's, with the headers of the one
		// sent: give it back without the token.
		if resp.Request.Header.Get("Authorization") != "" {
			resp.Request.Header = resp.Request.Header.Clone()
			resp.Request.Header.Del("Authorization")
		}
		resp = resp.Request.Response
	}
}

// bodyError is a failure to read, write or rewind a body.
type bodyError struct {
	op  string
	err error
}

// Error says what failed.
func (e *bodyError) Error() string { return e.op + ": " + e.err.Error() }

// Unwrap returns the cause.
func (e *bodyError) Unwrap() error { return e.err }
