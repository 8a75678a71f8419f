package ghpackages

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// The send stage of the request path: one attempt, from what is sent to
// the answer read.

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// send makes attempt n of req and reads its answer. What is sent is req, or
// on a resend a copy with a fresh body (forAttempt, resend.go), with the
// ETag cache's condition (cache.go), through the Client's transport, whose
// auth stage adds the token to a copy of its own (auth.go). The answer: a
// 304 is served from the cache; an error status is classified into an
// *Error or *RateLimitError (classify.go); a 2xx body goes to v (an
// io.Writer gets it raw; anything else gets it decoded, decode.go).
func (c *Client) send(req *http.Request, ep endpoint, v any, n int) (*Response, error) {
	hit := c.cache.lookup(req, v)
	out, err := forAttempt(req, n, 1)
	if err != nil {
		return nil, err
	}
	out = hit.condition(out, req)
	httpResp, err := c.httpClient.Do(out)
	if err != nil {
		return nil, sendError(req, err)
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

	switch code := httpResp.StatusCode; {
	case code == http.StatusNotModified && hit.body != nil:
		resp.FromCache = true
		if w, ok := v.(io.Writer); ok {
			// An io.Writer gets the raw body, from the cache as from the wire.
			if _, err := w.Write(hit.body); err != nil {
				return resp, fmt.Errorf("ghpackages: %s %s: writing cached body: %w", req.Method, redactURL(req.URL), err)
			}
			return resp, nil
		}
		b := getBodyBuffer()
		defer b.release()
		b.buf.Write(hit.body)
		return resp, decodeInto(req, resp, b, v)
	case code < 200 || code > 299:
		msg, _ := io.ReadAll(io.LimitReader(body, maxErrorBody))
		return resp, classify(req, resp, msg, ep, c.clock.Now())
	case v == nil || code == http.StatusNoContent:
		return resp, nil
	}
	if w, ok := v.(io.Writer); ok {
		if _, err := io.Copy(w, body); err != nil {
			return resp, fmt.Errorf("ghpackages: %s %s: reading body: %w", req.Method, redactURL(req.URL), err)
		}
		return resp, nil
	}
	// The body is read whole into a pooled buffer and parsed there once.
	b := getBodyBuffer()
	defer b.release()
	if err := b.readFrom(body, httpResp.ContentLength); err != nil {
		return resp, fmt.Errorf("ghpackages: %s %s: reading body: %w", req.Method, redactURL(req.URL), &transportError{err})
	}
	atEOF = true
	var kept []byte
	if hit.key != "" {
		kept = bytes.Clone(b.buf.Bytes()) // decoding consumes the buffer
	}
	if err := decodeInto(req, resp, b, v); err != nil {
		return resp, err
	}
	c.cache.keep(hit, httpResp.Header.Get(headerETag), kept)
	return resp, nil
}

// sendError is the error of an attempt of req that got no answer: the token
// source failed (nothing was sent), the request's context ended, or the
// exchange failed (a *transportError, which the retry stage may retry).
func sendError(req *http.Request, err error) error {
	var tse *tokenSourceError
	switch {
	case errors.As(err, &tse):
		err = tse
	case req.Context().Err() != nil:
		// Report the context's end rather than the transport's words.
		err = req.Context().Err()
	default:
		err = &transportError{unwrapURLError(err)}
	}
	return fmt.Errorf("ghpackages: %s %s: %w", req.Method, redactURL(req.URL), err)
}

// transportError marks errors from the network or from reading a body.
type transportError struct{ err error }

// Error returns the cause's text.
func (e *transportError) Error() string { return e.err.Error() }

// Unwrap returns the cause.
func (e *transportError) Unwrap() error { return e.err }

// isTransportError reports whether err is a failure to exchange the request,
// or to read the whole response, rather than an answer from the server.
func isTransportError(err error) bool {
	var te *transportError
	return errors.As(err, &te)
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
// replaced; the others are net/http's own, which carry no credentials.
func giveBackRequest(resp *http.Response, req *http.Request) {
	for i := 0; resp != nil && i < 100; i++ {
		if resp.Request == nil || resp.Request.Response == nil {
			resp.Request = req
			return
		}
		resp = resp.Request.Response
	}
}
