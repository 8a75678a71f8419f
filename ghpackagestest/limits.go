package ghpackagestest

import (
	"fmt"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// limits is the server's rate-limit state.
type limits struct {
	primaryLimit  int
	primaryStatus int
	window        time.Duration // the primary budget's window, an hour by default
	windowStart   time.Time
	used          map[string]int

	pointsPerMinute int
	stamps          []stamp

	maxConcurrent   int
	inflight        int
	secondaryStatus int
}

type stamp struct {
	at     time.Time
	points int
}

// WithPrimaryLimit sets the hourly request budget of each token (and of
// anonymous callers): limit requests an hour, and status (403, as GitHub
// usually answers, or 429; 0 means 403) once it is spent. The default is
// 5,000 with 403. A negative limit is invalid.
func WithPrimaryLimit(limit, status int) Option {
	return func(s *Server) {
		if limit < 0 {
			s.invalid("WithPrimaryLimit: negative limit %d", limit)
		}
		if !limitStatus(status) {
			s.invalid("WithPrimaryLimit: status %d is not 403 or 429", status)
		}
		s.limits.primaryLimit = limit
		s.limits.primaryStatus = status
	}
}

// limitStatus reports whether status is one GitHub refuses a rate-limited
// request with (0 standing for the default, 403).
func limitStatus(status int) bool {
	return status == 0 || status == http.StatusForbidden || status == http.StatusTooManyRequests
}

// WithPrimaryWindow sets how long a primary budget lasts before it resets
// (an hour, as GitHub's, by default): the window starts with the first
// request, and X-RateLimit-Reset is its end. d must be positive.
func WithPrimaryWindow(d time.Duration) Option {
	return func(s *Server) {
		if d <= 0 {
			s.invalid("WithPrimaryWindow: %v is not a positive duration", d)
			return
		}
		s.limits.window = d
	}
}

// WithSecondaryLimit enables GitHub's points budget: at most pointsPerMinute
// points in any 60 seconds, a GET costing 1 point and any other method 5.
// Past it the server answers 403 (or WithSecondaryStatus's status) with
// Retry-After, the seconds until enough points leave the window, and GitHub's
// secondary-limit message. The budget is the server's, shared by all callers.
// 0 turns it off (the default); a negative budget is invalid.
func WithSecondaryLimit(pointsPerMinute int) Option {
	return func(s *Server) {
		if pointsPerMinute < 0 {
			s.invalid("WithSecondaryLimit: negative budget %d", pointsPerMinute)
			return
		}
		s.limits.pointsPerMinute = pointsPerMinute
	}
}

// WithSecondaryStatus sets the status of secondary-limit refusals: 403, as
// GitHub usually answers and the default, or 429, which it also sends.
// Any other status is invalid.
func WithSecondaryStatus(status int) Option {
	return func(s *Server) {
		if !limitStatus(status) {
			s.invalid("WithSecondaryStatus: status %d is not 403 or 429", status)
			return
		}
		s.limits.secondaryStatus = status
	}
}

// WithMaxConcurrent refuses requests beyond n in flight at once with the
// secondary-limit answer and Retry-After: 1. A Fault with only a Delay keeps
// a request in flight for that long. 0 means no limit (the default); a
// negative n is invalid.
func WithMaxConcurrent(n int) Option {
	return func(s *Server) {
		if n < 0 {
			s.invalid("WithMaxConcurrent: negative limit %d", n)
			return
		}
		s.limits.maxConcurrent = n
	}
}

// admit applies the rate limits to a request and sets the X-RateLimit
// headers. It returns the function that marks the request finished.
func (s *Server) admit(req *request) (func(), *apiError) {
	l := &s.limits
	now := req.now
	if l.window <= 0 {
		l.window = time.Hour
	}
	if l.windowStart.IsZero() || !now.Before(l.windowStart.Add(l.window)) {
		l.windowStart = now
		l.used = map[string]int{}
	}
	key := "anonymous"
	if req.token != nil {
		key = lower(req.token.Login)
	}
	free := len(req.segments) == 1 && req.segments[0] == "rate_limit"
	setHeaders := func() {
		req.header.Set("X-RateLimit-Limit", strconv.Itoa(l.primaryLimit))
		req.header.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, l.primaryLimit-l.used[key])))
		req.header.Set("X-RateLimit-Used", strconv.Itoa(l.used[key]))
		req.header.Set("X-RateLimit-Reset", strconv.FormatInt(l.windowStart.Add(l.window).Unix(), 10))
		req.header.Set("X-RateLimit-Resource", "core")
	}
	if free {
		setHeaders()
		return func() {}, nil
	}
	if l.used[key] >= l.primaryLimit {
		s.stats.PrimaryLimited++
		setHeaders()
		return nil, s.primaryLimitError(req, l.primaryStatus)
	}
	if l.maxConcurrent > 0 && l.inflight >= l.maxConcurrent {
		s.stats.SecondaryLimited++
		setHeaders()
		e := secondaryError(l.secondaryStatus, 1)
		return nil, e
	}
	if l.pointsPerMinute > 0 {
		cost := 5
		if req.method == http.MethodGet || req.method == http.MethodHead {
			cost = 1
		}
		drop := 0
		for drop < len(l.stamps) && !l.stamps[drop].at.Add(time.Minute).After(now) {
			drop++
		}
		l.stamps = l.stamps[drop:]
		spent := 0
		for _, st := range l.stamps {
			spent += st.points
		}
		if spent+cost > l.pointsPerMinute {
			s.stats.SecondaryLimited++
			// Wait until enough points leave the window.
			need, freed := spent+cost-l.pointsPerMinute, 0
			wait := time.Second
			for _, st := range l.stamps {
				freed += st.points
				if freed >= need {
					wait = max(time.Second, st.at.Add(time.Minute).Sub(now))
					break
				}
			}
			setHeaders()
			return nil, secondaryError(l.secondaryStatus, int((wait+time.Second-1)/time.Second))
		}
		l.stamps = append(l.stamps, stamp{at: now, points: cost})
	}
	l.used[key]++
	l.inflight++
	s.stats.MaxInFlight = max(s.stats.MaxInFlight, l.inflight)
	setHeaders()
	return func() {
		s.mu.Lock()
		l.inflight--
		s.mu.Unlock()
	}, nil
}

