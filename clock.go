package ghpackages

import (
	"context"
	"fmt"
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

// SystemClock returns the wall clock, a Client's default Clock: Now is
// time.Now, and Sleep waits on a timer or until ctx is done. Code that takes
// a Clock (ghpackagestest's server, retention's registry waits) uses it as
// its default too.
func SystemClock() Clock { return realClock{} }

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
