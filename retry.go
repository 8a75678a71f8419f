package ghpackages

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// Clock is the time source the Client waits with. Tests substitute one whose
// Sleep advances a fake time at once; the default is the real clock.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep waits for d, or until ctx is done, whichever comes first; it
	// returns ctx.Err() in the second case.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

// Now returns the wall-clock time.
func (realClock) Now() time.Time { return time.Now() }

// Sleep waits on a timer or ctx.
func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// WithClock makes the Client read the time and wait with c, for retries,
// rate-limit waits and pacing. Meant for tests.
func WithClock(c Clock) Option {
	return func(s *settings) error {
		if c == nil {
			return fmt.Errorf("%w: WithClock: nil clock", ErrInvalidArgument)
		}
		s.clock = c
		return nil
	}
}

// RetryPolicy says which failed requests the Client sends again, and how long
// it waits first. Every zero field means its default (DefaultRetryPolicy),
// so RetryPolicy{OnRetry: f} is the default policy with a hook. A negative
// count turns that kind of retry off: MaxRetries: -1 never retries a
// transient failure, MaxRateLimitRetries: -1 never waits out a rate limit,
// and NoRetry() sets both.
//
// What is retried:
//   - transient failures (a transport error such as a reset or refused
//     connection or a timeout, a truncated body, or a 500, 502, 503 or 504)
//     of GET, DELETE and restore requests, after BaseDelay doubling up to
//     MaxDelay, with full jitter, at most MaxRetries times. A DELETE or
//     restore whose first attempt may have gone through and whose replay
//     gets 404 sets Response.Replayed and returns an error matching
//     ErrDeleteUnconfirmed or ErrRestoreUnconfirmed, unless reads settle
//     what happened (see those).
//   - secondary rate limits (403 or 429 with Retry-After, or GitHub's
//     secondary-limit message): wait Retry-After when sent, else until the
//     reset when the budget is spent, else SecondaryWait (60 s) doubling on
//     each further limit; at most MaxRateLimitRetries times. Any method:
//     a refused request was not carried out.
//   - an exhausted primary budget (X-RateLimit-Remaining: 0): wait until
//     X-RateLimit-Reset (plus one second) if that is within MaxWait; else the
//     *RateLimitError is returned at once.
//
// No wait outlives the request's context: if the deadline would pass first,
// the error is returned at once. 400, 401, 403 without a rate-limit signal,
// 404, 410, 422 and 451 are never retried.
type RetryPolicy struct {
	// MaxRetries bounds retries of transient failures (default 3;
	// negative: none).
	MaxRetries int
	// BaseDelay is the first backoff ceiling (default 1 s).
	BaseDelay time.Duration
	// MaxDelay caps the backoff ceiling (default 30 s).
	MaxDelay time.Duration
	// MaxRateLimitRetries bounds waits for rate limits (default 4;
	// negative: none).
	MaxRateLimitRetries int
	// SecondaryWait is the first wait for a secondary limit sent without
	// Retry-After (default 60 s, as GitHub asks).
	SecondaryWait time.Duration
	// MaxWait is the longest single rate-limit wait the Client accepts
	// (default 15 min); a longer one returns the *RateLimitError.
	MaxWait time.Duration
	// OnRetry, if set, is called before each wait with what happened and
	// how long the Client will wait. It runs on the requesting goroutine.
	OnRetry func(RetryEvent)
}

// DefaultRetryPolicy returns the policy a Client uses unless WithRetry says
// otherwise: 3 retries of transient failures from 1 s up to 30 s, and up to 4
// rate-limit waits of at most 15 minutes each.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxRetries:          3,
		BaseDelay:           time.Second,
		MaxDelay:            30 * time.Second,
		MaxRateLimitRetries: 4,
		SecondaryWait:       time.Minute,
		MaxWait:             15 * time.Minute,
	}
}

// NoRetry returns a RetryPolicy that never retries a transient failure and
// never waits out a rate limit (both counts -1): WithRetry(NoRetry()).
func NoRetry() RetryPolicy { return RetryPolicy{MaxRetries: -1, MaxRateLimitRetries: -1} }

// WithRetry sets the Client's RetryPolicy (default DefaultRetryPolicy()).
// Its zero fields take their defaults; a negative duration is refused.
func WithRetry(p RetryPolicy) Option {
	return func(s *settings) error {
		if p.BaseDelay < 0 || p.MaxDelay < 0 || p.SecondaryWait < 0 || p.MaxWait < 0 {
			return fmt.Errorf("%w: WithRetry: negative duration", ErrInvalidArgument)
		}
		s.retry = p
		return nil
	}
}

// withDefaults fills p's zero fields from DefaultRetryPolicy, and turns a
// negative count into 0 retries.
func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	switch {
	case p.MaxRetries == 0:
		p.MaxRetries = d.MaxRetries
	case p.MaxRetries < 0:
		p.MaxRetries = 0
	}
	switch {
	case p.MaxRateLimitRetries == 0:
		p.MaxRateLimitRetries = d.MaxRateLimitRetries
	case p.MaxRateLimitRetries < 0:
		p.MaxRateLimitRetries = 0
	}
	if p.BaseDelay == 0 {
		p.BaseDelay = d.BaseDelay
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = d.MaxDelay
	}
	if p.SecondaryWait == 0 {
		p.SecondaryWait = d.SecondaryWait
	}
	if p.MaxWait == 0 {
		p.MaxWait = d.MaxWait
	}
	return p
}

// RetryReason says why the Client is about to wait and send a request again.
type RetryReason string