// Where GitHub's rate-limit errors point.
const (
	docRateLimits = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
	docSecondary  = docRateLimits + "#about-secondary-rate-limits"
)

// primaryLimitError is GitHub's answer once the hourly budget is spent: for
// a token it names the user's ID and the request ID; for an anonymous caller
// it names the caller's IP address and suggests authenticating.
func (s *Server) primaryLimitError(req *request, status int) *apiError {
	if status == 0 {
		status = http.StatusForbidden
	}
	var msg string
	if req.token != nil {
		var id int64
		if o := s.owners[lower(req.token.Login)]; o != nil {
			id = o.id
		}
		msg = fmt.Sprintf("API rate limit exceeded for user ID %d. If you reach out to GitHub Support for help, please include the request ID %s.", id, req.id)
	} else {
		ip, _, err := net.SplitHostPort(req.r.RemoteAddr)
		if err != nil {
			ip = req.r.RemoteAddr
		}
		msg = fmt.Sprintf("API rate limit exceeded for %s. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)", ip)
	}
	return &apiError{status: status, message: msg, doc: docRateLimits}
}

// secondaryError is a secondary-limit refusal asking the client to wait
// retryAfter seconds.
func secondaryError(status, retryAfter int) *apiError {
	if status == 0 {
		status = http.StatusForbidden
	}
	return &apiError{status: status, message: msgSecondary, doc: docSecondary,
		header: map[string]string{"Retry-After": strconv.Itoa(retryAfter)}}
}

// refund gives back the primary-budget request a 304 answer used, and
// updates the headers already set.
func (s *Server) refund(req *request) {
	key := "anonymous"
	if req.token != nil {
		key = lower(req.token.Login)
	}
	if s.limits.used[key] > 0 {
		s.limits.used[key]--
	}
	req.header.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, s.limits.primaryLimit-s.limits.used[key])))
	req.header.Set("X-RateLimit-Used", strconv.Itoa(s.limits.used[key]))
}

func (s *Server) rateLimitBody(req *request) any {
	l := &s.limits
	key := "anonymous"
	if req.token != nil {
		key = lower(req.token.Login)
	}
	core := map[string]any{
		"limit":     l.primaryLimit,
		"remaining": max(0, l.primaryLimit-l.used[key]),
		"used":      l.used[key],
		"reset":     l.windowStart.Add(l.window).Unix(),
		"resource":  "core",
	}
	return map[string]any{"resources": map[string]any{"core": core}, "rate": core}
}

