package ghpackages

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"
)

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
// 404, 410, 422 and 451 are never retried. A request whose body cannot be
// rewound (see Client.Do) is never sent twice.
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
	// how long the Client will wait. It runs on the goroutine of the request
	// that waits, so when a Client serves several goroutines, OnRetry is
	// called concurrently: it must be safe for concurrent use (guard what it
	// shares with a mutex, or use atomics or a channel) and should return
	// quickly, since the wait starts only when it returns. Events of
	// different requests may arrive in any order.
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

// The retry stage of the request path: after a failed attempt, whether to
// wait and send the request again, and for how long. Whether the request
// can be sent again at all is resend.go's rule; what a resend answered 404
// means is replay.go's.

// tries is what the retry stage remembers between the attempts of one
// request.
type tries struct {
	transient, limits int  // retries of each kind so far
	ambiguous         bool // an earlier attempt may have been carried out
}

// outcome is the retry stage's decision after a failed attempt.
type outcome struct {
	reason RetryReason // why to send again; "" means stop and return the error
	wait   time.Duration
	// refused: GitHub refused the request (a rate limit), so it was not
	// carried out and any method may be sent again.
	refused bool
	// pause: the limit holds back every request of the Client (pausesClient).
	pause bool
}

// next decides what to do after attempt a of req failed, reading its
// verdict (and, for an answer, its status and rate-limit signals) and
// nothing else, and counts the retry in t. now is the Client's clock; rng
// draws the jitter.
func (p RetryPolicy) next(t *tries, req *http.Request, a attempt, now time.Time, rng func(time.Duration) time.Duration) outcome {
	if req.Context().Err() != nil {
		return outcome{}
	}
	var reason RetryReason
	switch a.verdict {
	case answered:
		var rl *RateLimitError
		if errors.As(a.err, &rl) {
			if t.limits >= p.MaxRateLimitRetries {
				return outcome{}
			}
			wait, reason := rateLimitWait(p, rl, t.limits, now)
			if wait > p.MaxWait {
				return outcome{}
			}
			t.limits++
			return outcome{reason: reason, wait: wait, refused: true, pause: pausesClient(rl)}
		}
		if !serverError(a.resp.StatusCode) {
			return outcome{} // a 2xx (its body's error is the caller's), or a refusal
		}
		reason = RetryServerError
	case cut:
		reason = RetryTransport
	case ambiguous:
		reason = RetryTransport
		if a.resp != nil {
			reason = RetryServerError
		}
		t.ambiguous = true
	default:
		return outcome{}
	}
	if t.transient >= p.MaxRetries {
		return outcome{}
	}
	ceiling := p.BaseDelay << t.transient
	if ceiling > p.MaxDelay || ceiling <= 0 {
		ceiling = p.MaxDelay
	}
	t.transient++
	return outcome{reason: reason, wait: rng(ceiling)}
}

// pausesClient reports whether a rate limit holds back every request of the
// Client: a secondary limit (which spans the API), or a spent core budget;
// not a spent budget of another resource (search, graphql, …), which only
// that request waits for.
func pausesClient(rl *RateLimitError) bool {
	return rl.Secondary || rl.Rate.Resource == "" || rl.Rate.Resource == coreResource
}

// report tells the OnRetry hook and the logger about a wait before attempt
// attempt+1 of req.
func (c *Client) report(req *http.Request, resp *Response, attempt int, o outcome, err error) {
	err = wrap(req, err) // the event's error names the request, as the caller's will
	ev := RetryEvent{Method: req.Method, URL: redactURL(req.URL), Attempt: attempt, Reason: o.reason, Wait: o.wait, Err: err}
	if resp != nil {
		ev.StatusCode = resp.StatusCode
	}
	if c.retry.OnRetry != nil {
		c.retry.OnRetry(ev)
	}
	if c.logger != nil {
		c.logger.LogAttrs(req.Context(), slog.LevelWarn, "ghpackages: retrying request",
			slog.String("reason", string(ev.Reason)),
			slog.String("method", ev.Method),
			slog.String("url", ev.URL),
			slog.Int("attempt", ev.Attempt),
			slog.Int("status", ev.StatusCode),
			slog.Duration("wait", ev.Wait))
	}
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
	case rl.RetryAfter > 0 || rl.retryAfterSent: // Retry-After: 0 means now
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

// fullJitter returns a random duration in [0, ceiling].
func fullJitter(ceiling time.Duration) time.Duration {
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling + 1)
}