// Retry reasons.
const (
	RetryTransport      RetryReason = "transport error"
	RetryServerError    RetryReason = "server error"
	RetrySecondaryLimit RetryReason = "secondary rate limit"
	RetryPrimaryLimit   RetryReason = "primary rate limit"
)

// RetryEvent describes one wait before a retry. It carries no credentials.
type RetryEvent struct {
	// Method and URL identify the request (URL without credentials).
	Method string
	URL    string
	// Attempt is the number of the attempt that failed, from 1.
	Attempt int
	// Reason is why the request is retried.
	Reason RetryReason
	// StatusCode is the failed attempt's status; 0 for a transport error.
	StatusCode int
	// Wait is how long the Client waits before the next attempt.
	Wait time.Duration
	// Err is the failed attempt's error.
	Err error
}

// String renders the event for a log line, e.g.
// "secondary rate limit on DELETE https://…: waiting 1m0s (attempt 1)".
func (e RetryEvent) String() string {
	return fmt.Sprintf("%s on %s %s: waiting %s (attempt %d)", e.Reason, e.Method, e.URL, e.Wait, e.Attempt)
}

// outcome classifies one attempt for the retry loop.
type outcome struct {
	reason    RetryReason // empty: not retryable
	ambiguous bool        // the server may have carried the request out
	wait      time.Duration
	rateLimit bool
}

// rewindable reports whether req's body, if any, can be sent again: it has
// none, or GetBody gives a fresh copy of it.
func rewindable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// retryable reports whether a request may be sent again after a transient
// failure: its operation is idempotent (see endpoint) and its body, if any,
// can be rewound.
func retryable(req *http.Request, idempotent bool) bool {
	return idempotent && rewindable(req)
}

// classify decides whether and how long to wait after an attempt of req,
// whose operation is idempotent or not. transientCount and limitCount are
// the retries of each kind so far.
func (p RetryPolicy) classify(req *http.Request, idempotent bool, err error, transientCount, limitCount int, now time.Time, rng func(time.Duration) time.Duration) outcome {
	if err == nil {
		return outcome{}
	}
	if ctxErr := req.Context().Err(); ctxErr != nil {
		return outcome{}
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		if limitCount >= p.MaxRateLimitRetries {
			return outcome{}
		}
		wait, reason := rateLimitWait(p, rl, limitCount, now)
		if wait > p.MaxWait {
			return outcome{}
		}
		return outcome{reason: reason, wait: wait, rateLimit: true}
	}
	if !retryable(req, idempotent) || transientCount >= p.MaxRetries {
		return outcome{}
	}
	backoff := func() time.Duration {
		ceiling := p.BaseDelay << transientCount
		if ceiling > p.MaxDelay || ceiling <= 0 {
			ceiling = p.MaxDelay
		}
		return rng(ceiling)
	}
	var apiErr *Error
	if errors.As(err, &apiErr) {
		switch apiErr.StatusCode {
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return outcome{reason: RetryServerError, ambiguous: true, wait: backoff()}
		}
		return outcome{}
	}
	if isTransportError(err) && !permanentTransportError(err) {
		return outcome{reason: RetryTransport, ambiguous: !errors.Is(err, syscall.ECONNREFUSED), wait: backoff()}
	}
	return outcome{}
}

// rateLimitWait is how long GitHub asks a client to wait after a limit.
func rateLimitWait(p RetryPolicy, rl *RateLimitError, limitCount int, now time.Time) (time.Duration, RetryReason) {
	untilReset := func() time.Duration {
		d := rl.Rate.Reset.Sub(now) + time.Second
		if d < time.Second {
			d = time.Second
		}
		return d
	}
	exhausted := rl.Rate.Remaining == 0 && !rl.Rate.Reset.IsZero()
	switch {
	case rl.RetryAfter > 0:
		reason := RetrySecondaryLimit
		if !rl.Secondary {
			reason = RetryPrimaryLimit
		}
		return rl.RetryAfter, reason
	case !rl.Secondary && exhausted:
		return untilReset(), RetryPrimaryLimit
	case exhausted:
		return untilReset(), RetrySecondaryLimit
	default:
		wait := p.SecondaryWait << limitCount
		if wait <= 0 {
			wait = p.MaxWait + 1
		}
		return wait, RetrySecondaryLimit
	}
}

// isTransportError reports whether err is a failure to exchange the request,
// or to read the whole response, rather than an answer from the server.
func isTransportError(err error) bool {
	var te *transportError
	return errors.As(err, &te)
}

// permanentTransportError reports whether a transport failure will recur on
// every attempt, so retrying only delays the error: the server's certificate
// is not trusted (a GitHub Enterprise Server with its own CA, say), or a
// header value, such as a token from a TokenSource, is not valid in HTTP.
func permanentTransportError(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalidCert):
		return true
	}
	return strings.Contains(err.Error(), "net/http: invalid header field")
}

// transportError marks errors from the network or from reading a body.
type transportError struct{ err error }

// Error returns the cause's text.
func (e *transportError) Error() string { return e.err.Error() }

// Unwrap returns the cause.
func (e *transportError) Unwrap() error { return e.err }

// fullJitter returns a random duration in [0, ceiling].
func fullJitter(ceiling time.Duration) time.Duration {
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling + 1)
}

// sleepFor waits d on the clock unless ctx's deadline would pass first, in
// which case it returns context.DeadlineExceeded at once, without waiting.
// A context deadline is always on the real clock (the context package times
// it with the runtime's timers), so it is compared with the real time left,
// never with the injected Clock's "now", which may be any date.
func sleepFor(ctx context.Context, clock Clock, d time.Duration) error {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return context.DeadlineExceeded
	}
	return clock.Sleep(ctx, d)
}
