package ghpackages

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Pacing is the Client's own limiter, which keeps it under GitHub's
// secondary rate limits instead of waiting for GitHub to refuse requests.
// Zero fields switch the corresponding limit off.
//
// GitHub's secondary limits allow at most 100 concurrent requests and 900
// points per minute per REST endpoint, where a GET costs 1 point and a
// DELETE or POST 5 (so at most 180 deletes a minute). GitHub's guidance for
// mutations is to send them serially, at least a second apart: that is
// DefaultPacing(). BudgetPacing() opts in to the full documented budget.
//
// See https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api
type Pacing struct {
	// MaxConcurrent caps requests in flight at once.
	MaxConcurrent int
	// SerialMutations sends DELETE/POST/PUT/PATCH requests one at a time.
	SerialMutations bool
	// MutationInterval is the least time between the starts of two
	// mutations.
	MutationInterval time.Duration
	// PointsPerMinute is the points budget in any sliding 60-second window,
	// counted separately for reads and for mutations (each a conservative
	// stand-in for "one endpoint"). Within a window the limiter keeps a
	// margin of Margin.
	PointsPerMinute int
	// ReadPoints and MutationPoints are the costs of a GET and of a
	// mutation (defaults 1 and 5 when PointsPerMinute is set).
	ReadPoints, MutationPoints int
	// Margin widens the accounting window beyond 60 s, absorbing clock skew
	// and network delay between the Client and GitHub (default 1 s when
	// PointsPerMinute is set).
	Margin time.Duration
}

// DefaultPacing returns the pacing a Client uses unless WithPacing says
// otherwise: at most 100 requests in flight, and mutations sent serially at
// least one second apart (60 a minute), as GitHub's best practices ask. Each
// call returns a new value, so changing it changes nothing else.
func DefaultPacing() Pacing {
	return Pacing{MaxConcurrent: 100, SerialMutations: true, MutationInterval: time.Second}
}

// BudgetPacing returns pacing at GitHub's documented secondary budget: 900
// points per minute (GET 1, mutation 5, so 180 deletes a minute) and 100
// requests in flight. Use it for large cleanups that must finish quickly.
func BudgetPacing() Pacing {
	return Pacing{MaxConcurrent: 100, PointsPerMinute: 900, ReadPoints: 1, MutationPoints: 5, Margin: time.Second}
}

// NoPacing returns the zero Pacing, which switches client-side pacing off.
func NoPacing() Pacing { return Pacing{} }

// WithPacing sets the Client's pacing (default DefaultPacing()).
func WithPacing(p Pacing) Option {
	return func(s *settings) error {
		if p.MaxConcurrent < 0 || p.MutationInterval < 0 || p.PointsPerMinute < 0 || p.ReadPoints < 0 || p.MutationPoints < 0 || p.Margin < 0 {
			return fmt.Errorf("%w: WithPacing: negative value", ErrInvalidArgument)
		}
		if p.PointsPerMinute > 0 {
			if p.ReadPoints == 0 {
				p.ReadPoints = 1
			}
			if p.MutationPoints == 0 {
				p.MutationPoints = 5
			}
			if p.Margin == 0 {
				p.Margin = time.Second
			}
			if p.MutationPoints > p.PointsPerMinute || p.ReadPoints > p.PointsPerMinute {
				return fmt.Errorf("%w: WithPacing: a request costs more than PointsPerMinute", ErrInvalidArgument)
			}
		}
		s.pacing = p
		return nil
	}
}

func isMutation(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// limiter is the pacing stage of the request path: it enforces Pacing, the
// client-wide pause after a rate limit, and waits for the primary budget's
// reset when the last response said it was spent. One limiter serves the
// whole Client. Its interface is acquire (before each attempt) and pause.
type limiter struct {
	p       Pacing
	clock   Clock
	maxWait time.Duration // the longest wait for the primary budget's reset

	inflight chan struct{} // MaxConcurrent tokens; nil when unlimited
	serial   chan struct{} // one token when SerialMutations

	mu           sync.Mutex
	pauseUntil   time.Time
	lastMutation time.Time
	windows      [2][]stamp // reads, mutations: points spent in the window
}

type stamp struct {
	at     time.Time
	points int
}

func newLimiter(p Pacing, clock Clock, maxWait time.Duration) *limiter {
	l := &limiter{p: p, clock: clock, maxWait: maxWait}
	if p.MaxConcurrent > 0 {
		l.inflight = make(chan struct{}, p.MaxConcurrent)
	}
	if p.SerialMutations {
		l.serial = make(chan struct{}, 1)
	}
	return l
}

// pause makes every request wait until t (a rate limit is in force).
func (l *limiter) pause(until time.Time) {
	l.mu.Lock()
	if until.After(l.pauseUntil) {
		l.pauseUntil = until
	}
	l.mu.Unlock()
}

// acquire waits until a request (a mutation or not) may be sent and returns the
// function that marks it finished. primary is the core budget the last
// response reported. It fails only when ctx ends (or its deadline would
// pass during the wait).
func (l *limiter) acquire(ctx context.Context, mutation bool, primary Rate) (release func(), err error) {
	var held []chan struct{}
	release = func() {
		for _, ch := range held {
			<-ch
		}
	}
	take := func(ch chan struct{}) error {
		if ch == nil {
			return nil
		}
		select {
		case ch <- struct{}{}:
			held = append(held, ch)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if mutation {
		if err := take(l.serial); err != nil {
			return nil, err
		}
	}
	if err := take(l.inflight); err != nil {
		release()
		return nil, err
	}
	// Honour the primary budget proactively: when the last response said
	// nothing is left, wait for its reset rather than spend a request on a
	// certain refusal (unless the reset is further away than maxWait).
	if primary.Limit > 0 && primary.Remaining == 0 && !primary.Reset.IsZero() {
		if d := primary.Reset.Sub(l.clock.Now()) + time.Second; d > 0 && d <= l.maxWait {
			l.pause(primary.Reset.Add(time.Second))
		}
	}
	for {
		wait := l.reserve(mutation)
		if wait <= 0 {
			return release, nil
		}
		if err := sleepFor(ctx, l.clock, wait); err != nil {
			release()
			return nil, err
		}
	}
}

// reserve returns 0 and records the request when it may go now, or how long
// to wait before asking again.
func (l *limiter) reserve(mutation bool) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	if now.Before(l.pauseUntil) {
		return l.pauseUntil.Sub(now)
	}
	if mutation && l.p.MutationInterval > 0 && !l.lastMutation.IsZero() {
		if next := l.lastMutation.Add(l.p.MutationInterval); now.Before(next) {
			return next.Sub(now)
		}
	}
	if l.p.PointsPerMinute > 0 {
		idx, cost := 0, l.p.ReadPoints
		if mutation {
			idx, cost = 1, l.p.MutationPoints
		}
		window := time.Minute + l.p.Margin
		w := l.windows[idx]
		drop := 0
		for drop < len(w) && !w[drop].at.Add(window).After(now) {
			drop++
		}
		w = w[drop:]
		spent := 0
		for _, s := range w {
			spent += s.points
		}
		if spent+cost > l.p.PointsPerMinute {
			// Wait until enough of the oldest stamps leave the window.
			need := spent + cost - l.p.PointsPerMinute
			freed := 0
			for _, s := range w {
				freed += s.points
				if freed >= need {
					l.windows[idx] = w
					return s.at.Add(window).Sub(now)
				}
			}
		}
		l.windows[idx] = append(w, stamp{at: now, points: cost})
	}
	if mutation {
		l.lastMutation = now
	}
	return 0
}
