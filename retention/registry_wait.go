package retention

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// Registry waits: a registry's rate limit (429, as ghcr.io answers past
// about 44,000 manifest requests a minute) and its transient failures
// (503 and the other 5xx, a dropped connection) are waited out and the
// request sent again, within the run's context, instead of making the
// planner keep a package it could have read a second later.

// RegistryWait is one wait of a RegistryResolver before it sends a
// registry request again. It carries no credentials.
type RegistryWait struct {
	// Method and URL are the request's.
	Method, URL string
	// Attempt is the number of the attempt that failed, from 1.
	Attempt int
	// StatusCode is the failed attempt's status; 0 for a transport error.
	StatusCode int
	// Limit is set when the registry asked the client to slow down: a 429,
	// or a Retry-After header. Every request to the registry then waits
	// too, and fewer are sent at once.
	Limit bool
	// Wait is how long the resolver waits before the next attempt.
	Wait time.Duration
	// Err is the failed attempt's error.
	Err error
}

// String renders the wait for a log line, e.g. "registry rate limit (429)
// on GET https://ghcr.io/v2/…: waiting 2s (attempt 1)".
func (w RegistryWait) String() string {
	what := "registry error"
	switch {
	case w.Limit:
		what = "registry rate limit"
	case w.StatusCode == 0:
		what = "registry connection error"
	}
	if w.StatusCode != 0 {
		what += fmt.Sprintf(" (%d)", w.StatusCode)
	}
	return fmt.Sprintf("%s on %s %s: waiting %s (attempt %d)", what, w.Method, w.URL, w.Wait, w.Attempt)
}

// Registry wait defaults: a rate limit is waited out up to
// defaultRegistryRetries times, a transient failure up to
// registryTransientRetries times (1 s, 2 s, 4 s, 8 s ceilings).
const (
	defaultRegistryRetries   = 8
	registryTransientRetries = 4
	defaultRegistryMaxWait   = 15 * time.Minute
	registryBackoffBase      = time.Second
	registryBackoffMax       = 30 * time.Second
)

// Registry lookup concurrency: a resolver starts with
// registryConcurrencyStart requests in flight, adds one for about every
// that many answers, up to registryConcurrencyMax, and halves it at each
// rate limit.
const (
	registryConcurrencyStart = 8
	registryConcurrencyMax   = 32
)

// gate bounds the registry requests in flight, adapting to rate limits
// (additive increase, multiplicative decrease), and holds every request
// while a limit is in force: one 429 pauses the whole resolver, not just
// the request that got it.
type gate struct {
	clock ghpackages.Clock

	mu       sync.Mutex
	limit    float64
	inflight int
	waiting  []chan struct{}
	pause    time.Time // on clock
}

func newGate(clock ghpackages.Clock) *gate {
	return &gate{clock: clock, limit: registryConcurrencyStart}
}

// acquire waits for a slot (and for a pause to end).
func (g *gate) acquire(ctx context.Context) error {
	for {
		g.mu.Lock()
		if wait := g.pause.Sub(g.clock.Now()); wait > 0 {
			g.mu.Unlock()
			if err := sleepWithin(ctx, g.clock, wait); err != nil {
				return err
			}
			continue
		}
		if g.inflight < int(g.limit) {
			g.inflight++
			g.mu.Unlock()
			return nil
		}
		ch := make(chan struct{})
		g.waiting = append(g.waiting, ch)
		g.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			g.mu.Lock()
			for i, c := range g.waiting {
				if c == ch {
					g.waiting = append(g.waiting[:i], g.waiting[i+1:]...)
					break
				}
			}
			g.mu.Unlock()
			return ctx.Err()
		}
	}
}

// release frees a slot. limited says the answer was a rate limit (the
// registry asks for fewer requests); ok says it was a success.
func (g *gate) release(ok, limited bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	switch {
	case limited:
		g.limit = max(1, g.limit/2)
	case ok:
		g.limit = min(registryConcurrencyMax, g.limit+1/g.limit)
	}
	g.wakeLocked()
}

// hold pauses every request until the clock reads until.
func (g *gate) hold(until time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if until.After(g.pause) {
		g.pause = until
	}
	g.wakeLocked()
}

// wakeLocked wakes the waiters that may go now (and those that must see
// a new pause); g.mu is held.
func (g *gate) wakeLocked() {
	free := int(g.limit) - g.inflight
	for free > 0 && len(g.waiting) > 0 {
		close(g.waiting[0])
		g.waiting = g.waiting[1:]
		free--
	}
}

// sleepWithin waits d on clock unless ctx's deadline would pass first, in
// which case it fails at once (a context deadline is real time, so it is
// compared with the real time left, never with clock's "now").
func sleepWithin(ctx context.Context, clock ghpackages.Clock, d time.Duration) error {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return fmt.Errorf("%w: waiting %s for the registry would pass the run's deadline", context.DeadlineExceeded, d)
	}
	return clock.Sleep(ctx, d)
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date (read
// against now). ok is false without a usable one.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

// registryRetry decides whether an attempt's outcome is worth waiting
// out: a 429 or 503 (with the Retry-After they carry, else backoff), any
// other 5xx, or a transport error that a later attempt may not meet.
func registryRetry(status int, header http.Header, err error, attempt int, now time.Time) (wait time.Duration, limit, retry bool) {
	backoff := func() time.Duration {
		ceiling := registryBackoffBase << (attempt - 1)
		if ceiling > registryBackoffMax || ceiling <= 0 {
			ceiling = registryBackoffMax
		}
		return rand.N(ceiling + 1)
	}
	switch {
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		if d, ok := retryAfter(header, now); ok {
			return d, true, true
		}
		return backoff(), status == http.StatusTooManyRequests, true
	case status >= 500:
		return backoff(), false, true
	case status != 0:
		return 0, false, false
	case err != nil && !permanent(err):
		return backoff(), false, true
	}
	return 0, false, false
}

// permanent reports whether a transport error will recur on every
// attempt, so that waiting only delays it: a refused plain-HTTP request, a
// host that does not resolve or refuses connections (a wrong registry
// host, most likely), an untrusted certificate, the context ending.
func permanent(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var dnsErr *net.DNSError
	return errors.Is(err, errPlainHTTP) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dnsErr) && dnsErr.IsNotFound ||
		errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) || errors.As(err, &invalidCert)
}
