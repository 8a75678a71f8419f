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
//
// As in RetryPolicy, a zero field means its default (the value
// DefaultPacing gives it), so Pacing{} paces as DefaultPacing() does and
// Pacing{MaxConcurrent: 10} changes that one limit; a negative number
// turns its limit off (MaxConcurrent: -1, no cap on requests in flight).
// NoPacing() turns every limit off.
//
// GitHub's secondary limits allow at most 100 concurrent requests and 900
// points per minute per REST endpoint, where a GET costs 1 point and a
// DELETE or POST 5 (so at most 180 deletes a minute). GitHub's guidance for
// mutations is to send them serially, at least a second apart: that is
// DefaultPacing(). BudgetPacing() opts in to the full documented budget.
//
// See https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api
type Pacing struct {
	// MaxConcurrent caps requests in flight at once (default 100;
	// negative: no cap).
	MaxConcurrent int
	// ParallelMutations lets DELETE/POST/PUT/PATCH requests be in flight
	// together; by default (false) they are sent one at a time.
	ParallelMutations bool
	// MutationInterval is the least time between the starts of two
	// mutations (default 1 s; negative: none).
	MutationInterval time.Duration
	// PointsPerMinute is the points budget in any sliding 60-second window,
	// counted separately for reads and for mutations (each a conservative
	// stand-in for "one endpoint"); by default (0) there is none, and a
	// negative value means none too. Within a window the limiter keeps a
	// margin of Margin.
	PointsPerMinute int
	// ReadPoints and MutationPoints are the costs of a GET and of a
	// mutation under PointsPerMinute (defaults 1 and 5; negative values
	// are refused).
	ReadPoints, MutationPoints int
	// Margin widens the accounting window beyond 60 s, absorbing clock skew
	// and network delay between the Client and GitHub (default 1 s;
	// negative: none).
	Margin time.Duration
}

// DefaultPacing returns the pacing a Client uses unless WithPacing says
// otherwise, its fields spelled out (Pacing{} paces the same): at most 100
// requests in flight, and mutations sent serially at least one second
// apart (60 a minute), as GitHub's best practices ask. Each call returns a
// new value, so changing it changes nothing else.
func DefaultPacing() Pacing {
	return Pacing{MaxConcurrent: 100, MutationInterval: time.Second}
}

// BudgetPacing returns pacing at GitHub's documented secondary budget: 900
// points per minute (GET 1, mutation 5, so 180 deletes a minute), 100
// requests in flight, mutations in parallel and not spaced. Use it for
// large cleanups that must finish quickly.
func BudgetPacing() Pacing {
	return Pacing{MaxConcurrent: 100, ParallelMutations: true, MutationInterval: -1, PointsPerMinute: 900, ReadPoints: 1, MutationPoints: 5, Margin: time.Second}
}

// NoPacing returns the Pacing that turns every client-side limit off.
func NoPacing() Pacing {
	return Pacing{MaxConcurrent: -1, ParallelMutations: true, MutationInterval: -1, PointsPerMinute: -1}
}

// WithPacing sets the Client's pacing (default DefaultPacing()). Its zero
// fields take their defaults; negative ReadPoints or MutationPoints, or a
// cost above PointsPerMinute, are refused.
func WithPacing(p Pacing) Option {
	return func(s *settings) error {
		if p.ReadPoints < 0 || p.MutationPoints < 0 {
			return fmt.Errorf("%w: WithPacing: negative cost", ErrInvalidArgument)
		}
		if r := p.resolve(); r.pointsPerMinute > 0 && (r.mutationPoints > r.pointsPerMinute || r.readPoints > r.pointsPerMinute) {
			return fmt.Errorf("%w: WithPacing: a request costs more than PointsPerMinute", ErrInvalidArgument)
		}
		s.pacing = p
		return nil
	}
}

// limits is a Pacing with its defaults filled in, where 0 means "no
// limit": what the limiter enforces.
type limits struct {
	maxConcurrent              int
	serial                     bool
	interval                   time.Duration
	pointsPerMinute            int
	readPoints, mutationPoints int
	margin                     time.Duration
}

// resolve fills p's zero fields with their defaults and turns its negative
// ones into 0, "no limit".
func (p Pacing) resolve() limits {
	d := DefaultPacing()
	pick := func(v, def int) int {
		switch {
		case v == 0:
			return def
		case v < 0:
			return 0
		}
		return v
	}
	pickD := func(v, def time.Duration) time.Duration { return time.Duration(pick(int(v), int(def))) }
	return limits{
		maxConcurrent:   pick(p.MaxConcurrent, d.MaxConcurrent),
		serial:          !p.ParallelMutations,
		interval:        pickD(p.MutationInterval, d.MutationInterval),
		pointsPerMinute: max(p.PointsPerMinute, 0),
		readPoints:      pick(p.ReadPoints, 1),
		mutationPoints:  pick(p.MutationPoints, 5),
		margin:          pickD(p.Margin, time.Second),
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
	p       limits
	clock   Clock
	maxWait time.Duration // the longest wait for the primary budget's reset

	inflight chan struct{} // MaxConcurrent tokens; nil when unlimited
	serial   chan struct{} // one token, unless ParallelMutations

	mu           sync.Mutex
	pauseUntil   time.Time
	lastMutation time.Time
	windows      [2][]stamp // reads, mutations: points spent in the window
}

type stamp struct {
	at     time.Time
	points int
}

func newLimiter(pacing Pacing, clock Clock, maxWait time.Duration) *limiter {
	p := pacing.resolve()
	l := &limiter{p: p, clock: clock, maxWait: maxWait}
	if p.maxConcurrent > 0 {
		l.inflight = make(chan struct{}, p.maxConcurrent)
	}
	if p.serial {
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
	if mutation && l.p.interval > 0 && !l.lastMutation.IsZero() {
		if next := l.lastMutation.Add(l.p.interval); now.Before(next) {
			return next.Sub(now)
		}
	}
	if l.p.pointsPerMinute > 0 {
		idx, cost := 0, l.p.readPoints
		if mutation {
			idx, cost = 1, l.p.mutationPoints
		}
		window := time.Minute + l.p.margin
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
		if spent+cost > l.p.pointsPerMinute {
			// Wait until enough of the oldest stamps leave the window.
			need := spent + cost - l.p.pointsPerMinute
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