// Fault makes matching requests fail. Exactly one of Status, Drop or
// Truncate is normally set; Delay may be combined with any, and After with
// Status or Drop.
type Fault struct {
	// Method limits the fault to one HTTP method; empty matches any.
	Method string
	// PathPrefix limits the fault to requests whose escaped path starts
	// with it (e.g. "/orgs/octo-org/packages/container/team%2Fapp/versions");
	// empty matches any.
	PathPrefix string
	// Path limits the fault to requests whose escaped path matches this
	// path.Match pattern (e.g. "/orgs/*/packages/container/*/versions/*",
	// where team%2Fapp is one segment); empty matches any.
	Path string
	// Count is how many matching requests fail (at least 1).
	Count int
	// Status answers with this status and a JSON error body.
	Status int
	// Delay waits this long (real time) before answering. Alone, it slows
	// the real answer and the request counts as in flight meanwhile (see
	// WithMaxConcurrent); with Status or Drop, it comes before the failure.
	Delay time.Duration
	// Drop closes the connection without an answer.
	Drop bool
	// Truncate sends the real answer's headers and half its body, then
	// closes the connection.
	Truncate bool
	// After makes Status or Drop fire once the fake has carried the
	// request out (a DELETE has deleted, a restore restored), as when the
	// answer is lost on its way back: the client gets Status (a gateway's
	// 502 after the server finished) or no answer at all. Without After they
	// fire before, and nothing is carried out. With After, Delay slows the
	// real handling, as it does alone.
	After bool
}

// before reports whether f fails the request before it is carried out.
func (f *Fault) before() bool { return (f.Drop || f.Status != 0) && !f.After }

// loseAnswer answers r, which the fake has carried out, as f (an After
// fault) says: with f.Status, or with no answer at all.
func (s *Server) loseAnswer(w http.ResponseWriter, r *http.Request, f *Fault) {
	if f.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
		s.logRequest(r, 0, "dropped connection after the request")
		return
	}
	writeError(w, &apiError{status: f.Status, message: http.StatusText(f.Status), doc: docURL})
	s.logRequest(r, f.Status, fmt.Sprintf("status %d after the request", f.Status))
}

// InjectFault makes the next f.Count requests matching f fail as f says.
// Faults are consumed in the order they were injected. It panics (fails
// the test of New) on a malformed Path pattern.
func (s *Server) InjectFault(f Fault) {
	if f.Count < 1 {
		f.Count = 1
	}
	if _, err := path.Match(f.Path, ""); err != nil {
		s.misuse("InjectFault: bad Path pattern %q: %v", f.Path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// PendingFaults is the number of injected failures not yet used.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.faults {
		n += f.Count
	}
	return n
}

// takeFault returns a copy of the first fault matching r and uses it up.
func (s *Server) takeFault(r *http.Request) *Fault {
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.PathPrefix != "" && !strings.HasPrefix(r.URL.EscapedPath(), f.PathPrefix) {
			continue
		}
		if f.Path != "" {
			if ok, _ := path.Match(f.Path, r.URL.EscapedPath()); !ok {
				continue
			}
		}
		f.Count--
		c := *f
		if f.Count == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return &c
	}
	return nil
}

// String describes the fault for test logs.
func (f Fault) String() string {
	what := fmt.Sprintf("status %d", f.Status)
	switch {
	case f.Drop:
		what = "dropped connection"
	case f.Truncate:
		what = "truncated body"
	case f.Status == 0:
		what = "delay"
	}
	if f.After && (f.Drop || f.Status != 0) {
		what += " after the request"
	}
	return fmt.Sprintf("%s %s%s%s ×%d", what, f.Method, f.PathPrefix, f.Path, f.Count)
}

// WithFault injects f when the server starts, as InjectFault does; a
// malformed Path pattern is invalid.
func WithFault(f Fault) Option {
	return func(s *Server) {
		if f.Count < 1 {
			f.Count = 1
		}
		if _, err := path.Match(f.Path, ""); err != nil {
			s.invalid("WithFault: bad Path pattern %q: %v", f.Path, err)
			return
		}
		s.faults = append(s.faults, &f)
	}
}
